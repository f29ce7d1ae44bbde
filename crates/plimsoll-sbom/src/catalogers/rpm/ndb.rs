//! rpm's native database, NDB (`Packages.db`; SUSE since SLE 15 SP3).
//!
//! Format facts used (rpm's `lib/backend/ndb/rpmpkg.c`; all integers little-endian):
//! - A 32-byte header: magic `RpmP`, version (0), generation, number of slot
//!   pages, next package index.
//! - Slot pages of 4096 bytes follow from offset 0 (the header takes the first
//!   two 16-byte slots). A slot is magic `Slot`, package index, block offset,
//!   block count; block offset 0 marks a free slot. Blocks are 16 bytes.
//! - A blob at `block offset × 16`: head (magic `BlbS`, package index,
//!   timestamp, length), the header blob, zero padding, and a 12-byte tail
//!   (Adler-32 of head + blob + padding, length again, magic `BlbE`) ending the
//!   last block. The block count must equal `ceil((16 + length + 12) / 16)`.
//!
//! Every field is checked (magics, bounds, lengths, the Adler-32 checksum);
//! the slot page count is capped by the file size and by [`MAX_SLOT_PAGES`].

use super::packages_from_blobs;
use crate::error::{Error, Result};
use crate::package::Package;

const HEADER_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_HEAD_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const BLOB_TAIL_MAGIC: u32 = u32::from_le_bytes(*b"BlbE");
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: usize = 16;
const HEADER_SIZE: usize = 32;
const BLOB_HEAD: usize = 16;
const BLOB_TAIL: usize = 12;

/// Cap on slot pages (each holds 256 slots): far above any real database.
pub const MAX_SLOT_PAGES: u32 = 4096;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Adler-32 (RFC 1950) of `data`, continuing from `adler`.
pub fn adler32(mut adler: u32, data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let mut a = adler & 0xffff;
    let mut b = adler >> 16;
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    adler = (b << 16) | a;
    adler
}

/// Every `(package index, header blob)` of an NDB `Packages.db`, sorted by package index.
pub fn read_blobs(data: &[u8], file: &str) -> Result<Vec<(u32, Vec<u8>)>> {
    let err = |at: usize, m: String| Error::format(file, at as u64, m);
    if data.len() < HEADER_SIZE {
        return Err(err(0, "file too short for an NDB header".into()));
    }
    if le32(data, 0) != Some(HEADER_MAGIC) {
        return Err(err(0, "not an NDB database (magic is not RpmP)".into()));
    }
    let version = le32(data, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(Error::unsupported(file, format!("NDB version {version}")));
    }
    let npages = le32(data, 12).unwrap_or(0);
    if npages == 0 || npages > MAX_SLOT_PAGES {
        return Err(err(12, format!("bad slot page count {npages}")));
    }
    let slots_end = npages as usize * PAGE_SIZE;
    if slots_end > data.len() {
        return Err(err(
            12,
            format!(
                "{npages} slot pages do not fit in a {}-byte file",
                data.len()
            ),
        ));
    }
    let min_blk = slots_end / BLK_SIZE;
    let file_blks = data.len() / BLK_SIZE;
    let mut slots: Vec<(usize, u32, usize, usize)> = Vec::new();
    let mut at = HEADER_SIZE;
    while at + SLOT_SIZE <= slots_end {
        let slot = at;
        at += SLOT_SIZE;
        let (Some(magic), Some(pkgidx), Some(blkoff), Some(blkcnt)) = (
            le32(data, slot),
            le32(data, slot + 4),
            le32(data, slot + 8),
            le32(data, slot + 12),
        ) else {
            return Err(err(slot, "slot truncated".into()));
        };
        if magic != SLOT_MAGIC {
            return Err(err(slot, format!("bad slot magic {magic:#010x}")));
        }
        if blkoff == 0 {
            continue; // free slot
        }
        let (blkoff, blkcnt) = (blkoff as usize, blkcnt as usize);
        if pkgidx == 0
            || blkcnt == 0
            || blkoff < min_blk
            || blkoff.saturating_add(blkcnt) > file_blks
        {
            return Err(err(
                slot,
                format!("slot of package {pkgidx}: blocks {blkoff}+{blkcnt} outside the data area"),
            ));
        }
        slots.push((slot, pkgidx, blkoff, blkcnt));
    }
    // Blobs may not overlap (rpm checks the same): this also bounds the output
    // to the file size, whatever the slots say.
    slots.sort_by_key(|&(_, _, off, _)| off);
    let mut last_end = min_blk;
    let mut out = Vec::with_capacity(slots.len());
    for (slot, pkgidx, blkoff, blkcnt) in slots {
        if blkoff < last_end {
            return Err(err(
                slot,
                format!("blob of package {pkgidx} overlaps another blob"),
            ));
        }
        last_end = blkoff + blkcnt;
        let start = blkoff * BLK_SIZE;
        let end = (blkoff + blkcnt) * BLK_SIZE;
        let area = &data[start..end];
        if area.len() < BLOB_HEAD + BLOB_TAIL {
            return Err(err(start, format!("blob of package {pkgidx} too small")));
        }
        if le32(area, 0) != Some(BLOB_HEAD_MAGIC) {
            return Err(err(start, format!("bad blob magic for package {pkgidx}")));
        }
        if le32(area, 4) != Some(pkgidx) {
            return Err(err(
                start + 4,
                format!("blob belongs to another package than slot {pkgidx}"),
            ));
        }
        let len = le32(area, 12).unwrap_or(0) as usize;
        let want_blks = (BLOB_HEAD + len + BLOB_TAIL).div_ceil(BLK_SIZE);
        if want_blks != blkcnt {
            return Err(err(
                start + 12,
                format!("blob length {len} does not match {blkcnt} blocks"),
            ));
        }
        let tail = area.len() - BLOB_TAIL;
        let (Some(sum), Some(tlen), Some(tmagic)) =
            (le32(area, tail), le32(area, tail + 4), le32(area, tail + 8))
        else {
            return Err(err(start + tail, "blob tail truncated".into()));
        };
        if tmagic != BLOB_TAIL_MAGIC || tlen as usize != len {
            return Err(err(
                start + tail,
                format!("bad blob tail for package {pkgidx}"),
            ));
        }
        let computed = adler32(1, &area[..tail]);
        if computed != sum {
            return Err(err(
                start + tail,
                format!(
                    "checksum mismatch for package {pkgidx} (stored {sum:#010x}, computed {computed:#010x})"
                ),
            ));
        }
        out.push((pkgidx, area[BLOB_HEAD..BLOB_HEAD + len].to_vec()));
    }
    out.sort_by_key(|(k, _)| *k);
    Ok(out)
}

/// The packages of an NDB `Packages.db`.
pub fn read(data: &[u8], file: &str) -> Result<Vec<Package>> {
    packages_from_blobs(read_blobs(data, file)?, file)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build an NDB file holding `blobs` (package index, blob).
    pub(crate) fn build(blobs: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut db = vec![0u8; PAGE_SIZE];
        db[0..4].copy_from_slice(b"RpmP");
        db[12..16].copy_from_slice(&1u32.to_le_bytes());
        for s in (HEADER_SIZE..PAGE_SIZE).step_by(SLOT_SIZE) {
            db[s..s + 4].copy_from_slice(b"Slot");
        }
        for (i, (idx, blob)) in blobs.iter().enumerate() {
            let blkoff = db.len() / BLK_SIZE;
            let blkcnt = (BLOB_HEAD + blob.len() + BLOB_TAIL).div_ceil(BLK_SIZE);
            let mut area = vec![0u8; blkcnt * BLK_SIZE];
            area[0..4].copy_from_slice(b"BlbS");
            area[4..8].copy_from_slice(&idx.to_le_bytes());
            area[12..16].copy_from_slice(&(blob.len() as u32).to_le_bytes());
            area[16..16 + blob.len()].copy_from_slice(blob);
            let tail = area.len() - BLOB_TAIL;
            let sum = adler32(1, &area[..tail]);
            area[tail..tail + 4].copy_from_slice(&sum.to_le_bytes());
            area[tail + 4..tail + 8].copy_from_slice(&(blob.len() as u32).to_le_bytes());
            area[tail + 8..tail + 12].copy_from_slice(b"BlbE");
            db.extend_from_slice(&area);
            let s = HEADER_SIZE + i * SLOT_SIZE;
            db[s + 4..s + 8].copy_from_slice(&idx.to_le_bytes());
            db[s + 8..s + 12].copy_from_slice(&(blkoff as u32).to_le_bytes());
            db[s + 12..s + 16].copy_from_slice(&(blkcnt as u32).to_le_bytes());
        }
        db
    }

    #[test]
    fn adler_matches_rfc_example() {
        assert_eq!(adler32(1, b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn round_trip_and_checksum() {
        let db = build(&[(5, b"hello".to_vec()), (2, vec![1; 100])]);
        let blobs = read_blobs(&db, "p").unwrap();
        assert_eq!(blobs, vec![(2, vec![1; 100]), (5, b"hello".to_vec())]);
        let mut bad = db.clone();
        let n = bad.len();
        bad[n - 20] ^= 0xff; // inside the second blob's padding/data
        assert!(read_blobs(&bad, "p").is_err());
        let mut bad = db;
        bad[12..16].copy_from_slice(&100u32.to_le_bytes());
        assert!(
            read_blobs(&bad, "p")
                .unwrap_err()
                .to_string()
                .contains("slot pages")
        );
    }
}
