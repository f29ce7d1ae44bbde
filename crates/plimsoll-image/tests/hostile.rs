//! Hostile input, generated here: traversal, escaping and looping links,
//! extension-header bombs, many and deep entries, non-UTF-8 names,
//! truncation, digest mismatches, malformed manifests and indexes, missing
//! blobs. Never a panic, never a path outside the root, clear errors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "common/tarbuild.rs"]
mod tarbuild;

use std::path::Path;

use plimsoll_image::{
    AnalyzeOptions, Analyzer, AnalyzerError, AnomalyKind, Digest, EntryKind, EntryReader, Expected,
    ImageError, LayerError, LayerRead, Limits, OpenOptions, Platform, Target, analyze, open,
    read_layer, squash,
};
use tarbuild::{TarBuf, gzip, zstd};

fn read_with(
    tar: &[u8],
    blob: &[u8],
    analyzers: &[&dyn Analyzer],
    limits: &Limits,
) -> Result<LayerRead, LayerError> {
    let digest = Digest::of_bytes(blob);
    let diff_id = Digest::of_bytes(tar);
    read_layer(
        blob,
        Expected {
            digest: Some(&digest),
            size: Some(blob.len() as u64),
            diff_id: Some(&diff_id),
        },
        analyzers,
        limits,
    )
}

fn read(tar: &[u8]) -> Result<LayerRead, LayerError> {
    read_with(tar, &gzip(tar), &[], &Limits::default())
}

fn paths(r: &LayerRead) -> Vec<&str> {
    r.files.entries.iter().map(|e| e.path.as_str()).collect()
}

fn kinds(r: &LayerRead) -> Vec<AnomalyKind> {
    r.files.anomalies.iter().map(|a| a.kind).collect()
}

#[test]
fn traversal_and_absolute_names_stay_inside_the_root() {
    let tar = TarBuf::default()
        .file(b"../../etc/passwd", b"x")
        .file(b"/etc/shadow", b"y")
        .file(b"a/../../../b", b"z")
        .file(b"./ok", b"o")
        .file(b"../.wh.gone", b"")
        .dir(b"./")
        .finish();
    let r = read(&tar).unwrap();
    assert_eq!(paths(&r), ["etc/passwd", "etc/shadow", "b", "ok"]);
    assert_eq!(r.files.whiteouts, ["gone"]);
    assert_eq!(
        kinds(&r),
        [
            AnomalyKind::PathTraversal,
            AnomalyKind::AbsolutePath,
            AnomalyKind::PathTraversal,
            AnomalyKind::PathTraversal
        ]
    );
    for e in &r.files.entries {
        assert!(!e.path.starts_with('/') && !e.path.split('/').any(|c| c == ".." || c.is_empty()));
    }
    assert_eq!(r.files.anomalies[0].offset, 0);
}

#[test]
fn links_are_metadata_never_followed() {
    let tar = TarBuf::default()
        .file(b"etc/passwd", b"root:x:0:0")
        .symlink(b"evil", b"../../../../etc/shadow")
        .symlink(b"abs", b"/etc/passwd")
        .hardlink(b"h", b"../../etc/passwd")
        .symlink(b"loop1", b"loop2")
        .symlink(b"loop2", b"loop1")
        .hardlink(b"x", b"y")
        .hardlink(b"y", b"x")
        .finish();
    let r = read(&tar).unwrap();
    let link = |p: &str| {
        r.files
            .entries
            .iter()
            .find(|e| e.path == p)
            .and_then(|e| e.link.clone())
    };
    assert_eq!(link("evil").as_deref(), Some("../../../../etc/shadow"));
    assert_eq!(link("h").as_deref(), Some("etc/passwd"));
    assert!(kinds(&r).contains(&AnomalyKind::HardlinkEscape));
    let fs = squash([&r.files]);
    assert_eq!(
        fs.get("h").unwrap().size,
        10,
        "hard link has its target's size"
    );
    assert_eq!(fs.resolve("abs").unwrap().path, "etc/passwd");
    assert!(
        fs.resolve("evil").is_none(),
        "clamped at the root: etc/shadow does not exist"
    );
    assert!(fs.resolve("loop1").is_none());
    assert_eq!(fs.dangling_hardlinks, [(0, "x".to_owned(), "y".to_owned())]);
}

#[test]
fn extension_header_bombs_are_refused_before_reading() {
    // A PAX header announcing 1 GiB: refused from its header alone.
    let mut t = TarBuf::default();
    t.header(b"PaxHeaders/x", b'x', 1 << 30, b"", 0o644);
    let tar = t.finish();
    match read(&tar) {
        Err(LayerError::ExtensionTooLarge {
            kind, size, offset, ..
        }) => {
            assert_eq!((kind.as_str(), size, offset), ("PAX", 1 << 30, 0));
        }
        other => panic!("{other:?}"),
    }
    let mut t = TarBuf::default();
    t.file(b"first", b"1");
    t.header(b"././@LongLink", b'L', 1 << 30, b"", 0o644);
    let tar = t.finish();
    match read(&tar) {
        Err(LayerError::ExtensionTooLarge { kind, offset, .. }) => {
            assert_eq!((kind.as_str(), offset), ("GNU long name", 1024));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pax_and_gnu_long_names_and_pax_size() {
    let long = "x/".repeat(120) + "file";
    let tar = TarBuf::default()
        .long_name(long.as_bytes())
        .file(b"short-placeholder", b"abc")
        .pax(&[("path", b"pax/name"), ("uid", b"4242"), ("size", b"5")])
        .file_mode(b"ignored", b"hello", 0o4755)
        .finish();
    // The PAX size (5) equals the data written, so framing stays aligned.
    let r = read(&tar).unwrap();
    assert_eq!(paths(&r), [long.as_str(), "pax/name"]);
    assert_eq!(r.files.entries[1].uid, 4242);
    assert_eq!(r.files.entries[1].mode & 0o4000, 0o4000);
}

#[test]
fn many_tiny_entries_and_the_entry_cap() {
    let mut t = TarBuf::default();
    for i in 0..100_000 {
        t.header(format!("d{}/f{i}", i % 100).as_bytes(), b'0', 0, b"", 0o644);
    }
    let tar = t.finish();
    let r = read(&tar).unwrap();
    assert_eq!(r.files.entries.len(), 100_000);
    assert_eq!(squash([&r.files]).len(), 100_000);
    let limits = Limits {
        max_entries: 1000,
        ..Limits::default()
    };
    match read_with(&tar, &gzip(&tar), &[], &limits) {
        Err(LayerError::TooManyEntries { limit: 1000 }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn deep_nesting() {
    let deep = "d/".repeat(3000) + "f";
    let tar = TarBuf::default()
        .pax(&[("path", deep.as_bytes())])
        .file(b"p", b"deep")
        .finish();
    let r = read(&tar).unwrap();
    let fs = squash([&r.files]);
    assert_eq!(fs.resolve(&deep).unwrap().size, 4);
    let too_deep = "d/".repeat(20_000) + "f";
    let tar = TarBuf::default()
        .long_name(too_deep.as_bytes())
        .file(b"p", b"x")
        .finish();
    match read(&tar) {
        Err(LayerError::PathTooLong { len, .. }) => assert_eq!(len, too_deep.len()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_utf8_names_are_escaped_and_flagged() {
    let tar = TarBuf::default()
        .file(b"caf\xe9/x", b"1")
        .file(b"caf\xc3\xa9/x", b"2")
        .symlink(b"l", b"\xff\xfe")
        .finish();
    let r = read(&tar).unwrap();
    assert_eq!(paths(&r), ["caf\\xe9/x", "café/x", "l"]);
    assert_eq!(r.files.entries[2].link.as_deref(), Some("\\xff\\xfe"));
    assert_eq!(kinds(&r), [AnomalyKind::NonUtf8Name]);
}

#[test]
fn truncated_layers_are_errors() {
    let tar = TarBuf::default()
        .file(b"a", &[7u8; 5000])
        .file(b"b", b"x")
        .finish();
    // plain tar cut inside content, inside a header
    for cut in [700, 5632 + 100] {
        let blob = &tar[..cut];
        match read_with(blob, blob, &[], &Limits::default()) {
            Err(LayerError::Truncated { .. }) => {}
            other => panic!("cut {cut}: {other:?}"),
        }
    }
    // gzip and zstd cut in half
    for blob in [gzip(&tar), zstd(&tar)] {
        let half = &blob[..blob.len() / 2];
        let e = read_with(&tar, half, &[], &Limits::default()).unwrap_err();
        assert!(
            matches!(e, LayerError::Truncated { .. } | LayerError::Read { .. }),
            "{e:?}"
        );
        assert!(!e.to_string().is_empty());
    }
    // an empty blob is an empty layer
    let r = read_with(b"", b"", &[], &Limits::default()).unwrap();
    assert!(r.files.entries.is_empty());
}

#[test]
fn digest_diff_id_and_size_mismatches() {
    let tar = TarBuf::default().file(b"a", b"x").finish();
    let blob = gzip(&tar);
    let good = Digest::of_bytes(&blob);
    let diff = Digest::of_bytes(&tar);
    let other = Digest::of_bytes(b"other");
    let try_read = |digest: &Digest, size: u64, diff_id: &Digest| {
        read_layer(
            &blob[..],
            Expected {
                digest: Some(digest),
                size: Some(size),
                diff_id: Some(diff_id),
            },
            &[],
            &Limits::default(),
        )
    };
    assert!(try_read(&good, blob.len() as u64, &diff).is_ok());
    assert!(matches!(
        try_read(&other, blob.len() as u64, &diff),
        Err(LayerError::DigestMismatch { .. })
    ));
    assert!(matches!(
        try_read(&good, blob.len() as u64, &other),
        Err(LayerError::DiffIdMismatch { .. })
    ));
    assert!(matches!(
        try_read(&good, 1, &diff),
        Err(LayerError::SizeMismatch { expected: 1, .. })
    ));
    // garbage after the gzip member is part of the blob: refused
    let mut trailing = blob.clone();
    trailing.extend_from_slice(b"garbage");
    assert!(read_with(&tar, &trailing, &[], &Limits::default()).is_err());
}

#[test]
fn unsupported_and_garbage_streams() {
    assert!(matches!(
        read_with(b"", b"BZh91AY&SY", &[], &Limits::default()),
        Err(LayerError::UnsupportedCompression(c)) if c == "bzip2"
    ));
    let junk = vec![0x41u8; 4096];
    match read_with(&junk, &junk, &[], &Limits::default()) {
        Err(LayerError::Tar { offset: 0, reason }) => assert!(reason.contains("checksum")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn entry_cap_is_checked_from_the_header() {
    let mut t = TarBuf::default();
    t.header(b"huge", b'0', 10 << 30, b"", 0o644); // no data follows
    let tar = t.finish();
    let limits = Limits {
        max_entry_bytes: 1 << 20,
        ..Limits::default()
    };
    match read_with(&tar, &tar, &[], &limits) {
        Err(LayerError::EntryTooLarge { path, size, .. }) => {
            assert_eq!((path.as_str(), size), ("huge", 10 << 30));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        read_with(&tar, &tar, &[], &Limits::default()),
        Err(LayerError::Truncated { .. })
    ));
}

struct ReadAll(&'static str);
impl Analyzer for ReadAll {
    fn name(&self) -> &str {
        self.0
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, _: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File
    }
    fn analyze(&self, e: &mut EntryReader<'_>) -> Result<Option<serde_json::Value>, AnalyzerError> {
        Ok(Some(serde_json::json!(e.read_all()?.len())))
    }
}

#[test]
fn read_cap_is_per_analyzer_and_not_fatal() {
    let tar = TarBuf::default()
        .file(b"big", &vec![1u8; 3 << 20])
        .file(b"small", b"hello")
        .finish();
    let limits = Limits {
        max_read_bytes: 1 << 20,
        ..Limits::default()
    };
    for analyzers in [vec![ReadAll("one")], vec![ReadAll("one"), ReadAll("two")]] {
        let refs: Vec<&dyn Analyzer> = analyzers.iter().map(|a| a as &dyn Analyzer).collect();
        let r = read_with(&tar, &gzip(&tar), &refs, &limits).unwrap();
        for a in &analyzers {
            let out = &r.outputs[a.0];
            assert_eq!(out.results.len(), 1);
            assert_eq!(out.results[0].path, "small");
            assert_eq!(out.results[0].value, serde_json::json!(5));
            assert_eq!(out.errors.len(), 1);
            assert!(
                out.errors[0].message.contains("read cap"),
                "{}",
                out.errors[0].message
            );
        }
    }
}

// ---- malformed layouts and archives ----

struct Image {
    tar: Vec<u8>,
    blob: Vec<u8>,
    config: Vec<u8>,
}

fn image() -> Image {
    let tar = TarBuf::default()
        .file(b"etc/os-release", b"ID=test\n")
        .finish();
    let blob = gzip(&tar);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [Digest::of_bytes(&tar).to_string()]},
        "history": [{"created_by": "ADD rootfs"}, {"created_by": "CMD", "empty_layer": true}]
    }))
    .unwrap();
    Image { tar, blob, config }
}

fn put_blob(dir: &Path, bytes: &[u8]) -> Digest {
    let d = Digest::of_bytes(bytes);
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("blobs/sha256").join(d.hex()), bytes).unwrap();
    d
}

fn desc(media: &str, d: &Digest, size: usize) -> serde_json::Value {
    serde_json::json!({"mediaType": media, "digest": d.to_string(), "size": size})
}

fn manifest(dir: &Path, img: &Image) -> (Digest, usize) {
    let c = put_blob(dir, &img.config);
    let l = put_blob(dir, &img.blob);
    let m = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": desc("application/vnd.oci.image.config.v1+json", &c, img.config.len()),
        "layers": [desc("application/vnd.oci.image.layer.v1.tar+gzip", &l, img.blob.len())]
    }))
    .unwrap();
    (put_blob(dir, &m), m.len())
}

fn write_index(dir: &Path, manifests: serde_json::Value) {
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": manifests}))
            .unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

fn open_oci(
    dir: &Path,
    reference: Option<&str>,
    platform: Option<&str>,
) -> Result<plimsoll_image::Artifact, ImageError> {
    let t = match reference {
        Some(r) => format!("oci:{}:{r}", dir.display()),
        None => format!("oci:{}", dir.display()),
    };
    open(
        &Target::parse(&t).unwrap(),
        &OpenOptions {
            platform: platform.map(|p| Platform::parse(p).unwrap()),
            ..OpenOptions::default()
        },
    )
}

#[test]
fn malformed_index_and_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // no index.json
    std::fs::create_dir_all(d).unwrap();
    let e = open_oci(d, None, None).unwrap_err().to_string();
    assert!(e.contains("index.json"), "{e}");
    // garbage index.json: names the file and the position
    std::fs::write(d.join("index.json"), b"{\"manifests\": [ }").unwrap();
    let e = open_oci(d, None, None).unwrap_err();
    assert!(matches!(e, ImageError::Json { .. }), "{e}");
    assert!(
        e.to_string().contains("index.json") && e.to_string().contains("column"),
        "{e}"
    );
    // empty index
    write_index(d, serde_json::json!([]));
    assert!(
        open_oci(d, None, None)
            .unwrap_err()
            .to_string()
            .contains("lists no images")
    );
    // bad digest string
    write_index(d, serde_json::json!([{"digest": "sha256:xyz", "size": 1}]));
    let e = open_oci(d, None, None).unwrap_err().to_string();
    assert!(e.contains("sha256:xyz"), "{e}");
    // missing manifest blob
    let ghost = Digest::of_bytes(b"ghost");
    write_index(
        d,
        serde_json::json!([desc(
            "application/vnd.oci.image.manifest.v1+json",
            &ghost,
            5
        )]),
    );
    let e = open_oci(d, None, None).unwrap_err().to_string();
    assert!(
        e.contains("missing manifest blob") && e.contains(ghost.hex()),
        "{e}"
    );
    // manifest blob whose bytes do not match its name
    std::fs::create_dir_all(d.join("blobs/sha256")).unwrap();
    std::fs::write(d.join("blobs/sha256").join(ghost.hex()), b"not ghost").unwrap();
    let e = open_oci(d, None, None).unwrap_err();
    assert!(matches!(e, ImageError::DigestMismatch { .. }), "{e}");
    // garbage manifest with a correct digest
    let g = put_blob(d, b"[1,2");
    write_index(
        d,
        serde_json::json!([desc("application/vnd.oci.image.manifest.v1+json", &g, 4)]),
    );
    let e = open_oci(d, None, None).unwrap_err();
    assert!(matches!(e, ImageError::Json { .. }), "{e}");
    // wrong size in the descriptor
    let img = image();
    let (m, len) = manifest(d, &img);
    write_index(
        d,
        serde_json::json!([desc(
            "application/vnd.oci.image.manifest.v1+json",
            &m,
            len + 1
        )]),
    );
    assert!(
        open_oci(d, None, None)
            .unwrap_err()
            .to_string()
            .contains("descriptor says")
    );
    // diff_ids and layers disagree
    let bad_cfg =
        serde_json::to_vec(&serde_json::json!({"rootfs": {"type": "layers", "diff_ids": []}}))
            .unwrap();
    let bad = Image {
        config: bad_cfg,
        ..image()
    };
    let (m, len) = manifest(d, &bad);
    write_index(
        d,
        serde_json::json!([desc("application/vnd.oci.image.manifest.v1+json", &m, len)]),
    );
    let e = open_oci(d, None, None).unwrap_err().to_string();
    assert!(e.contains("1 layers but the config has 0 diff_ids"), "{e}");
    // schema 1
    let s1 = put_blob(d, br#"{"schemaVersion":1,"fsLayers":[]}"#);
    write_index(d, serde_json::json!([{"digest": s1.to_string()}]));
    assert!(
        open_oci(d, None, None)
            .unwrap_err()
            .to_string()
            .contains("schema 1")
    );
    // finally a good one opens and reads, with history mapped past empty layers
    let (m, len) = manifest(d, &img);
    write_index(
        d,
        serde_json::json!([desc("application/vnd.oci.image.manifest.v1+json", &m, len)]),
    );
    let a = open_oci(d, None, None).unwrap();
    assert_eq!(a.layers[0].created_by.as_deref(), Some("ADD rootfs"));
    let r = analyze(&a, &[], &AnalyzeOptions::default()).unwrap();
    assert_eq!(r.squashed.get("etc/os-release").unwrap().size, 8);
    let _ = &img.tar;
    // missing layer blob, named at analysis time
    std::fs::remove_file(
        d.join("blobs/sha256")
            .join(Digest::of_bytes(&img.blob).hex()),
    )
    .unwrap();
    let e = analyze(&a, &[], &AnalyzeOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("layer 0") && e.contains("missing"), "{e}");
}

#[test]
fn nested_indexes_and_platforms() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let img = image();
    let (m, len) = manifest(d, &img);
    let plat = |os: &str, arch: &str, variant: Option<&str>| {
        let mut v = desc("application/vnd.oci.image.manifest.v1+json", &m, len);
        v["platform"] = serde_json::json!({"os": os, "architecture": arch});
        if let Some(var) = variant {
            v["platform"]["variant"] = serde_json::json!(var);
        }
        v
    };
    let inner = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [plat("linux", "arm", Some("v7")), plat("linux", "arm64", None), plat("unknown", "unknown", None)]
    }))
    .unwrap();
    let i1 = put_blob(d, &inner);
    // an index pointing at an index (no media type: detected by shape)
    let outer = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [{"digest": i1.to_string(), "size": inner.len()}]})).unwrap();
    let i2 = put_blob(d, &outer);
    let mut top = desc("application/vnd.oci.image.index.v1+json", &i2, outer.len());
    top["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "multi"});
    write_index(d, serde_json::json!([top]));
    assert!(open_oci(d, Some("multi"), Some("linux/arm64")).is_ok());
    assert!(open_oci(d, Some("multi"), Some("linux/arm/v7")).is_ok());
    let e = open_oci(d, Some("multi"), Some("linux/s390x")).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ImageError::NoPlatform { .. }), "{msg}");
    assert!(
        msg.contains("linux/arm/v7") && msg.contains("linux/arm64") && !msg.contains("unknown"),
        "{msg}"
    );
    // Indexes nested deeper than the limit.
    let mut digest = i2;
    let mut size = outer.len();
    for _ in 0..10 {
        let b = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest.to_string(), "size": size, "platform": {"os": "linux", "architecture": "arm64"}}]})).unwrap();
        digest = put_blob(d, &b);
        size = b.len();
    }
    write_index(
        d,
        serde_json::json!([desc(
            "application/vnd.oci.image.index.v1+json",
            &digest,
            size
        )]),
    );
    let e = open_oci(d, None, Some("linux/arm64"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nested deeper"), "{e}");
}

fn docker_archive(path: &Path, manifest_json: &serde_json::Value, files: &[(&str, &[u8])]) {
    let mut t = TarBuf::default();
    t.file(
        b"manifest.json",
        &serde_json::to_vec(manifest_json).unwrap(),
    );
    for (n, d) in files {
        t.file(n.as_bytes(), d);
    }
    std::fs::write(path, t.finish()).unwrap();
}

#[test]
fn docker_archives_hostile_and_multi_image() {
    let dir = tempfile::tempdir().unwrap();
    let img = image();
    let cfg = format!("{}.json", Digest::of_bytes(&img.config).hex());
    let layer = format!("{}/layer.tar", "ab".repeat(32));
    let arch = dir.path().join("a.tar");
    let open_da = |sel: &str| {
        let t = format!("docker-archive:{}{sel}", arch.display());
        open(&Target::parse(&t).unwrap(), &OpenOptions::default())
    };
    // a layer path that leaves the archive
    docker_archive(
        &arch,
        &serde_json::json!([{"Config": cfg, "RepoTags": null, "Layers": ["../../etc/passwd"]}]),
        &[(&cfg, &img.config)],
    );
    let e = open_da("").unwrap_err().to_string();
    assert!(e.contains("leaves the image"), "{e}");
    // two images, one tagged in manifest.json, one only in legacy `repositories`
    let repos = serde_json::json!({"legacy/app": {"v1": "ab".repeat(32)}});
    docker_archive(
        &arch,
        &serde_json::json!([
            {"Config": cfg, "RepoTags": ["example.com/one:1"], "Layers": [layer]},
            {"Config": cfg, "RepoTags": null, "Layers": [layer]}
        ]),
        &[
            (&cfg, &img.config),
            (&layer, &img.tar),
            ("repositories", &serde_json::to_vec(&repos).unwrap()),
        ],
    );
    let e = open_da("").unwrap_err().to_string();
    assert!(
        e.contains("holds 2 images") && e.contains("example.com/one:1"),
        "{e}"
    );
    assert_eq!(
        open_da(":example.com/one:1").unwrap().name.as_deref(),
        Some("example.com/one:1")
    );
    let a = open_da(":legacy/app:v1").unwrap();
    assert!(a.repo_tags.contains(&"legacy/app:v1".to_owned()));
    assert!(open_da(":@1").is_ok());
    let e = open_da(":@5").unwrap_err().to_string();
    assert!(e.contains("no image named `@5`"), "{e}");
    let e = open_da(":nope").unwrap_err().to_string();
    assert!(e.contains("no image named `nope:latest`"), "{e}");
    let r = analyze(&a, &[], &AnalyzeOptions::default()).unwrap();
    assert_eq!(r.layers[0].compression, plimsoll_image::Compression::None);
    // config named by a digest it does not have
    let wrong = format!("{}.json", "cd".repeat(32));
    docker_archive(
        &arch,
        &serde_json::json!([{"Config": wrong, "Layers": [layer]}]),
        &[(&wrong, &img.config), (&layer, &img.tar)],
    );
    assert!(matches!(
        open_da("").unwrap_err(),
        ImageError::DigestMismatch { .. }
    ));
    // no manifest.json (pre-1.10 docker save)
    let mut t = TarBuf::default();
    t.file(b"repositories", b"{}");
    std::fs::write(&arch, t.finish()).unwrap();
    assert!(
        open_da("")
            .unwrap_err()
            .to_string()
            .contains("no manifest.json")
    );
    // gzip-compressed archive
    std::fs::write(&arch, gzip(b"whatever")).unwrap();
    assert!(
        open_da("")
            .unwrap_err()
            .to_string()
            .contains("decompress it first")
    );
    // truncated archive: a member runs past the end
    let mut t = TarBuf::default();
    t.file(b"manifest.json", &[b' '; 4000]);
    let full = t.finish();
    std::fs::write(&arch, &full[..1500]).unwrap();
    let e = open_da("").unwrap_err().to_string();
    assert!(e.contains("truncated") || e.contains("past the end"), "{e}");
}

/// Rewrites the owner fields of the first header and fixes its checksum.
fn with_owner_fields(mut tar: Vec<u8>, uid: &[u8; 8], gid: &[u8; 8]) -> Vec<u8> {
    tar[108..116].copy_from_slice(uid);
    tar[116..124].copy_from_slice(gid);
    tarbuild::set_checksum(&mut tar[..512]);
    tar
}

#[test]
fn blank_owner_fields_read_as_root_and_garbage_is_an_error() {
    let tar = TarBuf::default().file(b"etc/x", b"data").finish();
    // All NULs, all spaces: owner 0, as Go's archive/tar (Docker) reads it.
    for blank in [[0u8; 8], [b' '; 8]] {
        let r = read(&with_owner_fields(tar.clone(), &blank, &blank)).unwrap();
        let e = &r.files.entries[0];
        assert_eq!((e.path.as_str(), e.uid, e.gid), ("etc/x", 0, 0));
    }
    let err = read(&with_owner_fields(tar, b"zz\0\0\0\0\0\0", &[0u8; 8])).unwrap_err();
    assert!(err.to_string().contains("uid"), "{err}");
}
