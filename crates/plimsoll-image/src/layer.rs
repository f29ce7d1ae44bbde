//! One streamed pass over a layer: detect the compression by magic bytes,
//! decompress once, hash the blob and the tar stream on the fly, walk the
//! tar, record the file table and whiteouts, and hand wanted entries to the
//! analyzers. Nothing is written to disk; memory is bounded by the buffers
//! and the caps in [`Limits`].

use std::collections::BTreeMap;
use std::io::{self, BufReader, Read};

use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, AnalyzerOutput, EntryReader, PathError, PathResult};
use crate::digest::{Digest, HashingReader};
use crate::error::LayerError;
use crate::path::{self, normalize};
use crate::tarframe::{EntryKind, FrameLimits, Stream, TarFramer};

/// Caps that bound time and memory on hostile input. All configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most uncompressed bytes per layer (decompression bombs).
    pub max_layer_bytes: u64,
    /// Largest entry a layer may hold.
    pub max_entry_bytes: u64,
    /// Most entries per layer.
    pub max_entries: u64,
    /// Most bytes an analyzer may read from one entry.
    pub max_read_bytes: u64,
    /// Largest PAX record set or GNU long name.
    pub max_extension_bytes: u64,
    /// Longest entry path in bytes.
    pub max_path_bytes: usize,
    /// Most data segments in one GNU sparse file's map.
    pub max_sparse_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_layer_bytes: 64 << 30,
            max_entry_bytes: 32 << 30,
            max_entries: 4_000_000,
            max_read_bytes: 128 << 20,
            max_extension_bytes: 1 << 20,
            max_path_bytes: 16 << 10,
            max_sparse_entries: 1 << 16,
        }
    }
}

/// The compression of a layer blob, detected from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Plain tar.
    None,
    /// gzip (one or more members).
    Gzip,
    /// zstd (one or more frames).
    Zstd,
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// The name of a compression format recognised by its magic bytes.
pub(crate) fn compression_name(magic: &[u8]) -> Option<&'static str> {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Some("gzip")
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (magic.len() >= 4 && magic[0] & 0xf0 == 0x50 && magic[1..4] == [0x2a, 0x4d, 0x18])
    {
        Some("zstd")
    } else if magic.starts_with(b"BZh") {
        Some("bzip2")
    } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else {
        None
    }
}

/// One entry of a layer's file table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Normalised path, relative to the root (`etc/passwd`).
    pub path: String,
    /// Kind.
    pub kind: EntryKind,
    /// Permission bits (with setuid/setgid/sticky).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Size in bytes (0 for links and directories).
    pub size: u64,
    /// Modification time (seconds since the epoch).
    #[serde(default)]
    pub mtime: u64,
    /// Symlink target as stored (never followed), or hard-link target
    /// normalised like a path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Something odd about an entry: kept so that image checks can report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnomalyKind {
    /// The name was absolute; made relative.
    AbsolutePath,
    /// `..` would have left the root; clamped.
    PathTraversal,
    /// The name is not UTF-8; bytes escaped as `\xNN`.
    NonUtf8Name,
    /// A hard link's target would have left the root; clamped.
    HardlinkEscape,
    /// GNU sparse file (informational). Its content is analysed as the
    /// logical file, holes read as zeros, as a runtime would extract it;
    /// Docker and BuildKit never write sparse entries, so one tells of a
    /// layer made by another tool (e.g. `tar --sparse`).
    SparseFile,
    /// A `.wh..wh.*` name other than the opaque marker (aufs metadata).
    UnknownWhiteout,
    /// An entry for the root directory that is not a directory.
    RootNotDir,
}

/// An anomaly with its place in the layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// What.
    pub kind: AnomalyKind,
    /// The normalised path of the entry.
    pub path: String,
    /// Offset of its header in the uncompressed stream.
    pub offset: u64,
}

/// A layer's file table: entries in tar order, whiteouts and opaque dirs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerFiles {
    /// Entries, in tar order (whiteout markers excluded).
    pub entries: Vec<FileEntry>,
    /// Paths deleted by `.wh.NAME` markers.
    pub whiteouts: Vec<String>,
    /// Directories made opaque by `.wh..wh..opq` (`""` is the root).
    pub opaque_dirs: Vec<String>,
    /// Odd entries.
    pub anomalies: Vec<Anomaly>,
}

/// What one pass over a layer produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerRead {
    /// The file table.
    pub files: LayerFiles,
    /// Analyzer outputs by analyzer name.
    pub outputs: BTreeMap<String, AnalyzerOutput>,
    /// Detected compression.
    pub compression: Compression,
    /// sha256 of the blob as read.
    pub blob_digest: Digest,
    /// Bytes of the blob.
    pub blob_size: u64,
    /// sha256 of the uncompressed stream (verified against the diff_id).
    pub diff_id: Digest,
    /// Uncompressed bytes.
    pub uncompressed_size: u64,
}

/// What the reader verifies a blob against.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// Blob digest, when known.
    pub digest: Option<&'a Digest>,
    /// Blob size, when known.
    pub size: Option<u64>,
    /// diff_id from the config; `None` when the caller learns which layer
    /// this is only from the digest computed here (a `docker save` stream,
    /// whose legacy layer names are not digests): it must then match
    /// [`LayerRead::diff_id`] against the config itself.
    pub diff_id: Option<&'a Digest>,
}

/// A reader that serves a prefix first, then its inner reader.
struct Prefixed<R> {
    prefix: Vec<u8>,
    pos: usize,
    inner: R,
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.prefix.len() {
            let n = (self.prefix.len() - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&self.prefix[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

enum Decoder<R: Read> {
    Plain(BufReader<R>),
    Gzip(Box<crate::gzip::GzipMembers<R>>),
    Zstd(zstd::stream::read::Decoder<'static, BufReader<R>>),
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

impl<R: Read> Decoder<R> {
    /// The compressed reader, positioned wherever decoding stopped.
    fn into_inner(self) -> R {
        match self {
            Decoder::Plain(r) => r.into_inner(),
            Decoder::Gzip(r) => r.into_inner(),
            Decoder::Zstd(r) => r.finish().into_inner(),
        }
    }
}

/// The buffer between the decoder and the tar walk.
const TAR_BUF: usize = 128 * 1024;

type Raw<R> = Prefixed<HashingReader<R>>;
type Unpacked<R> = HashingReader<Decoder<Raw<R>>>;

/// Reads one layer blob in one pass. `analyzers` receive the entries they
/// want. Fails if the blob or its uncompressed stream does not match
/// `expected`, after the whole stream has been read.
pub fn read_layer<R: Read>(
    blob: R,
    expected: Expected<'_>,
    analyzers: &[&dyn Analyzer],
    limits: &Limits,
) -> Result<LayerRead, LayerError> {
    let mut raw = HashingReader::new(blob, None);
    let mut prefix = vec![0u8; 512];
    let filled =
        crate::files::read_up_to(&mut raw, &mut prefix).map_err(|source| LayerError::Read {
            compression: "unknown".into(),
            offset: 0,
            source,
        })?;
    prefix.truncate(filled);
    let compression = match compression_name(&prefix) {
        Some("gzip") => Compression::Gzip,
        Some("zstd") => Compression::Zstd,
        Some(other) => return Err(LayerError::UnsupportedCompression(other.to_owned())),
        None => Compression::None,
    };
    let prefixed = Prefixed {
        prefix,
        pos: 0,
        inner: raw,
    };
    let decoder = match compression {
        Compression::None => Decoder::Plain(BufReader::with_capacity(64 * 1024, prefixed)),
        Compression::Gzip => Decoder::Gzip(Box::new(
            crate::gzip::GzipMembers::new(prefixed).map_err(|source| LayerError::Read {
                compression: "gzip".into(),
                offset: 0,
                source,
            })?,
        )),
        Compression::Zstd => {
            let mut d =
                zstd::stream::read::Decoder::new(prefixed).map_err(|source| LayerError::Read {
                    compression: "zstd".into(),
                    offset: 0,
                    source,
                })?;
            // Bound the decoder's window (memory) at 128 MiB, zstd's default
            // limit, whatever the frame header asks for.
            d.window_log_max(27).map_err(|source| LayerError::Read {
                compression: "zstd".into(),
                offset: 0,
                source,
            })?;
            Decoder::Zstd(d)
        }
    };
    // An uncompressed layer is its own diff: its blob digest is its diff_id,
    // so it is hashed once, on the blob side.
    let unpacked: Unpacked<R> = if compression == Compression::None {
        HashingReader::counting(decoder, Some(limits.max_layer_bytes))
    } else {
        HashingReader::new(decoder, Some(limits.max_layer_bytes))
    };
    // Bytes read ahead into this buffer are already hashed: dropping them
    // with the buffer at the end loses nothing from the diff_id.
    let mut framer = TarFramer::new(
        Stream(BufReader::with_capacity(TAR_BUF, unpacked)),
        FrameLimits {
            max_extension: limits.max_extension_bytes,
            max_path: limits.max_path_bytes,
            max_sparse_entries: limits.max_sparse_entries,
        },
    );
    let walked = walk(&mut framer, analyzers, limits);
    let Stream(buffered) = framer.into_inner();
    let mut unpacked = buffered.into_inner();
    let fix = |e: LayerError, unpacked: &Unpacked<R>| -> LayerError {
        if unpacked.count() > limits.max_layer_bytes {
            return LayerError::LayerTooLarge {
                limit: limits.max_layer_bytes,
            };
        }
        match e {
            LayerError::Read { offset, source, .. } => {
                if source.kind() == io::ErrorKind::UnexpectedEof {
                    LayerError::Truncated {
                        offset,
                        context: format!("the {} stream", compression.name()),
                    }
                } else {
                    LayerError::Read {
                        compression: compression.name().to_owned(),
                        offset,
                        source,
                    }
                }
            }
            other => other,
        }
    };
    let (files, outputs) = walked.map_err(|e| fix(e, &unpacked))?;
    // Trailing blocks after the end-of-archive marker belong to the diff.
    unpacked.drain().map_err(|source| {
        let offset = unpacked.count();
        fix(
            LayerError::Read {
                compression: String::new(),
                offset,
                source,
            },
            &unpacked,
        )
    })?;
    let (diff_id, uncompressed_size, decoder) = unpacked.finish();
    let Prefixed { inner: mut raw, .. } = decoder.into_inner();
    raw.drain().map_err(|source| LayerError::Read {
        compression: compression.name().to_owned(),
        offset: uncompressed_size,
        source,
    })?;
    let (blob_digest, blob_size, _) = raw.finish();
    let Some(blob_digest) = blob_digest else {
        return Err(LayerError::Read {
            compression: compression.name().to_owned(),
            offset: 0,
            source: io::Error::other("the blob was not hashed"),
        });
    };
    let diff_id = diff_id.unwrap_or_else(|| blob_digest.clone());
    if let Some(want) = expected.digest {
        if *want != blob_digest {
            return Err(LayerError::DigestMismatch {
                expected: want.to_string(),
                actual: blob_digest.to_string(),
            });
        }
    }
    if let Some(want) = expected.size {
        if want != blob_size {
            return Err(LayerError::SizeMismatch {
                expected: want,
                actual: blob_size,
            });
        }
    }
    if let Some(want) = expected.diff_id {
        if *want != diff_id {
            return Err(LayerError::DiffIdMismatch {
                expected: want.to_string(),
                actual: diff_id.to_string(),
            });
        }
    }
    Ok(LayerRead {
        files,
        outputs,
        compression,
        blob_digest,
        blob_size,
        diff_id,
        uncompressed_size,
    })
}

type Walked = (LayerFiles, BTreeMap<String, AnalyzerOutput>);

fn walk<S: crate::tarframe::Skip>(
    framer: &mut TarFramer<S>,
    analyzers: &[&dyn Analyzer],
    limits: &Limits,
) -> Result<Walked, LayerError> {
    let mut files = LayerFiles::default();
    let mut outputs: Vec<AnalyzerOutput> = analyzers
        .iter()
        .map(|a| AnalyzerOutput {
            name: a.name().to_owned(),
            version: a.version(),
            ..AnalyzerOutput::default()
        })
        .collect();
    let mut count: u64 = 0;
    let mut wanting: Vec<usize> = Vec::new();
    while let Some(raw) = framer.next_entry()? {
        count += 1;
        if count > limits.max_entries {
            return Err(LayerError::TooManyEntries {
                limit: limits.max_entries,
            });
        }
        let offset = raw.header_offset;
        let (path, flags) = normalize(&raw.path);
        let mut found: Vec<(AnomalyKind, String)> = Vec::new();
        if flags.absolute {
            found.push((AnomalyKind::AbsolutePath, path.clone()));
        }
        if flags.escaped {
            found.push((AnomalyKind::PathTraversal, path.clone()));
        }
        if flags.non_utf8 {
            found.push((AnomalyKind::NonUtf8Name, path.clone()));
        }
        if path.is_empty() {
            if raw.kind != EntryKind::Dir {
                found.push((AnomalyKind::RootNotDir, path.clone()));
            }
            push_anomalies(&mut files, found, offset);
            continue;
        }
        let dir = path::parent(&path);
        let base = path.rsplit('/').next().unwrap_or(&path);
        if let Some(name) = base.strip_prefix(".wh.") {
            if name == ".wh..opq" {
                files.opaque_dirs.push(dir.to_owned());
            } else if name.starts_with(".wh.") || name.is_empty() {
                found.push((AnomalyKind::UnknownWhiteout, path.clone()));
            } else {
                files.whiteouts.push(path::join(dir, name));
            }
            push_anomalies(&mut files, found, offset);
            continue;
        }
        if raw.logical_size > limits.max_entry_bytes {
            return Err(LayerError::EntryTooLarge {
                path,
                offset,
                size: raw.logical_size,
                limit: limits.max_entry_bytes,
            });
        }
        let link = match (raw.kind, &raw.link) {
            (EntryKind::Hardlink, Some(l)) => {
                let (target, f) = normalize(l);
                if f.escaped {
                    found.push((AnomalyKind::HardlinkEscape, path.clone()));
                }
                Some(target)
            }
            (EntryKind::Symlink, Some(l)) => Some(path::decode(l).0),
            _ => None,
        };
        if raw.sparse {
            found.push((AnomalyKind::SparseFile, path.clone()));
        }
        push_anomalies(&mut files, found, offset);
        let entry = FileEntry {
            path,
            kind: raw.kind,
            mode: raw.mode,
            uid: raw.uid,
            gid: raw.gid,
            size: raw.logical_size,
            mtime: raw.mtime,
            link,
        };
        wanting.clear();
        wanting.extend(
            analyzers
                .iter()
                .enumerate()
                .filter(|(_, a)| a.wants(&entry.path, entry.kind))
                .map(|(i, _)| i),
        );
        match wanting.as_slice() {
            [] => {}
            [one] => {
                let mut content = framer.content();
                let mut reader = EntryReader::stream(&entry, &mut content, limits.max_read_bytes);
                record(
                    &mut outputs[*one],
                    analyzers[*one],
                    &mut reader,
                    &entry.path,
                );
            }
            many => {
                let cap = entry.size.min(limits.max_read_bytes);
                let mut buf = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
                let read = framer.content().take(cap).read_to_end(&mut buf);
                read.map_err(|source| LayerError::Read {
                    compression: String::new(),
                    offset,
                    source,
                })?;
                for &i in many {
                    let mut reader = EntryReader::bytes(&entry, &buf, limits.max_read_bytes);
                    record(&mut outputs[i], analyzers[i], &mut reader, &entry.path);
                }
            }
        }
        files.entries.push(entry);
    }
    let outputs = outputs.into_iter().map(|o| (o.name.clone(), o)).collect();
    Ok((files, outputs))
}

fn push_anomalies(files: &mut LayerFiles, found: Vec<(AnomalyKind, String)>, offset: u64) {
    files.anomalies.extend(
        found
            .into_iter()
            .map(|(kind, path)| Anomaly { kind, path, offset }),
    );
}

fn record(out: &mut AnalyzerOutput, a: &dyn Analyzer, reader: &mut EntryReader<'_>, path: &str) {
    match a.analyze(reader) {
        Ok(Some(value)) => out.results.push(PathResult {
            path: path.to_owned(),
            value,
        }),
        Ok(None) => {}
        Err(e) => out.errors.push(PathError {
            path: path.to_owned(),
            message: e.to_string(),
        }),
    }
}
