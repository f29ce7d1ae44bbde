//! Decompression bombs: 1 GiB of zeros compressed to about a megabyte must
//! stream in bounded memory, and the per-layer and per-entry caps stop it
//! early with a clear error. Alone in its test binary so that the process's
//! peak memory (VmHWM) measures this test only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "common/tarbuild.rs"]
mod tarbuild;

use std::io::Write;

use plimsoll_image::{Digest, Expected, LayerError, Limits, read_layer};
use sha2::{Digest as _, Sha256};
use tarbuild::TarBuf;

const GIB: u64 = 1 << 30;

/// Peak resident memory of this process, in bytes (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A tar with one file of `size` zeros, compressed by `enc`, and its diff_id.
fn bomb<W: Write>(size: u64, mut enc: W) -> (W, Digest) {
    let mut hasher = Sha256::new();
    let mut head = TarBuf::default();
    head.header(b"zeros", b'0', size, b"", 0o644);
    let mut put = |b: &[u8]| {
        hasher.update(b);
        enc.write_all(b).unwrap();
    };
    put(&head.0);
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..size / chunk.len() as u64 {
        put(&chunk);
    }
    put(&[0u8; 1024]);
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (enc, Digest::from_hex(&hex).unwrap())
}

fn expect<'a>(blob: &[u8], diff_id: &'a Digest, digest: &'a Digest) -> Expected<'a> {
    Expected {
        digest: Some(digest),
        size: Some(blob.len() as u64),
        diff_id: Some(diff_id),
    }
}

#[test]
fn bombs_stream_in_bounded_memory_and_caps_stop_them() {
    let (enc, gz_diff) = bomb(
        GIB,
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()),
    );
    let gz = enc.finish().unwrap();
    assert!(gz.len() < 16 << 20, "{} bytes", gz.len());
    let (enc, zst_diff) = bomb(GIB, zstd::Encoder::new(Vec::new(), 1).unwrap());
    let zst = enc.finish().unwrap();
    assert!(zst.len() < 8 << 20);

    let before = peak_rss();
    for (blob, diff) in [(&gz, &gz_diff), (&zst, &zst_diff)] {
        let digest = Digest::of_bytes(blob);
        let r = read_layer(
            &blob[..],
            expect(blob, diff, &digest),
            &[],
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(r.uncompressed_size, GIB + 512 + 1024);
        assert_eq!(r.files.entries[0].size, GIB);
    }
    if let (Some(before), Some(after)) = (before, peak_rss()) {
        let growth = after.saturating_sub(before);
        eprintln!(
            "2 GiB decompressed; peak RSS {} MiB -> {} MiB",
            before >> 20,
            after >> 20
        );
        // zstd's window is capped at 128 MiB; in practice far less is used.
        assert!(
            growth < 160 << 20,
            "peak memory grew by {} MiB",
            growth >> 20
        );
    }

    // Per-layer cap: stops after 64 MiB of output, names the limit.
    let limits = Limits {
        max_layer_bytes: 64 << 20,
        ..Limits::default()
    };
    for (blob, diff) in [(&gz, &gz_diff), (&zst, &zst_diff)] {
        let digest = Digest::of_bytes(blob);
        match read_layer(&blob[..], expect(blob, diff, &digest), &[], &limits) {
            Err(e @ LayerError::LayerTooLarge { limit }) => {
                assert_eq!(limit, 64 << 20);
                assert!(e.to_string().contains("decompression bomb"));
            }
            other => panic!("{other:?}"),
        }
    }
    // Per-entry cap: refused from the header, before any content is read.
    let limits = Limits {
        max_entry_bytes: 1 << 20,
        ..Limits::default()
    };
    let digest = Digest::of_bytes(&gz);
    match read_layer(&gz[..], expect(&gz, &gz_diff, &digest), &[], &limits) {
        Err(LayerError::EntryTooLarge { path, size, .. }) => {
            assert_eq!((path.as_str(), size), ("zeros", GIB));
        }
        other => panic!("{other:?}"),
    }
}
