//! The rpm header blob, as every rpm database stores one per package.
//!
//! Layout (all integers big-endian, whatever the database's byte order):
//! `il: u32` (index entry count), `dl: u32` (data store length), `il` index
//! entries of 16 bytes (`tag`, `type`, `offset` into the data store, `count`),
//! then the `dl`-byte data store. The first entry may be a region tag
//! (`HEADER_IMMUTABLE` 63, `HEADER_IMAGE` 61 or `HEADER_SIGNATURES` 62, type BIN,
//! count 16) whose data is a 16-byte trailer entry with a negative offset
//! (`-16 × entries in the region`). Entries after the region (the "dribble",
//! added at install time) override entries of the same tag, as in rpm.
//!
//! Everything is bounds-checked: index and data sizes are capped like rpm's own
//! (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`), every entry must lie inside the data
//! store, string reads stop at the store's end, and counts are bounded by the
//! bytes they claim.

use crate::error::{Error, Result};

/// `RPMTAG_NAME`
pub const TAG_NAME: u32 = 1000;
/// `RPMTAG_VERSION`
pub const TAG_VERSION: u32 = 1001;
/// `RPMTAG_RELEASE`
pub const TAG_RELEASE: u32 = 1002;
/// `RPMTAG_EPOCH`
pub const TAG_EPOCH: u32 = 1003;
/// `RPMTAG_SUMMARY`
pub const TAG_SUMMARY: u32 = 1004;
/// `RPMTAG_SIZE`
pub const TAG_SIZE: u32 = 1009;
/// `RPMTAG_VENDOR`
pub const TAG_VENDOR: u32 = 1011;
/// `RPMTAG_LICENSE`
pub const TAG_LICENSE: u32 = 1014;
/// `RPMTAG_PACKAGER`
pub const TAG_PACKAGER: u32 = 1015;
/// `RPMTAG_ARCH`
pub const TAG_ARCH: u32 = 1022;
/// `RPMTAG_OLDFILENAMES` (pre-rpm-4 uncompressed file list)
pub const TAG_OLDFILENAMES: u32 = 1027;
/// `RPMTAG_SOURCERPM`
pub const TAG_SOURCERPM: u32 = 1044;
/// `RPMTAG_DIRINDEXES`
pub const TAG_DIRINDEXES: u32 = 1116;
/// `RPMTAG_BASENAMES`
pub const TAG_BASENAMES: u32 = 1117;
/// `RPMTAG_DIRNAMES`
pub const TAG_DIRNAMES: u32 = 1118;
/// `RPMTAG_HEADERIMAGE` region
pub const TAG_HEADER_IMAGE: u32 = 61;
/// `RPMTAG_HEADERSIGNATURES` region
pub const TAG_HEADER_SIGNATURES: u32 = 62;
/// `RPMTAG_HEADERIMMUTABLE` region
pub const TAG_HEADER_IMMUTABLE: u32 = 63;

/// rpm's cap on index entries (`HEADER_TAGS_MAX`).
pub const MAX_INDEX_ENTRIES: u32 = 0xffff;
/// rpm's cap on the data store (`HEADER_DATA_MAX`, 256 MiB).
pub const MAX_DATA_LEN: u32 = 0x0fff_ffff;

const TYPE_NULL: u32 = 0;
const TYPE_CHAR: u32 = 1;
const TYPE_INT8: u32 = 2;
const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_BIN: u32 = 7;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
    /// Position of the entry in the blob, for error messages.
    at: usize,
}

/// A parsed header: the index plus a borrowed data store.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
    data_start: usize,
    file: String,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    /// Parse a header blob. `file` names it in errors (for a database record,
    /// e.g. `var/lib/rpm/Packages (record 12)`); offsets are from the blob start.
    pub fn parse(blob: &'a [u8], file: &str) -> Result<Header<'a>> {
        let err = |at: usize, m: String| Error::format(file, at as u64, m);
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return Err(err(0, format!("header too short ({} bytes)", blob.len())));
        };
        if il == 0 || il > MAX_INDEX_ENTRIES {
            return Err(err(0, format!("bad index entry count {il}")));
        }
        if dl > MAX_DATA_LEN {
            return Err(err(4, format!("data store too large ({dl} bytes)")));
        }
        let il = il as usize;
        let dl = dl as usize;
        let data_start = 8 + il * 16;
        let need = data_start + dl;
        if blob.len() < need {
            return Err(err(
                0,
                format!(
                    "header truncated: {il} entries and {dl} data bytes need {need} bytes, have {}",
                    blob.len()
                ),
            ));
        }
        let data = &blob[data_start..need];
        let mut entries = Vec::with_capacity(il);
        for i in 0..il {
            let at = 8 + i * 16;
            let (Some(tag), Some(ty), Some(offset), Some(count)) = (
                be32(blob, at),
                be32(blob, at + 4),
                be32(blob, at + 8),
                be32(blob, at + 12),
            ) else {
                return Err(err(at, "index entry truncated".into()));
            };
            if ty > TYPE_I18NSTRING {
                return Err(err(at, format!("tag {tag}: unknown type {ty}")));
            }
            let off = offset as usize;
            if off > dl {
                return Err(err(
                    at,
                    format!("tag {tag}: offset {offset} outside the {dl}-byte data store"),
                ));
            }
            let fixed = match ty {
                TYPE_CHAR | TYPE_INT8 | TYPE_BIN => Some(1),
                TYPE_INT16 => Some(2),
                TYPE_INT32 => Some(4),
                TYPE_INT64 => Some(8),
                _ => None,
            };
            if let Some(size) = fixed {
                let end = (count as u64) * size + offset as u64;
                if end > dl as u64 {
                    return Err(err(
                        at,
                        format!(
                            "tag {tag}: {count} items at offset {offset} overrun the data store"
                        ),
                    ));
                }
            } else if ty != TYPE_NULL && count as usize > dl - off {
                // Every string takes at least its NUL byte.
                return Err(err(
                    at,
                    format!("tag {tag}: {count} strings cannot fit at offset {offset}"),
                ));
            }
            entries.push(Entry {
                tag,
                ty,
                offset,
                count,
                at,
            });
        }
        let h = Header {
            entries,
            data,
            data_start,
            file: file.to_owned(),
        };
        h.check_region()?;
        Ok(h)
    }

    fn check_region(&self) -> Result<()> {
        let Some(first) = self.entries.first() else {
            return Ok(());
        };
        if !matches!(
            first.tag,
            TAG_HEADER_IMAGE | TAG_HEADER_SIGNATURES | TAG_HEADER_IMMUTABLE
        ) {
            return Ok(());
        }
        let bad = |m: &str| {
            Error::format(
                &self.file,
                first.at as u64,
                format!("region tag {}: {m}", first.tag),
            )
        };
        if first.ty != TYPE_BIN || first.count != 16 {
            return Err(bad("not a 16-byte BIN entry"));
        }
        let off = first.offset as usize;
        let (Some(tag), Some(ty), Some(roff)) = (
            be32(self.data, off),
            be32(self.data, off + 4),
            be32(self.data, off + 8),
        ) else {
            return Err(bad("trailer outside the data store"));
        };
        let roff = roff as i32;
        if tag != first.tag || ty != TYPE_BIN || roff >= 0 || roff % 16 != 0 {
            return Err(bad("malformed region trailer"));
        }
        let ril = (roff.unsigned_abs() / 16) as usize;
        if ril > self.entries.len() {
            return Err(bad("region claims more entries than the header has"));
        }
        Ok(())
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        // Dribble entries (after the region) override: the last one wins.
        self.entries.iter().rev().find(|e| e.tag == tag)
    }

    /// The tags present, in index order.
    pub fn tags(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries.iter().map(|e| e.tag)
    }

    fn read_strings(&self, e: &Entry, max: usize) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut pos = e.offset as usize;
        let n = (e.count as usize).min(max);
        for _ in 0..n {
            let rest = self.data.get(pos..).unwrap_or(&[]);
            let Some(len) = rest.iter().position(|&b| b == 0) else {
                return Err(Error::format(
                    &self.file,
                    (self.data_start + pos) as u64,
                    format!("tag {}: string not terminated inside the data store", e.tag),
                ));
            };
            out.push(String::from_utf8_lossy(&rest[..len]).into_owned());
            pos += len + 1;
        }
        Ok(out)
    }

    fn type_error(&self, e: &Entry, want: &str) -> Error {
        Error::format(
            &self.file,
            e.at as u64,
            format!("tag {}: type {} where {want} was expected", e.tag, e.ty),
        )
    }

    /// A string tag (STRING, or the first of an I18NSTRING / STRING_ARRAY).
    pub fn string(&self, tag: u32) -> Result<Option<String>> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        match e.ty {
            TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY => {
                if e.count == 0 {
                    return Ok(None);
                }
                Ok(self.read_strings(e, 1)?.into_iter().next())
            }
            _ => Err(self.type_error(e, "a string")),
        }
    }

    /// A string array tag (STRING_ARRAY, I18NSTRING or a lone STRING).
    pub fn strings(&self, tag: u32) -> Result<Vec<String>> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        match e.ty {
            TYPE_STRING_ARRAY | TYPE_I18NSTRING => self.read_strings(e, usize::MAX),
            TYPE_STRING => self.read_strings(e, 1),
            _ => Err(self.type_error(e, "a string array")),
        }
    }

    /// An integer tag (INT32, INT16 or INT8/CHAR) as `u32` values.
    pub fn u32s(&self, tag: u32) -> Result<Vec<u32>> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        let off = e.offset as usize;
        let n = e.count as usize;
        // Bounds were checked at parse time; `get` keeps this panic-free regardless.
        let out = match e.ty {
            TYPE_INT32 => self.data.get(off..off + n * 4).map(|s| {
                s.chunks_exact(4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            }),
            TYPE_INT16 => self.data.get(off..off + n * 2).map(|s| {
                s.chunks_exact(2)
                    .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
                    .collect()
            }),
            TYPE_INT8 | TYPE_CHAR => self
                .data
                .get(off..off + n)
                .map(|s| s.iter().map(|&b| u32::from(b)).collect()),
            _ => return Err(self.type_error(e, "an integer")),
        };
        out.ok_or_else(|| {
            Error::format(
                &self.file,
                e.at as u64,
                format!("tag {}: out of bounds", e.tag),
            )
        })
    }

    /// The first value of an integer tag.
    pub fn u32(&self, tag: u32) -> Result<Option<u32>> {
        Ok(self.u32s(tag)?.first().copied())
    }

    /// The files of the package: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`, or
    /// `OLDFILENAMES` for headers from before compressed file lists.
    pub fn file_names(&self) -> Result<Vec<String>> {
        let basenames = self.strings(TAG_BASENAMES)?;
        if basenames.is_empty() {
            return self.strings(TAG_OLDFILENAMES);
        }
        let dirnames = self.strings(TAG_DIRNAMES)?;
        let indexes = self.u32s(TAG_DIRINDEXES)?;
        if indexes.len() != basenames.len() {
            let at = self.entry(TAG_DIRINDEXES).map_or(0, |e| e.at);
            return Err(Error::format(
                &self.file,
                at as u64,
                format!(
                    "{} basenames but {} dirindexes",
                    basenames.len(),
                    indexes.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(basenames.len());
        for (b, &i) in basenames.iter().zip(&indexes) {
            let Some(d) = dirnames.get(i as usize) else {
                let at = self.entry(TAG_DIRINDEXES).map_or(0, |e| e.at);
                return Err(Error::format(
                    &self.file,
                    at as u64,
                    format!("dirindex {i} out of range ({} dirnames)", dirnames.len()),
                ));
            };
            out.push(format!("{d}{b}"));
        }
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build a header blob from (tag, type, data, count) entries, optionally with a region.
    pub(crate) fn build(entries: &[(u32, u32, Vec<u8>, u32)], region: bool) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        let mut all: Vec<(u32, u32, Vec<u8>, u32)> = Vec::new();
        let n = entries.len() as u32 + u32::from(region);
        if region {
            all.push((TAG_HEADER_IMMUTABLE, TYPE_BIN, Vec::new(), 16));
        }
        all.extend(entries.iter().cloned());
        let mut region_at = None;
        for (i, (tag, ty, d, count)) in all.iter().enumerate() {
            if region && i == 0 {
                region_at = Some(index.len());
                index.extend_from_slice(&[0u8; 16]);
                continue;
            }
            while *ty == TYPE_INT32 && data.len() % 4 != 0 {
                data.push(0);
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&ty.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(d);
        }
        if let Some(at) = region_at {
            let off = data.len() as u32;
            data.extend_from_slice(&TAG_HEADER_IMMUTABLE.to_be_bytes());
            data.extend_from_slice(&TYPE_BIN.to_be_bytes());
            data.extend_from_slice(&(-(n as i32 * 16)).to_be_bytes());
            data.extend_from_slice(&16u32.to_be_bytes());
            let mut e = Vec::new();
            e.extend_from_slice(&TAG_HEADER_IMMUTABLE.to_be_bytes());
            e.extend_from_slice(&TYPE_BIN.to_be_bytes());
            e.extend_from_slice(&off.to_be_bytes());
            e.extend_from_slice(&16u32.to_be_bytes());
            index[at..at + 16].copy_from_slice(&e);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&n.to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend_from_slice(&index);
        blob.extend_from_slice(&data);
        blob
    }

    pub(crate) fn s(v: &str) -> (u32, Vec<u8>, u32) {
        let mut d = v.as_bytes().to_vec();
        d.push(0);
        (TYPE_STRING, d, 1)
    }

    pub(crate) fn sa(v: &[&str]) -> (u32, Vec<u8>, u32) {
        let mut d = Vec::new();
        for x in v {
            d.extend_from_slice(x.as_bytes());
            d.push(0);
        }
        (TYPE_STRING_ARRAY, d, v.len() as u32)
    }

    pub(crate) fn i32s(v: &[u32]) -> (u32, Vec<u8>, u32) {
        (
            TYPE_INT32,
            v.iter().flat_map(|x| x.to_be_bytes()).collect(),
            v.len() as u32,
        )
    }

    pub(crate) fn entry(tag: u32, (ty, d, c): (u32, Vec<u8>, u32)) -> (u32, u32, Vec<u8>, u32) {
        (tag, ty, d, c)
    }

    #[test]
    fn reads_tags_and_files() {
        let blob = build(
            &[
                entry(TAG_NAME, s("bash")),
                entry(TAG_EPOCH, i32s(&[3])),
                entry(TAG_DIRNAMES, sa(&["/usr/bin/", "/etc/"])),
                entry(TAG_BASENAMES, sa(&["bash", "bashrc", "sh"])),
                entry(TAG_DIRINDEXES, i32s(&[0, 1, 0])),
            ],
            true,
        );
        let h = Header::parse(&blob, "t").unwrap();
        assert_eq!(h.string(TAG_NAME).unwrap().as_deref(), Some("bash"));
        assert_eq!(h.u32(TAG_EPOCH).unwrap(), Some(3));
        assert_eq!(h.string(TAG_ARCH).unwrap(), None);
        assert_eq!(
            h.file_names().unwrap(),
            ["/usr/bin/bash", "/etc/bashrc", "/usr/bin/sh"]
        );
        assert!(h.u32(TAG_NAME).is_err());
    }

    #[test]
    fn rejects_bad_headers() {
        assert!(Header::parse(&[], "t").is_err());
        assert!(Header::parse(&[0, 0, 0, 1, 0, 0, 0, 0], "t").is_err());
        let mut blob = build(&[entry(TAG_NAME, s("x"))], false);
        // Unterminated string: drop the NUL.
        let n = blob.len();
        blob[n - 1] = b'y';
        let h = Header::parse(&blob, "t").unwrap();
        let e = h.string(TAG_NAME).unwrap_err();
        assert!(e.to_string().contains("not terminated"), "{e}");
        // Bad dirindex.
        let blob = build(
            &[
                entry(TAG_DIRNAMES, sa(&["/"])),
                entry(TAG_BASENAMES, sa(&["a"])),
                entry(TAG_DIRINDEXES, i32s(&[7])),
            ],
            false,
        );
        let e = Header::parse(&blob, "t").unwrap().file_names().unwrap_err();
        assert!(e.to_string().contains("dirindex 7"), "{e}");
        // Huge counts.
        let mut blob = build(&[entry(TAG_EPOCH, i32s(&[1]))], false);
        blob[20..24].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Header::parse(&blob, "t").is_err());
    }
}
