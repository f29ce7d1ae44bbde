//! The reader on the real images in ../shared/data/images: every format
//! skopeo can write gives the same squashed file table, the multilayer
//! whiteouts match the recorded root filesystem, digests are verified, and
//! a tampered blob is refused with an error naming it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;
#[path = "common/tarbuild.rs"]
mod tarbuild;

use std::collections::BTreeSet;
use std::path::Path;

use common::{DpkgCount, HashFiles, converted, oci_dir, shared_images};
use plimsoll_image::{
    AnalyzeOptions, Analyzer, Artifact, Compression, EntryKind, ImageAnalysis, ImageError,
    LayerCache, LayerError, OpenOptions, Target, analyze, open,
};

fn open_target(t: &str) -> Artifact {
    open(&Target::parse(t).unwrap(), &OpenOptions::default()).unwrap()
}

fn run(a: &Artifact, analyzers: &[&dyn Analyzer]) -> ImageAnalysis {
    analyze(a, analyzers, &AnalyzeOptions::default()).unwrap()
}

type Row = (String, EntryKind, u32, u64, u64, u64, Option<String>, usize);

fn table(a: &ImageAnalysis) -> Vec<Row> {
    a.squashed
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                f.kind,
                f.mode,
                f.uid,
                f.gid,
                f.size,
                f.link.clone(),
                f.layer,
            )
        })
        .collect()
}

#[test]
fn multilayer_is_the_same_in_every_format() {
    let conv = converted("multilayer");
    let oci = format!("oci:{}:multilayer", oci_dir().display());
    let base = open_target(&oci);
    assert_eq!(base.name.as_deref(), Some("multilayer"));
    assert_eq!(base.layers.len(), 8);
    let hashes = HashFiles("usr/local/bin/");
    let reference = run(&base, &[&hashes]);
    // OCI layout: blob digests verified against the manifest.
    for (l, r) in base.layers.iter().zip(&reference.layers) {
        assert_eq!(l.digest.as_ref(), Some(&r.blob_digest));
        assert_eq!(l.diff_id, r.diff_id);
        assert_eq!(r.compression, Compression::Gzip);
    }
    let want = table(&reference);
    let want_hashes = reference.surviving("hash-files").len();
    assert!(want_hashes >= 3, "rust-demo, gitleaks, find-suid");
    let formats = [
        (
            format!(
                "docker-archive:{}:multilayer:latest",
                conv.join("docker.tar").display()
            ),
            Compression::None,
        ),
        (
            format!("oci-archive:{}:multilayer", conv.join("oci.tar").display()),
            Compression::Gzip,
        ),
        (
            format!("oci:{}:multilayer", conv.join("zstd").display()),
            Compression::Zstd,
        ),
        (
            format!("dir:{}", conv.join("dir").display()),
            Compression::Gzip,
        ),
    ];
    for (target, compression) in formats {
        let a = open_target(&target);
        assert_eq!(a.config_digest, base.config_digest, "{target}");
        let got = run(&a, &[&hashes]);
        for l in &got.layers {
            assert_eq!(l.compression, compression, "{target}");
        }
        for (l, r) in a.layers.iter().zip(&got.layers) {
            if let Some(d) = &l.digest {
                assert_eq!(d, &r.blob_digest, "{target}");
            }
            assert_eq!(l.diff_id, r.diff_id);
            assert_eq!(l.created_by, base.layers[l.index].created_by);
        }
        assert_eq!(table(&got), want, "{target}");
        let hashes_got: Vec<_> = got
            .surviving("hash-files")
            .iter()
            .map(|s| (s.path.to_owned(), s.value.clone(), s.layer.index))
            .collect();
        let hashes_want: Vec<_> = reference
            .surviving("hash-files")
            .iter()
            .map(|s| (s.path.to_owned(), s.value.clone(), s.layer.index))
            .collect();
        assert_eq!(hashes_got, hashes_want, "{target}");
    }
    let docker = open_target(&format!(
        "docker-archive:{}",
        conv.join("docker.tar").display()
    ));
    assert_eq!(
        docker.repo_tags,
        vec!["docker.io/library/multilayer:latest"]
    );
    assert!(docker.layers.iter().all(|l| l.digest.is_none()));
}

#[test]
fn multilayer_matches_its_recorded_rootfs() {
    let a = open_target(&format!("oci:{}:multilayer", oci_dir().display()));
    let got = run(&a, &[]);
    let listing =
        std::fs::read_to_string(shared_images().join("multilayer-rootfs-files.txt")).unwrap();
    let want: BTreeSet<&str> = listing
        .lines()
        .filter_map(|l| l.strip_prefix("./"))
        .collect();
    // The listing was made with `find . -xdev \( -path ./proc -o -path ./sys \) -prune -o -print`
    // (build-images.sh), which prints neither mount point.
    let have: BTreeSet<&str> = got
        .squashed
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| *p != "proc" && *p != "sys")
        .collect();
    let missing: Vec<_> = want.difference(&have).take(10).collect();
    let extra: Vec<_> = have.difference(&want).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );

    // The whiteout-only layer (index 2) deletes the .netrc of layer 1.
    let wh = &got.layers[2];
    assert!(
        wh.files.whiteouts.contains(&"root/.netrc".to_owned()),
        "{:?}",
        wh.files.whiteouts
    );
    assert!(
        wh.created_by
            .as_deref()
            .is_some_and(|c| c.contains("rm -rf /root/.netrc")),
        "{:?}",
        wh.created_by
    );
    assert_eq!(
        wh.history,
        Some(3),
        "empty_layer history entries are skipped"
    );
    assert!(got.squashed.get("root/.netrc").is_none());
    assert!(got.squashed.get("usr/share/doc/fzf").is_none());
    assert!(got.squashed.get("usr/bin/fzf-tmux").is_none());
    let netrc = got
        .squashed
        .removed
        .iter()
        .find(|r| r.file.path == "root/.netrc")
        .expect("removal recorded");
    assert_eq!((netrc.file.layer, netrc.removed_by), (1, 2));
    let debs = got
        .squashed
        .removed
        .iter()
        .filter(|r| {
            r.file.path.starts_with("var/cache/apt/archives/") && r.file.path.ends_with(".deb")
        })
        .count();
    assert_eq!(debs, 35, "35 cached .deb files deleted");

    // Provenance: which layer and instruction introduced a file.
    let rust = got.introduced_by("usr/local/bin/rust-demo").unwrap();
    assert_eq!(rust.index, 6);
    assert!(
        rust.created_by
            .as_deref()
            .unwrap()
            .contains("COPY rust-demo")
    );
    assert_eq!(got.introduced_by("etc/debian_version").unwrap().index, 0);

    // setuid files, as CONTENTS.txt records them.
    let contents = std::fs::read_to_string(shared_images().join("CONTENTS.txt")).unwrap();
    let line = contents
        .lines()
        .find_map(|l| l.strip_prefix("setuid files multilayer: "))
        .unwrap();
    let want: BTreeSet<String> = line
        .split_whitespace()
        .map(|p| p.trim_start_matches('/').to_owned())
        .collect();
    let have: BTreeSet<String> = got
        .squashed
        .iter()
        .filter(|f| f.kind == EntryKind::File && f.mode & 0o4000 != 0)
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(have, want);
    assert_eq!(
        got.squashed.get("usr/local/bin/find-suid").unwrap().layer,
        7
    );

    // Config.
    let cfg = a.config.config.as_ref().unwrap();
    assert!(cfg.exposed_ports.contains_key("8080/tcp") && cfg.exposed_ports.contains_key("22/tcp"));
    assert!(cfg.env.iter().any(|e| e.starts_with("APP_DB_PASSWORD=")));
    assert_eq!(cfg.working_dir.as_deref(), Some("/opt/app"));
}

#[test]
fn minbase_images_share_a_layer_and_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let opts = AnalyzeOptions {
        cache: LayerCache::at(dir.path()),
        ..AnalyzeOptions::default()
    };
    let root = open_target(&format!(
        "oci:{}:debian-bookworm-minbase",
        oci_dir().display()
    ));
    let nonroot = open_target(&format!(
        "oci:{}:debian-bookworm-minbase-nonroot",
        oci_dir().display()
    ));
    assert_eq!(root.layers[0].diff_id, nonroot.layers[0].diff_id);
    let c = nonroot.config.config.as_ref().unwrap();
    assert_eq!(c.user.as_deref(), Some("65534:65534"));
    assert_eq!(c.working_dir.as_deref(), Some("/tmp"));

    let first = analyze(&root, &[&DpkgCount], &opts).unwrap();
    assert!(!first.layers[0].from_cache);
    let dpkg = first.surviving("dpkg-count");
    assert_eq!(dpkg.len(), 1);
    assert_eq!(dpkg[0].value, &serde_json::json!(88));
    // The other image reuses the cached layer without reading it.
    let second = analyze(&nonroot, &[&DpkgCount], &opts).unwrap();
    assert!(second.layers[0].from_cache);
    assert_eq!(second.squashed, first.squashed);
    assert_eq!(
        second.surviving("dpkg-count")[0].value,
        &serde_json::json!(88)
    );
    // A new analyzer reads the layer again, only for itself.
    let third = analyze(&nonroot, &[&DpkgCount, &HashFiles("etc/")], &opts).unwrap();
    assert!(!third.layers[0].from_cache);
    assert!(third.surviving("hash-files").len() > 50);
    // Every file the cache wrote is under its directory, and no temp file is left.
    for e in walk(dir.path()) {
        assert!(e.starts_with(dir.path()));
        let name = e.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.contains(".tmp-"), "{name}");
    }
    // --no-cache reads again.
    let none = analyze(&nonroot, &[&DpkgCount], &AnalyzeOptions::default()).unwrap();
    assert!(!none.layers[0].from_cache);
}

fn walk(p: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap().path();
        if e.is_dir() {
            out.extend(walk(&e));
        } else {
            out.push(e);
        }
    }
    out
}

#[test]
fn layout_with_several_images_needs_a_name() {
    let t = Target::parse(&format!("oci:{}", oci_dir().display())).unwrap();
    let e = open(&t, &OpenOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ImageError::AmbiguousImage { .. }), "{msg}");
    for n in [
        "debian-bookworm-minbase",
        "debian-bookworm-minbase-nonroot",
        "multilayer",
    ] {
        assert!(msg.contains(n), "{msg}");
    }
    let t = Target::parse(&format!("oci:{}:nope", oci_dir().display())).unwrap();
    let msg = open(&t, &OpenOptions::default()).unwrap_err().to_string();
    assert!(
        msg.contains("no image named `nope`") && msg.contains("multilayer"),
        "{msg}"
    );
}

/// Links every file of the real layout into `dest`, except `replace`d blobs.
fn link_layout(dest: &Path) {
    let src = oci_dir();
    std::fs::create_dir_all(dest.join("blobs/sha256")).unwrap();
    for f in ["index.json", "oci-layout"] {
        std::fs::copy(src.join(f), dest.join(f)).unwrap();
    }
    for e in std::fs::read_dir(src.join("blobs/sha256")).unwrap() {
        let e = e.unwrap();
        std::os::unix::fs::symlink(
            std::fs::canonicalize(e.path()).unwrap(),
            dest.join("blobs/sha256").join(e.file_name()),
        )
        .unwrap();
    }
}

fn recompress(gz: &[u8], level: u32) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut tar = Vec::new();
    flate2::read::MultiGzDecoder::new(gz)
        .read_to_end(&mut tar)
        .unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(&tar).unwrap();
    enc.finish().unwrap()
}

#[test]
fn tampered_blob_is_refused_with_its_name() {
    // The whiteout layer of multilayer (index 2) is small: swap its blob for
    // the same tar compressed differently. Its diff_id still matches; its
    // digest does not.
    let dir = tempfile::tempdir().unwrap();
    link_layout(dir.path());
    let a = open_target(&format!("oci:{}:multilayer", dir.path().display()));
    let layer = a.layers[2].clone();
    let digest = layer.digest.clone().unwrap();
    let blob = dir.path().join("blobs/sha256").join(digest.hex());
    let orig = std::fs::read(&blob).unwrap();
    std::fs::remove_file(&blob).unwrap();
    std::fs::write(&blob, recompress(&orig, 1)).unwrap();
    let e = analyze(&a, &[], &AnalyzeOptions::default()).unwrap_err();
    let msg = e.to_string();
    match e {
        ImageError::Layer {
            index,
            digest: d,
            source: LayerError::DigestMismatch { expected, .. },
            ..
        } => {
            assert_eq!(index, 2);
            assert_eq!(d, digest.to_string());
            assert_eq!(expected, digest.to_string());
        }
        other => panic!("unexpected: {other}"),
    }
    assert!(
        msg.contains("layer 2") && msg.contains(digest.hex()),
        "{msg}"
    );

    // Flip one byte of content inside the tar (recompressed, so gzip's CRC
    // is valid): now the diff_id check names the layer, even with the
    // manifest digest left aside (a docker-archive has none to check).
    use std::io::{Read, Write};
    let mut tar = Vec::new();
    flate2::read::MultiGzDecoder::new(&orig[..])
        .read_to_end(&mut tar)
        .unwrap();
    let last = tar.iter().rposition(|&b| b != 0).unwrap();
    // Change a byte of a header's padding-free area: the mtime field of the
    // first header keeps the tar valid.
    tar[136] = if tar[136] == b'1' { b'2' } else { b'1' };
    assert!(last > 136);
    tarbuild::set_checksum(&mut tar[..512]);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&tar).unwrap();
    let gz = enc.finish().unwrap();
    let read = plimsoll_image::read_layer(
        &gz[..],
        plimsoll_image::Expected {
            digest: None,
            size: None,
            diff_id: Some(&layer.diff_id),
        },
        &[],
        &Default::default(),
    );
    match read {
        Err(LayerError::DiffIdMismatch { expected, .. }) => {
            assert_eq!(expected, layer.diff_id.to_string())
        }
        other => panic!("unexpected: {other:?}"),
    }
}

#[test]
fn missing_blob_is_named() {
    let dir = tempfile::tempdir().unwrap();
    link_layout(dir.path());
    let a = open_target(&format!(
        "oci:{}:debian-bookworm-minbase",
        dir.path().display()
    ));
    let d = a.layers[0].digest.clone().unwrap();
    std::fs::remove_file(dir.path().join("blobs/sha256").join(d.hex())).unwrap();
    let msg = analyze(&a, &[], &AnalyzeOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("layer 0") && msg.contains(d.hex()) && msg.contains("missing"),
        "{msg}"
    );
    // A missing config is caught when opening.
    let cfg = a.config_digest.hex().to_owned();
    std::fs::remove_file(dir.path().join("blobs/sha256").join(&cfg)).unwrap();
    let t = Target::parse(&format!(
        "oci:{}:debian-bookworm-minbase",
        dir.path().display()
    ))
    .unwrap();
    let msg = open(&t, &OpenOptions::default()).unwrap_err().to_string();
    assert!(
        msg.contains("missing config blob") && msg.contains(&cfg),
        "{msg}"
    );
}

#[test]
fn progress_accounts_for_every_declared_byte_read_or_cached() {
    use plimsoll_image::{Progress, ProgressSink};
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let a = open_target(&format!("oci:{}:multilayer", oci_dir().display()));
    let declared: u64 = a.layers.iter().map(|l| l.size.unwrap()).sum();
    for pass in ["cold", "warm"] {
        let events = Arc::new(Mutex::new(Vec::new()));
        let e2 = Arc::clone(&events);
        let opts = AnalyzeOptions {
            cache: LayerCache::at(dir.path()),
            progress: ProgressSink::new(move |p| e2.lock().unwrap().push(p)),
            ..AnalyzeOptions::default()
        };
        analyze(&a, &[&DpkgCount], &opts).unwrap();
        let events = events.lock().unwrap();
        assert_eq!(
            events[0],
            Progress::Start {
                layers: 8,
                bytes: declared
            },
            "{pass}"
        );
        let mut read = 0;
        let mut unread = 0;
        let mut done = std::collections::BTreeSet::new();
        for e in events.iter().skip(1) {
            match *e {
                Progress::Read { bytes, .. } => read += bytes,
                Progress::LayerDone {
                    index,
                    from_cache,
                    unread: u,
                } => {
                    assert_eq!(from_cache, pass == "warm");
                    unread += u;
                    assert!(done.insert(index), "layer {index} done twice");
                }
                Progress::Start { .. } => panic!("started twice"),
            }
        }
        assert_eq!(done.len(), 8, "{pass}");
        assert_eq!(read + unread, declared, "{pass}");
        if pass == "cold" {
            assert_eq!(read, declared, "every byte read when cold");
        } else {
            assert_eq!(read, 0, "nothing read when warm");
        }
    }
}
