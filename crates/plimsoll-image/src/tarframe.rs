//! Tar framing with hard caps. Header fields are parsed by the `tar` crate
//! (`tar::Header`, `tar::PaxExtensions`, GNU long names, base-256 sizes);
//! the entry loop is ours so that PAX records and GNU long names are read
//! under a size cap (the `tar` crate's own iterator reads them whole into
//! memory, whatever their declared size) and so that every error carries
//! the byte offset of its header.

use std::io::{self, Read};

use crate::error::LayerError;

pub(crate) const BLOCK: u64 = 512;

/// Kind of a tar entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symbolic link.
    Symlink,
    /// Hard link to an earlier path.
    Hardlink,
    /// Character device.
    CharDevice,
    /// Block device.
    BlockDevice,
    /// Named pipe.
    Fifo,
    /// Anything else (sparse files are reported as files).
    Other,
}

/// A raw entry header with extensions applied.
#[derive(Debug, Clone)]
pub(crate) struct RawEntry {
    pub header_offset: u64,
    pub path: Vec<u8>,
    pub link: Option<Vec<u8>>,
    pub kind: EntryKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: u64,
    /// Bytes of content in the archive.
    pub size: u64,
    /// Logical size (differs from `size` for GNU sparse files).
    pub logical_size: u64,
    pub sparse: bool,
}

/// Skipping forward, by seek where the reader can.
pub(crate) trait Skip: Read {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let copied = io::copy(&mut self.take(n), &mut io::sink())?;
        if copied < n {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// Limits applied while framing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameLimits {
    pub max_extension: u64,
    pub max_path: usize,
}

/// The entry loop.
pub(crate) struct TarFramer<R> {
    inner: R,
    /// Offset of the next unread byte.
    pos: u64,
    /// Bytes of the current entry's content (plus padding) not yet consumed.
    pending: u64,
    /// Content bytes left in the current entry.
    remaining: u64,
    limits: FrameLimits,
    done: bool,
}

impl<R: Skip> TarFramer<R> {
    pub(crate) fn new(inner: R, limits: FrameLimits) -> Self {
        Self {
            inner,
            pos: 0,
            pending: 0,
            remaining: 0,
            limits,
            done: false,
        }
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }

    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    fn eof(&self, context: &str) -> LayerError {
        LayerError::Truncated {
            offset: self.pos,
            context: context.to_owned(),
        }
    }

    fn map_io(&self, e: io::Error, context: &str) -> LayerError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            self.eof(context)
        } else {
            LayerError::Read {
                compression: String::new(),
                offset: self.pos,
                source: e,
            }
        }
    }

    fn skip_pending(&mut self) -> Result<(), LayerError> {
        if self.pending > 0 {
            let n = self.pending;
            self.inner
                .skip(n)
                .map_err(|e| self.map_io(e, "entry content"))?;
            self.pos += n;
            self.pending = 0;
            self.remaining = 0;
        }
        Ok(())
    }

    /// Reads one 512-byte block; `Ok(false)` on a clean EOF before it.
    fn read_block(&mut self, buf: &mut [u8; 512]) -> Result<bool, LayerError> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.map_io(e, "a tar header")),
            }
        }
        self.pos += filled as u64;
        match filled {
            0 => Ok(false),
            512 => Ok(true),
            _ => Err(self.eof("a tar header")),
        }
    }

    fn read_extension(&mut self, size: u64, kind: &str, at: u64) -> Result<Vec<u8>, LayerError> {
        if size > self.limits.max_extension {
            return Err(LayerError::ExtensionTooLarge {
                kind: kind.to_owned(),
                offset: at,
                size,
                limit: self.limits.max_extension,
            });
        }
        let mut v = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        let n = (&mut self.inner)
            .take(size)
            .read_to_end(&mut v)
            .map_err(|e| self.map_io(e, kind))?;
        self.pos += n as u64;
        if (n as u64) < size {
            return Err(self.eof(kind));
        }
        let pad = padding(size);
        self.inner.skip(pad).map_err(|e| self.map_io(e, kind))?;
        self.pos += pad;
        Ok(v)
    }

    /// The next entry, or `None` at the end of the archive. Content of the
    /// previous entry that was not read is skipped.
    pub(crate) fn next_entry(&mut self) -> Result<Option<RawEntry>, LayerError> {
        if self.done {
            return Ok(None);
        }
        self.skip_pending()?;
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax: Option<Vec<u8>> = None;
        let mut block = [0u8; 512];
        loop {
            let at = self.pos;
            if !self.read_block(&mut block)? {
                if long_name.is_some() || long_link.is_some() || pax.is_some() {
                    return Err(self.eof("an entry announced by an extension header"));
                }
                // A missing end-of-archive marker is tolerated, like GNU tar.
                self.done = true;
                return Ok(None);
            }
            if block.iter().all(|&b| b == 0) {
                self.done = true;
                return Ok(None);
            }
            let header = tar::Header::from_byte_slice(&block);
            let tar_err = |reason: String| LayerError::Tar { offset: at, reason };
            let stored = header
                .cksum()
                .map_err(|e| tar_err(format!("bad checksum field: {e}")))?;
            let computed: u32 = block[..148]
                .iter()
                .chain(&block[156..])
                .map(|&b| u32::from(b))
                .sum::<u32>()
                + 8 * 32;
            if stored != computed {
                return Err(tar_err(format!(
                    "header checksum mismatch (stored {stored}, computed {computed}): not a tar stream or corrupt"
                )));
            }
            let et = header.entry_type();
            let mut size = header
                .entry_size()
                .map_err(|e| tar_err(format!("bad size field: {e}")))?;
            if et.is_gnu_longname() || et.is_gnu_longlink() || et.is_pax_local_extensions() {
                let kind = if et.is_pax_local_extensions() {
                    "PAX"
                } else {
                    "GNU long name"
                };
                let data = self.read_extension(size, kind, at)?;
                let slot = if et.is_gnu_longname() {
                    &mut long_name
                } else if et.is_gnu_longlink() {
                    &mut long_link
                } else {
                    &mut pax
                };
                if slot.is_some() {
                    return Err(tar_err(format!("two {kind} headers for one entry")));
                }
                *slot = Some(data);
                continue;
            }
            if et.is_pax_global_extensions() {
                // Global records (e.g. git's comment) carry nothing we use.
                self.read_extension(size, "PAX global", at)?;
                continue;
            }
            let mut path = match &long_name {
                Some(n) => trim_nul(n).to_vec(),
                None => header.path_bytes().into_owned(),
            };
            let mut link = match &long_link {
                Some(n) => Some(trim_nul(n).to_vec()),
                None => header.link_name_bytes().map(|c| c.into_owned()),
            };
            let mut uid = header.uid().map_err(|e| tar_err(format!("bad uid: {e}")))?;
            let mut gid = header.gid().map_err(|e| tar_err(format!("bad gid: {e}")))?;
            let mut mtime = header.mtime().unwrap_or(0);
            if let Some(p) = &pax {
                for ext in tar::PaxExtensions::new(p) {
                    let ext = ext.map_err(|e| tar_err(format!("malformed PAX record: {e}")))?;
                    let num = || {
                        ext.value()
                            .ok()
                            .and_then(|v| v.split('.').next())
                            .and_then(|v| v.parse::<u64>().ok())
                    };
                    match ext.key_bytes() {
                        b"path" => path = ext.value_bytes().to_vec(),
                        b"linkpath" => link = Some(ext.value_bytes().to_vec()),
                        b"size" => {
                            size = num().ok_or_else(|| tar_err("bad PAX size".into()))?;
                        }
                        b"uid" => uid = num().unwrap_or(uid),
                        b"gid" => gid = num().unwrap_or(gid),
                        b"mtime" => mtime = num().unwrap_or(mtime),
                        _ => {}
                    }
                }
            }
            if path.len() > self.limits.max_path {
                return Err(LayerError::PathTooLong {
                    offset: at,
                    len: path.len(),
                    limit: self.limits.max_path,
                });
            }
            let mut sparse = false;
            let mut logical_size = size;
            let kind = if et.is_file() || et.is_contiguous() {
                EntryKind::File
            } else if et.is_dir() {
                EntryKind::Dir
            } else if et.is_symlink() {
                EntryKind::Symlink
            } else if et.is_hard_link() {
                EntryKind::Hardlink
            } else if et.is_character_special() {
                EntryKind::CharDevice
            } else if et.is_block_special() {
                EntryKind::BlockDevice
            } else if et.is_fifo() {
                EntryKind::Fifo
            } else if et.is_gnu_sparse() {
                sparse = true;
                if let Some(gnu) = header.as_gnu() {
                    logical_size = gnu.real_size().unwrap_or(size);
                    let mut extended = gnu.is_extended();
                    while extended {
                        let mut ext = [0u8; 512];
                        if !self.read_block(&mut ext)? {
                            return Err(self.eof("a GNU sparse header"));
                        }
                        extended = ext[504] != 0;
                    }
                }
                EntryKind::File
            } else {
                EntryKind::Other
            };
            let mode = header.mode().unwrap_or(0);
            if !matches!(kind, EntryKind::File | EntryKind::Other) {
                // Header-only types carry no content whatever their size
                // field says, as in Go's archive/tar (which Docker and
                // containerd use): reading it otherwise would frame the
                // archive differently from the runtime.
                size = 0;
            }
            self.remaining = size;
            self.pending = size
                .checked_add(padding(size))
                .ok_or_else(|| tar_err("size overflow".into()))?;
            return Ok(Some(RawEntry {
                header_offset: at,
                path,
                link,
                kind,
                mode,
                uid,
                gid,
                mtime,
                size,
                logical_size: if sparse { logical_size } else { size },
                sparse,
            }));
        }
    }

    /// A reader over the current entry's content.
    pub(crate) fn content(&mut self) -> EntryContent<'_, R> {
        EntryContent { framer: self }
    }
}

/// The content of the current entry.
pub(crate) struct EntryContent<'a, R> {
    framer: &'a mut TarFramer<R>,
}

impl<R: Read> Read for EntryContent<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let f = &mut *self.framer;
        if f.remaining == 0 {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(f.remaining).unwrap_or(usize::MAX));
        let n = f.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        f.remaining -= n as u64;
        f.pending -= n as u64;
        f.pos += n as u64;
        Ok(n)
    }
}

pub(crate) fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

fn trim_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}

/// A plain stream: skipping reads and discards.
pub(crate) struct Stream<R>(pub R);

impl<R: Read> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Skip for Stream<R> {}

/// A file: skipping seeks.
pub(crate) struct Seekable<R>(pub R);

impl<R: Read + io::Seek> Read for Seekable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read + io::Seek> Skip for Seekable<R> {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let n = i64::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        self.0.seek(io::SeekFrom::Current(n)).map(|_| ())
    }
}
