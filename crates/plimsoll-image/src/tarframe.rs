//! Tar framing with hard caps. Header fields are parsed by the `tar` crate
//! (`tar::Header`, `tar::PaxExtensions`, GNU long names, base-256 sizes);
//! the entry loop is ours so that PAX records and GNU long names are read
//! under a size cap (the `tar` crate's own iterator reads them whole into
//! memory, whatever their declared size) and so that every error carries
//! the byte offset of its header. GNU sparse entries (old GNU and PAX 0.0,
//! 0.1, 1.0) have their maps read and checked here, and their content is
//! served as the logical file (see [`crate::sparse`]).

use std::io::{self, Read};

use crate::error::LayerError;
use crate::sparse::{
    self, DataMapParser, PaxSparse, PaxSparseRecords, Segment, SparseCursor, Step,
};

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
    /// Bytes of content in the archive (for a GNU sparse file, its data
    /// segments, after the map of format 1.0).
    pub size: u64,
    /// Logical size (differs from `size` for GNU sparse files).
    pub logical_size: u64,
    /// A GNU sparse file: its content reads as the logical file.
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
    /// Most data segments in one GNU sparse map.
    pub max_sparse_entries: usize,
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
    /// The current entry's sparse map and read position, if it is sparse.
    sparse: Option<SparseCursor>,
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
            sparse: None,
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
        self.sparse = None;
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
            // An owner field of only NULs or spaces is 0, as Go's
            // archive/tar (Docker, containerd) reads it; other garbage is
            // an error.
            let blank = |f: &[u8]| f.iter().all(|&b| b == 0 || b == b' ');
            let mut uid = match header.uid() {
                Ok(v) => v,
                Err(_) if blank(&header.as_old().uid) => 0,
                Err(e) => return Err(tar_err(format!("bad uid: {e}"))),
            };
            let mut gid = match header.gid() {
                Ok(v) => v,
                Err(_) if blank(&header.as_old().gid) => 0,
                Err(e) => return Err(tar_err(format!("bad gid: {e}"))),
            };
            let mut mtime = header.mtime().unwrap_or(0);
            let mut sparse_records = PaxSparseRecords::new(self.limits.max_sparse_entries);
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
                        k if k.starts_with(b"GNU.sparse.") => {
                            sparse_records.record(k, ext.value_bytes());
                        }
                        _ => {}
                    }
                }
            }
            // A type `S` entry is old GNU sparse, whatever PAX records say.
            let pax_sparse = if et.is_gnu_sparse() {
                None
            } else {
                match sparse_records.resolve() {
                    Ok(Some(how)) => {
                        if let Some(name) = sparse_records.name() {
                            path = name.to_vec();
                        }
                        Some(how)
                    }
                    Ok(None) => None,
                    Err(reason) => {
                        let named = sparse_records.name().unwrap_or(&path);
                        return Err(sparse_error(named, at, reason));
                    }
                }
            };
            if path.len() > self.limits.max_path {
                return Err(LayerError::PathTooLong {
                    offset: at,
                    len: path.len(),
                    limit: self.limits.max_path,
                });
            }
            let mut old_gnu = None;
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
                old_gnu = Some(self.read_old_gnu_map(header, at, &path)?);
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
            if pax_sparse.is_some() && kind != EntryKind::File {
                return Err(sparse_error(
                    &path,
                    at,
                    "GNU sparse records on an entry that is not a regular file".into(),
                ));
            }
            let layout = match (old_gnu, pax_sparse) {
                (Some(map), _) => Some(map),
                (
                    None,
                    Some(PaxSparse::Mapped {
                        segments,
                        real_size,
                    }),
                ) => Some((segments, real_size)),
                (None, Some(PaxSparse::MapInData { real_size })) => {
                    Some((self.read_data_map(at, &path)?, real_size))
                }
                (None, None) => None,
            };
            let mut logical_size = size;
            let sparse = layout.is_some();
            if let Some((segments, real_size)) = layout {
                sparse::validate(&segments, real_size, self.remaining)
                    .map_err(|reason| sparse_error(&path, at, reason))?;
                size = self.remaining;
                logical_size = real_size;
                self.sparse = Some(SparseCursor::new(segments, real_size));
            }
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
                logical_size,
                sparse,
            }));
        }
    }

    /// The map of an old GNU sparse entry (type `S`): the pairs in its
    /// header, then those of the extension blocks that follow it.
    fn read_old_gnu_map(
        &mut self,
        header: &tar::Header,
        at: u64,
        path: &[u8],
    ) -> Result<(Vec<Segment>, u64), LayerError> {
        let err = |reason: String| sparse_error(path, at, reason);
        let gnu = header.as_gnu().ok_or_else(|| {
            err("a GNU sparse entry (type S) without the GNU header magic".into())
        })?;
        let real_size = gnu
            .real_size()
            .map_err(|e| err(format!("bad real size field: {e}")))?;
        let cap = self.limits.max_sparse_entries;
        let mut segments = Vec::new();
        sparse::push_old_gnu(&gnu.sparse, &mut segments, cap).map_err(err)?;
        let mut extended = gnu.isextended[0] != 0;
        // Blocks may be empty but still chained: bound them as well.
        let max_blocks = cap / sparse::EXTENSION_PAIRS + 1;
        let mut blocks = 0;
        while extended {
            blocks += 1;
            if blocks > max_blocks {
                return Err(err(format!(
                    "more than {max_blocks} sparse extension headers (max_sparse_entries)"
                )));
            }
            let mut ext = tar::GnuExtSparseHeader::new();
            if !self.read_block(ext.as_mut_bytes())? {
                return Err(self.eof("a GNU sparse extension header"));
            }
            sparse::push_old_gnu(&ext.sparse, &mut segments, cap).map_err(err)?;
            extended = ext.isextended[0] != 0;
        }
        Ok((segments, real_size))
    }

    /// The map at the start of a PAX 1.0 sparse entry's data, read whole
    /// blocks at a time (it is padded to a block boundary).
    fn read_data_map(&mut self, at: u64, path: &[u8]) -> Result<Vec<Segment>, LayerError> {
        let mut parser = DataMapParser::new(self.limits.max_sparse_entries);
        let mut block = [0u8; BLOCK as usize];
        loop {
            if self.remaining < BLOCK {
                return Err(sparse_error(
                    path,
                    at,
                    "the entry's data ends inside its sparse map (truncated map)".into(),
                ));
            }
            if let Err(e) = self.inner.read_exact(&mut block) {
                return Err(self.map_io(e, "a GNU sparse map"));
            }
            self.pos += BLOCK;
            self.remaining -= BLOCK;
            self.pending -= BLOCK;
            if parser
                .feed(&block)
                .map_err(|reason| sparse_error(path, at, reason))?
            {
                return Ok(parser.into_segments());
            }
        }
    }

    /// A reader over the current entry's content: for a sparse file, its
    /// logical content (holes read as zeros).
    pub(crate) fn content(&mut self) -> EntryContent<'_, R> {
        EntryContent { framer: self }
    }
}

fn sparse_error(path: &[u8], offset: u64, reason: String) -> LayerError {
    LayerError::SparseMap {
        path: String::from_utf8_lossy(path).into_owned(),
        offset,
        reason,
    }
}

/// The content of the current entry.
pub(crate) struct EntryContent<'a, R> {
    framer: &'a mut TarFramer<R>,
}

impl<R: Read> Read for EntryContent<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let f = &mut *self.framer;
        let Some(cursor) = f.sparse.as_mut() else {
            return f.read_stored(buf);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let len = buf.len();
        let room = |n: u64| len.min(usize::try_from(n).unwrap_or(usize::MAX));
        let n = match cursor.step() {
            Step::End => return Ok(0),
            Step::Zeros(n) => {
                let n = room(n);
                buf[..n].fill(0);
                n
            }
            Step::Data(n) => {
                let n = room(n);
                match f.read_stored(&mut buf[..n])? {
                    // The map was checked against the stored size: this is
                    // a stream that ended early.
                    0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                    got => got,
                }
            }
        };
        if let Some(cursor) = f.sparse.as_mut() {
            cursor.advance(n as u64);
        }
        Ok(n)
    }
}

impl<R: Read> TarFramer<R> {
    /// Reads the entry's bytes as stored in the archive.
    fn read_stored(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let f = self;
        if f.remaining == 0 || buf.is_empty() {
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

/// A plain stream, read through a buffer: headers are served from it, so
/// that the decoder below is asked for large chunks rather than 512 bytes
/// at a time, and skipping discards buffered bytes without copying them.
/// (Measured on the 8-layer test image: about 11% less CPU and wall time
/// than reading the decoder directly.)
pub(crate) struct Stream<R>(pub io::BufReader<R>);

impl<R: Read> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Skip for Stream<R> {
    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        while n > 0 {
            let available = match io::BufRead::fill_buf(&mut self.0) {
                Ok(b) => b.len(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let k = available.min(usize::try_from(n).unwrap_or(usize::MAX));
            io::BufRead::consume(&mut self.0, k);
            n -= k as u64;
        }
        Ok(())
    }
}

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
