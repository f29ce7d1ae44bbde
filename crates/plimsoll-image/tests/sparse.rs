//! GNU sparse files, read as their logical content: old GNU (type `S`, with
//! extension headers) and PAX 0.0, 0.1 and 1.0, built here header by header;
//! the same from GNU tar and the `tar` crate on a file with real holes; a
//! 10 GiB file read in bounded memory; hostile maps refused with an error
//! that names the entry.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "common/tarbuild.rs"]
mod tarbuild;

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use plimsoll_image::{
    Analyzer, AnalyzerError, AnomalyKind, Digest, EntryKind, EntryReader, Expected, LayerError,
    LayerRead, Limits, read_layer,
};
use tarbuild::{TarBuf, gzip};

/// Records what it reads of every regular file: path, size, bytes (up to
/// the read cap; an error past it is returned like any analyzer's).
#[derive(Default)]
struct Capture {
    name: &'static str,
    seen: Mutex<Vec<(String, u64, Vec<u8>)>>,
}

impl Capture {
    fn named(name: &'static str) -> Self {
        Self {
            name,
            seen: Mutex::default(),
        }
    }

    fn take(&self) -> Vec<(String, u64, Vec<u8>)> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

impl Analyzer for Capture {
    fn name(&self) -> &str {
        self.name
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, _: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File
    }
    fn analyze(&self, e: &mut EntryReader<'_>) -> Result<Option<serde_json::Value>, AnalyzerError> {
        let mut v = Vec::new();
        let read = e.read_to_end(&mut v);
        self.seen
            .lock()
            .unwrap()
            .push((e.path().to_owned(), e.entry().size, v));
        read?;
        Ok(None)
    }
}

fn read_with(
    tar: &[u8],
    analyzers: &[&dyn Analyzer],
    limits: &Limits,
) -> Result<LayerRead, LayerError> {
    let blob = gzip(tar);
    let digest = Digest::of_bytes(&blob);
    let diff_id = Digest::of_bytes(tar);
    read_layer(
        &blob[..],
        Expected {
            digest: Some(&digest),
            size: Some(blob.len() as u64),
            diff_id: Some(&diff_id),
        },
        analyzers,
        limits,
    )
}

/// The logical file: zeros, with each segment's bytes at its offset.
fn logical(size: usize, segments: &[(u64, &[u8])]) -> Vec<u8> {
    let mut v = vec![0u8; size];
    for (off, d) in segments {
        let off = usize::try_from(*off).unwrap();
        v[off..off + d.len()].copy_from_slice(d);
    }
    v
}

fn stored(segments: &[(u64, &[u8])]) -> Vec<u8> {
    segments
        .iter()
        .flat_map(|(_, d)| d.iter().copied())
        .collect()
}

/// Equal bytes, or a message with the first difference (not 3 MB of dump).
fn assert_same(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        let at = got.iter().zip(want).position(|(a, b)| a != b);
        panic!(
            "{what}: {} bytes read, {} expected; first difference at {at:?}",
            got.len(),
            want.len()
        );
    }
}

/// Reads `tar` with two analyzers (so both the streamed path and the
/// buffered one for several analyzers are used) and checks that the one
/// file it holds reads as `want` under the name `path`.
fn check_one(tar: &[u8], path: &str, want: &[u8]) -> LayerRead {
    let a = Capture::named("a");
    let b = Capture::named("b");
    let only = |c: &Capture| -> Vec<_> { c.take().into_iter().filter(|s| s.0 == path).collect() };
    let r = read_with(tar, &[&a], &Limits::default()).unwrap();
    let seen = only(&a);
    assert_eq!(seen.len(), 1, "{:?}", r.files.entries);
    assert_eq!(seen[0].1, want.len() as u64);
    assert_same(&seen[0].2, want, path);
    let r2 = read_with(tar, &[&a, &b], &Limits::default()).unwrap();
    for c in [&a, &b] {
        assert_same(&only(c)[0].2, want, path);
    }
    assert_eq!(r.files, r2.files);
    let e = r.files.entries.iter().find(|e| e.path == path).unwrap();
    assert_eq!(
        (e.path.as_str(), e.size, e.kind),
        (path, want.len() as u64, EntryKind::File)
    );
    assert!(
        r.files
            .anomalies
            .iter()
            .any(|x| x.kind == AnomalyKind::SparseFile && x.path == path),
        "{:?}",
        r.files.anomalies
    );
    r
}

fn octal(field: &mut [u8], n: u64) {
    let w = field.len() - 1;
    field[..w].copy_from_slice(format!("{n:0w$o}").as_bytes());
    field[w] = 0;
}

/// An old GNU header of type `S`: `pairs` (at most 4) inline.
fn gnu_sparse_header(
    name: &[u8],
    size: u64,
    real: u64,
    pairs: &[(u64, u64)],
    extended: bool,
) -> [u8; 512] {
    assert!(pairs.len() <= 4);
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 0);
    h[156] = b'S';
    h[257..265].copy_from_slice(b"ustar  \0");
    for (i, (off, len)) in pairs.iter().enumerate() {
        let at = 386 + 24 * i;
        octal(&mut h[at..at + 12], *off);
        octal(&mut h[at + 12..at + 24], *len);
    }
    h[482] = u8::from(extended);
    octal(&mut h[483..495], real);
    tarbuild::set_checksum(&mut h);
    h
}

/// A GNU sparse extension block: `pairs` (at most 21).
fn gnu_extension(pairs: &[(u64, u64)], extended: bool) -> [u8; 512] {
    assert!(pairs.len() <= 21);
    let mut b = [0u8; 512];
    for (i, (off, len)) in pairs.iter().enumerate() {
        octal(&mut b[24 * i..24 * i + 12], *off);
        octal(&mut b[24 * i + 12..24 * i + 24], *len);
    }
    b[504] = u8::from(extended);
    b
}

/// A whole old GNU sparse entry: 4 pairs inline, the rest in extension
/// blocks of 21.
fn gnu_sparse(t: &mut TarBuf, name: &[u8], real: u64, pairs: &[(u64, u64)], data: &[u8]) {
    let (inline, rest) = pairs.split_at(pairs.len().min(4));
    t.0.extend_from_slice(&gnu_sparse_header(
        name,
        data.len() as u64,
        real,
        inline,
        !rest.is_empty(),
    ));
    let chunks: Vec<_> = rest.chunks(21).collect();
    for (i, c) in chunks.iter().enumerate() {
        t.0.extend_from_slice(&gnu_extension(c, i + 1 < chunks.len()));
    }
    t.data(data);
}

fn pairs_of(segments: &[(u64, &[u8])]) -> Vec<(u64, u64)> {
    segments.iter().map(|(o, d)| (*o, d.len() as u64)).collect()
}

fn map_list(pairs: &[(u64, u64)]) -> String {
    pairs
        .iter()
        .map(|(o, l)| format!("{o},{l}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A PAX 1.0 data area: the map, padded to a block, then the data.
fn map_in_data(pairs: &[(u64, u64)], data: &[u8]) -> Vec<u8> {
    let mut v = format!("{}\n", pairs.len()).into_bytes();
    for (o, l) in pairs {
        v.extend_from_slice(format!("{o}\n{l}\n").as_bytes());
    }
    v.resize(v.len().div_ceil(512) * 512, 0);
    v.extend_from_slice(data);
    v
}

const SEGMENTS: &[(u64, &[u8])] = &[
    (0, b"abc"),
    (100, b"hello"),
    (1000, b"seven.."),
    (2000, b"xy"),
    (5000, b"four"),
    (9990, b"0123456789"),
];

#[test]
fn old_gnu_with_an_extension_header() {
    let mut t = TarBuf::default();
    t.file(b"before", b"plain");
    gnu_sparse(
        &mut t,
        b"data/db",
        12_000,
        &pairs_of(SEGMENTS),
        &stored(SEGMENTS),
    );
    t.file(b"after", b"plain too");
    let tar = t.finish();
    let a = Capture::named("a");
    let r = read_with(&tar, &[&a], &Limits::default()).unwrap();
    let seen = a.take();
    let names: Vec<_> = seen.iter().map(|s| (s.0.as_str(), s.1)).collect();
    assert_eq!(names, [("before", 5), ("data/db", 12_000), ("after", 9)]);
    assert_same(&seen[1].2, &logical(12_000, SEGMENTS), "data/db");
    assert_eq!(
        seen[2].2, b"plain too",
        "the framing after the sparse entry holds"
    );
    assert_eq!(r.files.entries[1].size, 12_000);
    // Only one extension header, exactly full, and a trailing zero-length
    // pair at the real size (as GNU tar ends a map that ends in a hole).
    let mut pairs: Vec<(u64, u64)> = (0..25).map(|i| (i * 10, 1)).collect();
    pairs.push((400, 0));
    let data: Vec<u8> = (b'a'..=b'y').collect();
    let mut t = TarBuf::default();
    gnu_sparse(&mut t, b"many", 400, &pairs, &data);
    let segs: Vec<(u64, &[u8])> = (0..25)
        .map(|i| (i * 10, &data[i as usize..=i as usize]))
        .collect();
    check_one(&t.finish(), "many", &logical(400, &segs));
}

#[test]
fn pax_0_0_0_1_and_1_0() {
    let pairs = pairs_of(SEGMENTS);
    let data = stored(SEGMENTS);
    let want = logical(10_000, SEGMENTS);
    // 0.0: repeated offset/numbytes records, the name in the header.
    let mut records: Vec<(&str, Vec<u8>)> = vec![
        ("GNU.sparse.size", b"10000".to_vec()),
        ("GNU.sparse.numblocks", pairs.len().to_string().into_bytes()),
    ];
    for (o, l) in &pairs {
        records.push(("GNU.sparse.offset", o.to_string().into_bytes()));
        records.push(("GNU.sparse.numbytes", l.to_string().into_bytes()));
    }
    let r: Vec<(&str, &[u8])> = records.iter().map(|(k, v)| (*k, &v[..])).collect();
    let tar = TarBuf::default().pax(&r).file(b"v00", &data).finish();
    check_one(&tar, "v00", &want);
    // 0.1: the map in one record, the real name in GNU.sparse.name.
    let map = map_list(&pairs);
    let tar = TarBuf::default()
        .pax(&[
            ("GNU.sparse.size", b"10000"),
            ("GNU.sparse.numblocks", b"6"),
            ("GNU.sparse.name", b"opt/v01"),
            ("GNU.sparse.map", map.as_bytes()),
        ])
        .file(b"./GNUSparseFile.1/v01", &data)
        .finish();
    check_one(&tar, "opt/v01", &want);
    // 1.0: the map at the start of the data area.
    let tar = TarBuf::default()
        .pax(&[
            ("GNU.sparse.major", b"1"),
            ("GNU.sparse.minor", b"0"),
            ("GNU.sparse.name", b"var/lib/v10"),
            ("GNU.sparse.realsize", b"10000"),
        ])
        .file(b"./GNUSparseFile.1/v10", &map_in_data(&pairs, &data))
        .file(b"next", b"n")
        .finish();
    let r = check_one(&tar, "var/lib/v10", &want);
    assert_eq!(r.files.entries[1].path, "next");
    // A map long enough to span several blocks, and a file that is all hole.
    let many: Vec<(u64, u64)> = (0..300).map(|i| (i * 1000, 1)).collect();
    let data = vec![b'z'; 300];
    let tar = TarBuf::default()
        .pax(&[
            ("GNU.sparse.major", b"1"),
            ("GNU.sparse.minor", b"0"),
            ("GNU.sparse.name", b"long-map"),
            ("GNU.sparse.realsize", b"300000"),
        ])
        .file(b"x", &map_in_data(&many, &data))
        .finish();
    let segs: Vec<(u64, &[u8])> = (0..300).map(|i| (i * 1000, &b"z"[..])).collect();
    check_one(&tar, "long-map", &logical(300_000, &segs));
    let tar = TarBuf::default()
        .pax(&[
            ("GNU.sparse.major", b"1"),
            ("GNU.sparse.minor", b"0"),
            ("GNU.sparse.name", b"hole"),
            ("GNU.sparse.realsize", b"4096"),
        ])
        .file(b"x", &map_in_data(&[], b""))
        .finish();
    check_one(&tar, "hole", &[0u8; 4096]);
}

#[test]
fn unknown_pax_sparse_versions_are_plain_files() {
    // Like Go's archive/tar (Docker, containerd): stored bytes, stored name.
    let tar = TarBuf::default()
        .pax(&[
            ("GNU.sparse.major", b"2"),
            ("GNU.sparse.minor", b"0"),
            ("GNU.sparse.name", b"real"),
            ("GNU.sparse.realsize", b"100"),
        ])
        .file(b"stored", b"raw")
        .finish();
    let a = Capture::named("a");
    let r = read_with(&tar, &[&a], &Limits::default()).unwrap();
    assert_eq!(a.take(), [("stored".to_owned(), 3, b"raw".to_vec())]);
    assert!(r.files.anomalies.is_empty());
}

fn sparse_err(tar: &[u8], limits: &Limits) -> (String, String) {
    let a = Capture::named("a");
    match read_with(tar, &[&a], limits) {
        Err(e @ LayerError::SparseMap { .. }) => {
            let LayerError::SparseMap { path, .. } = &e else {
                unreachable!()
            };
            (path.clone(), e.to_string())
        }
        other => panic!("{other:?}"),
    }
}

fn pax01(name: &str, size: &str, map: &str, data: &[u8]) -> Vec<u8> {
    TarBuf::default()
        .pax(&[
            ("GNU.sparse.size", size.as_bytes()),
            ("GNU.sparse.name", name.as_bytes()),
            ("GNU.sparse.map", map.as_bytes()),
        ])
        .file(b"x", data)
        .finish()
}

/// Bytes padded with NULs to one block.
fn block(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    v.resize(512, 0);
    v
}

fn pax10(name: &str, real: &str, area: &[u8]) -> Vec<u8> {
    TarBuf::default()
        .pax(&[
            ("GNU.sparse.major", b"1"),
            ("GNU.sparse.minor", b"0"),
            ("GNU.sparse.name", name.as_bytes()),
            ("GNU.sparse.realsize", real.as_bytes()),
        ])
        .file(b"x", area)
        .finish()
}

#[test]
fn hostile_maps_are_errors_that_name_the_entry() {
    let d = Limits::default();
    for (tar, want) in [
        (
            pax01("past", "100", "90,20", &[1; 20]),
            "past the file's real size of 100",
        ),
        (pax01("overlap", "100", "0,10,5,10", &[1; 20]), "overlaps"),
        (
            pax01("order", "100", "50,10,0,10", &[1; 20]),
            "out of order",
        ),
        (
            pax01("short", "100", "0,10", &[1; 20]),
            "places 10 bytes of data but the entry stores 20",
        ),
        (pax01("long", "100", "0,30", &[1; 20]), "places 30 bytes"),
        (pax01("odd", "100", "0,10,20", &[1; 10]), "odd number"),
        (
            pax01("nan", "1e3", "0,10", &[1; 10]),
            "not a decimal number",
        ),
        (
            pax01(
                "wrap",
                "18446744073709551615",
                "18446744073709551615,1",
                &[1],
            ),
            "overflows",
        ),
        (
            pax10("big", "100", &block(b"1000000\n0\n1\n")),
            "declares 1000000 entries, more than 65536",
        ),
        (
            pax10("cut", "100", b"3\n0\n1\n2\n"),
            "ends inside its sparse map",
        ),
        (pax10("nul", "100", &block(b"3\n0\n1\n2\n")), "byte 0x00"),
        (pax10("junk", "100", &block(b"1\n0\n-1\n")), "byte 0x2d"),
        (
            pax10("past10", "10", &map_in_data(&[(5, 10)], &[1; 10])),
            "past the file's real size",
        ),
    ] {
        let (path, msg) = sparse_err(&tar, &d);
        assert!(msg.contains(want), "{msg}");
        assert!(msg.contains(&format!("sparse file `{path}`")), "{msg}");
        assert!(!path.is_empty() && path != "x", "the real name: {path}");
    }
    // A 1.0 map whose stream ends inside it: truncated, not a panic.
    let tar = pax10("t", "100", &map_in_data(&[(0, 1)], b"a"));
    let cut = &tar[..tar.len() - 1024 - 1024 + 10];
    let blob = gzip(cut);
    let diff = Digest::of_bytes(cut);
    let e = read_layer(
        &blob[..],
        Expected {
            digest: None,
            size: None,
            diff_id: Some(&diff),
        },
        &[],
        &d,
    )
    .unwrap_err();
    assert!(matches!(e, LayerError::Truncated { .. }), "{e}");
    // Sparse records on a directory; type S without the GNU magic.
    let mut t = TarBuf::default();
    t.pax(&[("GNU.sparse.size", b"10"), ("GNU.sparse.map", b"0,0")]);
    t.dir(b"d");
    assert!(sparse_err(&t.finish(), &d).1.contains("not a regular file"));
    let mut t = TarBuf::default();
    t.header(b"s", b'S', 0, b"", 0o644);
    let (path, msg) = sparse_err(&t.finish(), &d);
    assert!(
        path == "s" && msg.contains("without the GNU header magic"),
        "{msg}"
    );
}

#[test]
fn map_entry_caps() {
    // 65,537 pairs in extension headers: over the default cap, refused
    // after at most the cap's worth of blocks.
    let pairs: Vec<(u64, u64)> = (0..65_537u64).map(|i| (i * 2, 1)).collect();
    let mut t = TarBuf::default();
    gnu_sparse(&mut t, b"huge", 200_000, &pairs, &vec![1; pairs.len()]);
    let (path, msg) = sparse_err(&t.finish(), &Limits::default());
    assert_eq!(path, "huge");
    assert!(msg.contains("more than 65536 entries"), "{msg}");
    // A configured cap, for each format.
    let small = Limits {
        max_sparse_entries: 4,
        ..Limits::default()
    };
    let five: Vec<(u64, u64)> = (0..5).map(|i| (i * 2, 1)).collect();
    let mut t = TarBuf::default();
    gnu_sparse(&mut t, b"gnu", 10, &five, &[1; 5]);
    assert!(
        sparse_err(&t.finish(), &small)
            .1
            .contains("more than 4 entries")
    );
    let tar = pax01("p01", "10", &map_list(&five), &[1; 5]);
    assert!(sparse_err(&tar, &small).1.contains("more than 4 entries"));
    let tar = pax10("p10", "10", &map_in_data(&five, &[1; 5]));
    assert!(
        sparse_err(&tar, &small)
            .1
            .contains("declares 5 entries, more than 4")
    );
    // Empty extension blocks chained without end.
    let mut t = TarBuf::default();
    t.0.extend_from_slice(&gnu_sparse_header(b"chain", 0, 10, &[], true));
    for _ in 0..10 {
        t.0.extend_from_slice(&gnu_extension(&[], true));
    }
    let msg = sparse_err(&t.finish(), &small).1;
    assert!(msg.contains("sparse extension headers"), "{msg}");
}

/// A 10 GiB sparse file with a small database at 4 GiB: read in bounded
/// time (and so memory), the analyzer's reads capped by max_read_bytes.
#[test]
fn ten_gib_file_read_within_the_read_cap() {
    const GIB: u64 = 1 << 30;
    let db = b"SQLite format 3\0 with a tiny table in it";
    let segs: &[(u64, &[u8])] = &[(0, b"head"), (4 * GIB, db), (10 * GIB - 4, b"tail")];
    let pairs = pairs_of(segs);
    let tar = pax10(
        "var/lib/big.db",
        &(10 * GIB).to_string(),
        &map_in_data(&pairs, &stored(segs)),
    );
    let limits = Limits {
        max_read_bytes: 8 << 20,
        ..Limits::default()
    };
    let a = Capture::named("a");
    let start = Instant::now();
    let r = read_with(&tar, &[&a], &limits).unwrap();
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(r.files.entries[0].size, 10 * GIB);
    let seen = a.take();
    assert_eq!(seen[0].1, 10 * GIB);
    assert_eq!(seen[0].2.len(), 8 << 20, "read up to the cap, then refused");
    assert_same(&seen[0].2, &logical(8 << 20, &segs[..1]), "prefix");
    let out = &r.outputs["a"];
    assert!(out.errors[0].message.contains("max_read_bytes"), "{out:?}");
}

/// A file with holes on disk: `set_len`, then writes at offsets.
fn holey_file(dir: &Path) -> (Vec<u8>, bool) {
    let path = dir.join("holey");
    let mut f = std::fs::File::create(&path).unwrap();
    let size = 3 * (1 << 20) + 100;
    f.set_len(size).unwrap();
    let segs: &[(u64, &[u8])] = &[
        (0, b"start of the file"),
        (1 << 20, &[b'm'; 6000]),
        (2 * (1 << 20) + 5, &[b'q'; 5000]),
        (size - 3, b"end"),
    ];
    for (off, d) in segs {
        f.seek(SeekFrom::Start(*off)).unwrap();
        f.write_all(d).unwrap();
    }
    f.sync_all().unwrap();
    let meta = f.metadata().unwrap();
    let holes = meta.blocks() * 512 < meta.len();
    (logical(usize::try_from(size).unwrap(), segs), holes)
}

fn gnu_tar() -> bool {
    Command::new("tar")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU tar"))
}

#[test]
fn gnu_tar_sparse_archives() {
    if !gnu_tar() {
        eprintln!("GNU tar not found: skipping the archives it writes");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (want, holes) = holey_file(dir.path());
    for args in [
        &["--format=gnu"][..],
        &["--format=posix"],
        &["--format=posix", "--sparse-version=0.0"],
        &["--format=posix", "--sparse-version=0.1"],
    ] {
        let out = Command::new("tar")
            .args(["--sparse", "-cf", "-", "-C"])
            .arg(dir.path())
            .args(args)
            .arg("holey")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tar = out.stdout;
        if holes {
            assert!(
                tar.len() < 1 << 20,
                "{args:?}: stored sparse ({} bytes)",
                tar.len()
            );
            check_one(&tar, "holey", &want);
        } else {
            eprintln!("the temp filesystem keeps no holes: GNU tar stored a plain file");
            let a = Capture::named("a");
            read_with(&tar, &[&a], &Limits::default()).unwrap();
            assert_same(&a.take()[0].2, &want, "holey");
        }
    }
}

#[test]
fn tar_crate_sparse_archive() {
    let dir = tempfile::tempdir().unwrap();
    let (want, holes) = holey_file(dir.path());
    let mut b = tar::Builder::new(Vec::new());
    b.sparse(true);
    let mut f = std::fs::File::open(dir.path().join("holey")).unwrap();
    b.append_file("holey", &mut f).unwrap();
    let tar = b.into_inner().unwrap();
    if holes {
        assert_eq!(tar[156], b'S', "the tar crate wrote a GNU sparse entry");
        check_one(&tar, "holey", &want);
    } else {
        let a = Capture::named("a");
        read_with(&tar, &[&a], &Limits::default()).unwrap();
        assert_same(&a.take()[0].2, &want, "holey");
    }
    // Reading it back through our reader byte for byte matches the file.
    let mut back = Vec::new();
    std::fs::File::open(dir.path().join("holey"))
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert_same(&back, &want, "the file on disk");
}
