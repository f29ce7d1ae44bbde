//! Random access to the files of a local source: a directory, or a tar
//! archive indexed once (each entry's offset and size) and then read in
//! place — nothing is extracted.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{ImageError, LayerError};
use crate::tarframe::{EntryKind, FrameLimits, Seekable, TarFramer};

/// A blob stream.
pub type BlobReader = Box<dyn Read + Send>;

const IO_BUF: usize = 64 * 1024;

/// Named files of a local source.
pub(crate) trait Files: Send + Sync + fmt::Debug {
    /// Opens `path` (relative, `/`-separated) and returns it with its size.
    fn open(&self, path: &str) -> Result<(BlobReader, u64), ImageError>;
    /// Whether `path` exists.
    fn exists(&self, path: &str) -> bool;
    /// The source's name for messages.
    fn name(&self) -> &str;
}

/// Normalises a relative path found in a manifest; refuses absolute paths
/// and `..` so that a hostile manifest cannot make us read outside the source.
pub(crate) fn clean_relative(path: &str, source: &str) -> Result<String, ImageError> {
    let mut parts = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                return Err(ImageError::Invalid {
                    what: "path".into(),
                    location: source.to_owned(),
                    reason: format!("`{path}` leaves the image (contains ..)"),
                });
            }
            c => parts.push(c),
        }
    }
    if path.starts_with('/') || parts.is_empty() {
        return Err(ImageError::Invalid {
            what: "path".into(),
            location: source.to_owned(),
            reason: format!("`{path}` must be a relative file path"),
        });
    }
    Ok(parts.join("/"))
}

/// Files of a directory.
#[derive(Debug)]
pub(crate) struct DirFiles {
    root: PathBuf,
    name: String,
}

impl DirFiles {
    pub(crate) fn new(root: &Path, name: String) -> Result<Self, ImageError> {
        let meta = std::fs::metadata(root).map_err(|source| ImageError::Io {
            path: root.to_owned(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(ImageError::Invalid {
                what: "source".into(),
                location: name,
                reason: format!("{} is not a directory", root.display()),
            });
        }
        Ok(Self {
            root: root.to_owned(),
            name,
        })
    }
}

impl Files for DirFiles {
    fn open(&self, path: &str) -> Result<(BlobReader, u64), ImageError> {
        let rel = clean_relative(path, &self.name)?;
        let full = self.root.join(&rel);
        let file = File::open(&full).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                ImageError::Missing {
                    source_name: self.name.clone(),
                    what: "file".into(),
                    path: rel.clone(),
                }
            } else {
                ImageError::Io {
                    path: full.clone(),
                    source,
                }
            }
        })?;
        let meta = file.metadata().map_err(|source| ImageError::Io {
            path: full.clone(),
            source,
        })?;
        if !meta.is_file() {
            return Err(ImageError::Missing {
                source_name: self.name.clone(),
                what: "regular file".into(),
                path: rel,
            });
        }
        Ok((Box::new(BufReader::with_capacity(IO_BUF, file)), meta.len()))
    }

    fn exists(&self, path: &str) -> bool {
        clean_relative(path, &self.name)
            .map(|rel| self.root.join(rel).is_file())
            .unwrap_or(false)
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Debug, Clone)]
enum Slot {
    Data {
        offset: u64,
        size: u64,
    },
    /// A GNU sparse member: its bytes are not contiguous in the archive.
    Sparse,
    Link(String),
}

/// Files of a tar archive, indexed by one scan of its headers.
#[derive(Debug)]
pub(crate) struct TarFiles {
    path: PathBuf,
    name: String,
    entries: HashMap<String, Slot>,
}

/// The most entries an outer archive may hold.
const MAX_ARCHIVE_ENTRIES: usize = 1_000_000;

impl TarFiles {
    pub(crate) fn index(path: &Path, name: String) -> Result<Self, ImageError> {
        let io_err = |source| ImageError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        let mut magic = [0u8; 6];
        let n = read_up_to(&mut file, &mut magic).map_err(io_err)?;
        if let Some(kind) = crate::layer::compression_name(&magic[..n]) {
            return Err(ImageError::Unsupported {
                what: format!("{kind}-compressed archive {}", path.display()),
                reason: "decompress it first (image archives are plain tar)".into(),
            });
        }
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let archive_err = |offset, reason: String| ImageError::Archive {
            path: path.to_owned(),
            offset,
            reason,
        };
        let mut framer = TarFramer::new(
            Seekable(BufReader::with_capacity(IO_BUF, file)),
            FrameLimits {
                max_extension: 1 << 20,
                max_path: 16 * 1024,
                max_sparse_entries: 1 << 16,
            },
        );
        let mut entries = HashMap::new();
        loop {
            let entry = match framer.next_entry() {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(e) => return Err(archive_err(framer.position(), layer_reason(e))),
            };
            if entries.len() >= MAX_ARCHIVE_ENTRIES {
                return Err(archive_err(
                    entry.header_offset,
                    format!("more than {MAX_ARCHIVE_ENTRIES} entries"),
                ));
            }
            let Some(name) = archive_path(&entry.path) else {
                continue;
            };
            let offset = framer.position();
            let slot = match entry.kind {
                EntryKind::File if entry.sparse => Slot::Sparse,
                EntryKind::File => {
                    if offset.saturating_add(entry.size) > len {
                        return Err(archive_err(
                            entry.header_offset,
                            format!(
                                "entry `{name}` runs past the end of the file (truncated archive)"
                            ),
                        ));
                    }
                    Slot::Data {
                        offset,
                        size: entry.size,
                    }
                }
                EntryKind::Hardlink => match entry.link.as_deref().and_then(archive_path) {
                    Some(t) => Slot::Link(t),
                    None => continue,
                },
                EntryKind::Symlink => {
                    let Some(target) = entry.link.as_deref() else {
                        continue;
                    };
                    let target = String::from_utf8_lossy(target);
                    let joined = if target.starts_with('/') {
                        target.into_owned()
                    } else {
                        match name.rsplit_once('/') {
                            Some((dir, _)) => format!("{dir}/{target}"),
                            None => target.into_owned(),
                        }
                    };
                    match lexical(&joined) {
                        Some(t) => Slot::Link(t),
                        None => continue,
                    }
                }
                _ => continue,
            };
            entries.insert(name, slot);
        }
        Ok(Self {
            path: path.to_owned(),
            name,
            entries,
        })
    }

    /// The data or sparse slot that `path` names, following links.
    fn resolve(&self, path: &str) -> Option<&Slot> {
        let mut cur = path.to_owned();
        for _ in 0..16 {
            match self.entries.get(&cur)? {
                Slot::Link(t) => cur = t.clone(),
                slot => return Some(slot),
            }
        }
        None
    }
}

fn layer_reason(e: LayerError) -> String {
    e.to_string()
}

/// Reads until `buf` is full or the reader ends; returns how many bytes it
/// read (fewer than `buf.len()` only at the end of the stream).
pub fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// An archive member name as a clean relative path (`./a/b` → `a/b`);
/// `None` for names that leave the archive or name its root.
pub(crate) fn archive_path(raw: &[u8]) -> Option<String> {
    lexical(std::str::from_utf8(raw).ok()?)
}

pub(crate) fn lexical(p: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

impl Files for TarFiles {
    fn open(&self, path: &str) -> Result<(BlobReader, u64), ImageError> {
        let rel = clean_relative(path, &self.name)?;
        let (offset, size) = match self.resolve(&rel) {
            Some(Slot::Data { offset, size }) => (*offset, *size),
            Some(_) => {
                return Err(ImageError::Unsupported {
                    what: format!("GNU sparse member `{rel}` of {}", self.name),
                    reason: "image archives are read in place and a sparse member is not \
                             contiguous; re-create the archive without --sparse"
                        .into(),
                });
            }
            None => {
                return Err(ImageError::Missing {
                    source_name: self.name.clone(),
                    what: "file".into(),
                    path: rel,
                });
            }
        };
        let io_err = |source| ImageError::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = File::open(&self.path).map_err(io_err)?;
        file.seek(SeekFrom::Start(offset)).map_err(io_err)?;
        Ok((
            Box::new(BufReader::with_capacity(IO_BUF, file.take(size))),
            size,
        ))
    }

    fn exists(&self, path: &str) -> bool {
        clean_relative(path, &self.name)
            .ok()
            .and_then(|rel| self.resolve(&rel))
            .is_some()
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// Reads a whole small file (manifest, index, config) under a size cap.
pub(crate) fn read_small(files: &dyn Files, path: &str, what: &str) -> Result<Vec<u8>, ImageError> {
    const MAX_JSON: u64 = 32 << 20;
    let (reader, size) = files.open(path)?;
    let location = format!("{}:{path}", files.name());
    if size > MAX_JSON {
        return Err(ImageError::TooLarge {
            what: what.to_owned(),
            location,
            limit: MAX_JSON,
        });
    }
    let mut v = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader
        .take(MAX_JSON + 1)
        .read_to_end(&mut v)
        .map_err(|source| ImageError::Io {
            path: PathBuf::from(location.clone()),
            source,
        })?;
    if v.len() as u64 > MAX_JSON {
        return Err(ImageError::TooLarge {
            what: what.to_owned(),
            location,
            limit: MAX_JSON,
        });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_relative_refuses_escapes() {
        assert_eq!(clean_relative("./a//b", "s").unwrap(), "a/b");
        assert!(clean_relative("../etc/shadow", "s").is_err());
        assert!(clean_relative("a/../../b", "s").is_err());
        assert!(clean_relative("/etc/shadow", "s").is_err());
        assert!(clean_relative("", "s").is_err());
    }

    #[test]
    fn sparse_members_are_refused_when_opened() {
        let mut h = tar::Header::new_gnu();
        h.set_path("blobs/sparse").unwrap();
        h.set_entry_type(tar::EntryType::GNUSparse);
        h.set_size(3);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        let gnu = h.as_gnu_mut().unwrap();
        gnu.sparse[0].set_offset(100);
        gnu.sparse[0].set_length(3);
        gnu.set_real_size(200);
        h.set_cksum();
        let mut tar = h.as_bytes().to_vec();
        tar.extend_from_slice(b"abc");
        tar.resize(1024, 0);
        let mut plain = tar::Header::new_gnu();
        plain.set_path("blobs/plain").unwrap();
        plain.set_size(2);
        plain.set_mode(0o644);
        plain.set_uid(0);
        plain.set_gid(0);
        plain.set_mtime(0);
        plain.set_cksum();
        tar.extend_from_slice(plain.as_bytes());
        tar.extend_from_slice(b"ok");
        tar.resize(tar.len() + 510 + 1024, 0);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        std::fs::write(&path, &tar).unwrap();
        let files = TarFiles::index(&path, "oci-archive:a.tar".into()).unwrap();
        let e = files.open("blobs/sparse").err().unwrap().to_string();
        assert!(
            e.contains("GNU sparse member `blobs/sparse` of oci-archive:a.tar"),
            "{e}"
        );
        let (mut r, size) = files.open("blobs/plain").unwrap();
        let mut v = Vec::new();
        r.read_to_end(&mut v).unwrap();
        assert_eq!((v.as_slice(), size), (&b"ok"[..], 2));
    }

    #[test]
    fn lexical_paths() {
        assert_eq!(lexical("./a/./b/../c").as_deref(), Some("a/c"));
        assert_eq!(lexical("../x"), None);
        assert_eq!(lexical("."), None);
    }
}
