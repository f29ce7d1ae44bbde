//! A minimal read-only zip reader for Java archives: the central directory
//! (Zip64 included), and entry bodies that are stored or deflated.
//!
//! Why not the `zip` crate: its current releases need Rust 1.89 (the workspace
//! supports 1.85), its read path builds an index map of every entry name with
//! its own policies on sizes, and it brings a dozen compression methods,
//! encryption and time handling that jars do not use. This reader is ~300 lines
//! over `flate2`, works on a byte slice (so a stored nested jar is read in place,
//! without a copy), and leaves every limit to the caller: the number of entries
//! it will index and the bytes any one entry may inflate to, checked while
//! inflating whatever the headers claim.
//!
//! Data before the archive (self-executing jars start with a shell script) is
//! allowed: offsets are shifted by the difference between where the central
//! directory is and where the end record says it is.

use std::borrow::Cow;
use std::io::Read;

use crate::error::{Error, Result};

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const CENTRAL_LEN: usize = 46;
const LOCAL_SIG: u32 = 0x0403_4b50;
const LOCAL_LEN: usize = 30;

/// One entry of the central directory.
#[derive(Debug, Clone)]
pub(crate) struct ZipEntry {
    /// Name as stored (UTF-8, or lossily decoded).
    pub name: String,
    method: u16,
    flags: u16,
    compressed: u64,
    /// Uncompressed size as the central directory claims it.
    pub size: u64,
    local_offset: u64,
}

impl ZipEntry {
    /// Whether the entry is a directory (its name ends with `/`).
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// An opened archive over its bytes.
pub(crate) struct ZipArchive<'a> {
    data: &'a [u8],
    /// Bytes prepended to the archive (added to every recorded offset).
    shift: u64,
    /// The central directory, in order.
    pub entries: Vec<ZipEntry>,
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

impl<'a> ZipArchive<'a> {
    /// Read the central directory of `data`, refusing more than `max_entries`
    /// entries. `file` names the archive in errors.
    pub fn parse(data: &'a [u8], file: &str, max_entries: u64) -> Result<Self> {
        let fmt = |off: usize, m: &str| Error::format(file, off as u64, format!("zip: {m}"));
        // The end record is in the last 22 + 65535 bytes; search backwards.
        if data.len() < EOCD_LEN {
            return Err(fmt(0, "too short to be a zip archive"));
        }
        let lowest = data.len().saturating_sub(EOCD_LEN + 0xffff);
        let eocd = (lowest..=data.len() - EOCD_LEN)
            .rev()
            .find(|&i| u32_at(data, i) == Some(EOCD_SIG))
            .ok_or_else(|| {
                fmt(
                    data.len(),
                    "no end of central directory record (not a zip archive)",
                )
            })?;
        let short = || fmt(eocd, "truncated end of central directory record");
        let mut count = u64::from(u16_at(data, eocd + 10).ok_or_else(short)?);
        let mut cd_size = u64::from(u32_at(data, eocd + 12).ok_or_else(short)?);
        let mut cd_offset = u64::from(u32_at(data, eocd + 16).ok_or_else(short)?);
        let mut end_of_cd = eocd as u64;
        if count == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff {
            // Zip64: the locator sits right before the end record.
            if let Some(loc) = eocd
                .checked_sub(20)
                .filter(|&l| u32_at(data, l) == Some(ZIP64_LOCATOR_SIG))
            {
                let z64 =
                    u64_at(data, loc + 8).ok_or_else(|| fmt(loc, "truncated Zip64 locator"))?;
                // The Zip64 record may be shifted by prepended data too: look for it
                // just before the locator first (56 bytes without extensible data).
                let at = loc
                    .checked_sub(56)
                    .filter(|&a| u32_at(data, a) == Some(ZIP64_EOCD_SIG))
                    .or_else(|| {
                        usize::try_from(z64)
                            .ok()
                            .filter(|&a| u32_at(data, a) == Some(ZIP64_EOCD_SIG))
                    })
                    .ok_or_else(|| fmt(loc, "Zip64 end of central directory record not found"))?;
                let short64 = || fmt(at, "truncated Zip64 end of central directory record");
                count = u64_at(data, at + 32).ok_or_else(short64)?;
                cd_size = u64_at(data, at + 40).ok_or_else(short64)?;
                cd_offset = u64_at(data, at + 48).ok_or_else(short64)?;
                end_of_cd = at as u64;
            }
        }
        if count > max_entries {
            return Err(Error::limit(
                file,
                format!("zip archive with {count} entries (limit {max_entries})"),
            ));
        }
        let cd_start = end_of_cd
            .checked_sub(cd_size)
            .ok_or_else(|| fmt(eocd, "central directory larger than the archive"))?;
        let shift = cd_start
            .checked_sub(cd_offset)
            .ok_or_else(|| fmt(eocd, "central directory offset past its position"))?;
        let mut entries = Vec::with_capacity(
            usize::try_from(count.min(cd_size / CENTRAL_LEN as u64)).unwrap_or(0),
        );
        let mut at =
            usize::try_from(cd_start).map_err(|_| fmt(eocd, "bad central directory offset"))?;
        let cd_end =
            usize::try_from(end_of_cd).map_err(|_| fmt(eocd, "bad central directory size"))?;
        for _ in 0..count {
            if at + CENTRAL_LEN > cd_end || u32_at(data, at) != Some(CENTRAL_SIG) {
                return Err(fmt(at, "bad central directory entry signature"));
            }
            let h = &data[at..at + CENTRAL_LEN];
            let get16 = |o| u16_at(h, o).unwrap_or(0);
            let get32 = |o| u32_at(h, o).unwrap_or(0);
            let flags = get16(8);
            let method = get16(10);
            let mut compressed = u64::from(get32(20));
            let mut size = u64::from(get32(24));
            let name_len = usize::from(get16(28));
            let extra_len = usize::from(get16(30));
            let comment_len = usize::from(get16(32));
            let mut local_offset = u64::from(get32(42));
            let name_at = at + CENTRAL_LEN;
            let extra_at = name_at + name_len;
            let next = extra_at + extra_len + comment_len;
            if next > cd_end {
                return Err(fmt(at, "central directory entry runs past the directory"));
            }
            let name = String::from_utf8_lossy(&data[name_at..extra_at]).into_owned();
            // Zip64 extended information: the 0xffffffff fields, in order.
            let mut extra = &data[extra_at..extra_at + extra_len];
            while extra.len() >= 4 {
                let id = u16_at(extra, 0).unwrap_or(0);
                let len = usize::from(u16_at(extra, 2).unwrap_or(0));
                let body = extra.get(4..4 + len).unwrap_or(&[]);
                if id == 0x0001 {
                    let mut p = 0;
                    for field in [&mut size, &mut compressed, &mut local_offset] {
                        if *field == 0xffff_ffff {
                            if let Some(v) = u64_at(body, p) {
                                *field = v;
                                p += 8;
                            }
                        }
                    }
                }
                extra = extra.get(4 + len..).unwrap_or(&[]);
            }
            entries.push(ZipEntry {
                name,
                method,
                flags,
                compressed,
                size,
                local_offset,
            });
            at = next;
        }
        Ok(ZipArchive {
            data,
            shift,
            entries,
        })
    }

    /// The body of `entry`, inflated when deflated, refused when it would be more
    /// than `cap` bytes. A stored entry is borrowed, not copied. `file` names the
    /// entry in errors.
    pub fn read(&self, entry: &ZipEntry, cap: u64, file: &str) -> Result<Cow<'a, [u8]>> {
        let local = entry
            .local_offset
            .checked_add(self.shift)
            .and_then(|o| usize::try_from(o).ok())
            .filter(|&o| u32_at(self.data, o) == Some(LOCAL_SIG))
            .ok_or_else(|| Error::format(file, entry.local_offset, "zip: bad local header"))?;
        if entry.flags & 1 != 0 {
            return Err(Error::unsupported(file, "encrypted zip entry"));
        }
        let name_len = usize::from(u16_at(self.data, local + 26).unwrap_or(0));
        let extra_len = usize::from(u16_at(self.data, local + 28).unwrap_or(0));
        let start = local + LOCAL_LEN + name_len + extra_len;
        let body = usize::try_from(entry.compressed)
            .ok()
            .and_then(|n| self.data.get(start..start.checked_add(n)?))
            .ok_or_else(|| {
                Error::format(file, start as u64, "zip: entry data runs past the archive")
            })?;
        let too_big = || Error::limit(file, format!("zip entry inflates to more than {cap} bytes"));
        match entry.method {
            0 => {
                if body.len() as u64 > cap {
                    return Err(too_big());
                }
                Ok(Cow::Borrowed(body))
            }
            8 => {
                if entry.size > cap {
                    return Err(too_big());
                }
                let mut out =
                    Vec::with_capacity(usize::try_from(entry.size.min(1 << 20)).unwrap_or(0));
                flate2::read::DeflateDecoder::new(body)
                    .take(cap + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| {
                        Error::format(file, start as u64, format!("zip: bad deflate data: {e}"))
                    })?;
                if out.len() as u64 > cap {
                    return Err(too_big());
                }
                Ok(Cow::Owned(out))
            }
            m => Err(Error::unsupported(
                file,
                format!("zip compression method {m}"),
            )),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! A small zip writer for the tests (stored or deflated entries).
    use std::io::Write;

    use super::*;

    /// Write a zip archive of `(name, body, deflate)` entries.
    pub fn build(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, body, deflate) in entries {
            let data = if *deflate {
                let mut z =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                z.write_all(body).unwrap();
                z.finish().unwrap()
            } else {
                body.to_vec()
            };
            let method: u16 = if *deflate { 8 } else { 0 };
            let offset = out.len() as u32;
            out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 8]); // time, date, crc (unchecked)
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&data);
            central.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            central.extend_from_slice(&[20, 3, 20, 0, 0, 0]);
            central.extend_from_slice(&method.to_le_bytes());
            central.extend_from_slice(&[0; 8]);
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(body.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]); // extra, comment, disk, attrs
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn stored_and_deflated() {
        let z = build(&[
            ("a.txt", b"hello", false),
            ("dir/", b"", false),
            ("b.txt", b"world world world", true),
        ]);
        let a = ZipArchive::parse(&z, "t.jar", 10).unwrap();
        assert_eq!(a.entries.len(), 3);
        assert!(a.entries[1].is_dir());
        assert!(matches!(
            a.read(&a.entries[0], 100, "t").unwrap(),
            Cow::Borrowed(b"hello")
        ));
        assert_eq!(
            &*a.read(&a.entries[2], 100, "t").unwrap(),
            b"world world world"
        );
        assert!(matches!(
            a.read(&a.entries[2], 5, "t"),
            Err(Error::Limit { .. })
        ));
        assert!(matches!(
            a.read(&a.entries[0], 4, "t"),
            Err(Error::Limit { .. })
        ));
        assert!(matches!(
            ZipArchive::parse(&z, "t.jar", 2),
            Err(Error::Limit { .. })
        ));
    }

    #[test]
    fn prepended_script_is_skipped() {
        let mut z = b"#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n".to_vec();
        z.extend_from_slice(&build(&[(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\n",
            true,
        )]));
        let a = ZipArchive::parse(&z, "t.jar", 10).unwrap();
        assert_eq!(
            &*a.read(&a.entries[0], 100, "t").unwrap(),
            b"Manifest-Version: 1.0\n"
        );
    }

    #[test]
    fn lying_sizes_are_caught_while_inflating() {
        let mut z = build(&[("bomb", &vec![0u8; 100_000], true)]);
        // Claim an uncompressed size of 10 bytes in the central directory.
        let cd = z.len() - EOCD_LEN - CENTRAL_LEN - "bomb".len();
        z[cd + 24..cd + 28].copy_from_slice(&10u32.to_le_bytes());
        let a = ZipArchive::parse(&z, "t", 10).unwrap();
        assert_eq!(a.entries[0].size, 10);
        assert!(matches!(
            a.read(&a.entries[0], 1000, "t"),
            Err(Error::Limit { .. })
        ));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(ZipArchive::parse(b"", "t", 10).is_err());
        assert!(ZipArchive::parse(&[0u8; 100], "t", 10).is_err());
        let mut z = build(&[("a", b"x", false)]);
        let n = z.len();
        z[n - 6..n - 2].copy_from_slice(&9999u32.to_le_bytes()); // cd offset past its position
        assert!(ZipArchive::parse(&z, "t", 10).is_err());
    }
}
