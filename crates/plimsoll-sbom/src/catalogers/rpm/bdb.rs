//! BerkeleyDB hash databases (`var/lib/rpm/Packages` of rpm ≤ 4.15), in either byte order.
//!
//! Format facts used (Berkeley DB `db_page.h` layout):
//! - Page 0 is the hash metadata page: magic `0x061561` at byte 12 in the
//!   byte order of the machine that wrote the file (so it also tells the order),
//!   version at 16, page size at 20, encryption algorithm at 24, page type
//!   (8 = hash meta) at 25, flags at 26, last page number at 32.
//! - Every page starts with a 26-byte header: page number at 8, previous and
//!   next page at 12 and 16, entry count (u16) at 20, high free offset (u16) at
//!   22, level at 24, type at 25.
//! - Hash pages (type 13, or 2 for the unsorted pages of old releases) hold an
//!   array of u16 item offsets after the header; items come in key/data pairs,
//!   and item *i* spans from its offset to the offset of item *i − 1* (or the page end).
//!   An item's first byte is its type: 1 = inline bytes, 3 = off-page
//!   (`type, 3 unused bytes, first page: u32, total length: u32`).
//! - Off-page data lives in a chain of overflow pages (type 7): each holds
//!   `hf_offset` bytes after its header and links to the next page at byte 16.
//!
//! rpm stores one header per record, keyed by a 4-byte instance number; the
//! record with key 0 is rpm's own counter and is skipped. Bounds: page sizes
//! 512..=65536 (powers of two), page count bounded by the file size, every item
//! inside its page, and every overflow page may be used once in the whole file,
//! which both detects cycles and bounds the work to the file size.

use super::packages_from_blobs;
use crate::error::{Error, Result};
use crate::package::Package;

/// The hash database magic number.
pub const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;

const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

const H_KEYDATA: u8 = 1;
const H_DUPLICATE: u8 = 2;
const H_OFFPAGE: u8 = 3;
const H_OFFDUP: u8 = 4;
const H_BLOB: u8 = 5;

#[derive(Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s = b.get(at..at.checked_add(2)?)?;
        let a = [s[0], s[1]];
        Some(if self.big {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    }

    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s = b.get(at..at.checked_add(4)?)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }
}

/// Metadata of a BerkeleyDB hash file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Whether the file was written big-endian.
    pub big_endian: bool,
    /// Hash format version.
    pub version: u32,
    /// Page size in bytes.
    pub page_size: usize,
    /// Number of pages (last page number + 1).
    pub pages: usize,
}

/// Read and check the metadata page.
pub fn meta(data: &[u8], file: &str) -> Result<Meta> {
    let magic_at = 12;
    let Some(raw) = data.get(magic_at..magic_at + 4) else {
        return Err(Error::format(
            file,
            0,
            "file too short for a BerkeleyDB metadata page",
        ));
    };
    let le = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
    let be = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
    let order = if le == HASH_MAGIC {
        Order { big: false }
    } else if be == HASH_MAGIC {
        Order { big: true }
    } else if le == BTREE_MAGIC || be == BTREE_MAGIC {
        return Err(Error::unsupported(
            file,
            "BerkeleyDB btree (rpm Packages is a hash database)",
        ));
    } else {
        return Err(Error::format(
            file,
            magic_at as u64,
            format!("not a BerkeleyDB hash database (magic {le:#010x})"),
        ));
    };
    let field = |at: usize| {
        order
            .u32(data, at)
            .ok_or_else(|| Error::format(file, at as u64, "metadata page truncated"))
    };
    let version = field(16)?;
    if !(8..=10).contains(&version) {
        return Err(Error::unsupported(
            file,
            format!("hash database version {version}"),
        ));
    }
    let page_size = field(20)? as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(Error::format(
            file,
            20,
            format!("invalid page size {page_size}"),
        ));
    }
    let (Some(&encrypt), Some(&ty), Some(&flags)) = (data.get(24), data.get(25), data.get(26))
    else {
        return Err(Error::format(file, 24, "metadata page truncated"));
    };
    if encrypt != 0 {
        return Err(Error::unsupported(file, "encrypted BerkeleyDB"));
    }
    if ty != P_HASHMETA {
        return Err(Error::format(
            file,
            25,
            format!("page 0 has type {ty}, not hash metadata"),
        ));
    }
    if flags & 0x01 != 0 {
        return Err(Error::unsupported(file, "BerkeleyDB page checksums"));
    }
    let last = field(32)? as usize;
    let pages = last + 1;
    let have = data.len() / page_size;
    if pages > have {
        return Err(Error::format(
            file,
            32,
            format!(
                "last page {last} is beyond the end of the file ({have} pages of {page_size} bytes)"
            ),
        ));
    }
    Ok(Meta {
        big_endian: order.big,
        version,
        page_size,
        pages,
    })
}

struct Reader<'a> {
    data: &'a [u8],
    file: &'a str,
    order: Order,
    ps: usize,
    pages: usize,
    used_overflow: Vec<bool>,
}

impl<'a> Reader<'a> {
    fn page(&self, no: usize) -> Option<&'a [u8]> {
        if no >= self.pages {
            return None;
        }
        self.data.get(no * self.ps..(no + 1) * self.ps)
    }

    fn err(&self, page: usize, at: usize, m: String) -> Error {
        Error::format(self.file, (page * self.ps + at) as u64, m)
    }

    fn overflow(&mut self, first: u32, tlen: u32, from_page: usize, at: usize) -> Result<Vec<u8>> {
        let cap = self.pages.saturating_mul(self.ps - PAGE_HEADER);
        let tlen = tlen as usize;
        if tlen > cap {
            return Err(self.err(
                from_page,
                at,
                format!("off-page item of {tlen} bytes is larger than the file"),
            ));
        }
        let mut out = Vec::with_capacity(tlen);
        let mut no = first as usize;
        loop {
            let Some(page) = self.page(no) else {
                return Err(self.err(
                    from_page,
                    at,
                    format!("overflow page {no} is outside the file"),
                ));
            };
            if no == 0 || self.used_overflow.get(no).copied().unwrap_or(true) {
                return Err(self.err(
                    no,
                    0,
                    format!("overflow page {no} is referenced twice (cycle or corrupt chain)"),
                ));
            }
            if let Some(u) = self.used_overflow.get_mut(no) {
                *u = true;
            }
            if page[25] != P_OVERFLOW {
                return Err(self.err(
                    no,
                    25,
                    format!("page {no} has type {}, not overflow", page[25]),
                ));
            }
            let len = usize::from(self.order.u16(page, 22).unwrap_or(0));
            let Some(chunk) = page.get(PAGE_HEADER..PAGE_HEADER + len) else {
                return Err(self.err(no, 22, format!("overflow length {len} exceeds the page")));
            };
            let room = tlen - out.len();
            if chunk.len() > room {
                return Err(self.err(
                    no,
                    22,
                    format!("overflow chain holds more than the {tlen} bytes announced"),
                ));
            }
            out.extend_from_slice(chunk);
            let next = self.order.u32(page, 16).unwrap_or(0);
            if next == 0 {
                break;
            }
            no = next as usize;
        }
        if out.len() != tlen {
            return Err(self.err(
                from_page,
                at,
                format!("overflow chain holds {} bytes, {tlen} announced", out.len()),
            ));
        }
        Ok(out)
    }
}

/// Every `(instance number, header blob)` of a BerkeleyDB hash `Packages`,
/// sorted by instance number (install order).
pub fn read_blobs(data: &[u8], file: &str) -> Result<Vec<(u32, Vec<u8>)>> {
    let m = meta(data, file)?;
    let mut r = Reader {
        data,
        file,
        order: Order { big: m.big_endian },
        ps: m.page_size,
        pages: m.pages,
        used_overflow: vec![false; m.pages],
    };
    let mut out = Vec::new();
    for no in 1..m.pages {
        let Some(page) = r.page(no) else { break };
        let ty = page[25];
        if ty != P_HASH && ty != P_HASH_UNSORTED {
            continue;
        }
        let n = usize::from(r.order.u16(page, 20).unwrap_or(0));
        let index_end = PAGE_HEADER + 2 * n;
        if index_end > r.ps {
            return Err(r.err(no, 20, format!("{n} entries do not fit in a page")));
        }
        let mut bounds = Vec::with_capacity(n);
        let mut prev = r.ps;
        for i in 0..n {
            let start = usize::from(r.order.u16(page, PAGE_HEADER + 2 * i).unwrap_or(0));
            if start < index_end || start >= prev {
                return Err(r.err(
                    no,
                    PAGE_HEADER + 2 * i,
                    format!("item {i} has bad bounds {start}..{prev}"),
                ));
            }
            bounds.push((start, prev));
            prev = start;
        }
        for pair in bounds.chunks_exact(2) {
            let ((ks, ke), (ds, de)) = (pair[0], pair[1]);
            let key = if page[ks] == H_KEYDATA && ke - ks == 5 {
                r.order.u32(page, ks + 1).unwrap_or(0)
            } else {
                u32::MAX
            };
            let blob = match page[ds] {
                H_KEYDATA => page[ds + 1..de].to_vec(),
                H_OFFPAGE => {
                    if de - ds < 12 {
                        return Err(r.err(no, ds, "off-page item too short".into()));
                    }
                    let first = r.order.u32(page, ds + 4).unwrap_or(0);
                    let tlen = r.order.u32(page, ds + 8).unwrap_or(0);
                    r.overflow(first, tlen, no, ds)?
                }
                t @ (H_DUPLICATE | H_OFFDUP | H_BLOB) => {
                    return Err(Error::unsupported(
                        file,
                        format!("hash item type {t} (duplicates/blobs) on page {no}"),
                    ));
                }
                t => return Err(r.err(no, ds, format!("unknown hash item type {t}"))),
            };
            if key == 0 {
                continue; // rpm's instance counter, not a header
            }
            out.push((key, blob));
        }
    }
    out.sort_by_key(|(k, _)| *k);
    Ok(out)
}

/// The packages of a BerkeleyDB hash `Packages` (see the module documentation).
pub fn read(data: &[u8], file: &str) -> Result<Vec<Package>> {
    packages_from_blobs(read_blobs(data, file)?, file)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build a tiny hash database holding `records` (key, value); values longer
    /// than `inline_max` go to overflow chains.
    pub(crate) fn build(
        records: &[(u32, Vec<u8>)],
        big: bool,
        ps: usize,
        inline_max: usize,
    ) -> Vec<u8> {
        let w32 = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let w16 = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut pages: Vec<Vec<u8>> = vec![vec![0; ps], vec![0; ps]];
        let mut hash_items: Vec<Vec<u8>> = Vec::new();
        for (k, v) in records {
            let mut key = vec![H_KEYDATA];
            key.extend_from_slice(&w32(*k));
            hash_items.push(key);
            if v.len() <= inline_max {
                let mut d = vec![H_KEYDATA];
                d.extend_from_slice(v);
                hash_items.push(d);
            } else {
                let first = pages.len() as u32;
                let chunks: Vec<&[u8]> = v.chunks(ps - PAGE_HEADER).collect();
                for (ci, c) in chunks.iter().enumerate() {
                    let no = pages.len();
                    let mut p = vec![0u8; ps];
                    p[8..12].copy_from_slice(&w32(no as u32));
                    let next = if ci + 1 < chunks.len() {
                        no as u32 + 1
                    } else {
                        0
                    };
                    p[16..20].copy_from_slice(&w32(next));
                    p[22..24].copy_from_slice(&w16(c.len() as u16));
                    p[25] = P_OVERFLOW;
                    p[PAGE_HEADER..PAGE_HEADER + c.len()].copy_from_slice(c);
                    pages.push(p);
                }
                let mut d = vec![H_OFFPAGE, 0, 0, 0];
                d.extend_from_slice(&w32(first));
                d.extend_from_slice(&w32(v.len() as u32));
                hash_items.push(d);
            }
        }
        let hp = &mut pages[1];
        hp[8..12].copy_from_slice(&w32(1));
        hp[20..22].copy_from_slice(&w16(hash_items.len() as u16));
        hp[25] = P_HASH;
        let mut end = ps;
        for (i, it) in hash_items.iter().enumerate() {
            let start = end - it.len();
            hp[start..end].copy_from_slice(it);
            hp[PAGE_HEADER + 2 * i..PAGE_HEADER + 2 * i + 2].copy_from_slice(&w16(start as u16));
            end = start;
        }
        let last = pages.len() as u32 - 1;
        let mp = &mut pages[0];
        mp[12..16].copy_from_slice(&w32(HASH_MAGIC));
        mp[16..20].copy_from_slice(&w32(9));
        mp[20..24].copy_from_slice(&w32(ps as u32));
        mp[25] = P_HASHMETA;
        mp[32..36].copy_from_slice(&w32(last));
        pages.concat()
    }

    #[test]
    fn both_byte_orders_inline_and_overflow() {
        for big in [false, true] {
            let big_value: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
            let db = build(
                &[
                    (0, vec![9, 0, 0, 0]),
                    (2, b"small".to_vec()),
                    (1, big_value.clone()),
                ],
                big,
                512,
                64,
            );
            let m = meta(&db, "db").unwrap();
            assert_eq!(m.big_endian, big);
            let blobs = read_blobs(&db, "db").unwrap();
            assert_eq!(blobs, vec![(1, big_value), (2, b"small".to_vec())]);
        }
    }

    #[test]
    fn overflow_cycle_is_detected() {
        let value: Vec<u8> = vec![7; 2000];
        let mut db = build(&[(1, value)], false, 512, 64);
        // Point the second overflow page back at the first.
        let p3 = 3 * 512;
        db[p3 + 16..p3 + 20].copy_from_slice(&2u32.to_le_bytes());
        let e = read_blobs(&db, "db").unwrap_err();
        assert!(e.to_string().contains("referenced twice"), "{e}");
    }

    #[test]
    fn bad_meta() {
        assert!(meta(b"", "db").is_err());
        let mut db = build(&[], false, 512, 64);
        db[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert!(
            meta(&db, "db")
                .unwrap_err()
                .to_string()
                .contains("page size")
        );
        let mut db = build(&[], false, 512, 64);
        db[32..36].copy_from_slice(&1_000_000u32.to_le_bytes());
        assert!(
            meta(&db, "db")
                .unwrap_err()
                .to_string()
                .contains("beyond the end")
        );
    }
}
