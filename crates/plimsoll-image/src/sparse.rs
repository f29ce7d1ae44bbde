//! GNU sparse files. GNU tar stores a file with holes as its data segments
//! and a map of where each segment goes in the file; the holes between them
//! (and after the last one, up to the real size) read as zeros. Go's
//! `archive/tar`, which Docker and containerd use, restores such files, so
//! what a container sees is the logical file, and that is what analyzers
//! are given here.
//!
//! The formats (GNU tar manual, "Storing Sparse Files"):
//! - **old GNU**: type `S`; up to 4 (offset, numbytes) pairs in the header,
//!   then 512-byte extension blocks of 21 pairs each, which follow the
//!   header while its `isextended` byte is set; the real size is in the
//!   header's `realsize` field. A pair whose first byte is NUL ends a block.
//! - **PAX 0.0**: records `GNU.sparse.size`, `GNU.sparse.numblocks`, then
//!   `GNU.sparse.offset` and `GNU.sparse.numbytes`, repeated, in order.
//! - **PAX 0.1**: `GNU.sparse.size`, `GNU.sparse.numblocks`,
//!   `GNU.sparse.map` = `offset,size,offset,size,…`, and `GNU.sparse.name`.
//! - **PAX 1.0**: `GNU.sparse.major=1`, `GNU.sparse.minor=0`,
//!   `GNU.sparse.name` and `GNU.sparse.realsize`; the map starts the data
//!   area: decimal numbers each ended by a newline (the number of pairs, then
//!   each pair), padded with NULs to a block boundary.
//!
//! Every map is checked before any content is read: at most
//! `max_sparse_entries` pairs, in order, not overlapping, inside the real
//! size, and covering exactly the data the entry stores.

/// One data segment of a sparse file: `len` bytes stored in the archive that
/// belong at `offset` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub offset: u64,
    pub len: u64,
}

/// Checks a map against the file's real size and the data bytes the entry
/// stores. The reason names the offending pair.
pub(crate) fn validate(segments: &[Segment], real_size: u64, stored: u64) -> Result<(), String> {
    let mut end_prev = 0u64;
    let mut total = 0u64;
    for (i, s) in segments.iter().enumerate() {
        let Some(end) = s.offset.checked_add(s.len) else {
            return Err(format!(
                "map entry {i} (offset {}, {} bytes) overflows",
                s.offset, s.len
            ));
        };
        if s.offset < end_prev {
            return Err(format!(
                "map entry {i} at offset {} is out of order or overlaps the previous one, which ends at {end_prev}",
                s.offset
            ));
        }
        if end > real_size {
            return Err(format!(
                "map entry {i} (offset {}, {} bytes) ends past the file's real size of {real_size} bytes",
                s.offset, s.len
            ));
        }
        end_prev = end;
        // Cannot overflow: the segments are disjoint and inside real_size.
        total += s.len;
    }
    if total != stored {
        return Err(format!(
            "the map places {total} bytes of data but the entry stores {stored}"
        ));
    }
    Ok(())
}

/// Pairs in one old GNU sparse extension block.
pub(crate) const EXTENSION_PAIRS: usize = 21;

/// Appends the pairs of an old GNU header or extension block, up to the
/// first empty one (whose offset or size field starts with NUL).
pub(crate) fn push_old_gnu(
    pairs: &[tar::GnuSparseHeader],
    segments: &mut Vec<Segment>,
    cap: usize,
) -> Result<(), String> {
    for p in pairs {
        if p.is_empty() {
            break;
        }
        if segments.len() >= cap {
            return Err(too_many(cap));
        }
        let i = segments.len();
        let offset = p
            .offset()
            .map_err(|e| format!("bad offset in map entry {i}: {e}"))?;
        let len = p
            .length()
            .map_err(|e| format!("bad size in map entry {i}: {e}"))?;
        segments.push(Segment { offset, len });
    }
    Ok(())
}

/// A strict decimal number (digits only, no sign or spaces).
fn decimal(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u64, |n, &c| {
        c.is_ascii_digit()
            .then_some(())
            .and_then(|()| n.checked_mul(10))
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
    })
}

fn too_many(cap: usize) -> String {
    format!("the sparse map has more than {cap} entries (max_sparse_entries)")
}

/// How a PAX entry is sparse, once its records are read.
#[derive(Debug)]
pub(crate) enum PaxSparse {
    /// Format 0.0 or 0.1: the map was in the records.
    Mapped {
        segments: Vec<Segment>,
        real_size: u64,
    },
    /// Format 1.0: the map starts the entry's data.
    MapInData { real_size: u64 },
}

/// The `GNU.sparse.*` records of one PAX header, gathered in order.
#[derive(Debug)]
pub(crate) struct PaxSparseRecords {
    cap: usize,
    major: Option<Vec<u8>>,
    minor: Option<Vec<u8>>,
    size: Option<Vec<u8>>,
    realsize: Option<Vec<u8>>,
    numblocks: Option<Vec<u8>>,
    map: Option<Vec<u8>>,
    name: Option<Vec<u8>>,
    /// Format 0.0's repeated offset/numbytes records.
    pairs: Vec<Segment>,
    pairs_seen: bool,
    pending_offset: Option<u64>,
    /// The first malformed 0.0 record, reported once the entry is known.
    error: Option<String>,
}

impl PaxSparseRecords {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            major: None,
            minor: None,
            size: None,
            realsize: None,
            numblocks: None,
            map: None,
            name: None,
            pairs: Vec::new(),
            pairs_seen: false,
            pending_offset: None,
            error: None,
        }
    }

    /// Records one `GNU.sparse.*` key; others are ignored.
    pub(crate) fn record(&mut self, key: &[u8], value: &[u8]) {
        let slot = match key {
            b"GNU.sparse.major" => &mut self.major,
            b"GNU.sparse.minor" => &mut self.minor,
            b"GNU.sparse.size" => &mut self.size,
            b"GNU.sparse.realsize" => &mut self.realsize,
            b"GNU.sparse.numblocks" => &mut self.numblocks,
            b"GNU.sparse.map" => &mut self.map,
            b"GNU.sparse.name" => &mut self.name,
            b"GNU.sparse.offset" | b"GNU.sparse.numbytes" => {
                self.pair_record(key == b"GNU.sparse.offset", value);
                return;
            }
            _ => return,
        };
        *slot = Some(value.to_vec());
    }

    fn pair_record(&mut self, is_offset: bool, value: &[u8]) {
        self.pairs_seen = true;
        if self.error.is_some() {
            return;
        }
        let key = if is_offset { "offset" } else { "numbytes" };
        let Some(n) = decimal(value) else {
            self.error = Some(format!(
                "GNU.sparse.{key} `{}` is not a decimal number",
                String::from_utf8_lossy(value)
            ));
            return;
        };
        match (is_offset, self.pending_offset.take()) {
            (true, None) => self.pending_offset = Some(n),
            (false, Some(offset)) => {
                if self.pairs.len() >= self.cap {
                    self.error = Some(too_many(self.cap));
                } else {
                    self.pairs.push(Segment { offset, len: n });
                }
            }
            (true, Some(_)) => {
                self.error = Some("two GNU.sparse.offset records in a row".into());
            }
            (false, None) => {
                self.error = Some("GNU.sparse.numbytes without a GNU.sparse.offset".into());
            }
        }
    }

    /// Whether the records make the entry sparse, and how (its real name is
    /// then [`Self::name`]). `Ok(None)` for entries that are not sparse and
    /// for unknown format versions, which are then stored as plain files, as
    /// Go's `archive/tar` does.
    pub(crate) fn resolve(&mut self) -> Result<Option<PaxSparse>, String> {
        let in_data = match (self.major.as_deref(), self.minor.as_deref()) {
            (None, None) => {
                if self.map.is_none() && !self.pairs_seen {
                    return Ok(None);
                }
                false
            }
            (Some(b"0"), Some(b"0" | b"1")) => false,
            (Some(b"1"), Some(b"0")) => true,
            _ => return Ok(None),
        };
        let size_record = if in_data {
            self.realsize.as_ref().or(self.size.as_ref())
        } else {
            self.size.as_ref().or(self.realsize.as_ref())
        };
        let Some(size_record) = size_record else {
            return Err(
                "no GNU.sparse.realsize or GNU.sparse.size record: the file's size is unknown"
                    .into(),
            );
        };
        let real_size = decimal(size_record).ok_or_else(|| {
            format!(
                "the real size `{}` is not a decimal number",
                String::from_utf8_lossy(size_record)
            )
        })?;
        let sparse = if in_data {
            PaxSparse::MapInData { real_size }
        } else {
            if let Some(e) = self.error.take() {
                return Err(e);
            }
            let segments = match (&self.map, self.pairs_seen) {
                (Some(_), true) => {
                    return Err(
                        "both GNU.sparse.map and GNU.sparse.offset/numbytes records: ambiguous map"
                            .into(),
                    );
                }
                (Some(map), false) => parse_list(map, self.cap)?,
                (None, _) => {
                    if self.pending_offset.is_some() {
                        return Err("GNU.sparse.offset without its GNU.sparse.numbytes".into());
                    }
                    std::mem::take(&mut self.pairs)
                }
            };
            if let Some(blocks) = &self.numblocks {
                let declared = decimal(blocks);
                if declared != Some(segments.len() as u64) {
                    return Err(format!(
                        "GNU.sparse.numblocks is `{}` but the map has {} entries",
                        String::from_utf8_lossy(blocks),
                        segments.len()
                    ));
                }
            }
            PaxSparse::Mapped {
                segments,
                real_size,
            }
        };
        Ok(Some(sparse))
    }

    /// The `GNU.sparse.name` record: the real name of a sparse entry.
    pub(crate) fn name(&self) -> Option<&[u8]> {
        self.name.as_deref()
    }
}

/// Format 0.1's `offset,size,offset,size,…`.
fn parse_list(map: &[u8], cap: usize) -> Result<Vec<Segment>, String> {
    if map.is_empty() {
        return Ok(Vec::new());
    }
    let fields = map.iter().filter(|&&b| b == b',').count() + 1;
    if fields % 2 != 0 {
        return Err(format!(
            "GNU.sparse.map has an odd number of fields ({fields})"
        ));
    }
    if fields / 2 > cap {
        return Err(too_many(cap));
    }
    let mut numbers = map.split(|&b| b == b',').map(|f| {
        decimal(f).ok_or_else(|| {
            format!(
                "GNU.sparse.map field `{}` is not a decimal number",
                String::from_utf8_lossy(f)
            )
        })
    });
    let mut segments = Vec::with_capacity(fields / 2);
    while let Some(offset) = numbers.next() {
        let len = numbers.next().unwrap_or_else(|| Err("odd map".into()));
        segments.push(Segment {
            offset: offset?,
            len: len?,
        });
    }
    Ok(segments)
}

/// The longest number accepted in a 1.0 map (`u64::MAX` has 20 digits).
const MAX_DIGITS: usize = 20;

/// Parses format 1.0's map from the blocks at the start of the data, fed
/// one at a time.
#[derive(Debug)]
pub(crate) struct DataMapParser {
    cap: usize,
    count: Option<usize>,
    current: u64,
    digits: usize,
    pending_offset: Option<u64>,
    segments: Vec<Segment>,
}

impl DataMapParser {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            count: None,
            current: 0,
            digits: 0,
            pending_offset: None,
            segments: Vec::new(),
        }
    }

    /// Feeds the next block; `Ok(true)` once the map is complete (the rest
    /// of that block is padding).
    pub(crate) fn feed(&mut self, block: &[u8]) -> Result<bool, String> {
        if self.count == Some(self.segments.len()) {
            return Ok(true);
        }
        for &b in block {
            match b {
                b'0'..=b'9' => {
                    self.digits += 1;
                    if self.digits > MAX_DIGITS {
                        return Err(format!(
                            "a number in the sparse map is longer than {MAX_DIGITS} digits"
                        ));
                    }
                    self.current = self
                        .current
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(b - b'0')))
                        .ok_or("a number in the sparse map does not fit in 64 bits")?;
                }
                b'\n' => {
                    if self.digits == 0 {
                        return Err("empty line in the sparse map".into());
                    }
                    let n = self.current;
                    self.current = 0;
                    self.digits = 0;
                    if self.number(n)? {
                        return Ok(true);
                    }
                }
                other => {
                    return Err(format!(
                        "byte 0x{other:02x} in the sparse map, where a decimal number or newline was expected"
                    ));
                }
            }
        }
        Ok(false)
    }

    /// Takes one number; `Ok(true)` when the map is complete.
    fn number(&mut self, n: u64) -> Result<bool, String> {
        match self.count {
            None => {
                let count = usize::try_from(n)
                    .ok()
                    .filter(|&c| c <= self.cap)
                    .ok_or_else(|| {
                        format!(
                            "the sparse map declares {n} entries, more than {} (max_sparse_entries)",
                            self.cap
                        )
                    })?;
                self.count = Some(count);
                self.segments.reserve_exact(count);
            }
            Some(_) => match self.pending_offset.take() {
                None => self.pending_offset = Some(n),
                Some(offset) => self.segments.push(Segment { offset, len: n }),
            },
        }
        Ok(self.count == Some(self.segments.len()))
    }

    pub(crate) fn into_segments(self) -> Vec<Segment> {
        self.segments
    }
}

/// Where reading a sparse file's logical content is.
#[derive(Debug)]
pub(crate) struct SparseCursor {
    segments: Vec<Segment>,
    real_size: u64,
    /// Logical offset of the next byte.
    pos: u64,
    /// First segment that may still hold bytes at or after `pos`.
    next: usize,
}

/// What the next logical bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// This many bytes of a hole (zeros).
    Zeros(u64),
    /// This many stored bytes, read from the archive.
    Data(u64),
    /// The end of the file.
    End,
}

impl SparseCursor {
    /// A cursor over a map already checked by [`validate`].
    pub(crate) fn new(segments: Vec<Segment>, real_size: u64) -> Self {
        Self {
            segments,
            real_size,
            pos: 0,
            next: 0,
        }
    }

    /// The next run of bytes of one kind.
    pub(crate) fn step(&mut self) -> Step {
        while let Some(s) = self.segments.get(self.next) {
            // Zero-length pairs (GNU tar ends a map that ends in a hole with
            // one at the real size) hold nothing.
            if s.len > 0 && self.pos < s.offset.saturating_add(s.len) {
                break;
            }
            self.next += 1;
        }
        match self.segments.get(self.next) {
            Some(s) if self.pos >= s.offset => Step::Data(s.offset + s.len - self.pos),
            Some(s) => Step::Zeros(s.offset - self.pos),
            None if self.pos < self.real_size => Step::Zeros(self.real_size - self.pos),
            None => Step::End,
        }
    }

    /// Moves past `n` bytes of the current step.
    pub(crate) fn advance(&mut self, n: u64) {
        self.pos = self.pos.saturating_add(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(offset: u64, len: u64) -> Segment {
        Segment { offset, len }
    }

    #[test]
    fn validation() {
        let ok = [seg(0, 10), seg(10, 0), seg(100, 5), seg(200, 0)];
        assert!(validate(&ok, 200, 15).is_ok());
        assert!(validate(&[], 1 << 40, 0).is_ok());
        let e = validate(&[seg(0, 10), seg(5, 1)], 100, 11).unwrap_err();
        assert!(e.contains("entry 1") && e.contains("overlaps"), "{e}");
        let e = validate(&[seg(50, 10), seg(0, 1)], 100, 11).unwrap_err();
        assert!(e.contains("out of order"), "{e}");
        let e = validate(&[seg(95, 10)], 100, 10).unwrap_err();
        assert!(e.contains("past the file's real size of 100"), "{e}");
        let e = validate(&[seg(u64::MAX, 2)], u64::MAX, 2).unwrap_err();
        assert!(e.contains("overflows"), "{e}");
        let e = validate(&[seg(0, 10)], 100, 11).unwrap_err();
        assert!(
            e.contains("places 10 bytes") && e.contains("stores 11"),
            "{e}"
        );
    }

    #[test]
    fn decimals_are_strict() {
        assert_eq!(decimal(b"0"), Some(0));
        assert_eq!(decimal(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"+1",
            b" 1",
            b"1 ",
            b"-1",
            b"18446744073709551616",
            b"0x1",
        ] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
    }

    fn resolve(records: &[(&str, &str)]) -> Result<Option<PaxSparse>, String> {
        let mut r = PaxSparseRecords::new(4);
        for (k, v) in records {
            r.record(k.as_bytes(), v.as_bytes());
        }
        r.resolve()
    }

    #[test]
    fn pax_versions() {
        assert!(resolve(&[("GNU.sparse.name", "x")]).unwrap().is_none());
        // Unknown versions are plain files.
        assert!(
            resolve(&[("GNU.sparse.major", "2"), ("GNU.sparse.minor", "0")])
                .unwrap()
                .is_none()
        );
        match resolve(&[("GNU.sparse.size", "100"), ("GNU.sparse.map", "0,5,50,5")]) {
            Ok(Some(PaxSparse::Mapped {
                segments,
                real_size,
            })) => {
                assert_eq!((segments, real_size), (vec![seg(0, 5), seg(50, 5)], 100));
            }
            other => panic!("{other:?}"),
        }
        match resolve(&[
            ("GNU.sparse.size", "9"),
            ("GNU.sparse.offset", "1"),
            ("GNU.sparse.numbytes", "2"),
            ("GNU.sparse.offset", "9"),
            ("GNU.sparse.numbytes", "0"),
        ]) {
            Ok(Some(PaxSparse::Mapped { segments, .. })) => {
                assert_eq!(segments, [seg(1, 2), seg(9, 0)]);
            }
            other => panic!("{other:?}"),
        }
        match resolve(&[
            ("GNU.sparse.major", "1"),
            ("GNU.sparse.minor", "0"),
            ("GNU.sparse.realsize", "77"),
        ]) {
            Ok(Some(PaxSparse::MapInData { real_size: 77 })) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pax_errors() {
        for (records, want) in [
            (&[("GNU.sparse.map", "0,1")][..], "size is unknown"),
            (
                &[("GNU.sparse.size", "9"), ("GNU.sparse.map", "0,1,2")],
                "odd number",
            ),
            (
                &[("GNU.sparse.size", "9"), ("GNU.sparse.map", "0,1,x,2")],
                "`x` is not",
            ),
            (
                &[
                    ("GNU.sparse.size", "9"),
                    ("GNU.sparse.map", "0,1,2,1,4,1,6,1,8,1"),
                ],
                "more than 4",
            ),
            (
                &[
                    ("GNU.sparse.size", "9"),
                    ("GNU.sparse.numblocks", "3"),
                    ("GNU.sparse.map", "0,1"),
                ],
                "numblocks",
            ),
            (
                &[("GNU.sparse.size", "9"), ("GNU.sparse.numbytes", "1")],
                "without a GNU.sparse.offset",
            ),
            (
                &[("GNU.sparse.size", "9"), ("GNU.sparse.offset", "1")],
                "without its",
            ),
            (
                &[
                    ("GNU.sparse.size", "9"),
                    ("GNU.sparse.map", "0,1"),
                    ("GNU.sparse.offset", "1"),
                    ("GNU.sparse.numbytes", "1"),
                ],
                "ambiguous",
            ),
        ] {
            let e = resolve(records).unwrap_err();
            assert!(e.contains(want), "{records:?}: {e}");
        }
    }

    #[test]
    fn data_map_across_blocks() {
        let mut p = DataMapParser::new(8);
        assert!(!p.feed(b"2\n10").unwrap());
        assert!(!p.feed(b"0\n5\n").unwrap());
        assert!(p.feed(b"200\n0\n\0\0garbage").unwrap());
        assert_eq!(p.into_segments(), [seg(100, 5), seg(200, 0)]);
        let mut p = DataMapParser::new(8);
        assert!(p.feed(b"0\n").unwrap());
        assert!(p.into_segments().is_empty());
        for (input, want) in [
            (&b"9\n"[..], "declares 9 entries"),
            (b"1\n\n", "empty line"),
            (b"1\n 2\n", "byte 0x20"),
            (b"1\n000000000000000000001\n", "longer than 20"),
            (b"1\n99999999999999999999\n", "64 bits"),
        ] {
            let e = DataMapParser::new(8).feed(input).unwrap_err();
            assert!(e.contains(want), "{input:?}: {e}");
        }
    }

    #[test]
    fn cursor_walks_holes_and_data() {
        let mut c = SparseCursor::new(vec![seg(0, 0), seg(4, 2), seg(6, 1), seg(10, 0)], 12);
        let mut steps = Vec::new();
        loop {
            let s = c.step();
            steps.push(s);
            match s {
                Step::Zeros(n) | Step::Data(n) => c.advance(n),
                Step::End => break,
            }
        }
        assert_eq!(
            steps,
            [
                Step::Zeros(4),
                Step::Data(2),
                Step::Data(1),
                Step::Zeros(5),
                Step::End
            ]
        );
    }
}
