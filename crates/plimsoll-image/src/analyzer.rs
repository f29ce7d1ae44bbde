//! Analyzers see files, not sources. Each declares the entries it wants and
//! receives them during the one streamed pass over each layer.

use std::io::{self, Read};

use serde::{Deserialize, Serialize};

use crate::layer::FileEntry;
use crate::tarframe::EntryKind;

/// An analyzer's error on one file; recorded, never fatal for the layer.
pub type AnalyzerError = Box<dyn std::error::Error + Send + Sync>;

/// A file analyzer. One instance serves every layer, from several threads:
/// keep per-file state on the stack of [`Analyzer::analyze`].
pub trait Analyzer: Send + Sync {
    /// Stable name; part of the cache key (use `[a-z0-9-]`).
    fn name(&self) -> &str;
    /// Version; bump it whenever results change, to invalidate the cache.
    fn version(&self) -> u32;
    /// Whether the analyzer wants this entry (`path` is normalised,
    /// relative: `var/lib/dpkg/status`). Called for every entry: keep it cheap.
    /// Hard links, symlinks and directories carry no content (their reader
    /// is empty); a hard link's target is in [`FileEntry::link`], and the
    /// squash gives it the target's size. GNU sparse files are offered as
    /// their logical content (holes read as zeros) and logical size.
    fn wants(&self, path: &str, kind: EntryKind) -> bool;
    /// Analyzes one wanted entry; `Ok(None)` records nothing.
    fn analyze(
        &self,
        entry: &mut EntryReader<'_>,
    ) -> Result<Option<serde_json::Value>, AnalyzerError>;
}

/// What one analyzer found in one layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerOutput {
    /// The analyzer's name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// Results, in tar order.
    pub results: Vec<PathResult>,
    /// Per-file errors.
    pub errors: Vec<PathError>,
}

/// An analyzer's result for one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathResult {
    /// The file.
    pub path: String,
    /// The analyzer's value.
    pub value: serde_json::Value,
}

/// An analyzer's error on one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathError {
    /// The file.
    pub path: String,
    /// The message.
    pub message: String,
}

/// Reading past the per-read cap.
#[derive(Debug)]
pub struct ReadCapExceeded {
    /// The entry.
    pub path: String,
    /// Its size.
    pub size: u64,
    /// The cap.
    pub cap: u64,
}

impl std::fmt::Display for ReadCapExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` has {} bytes, more than the read cap of {} (max_read_bytes)",
            self.path, self.size, self.cap
        )
    }
}

impl std::error::Error for ReadCapExceeded {}

enum Src<'a> {
    Stream(&'a mut dyn Read),
    Bytes(&'a [u8]),
}

/// The content of one entry, readable up to a cap. Reading past the cap
/// fails with [`ReadCapExceeded`] (inside an `io::Error`).
pub struct EntryReader<'a> {
    entry: &'a FileEntry,
    src: Src<'a>,
    cap: u64,
    pos: u64,
}

impl<'a> EntryReader<'a> {
    pub(crate) fn stream(entry: &'a FileEntry, r: &'a mut dyn Read, cap: u64) -> Self {
        Self {
            entry,
            src: Src::Stream(r),
            cap,
            pos: 0,
        }
    }

    pub(crate) fn bytes(entry: &'a FileEntry, b: &'a [u8], cap: u64) -> Self {
        Self {
            entry,
            src: Src::Bytes(b),
            cap,
            pos: 0,
        }
    }

    /// The entry's metadata.
    pub fn entry(&self) -> &FileEntry {
        self.entry
    }

    /// The entry's normalised path.
    pub fn path(&self) -> &str {
        &self.entry.path
    }

    /// The most bytes that can be read.
    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// Reads the whole entry; fails at once if it is larger than the cap.
    pub fn read_all(&mut self) -> io::Result<Vec<u8>> {
        if self.entry.size > self.cap {
            return Err(self.cap_error());
        }
        let mut v = Vec::with_capacity(usize::try_from(self.entry.size).unwrap_or(0));
        self.read_to_end(&mut v)?;
        Ok(v)
    }

    fn cap_error(&self) -> io::Error {
        io::Error::other(ReadCapExceeded {
            path: self.entry.path.clone(),
            size: self.entry.size,
            cap: self.cap,
        })
    }
}

impl Read for EntryReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.cap {
            return if self.entry.size > self.cap {
                Err(self.cap_error())
            } else {
                Ok(0)
            };
        }
        let room = usize::try_from(self.cap - self.pos).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = match &mut self.src {
            Src::Stream(r) => r.read(&mut buf[..want])?,
            Src::Bytes(b) => {
                let start = usize::try_from(self.pos).unwrap_or(usize::MAX);
                let rest = b.get(start..).unwrap_or_default();
                let n = rest.len().min(want);
                buf[..n].copy_from_slice(&rest[..n]);
                n
            }
        };
        self.pos += n as u64;
        Ok(n)
    }
}
