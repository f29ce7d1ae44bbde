//! The `docker save` stream driver without a daemon: the real multilayer
//! image as skopeo's docker-archive and as a Docker 25-style OCI export
//! streams to the same analysis as the random-access sources; layers named
//! by diff_id are skipped when cached; repeated layers linked to their first
//! copy, hostile and truncated streams, and a missing or tampered layer
//! fail with errors that name it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;
#[path = "common/tarbuild.rs"]
mod tarbuild;

use std::path::Path;

use common::{HashFiles, converted, oci_dir};
use plimsoll_image::{
    AnalyzeOptions, Analyzer, Compression, Digest, ImageAnalysis, ImageError, LayerCache,
    LayerError, OpenOptions, StreamImage, Target, analyze, analyze_save_stream, open,
};
use tarbuild::TarBuf;

type Row = (String, u32, u64, Option<String>, usize);

fn table(a: &ImageAnalysis) -> Vec<Row> {
    a.squashed
        .iter()
        .map(|f| (f.path.clone(), f.mode, f.size, f.link.clone(), f.layer))
        .collect()
}

fn hashes(a: &ImageAnalysis) -> Vec<(String, serde_json::Value, usize)> {
    a.surviving("hash-files")
        .iter()
        .map(|s| (s.path.to_owned(), s.value.clone(), s.layer.index))
        .collect()
}

fn want(source: &str, id: Option<&Digest>, diff_ids: Option<Vec<Digest>>) -> StreamImage {
    StreamImage {
        source: source.to_owned(),
        image_id: id.cloned(),
        diff_ids,
    }
}

/// The multilayer image read through its OCI layout (the reference).
fn reference(analyzers: &[&dyn Analyzer]) -> (plimsoll_image::Artifact, ImageAnalysis) {
    let t = Target::parse(&format!("oci:{}:multilayer", oci_dir().display())).unwrap();
    let a = open(&t, &OpenOptions::default()).unwrap();
    let r = analyze(&a, analyzers, &AnalyzeOptions::default()).unwrap();
    (a, r)
}

fn blob(layout: &Path, digest: &str) -> Vec<u8> {
    let hex = digest.strip_prefix("sha256:").unwrap();
    std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap()
}

#[test]
fn skopeo_docker_archive_streams_like_the_layout() {
    let hash = HashFiles("usr/local/bin/");
    let (base, reference) = reference(&[&hash]);
    let file = std::fs::File::open(converted("multilayer").join("docker.tar")).unwrap();
    let diff_ids: Vec<Digest> = base.layers.iter().map(|l| l.diff_id.clone()).collect();
    let (artifact, got) = analyze_save_stream(
        std::io::BufReader::new(file),
        &want("stream", Some(&base.config_digest), Some(diff_ids)),
        &[&hash],
        &AnalyzeOptions::default(),
    )
    .unwrap();
    assert_eq!(artifact.config_digest, base.config_digest);
    assert_eq!(artifact.repo_tags, ["docker.io/library/multilayer:latest"]);
    assert_eq!(table(&got), table(&reference));
    assert_eq!(hashes(&got), hashes(&reference));
    for (l, r) in got.layers.iter().zip(&base.layers) {
        assert_eq!(l.diff_id, r.diff_id);
        assert_eq!(l.created_by, r.created_by);
        assert_eq!(l.compression, Compression::None);
        assert!(!l.from_cache);
    }
    // The layers were streamed: reading one again is a clear error.
    let e = artifact.open_layer(0).err().unwrap().to_string();
    assert!(
        e.contains("a second time") && e.contains("docker save"),
        "{e}"
    );
}

/// A Docker 25-style export of the multilayer image: an OCI layout with
/// `manifest.json` beside it, blobs first. `uncompressed` stores the
/// layers as plain tar named by their diff_id (what `docker save` writes),
/// else the layout's gzip blobs.
fn oci_export(uncompressed: bool) -> (Vec<u8>, Digest, Vec<Digest>) {
    let layout = oci_dir();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let desc = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "multilayer")
        .unwrap()
        .clone();
    let manifest_bytes = blob(&layout, desc["digest"].as_str().unwrap());
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes).unwrap();
    let config_digest = manifest["config"]["digest"].as_str().unwrap().to_owned();
    let config_bytes = blob(&layout, &config_digest);
    let config: serde_json::Value = serde_json::from_slice(&config_bytes).unwrap();
    let diff_ids: Vec<Digest> = config["rootfs"]["diff_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| Digest::parse(d.as_str().unwrap(), "test").unwrap())
        .collect();
    let mut t = TarBuf::default();
    t.dir(b"blobs/").dir(b"blobs/sha256/");
    let layer_paths: Vec<String> = if uncompressed {
        // skopeo's docker-archive holds each layer as <diff_id hex>.tar:
        // copied in one pass, in the archive's order.
        let docker_tar = converted("multilayer").join("docker.tar");
        let mut a = tar::Archive::new(std::fs::File::open(docker_tar).unwrap());
        let mut found = 0;
        for e in a.entries().unwrap() {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            // `<id>/layer.tar` are symlinks to these.
            let Some(hex) = name.strip_suffix(".tar").filter(|h| !h.contains('/')) else {
                continue;
            };
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut bytes).unwrap();
            assert!(diff_ids.iter().any(|d| d.hex() == hex), "{name}");
            assert_eq!(Digest::of_bytes(&bytes).hex(), hex);
            t.file(format!("blobs/sha256/{hex}").as_bytes(), &bytes);
            found += 1;
        }
        assert_eq!(found, diff_ids.len());
        diff_ids
            .iter()
            .map(|d| format!("blobs/sha256/{}", d.hex()))
            .collect()
    } else {
        manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let d = l["digest"].as_str().unwrap();
                let path = format!("blobs/sha256/{}", d.strip_prefix("sha256:").unwrap());
                t.file(path.as_bytes(), &blob(&layout, d));
                path
            })
            .collect()
    };
    let config_hex = config_digest.strip_prefix("sha256:").unwrap();
    t.file(
        format!("blobs/sha256/{config_hex}").as_bytes(),
        &config_bytes,
    );
    let manifest_hex = desc["digest"]
        .as_str()
        .unwrap()
        .strip_prefix("sha256:")
        .unwrap();
    t.file(
        format!("blobs/sha256/{manifest_hex}").as_bytes(),
        &manifest_bytes,
    );
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [desc]});
    t.file(b"index.json", index.to_string().as_bytes());
    let docker_manifest = serde_json::json!([{
        "Config": format!("blobs/sha256/{config_hex}"),
        "RepoTags": ["multilayer:latest"],
        "Layers": layer_paths,
    }]);
    t.file(b"manifest.json", docker_manifest.to_string().as_bytes());
    t.file(b"oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    (
        t.finish(),
        Digest::parse(&config_digest, "test").unwrap(),
        diff_ids,
    )
}

#[test]
fn oci_layout_export_streams_and_skips_cached_layers() {
    let hash = HashFiles("usr/local/bin/");
    let (_, reference) = reference(&[&hash]);
    // Compressed blobs: digests verified by name, gzip detected.
    let (stream, id, diff_ids) = oci_export(false);
    let (artifact, got) = analyze_save_stream(
        &stream[..],
        &want("oci-export", Some(&id), Some(diff_ids.clone())),
        &[&hash],
        &AnalyzeOptions::default(),
    )
    .unwrap();
    assert_eq!(table(&got), table(&reference));
    assert_eq!(hashes(&got), hashes(&reference));
    for (l, r) in artifact.layers.iter().zip(&got.layers) {
        assert_eq!(l.digest.as_ref(), Some(&r.blob_digest));
        assert_eq!(r.compression, Compression::Gzip);
    }

    // Uncompressed blobs named by diff_id: a warm cache skips every layer.
    let (stream, id, diff_ids) = oci_export(true);
    let cache = tempfile::tempdir().unwrap();
    let options = AnalyzeOptions {
        cache: LayerCache::at(cache.path()),
        ..AnalyzeOptions::default()
    };
    let w = want("oci-export", Some(&id), Some(diff_ids));
    let (_, cold) = analyze_save_stream(&stream[..], &w, &[&hash], &options).unwrap();
    assert!(cold.layers.iter().all(|l| !l.from_cache));
    let (_, warm) = analyze_save_stream(&stream[..], &w, &[&hash], &options).unwrap();
    assert!(warm.layers.iter().all(|l| l.from_cache));
    assert_eq!(table(&warm), table(&reference));
    assert_eq!(hashes(&warm), hashes(&reference));
    // The config was kept for the engine source's warm path.
    assert!(options.cache.load_config(&id).is_some());
}

/// A legacy (Docker 20.10) export of three layers, the third a repeat of
/// the first linked to it, with an empty-layer history step; the link
/// comes before its target in the stream.
struct Legacy {
    layer_a: Vec<u8>,
    layer_b: Vec<u8>,
    config: Vec<u8>,
    id: Digest,
    diff_ids: Vec<Digest>,
}

impl Legacy {
    fn new() -> Self {
        let layer_a = TarBuf::default()
            .dir(b"etc/")
            .file(b"etc/a.txt", b"from a\n")
            .finish();
        let layer_b = TarBuf::default()
            .file(b"etc/a.txt", b"from b\n")
            .file(b"etc/.wh.gone", b"")
            .finish();
        let da = Digest::of_bytes(&layer_a);
        let db = Digest::of_bytes(&layer_b);
        let diff_ids = vec![da.clone(), db, da];
        let config = serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids.iter().map(ToString::to_string).collect::<Vec<_>>()},
            "history": [
                {"created_by": "ADD a"},
                {"created_by": "ENV X=1", "empty_layer": true},
                {"created_by": "ADD b"},
                {"created_by": "ADD a again"},
            ],
        })
        .to_string()
        .into_bytes();
        let id = Digest::of_bytes(&config);
        Self {
            layer_a,
            layer_b,
            config,
            id,
            diff_ids,
        }
    }

    fn manifest(&self, layers: &[&str]) -> Vec<u8> {
        serde_json::json!([{
            "Config": format!("{}.json", self.id.hex()),
            "RepoTags": ["legacy:1"],
            "Layers": layers,
        }])
        .to_string()
        .into_bytes()
    }

    /// The stream, with `tweak` applied to the builder after the layers.
    fn stream(&self, tweak: impl FnOnce(&mut TarBuf)) -> Vec<u8> {
        let mut t = TarBuf::default();
        // `0link` sorts first, as Docker's name order would put it.
        t.dir(b"0link/")
            .file(b"0link/VERSION", b"1.0")
            .symlink(b"0link/layer.tar", b"../1a/layer.tar")
            .dir(b"1a/")
            .file(b"1a/json", b"{}")
            .file(b"1a/layer.tar", &self.layer_a)
            .file(b"2b/layer.tar", &self.layer_b);
        tweak(&mut t);
        t.file(format!("{}.json", self.id.hex()).as_bytes(), &self.config);
        t.file(
            b"manifest.json",
            &self.manifest(&["1a/layer.tar", "2b/layer.tar", "0link/layer.tar"]),
        );
        t.file(b"repositories", br#"{"legacy":{"1":"x"}}"#);
        t.finish()
    }

    fn want(&self) -> StreamImage {
        want("legacy", Some(&self.id), Some(self.diff_ids.clone()))
    }
}

fn run(stream: &[u8], w: &StreamImage) -> Result<ImageAnalysis, ImageError> {
    analyze_save_stream(stream, w, &[&HashFiles("")], &AnalyzeOptions::default()).map(|(_, a)| a)
}

#[test]
fn repeated_layers_links_and_history() {
    let l = Legacy::new();
    let (artifact, a) = analyze_save_stream(
        &l.stream(|_| {})[..],
        &l.want(),
        &[&HashFiles("")],
        &AnalyzeOptions::default(),
    )
    .unwrap();
    let created: Vec<_> = a.layers.iter().map(|l| l.created_by.as_deref()).collect();
    assert_eq!(created, [Some("ADD a"), Some("ADD b"), Some("ADD a again")]);
    assert_eq!(artifact.layers[2].location, "1a/layer.tar");
    assert_eq!(a.layers[0].files, a.layers[2].files);
    // The repeat of layer a wrote etc/a.txt last.
    assert_eq!(a.introduced_by("etc/a.txt").unwrap().index, 2);
    assert_eq!(
        hashes(&a),
        [(
            "etc/a.txt".to_owned(),
            serde_json::json!(Digest::of_bytes(b"from a\n").to_string()),
            2
        )]
    );
    assert_eq!(a.layers[1].files.whiteouts, ["etc/gone"]);

    // Without an expected ID, a single image is taken.
    assert!(run(&l.stream(|_| {}), &want("legacy", None, None)).is_ok());
}

#[test]
fn unused_junk_is_ignored_but_a_needed_broken_layer_is_named() {
    let l = Legacy::new();
    // A blob that looks like a tar but is cut short: not needed, so the
    // scan succeeds.
    let mut junk = TarBuf::default();
    junk.header(b"big", b'0', 1 << 20, b"", 0o644);
    junk.data(b"short");
    let junk = junk.0;
    let stream = l.stream(|t| {
        t.file(b"blobs/sha256/junk", &junk);
    });
    assert!(run(&stream, &l.want()).is_ok());

    // A manifest that points at the junk as a layer fails naming it.
    let mut t = TarBuf::default();
    t.file(b"junk/layer.tar", &junk)
        .file(b"2b/layer.tar", &l.layer_b)
        .file(b"1a/layer.tar", &l.layer_a)
        .file(format!("{}.json", l.id.hex()).as_bytes(), &l.config)
        .file(
            b"manifest.json",
            &l.manifest(&["junk/layer.tar", "2b/layer.tar", "1a/layer.tar"]),
        );
    let e = run(&t.finish(), &l.want()).unwrap_err();
    assert!(
        matches!(
            &e,
            ImageError::Layer {
                index: 0,
                source: LayerError::Truncated { .. },
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("junk/layer.tar"), "{e}");
}

#[test]
fn missing_and_tampered_layers_are_named() {
    let l = Legacy::new();
    // The manifest names a layer the stream lacks.
    let mut t = TarBuf::default();
    t.file(b"1a/layer.tar", &l.layer_a)
        .file(b"2b/layer.tar", &l.layer_b)
        .file(format!("{}.json", l.id.hex()).as_bytes(), &l.config)
        .file(
            b"manifest.json",
            &l.manifest(&["1a/layer.tar", "2b/layer.tar", "3c/layer.tar"]),
        );
    let e = run(&t.finish(), &l.want()).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, ImageError::Missing { .. }), "{text}");
    assert!(
        text.contains("3c/layer.tar")
            && text.contains("layer 2")
            && text.contains(&l.diff_ids[2].to_string()),
        "{text}"
    );

    // Layer b's bytes swapped for others: its diff_id does not match.
    let mut t = TarBuf::default();
    let other = TarBuf::default().file(b"x", b"evil").finish();
    t.file(b"1a/layer.tar", &l.layer_a)
        .file(b"2b/layer.tar", &other)
        .file(b"0link/layer.tar", &l.layer_a)
        .file(format!("{}.json", l.id.hex()).as_bytes(), &l.config)
        .file(
            b"manifest.json",
            &l.manifest(&["1a/layer.tar", "2b/layer.tar", "0link/layer.tar"]),
        );
    let e = run(&t.finish(), &l.want()).unwrap_err();
    assert!(
        matches!(
            &e,
            ImageError::Layer {
                index: 1,
                source: LayerError::DiffIdMismatch { .. },
                ..
            }
        ),
        "{e}"
    );

    // The engine reported other diff_ids than the config lists.
    let mut w = l.want();
    w.diff_ids = Some(vec![l.diff_ids[0].clone()]);
    let e = run(&l.stream(|_| {}), &w).unwrap_err().to_string();
    assert!(e.contains("differ from the 1 layers"), "{e}");
}

#[test]
fn configs_and_manifests_are_checked() {
    let l = Legacy::new();
    // A config whose name is not its digest.
    let mut t = TarBuf::default();
    let wrong = Digest::of_bytes(b"x");
    t.file(b"1a/layer.tar", &l.layer_a)
        .file(format!("{}.json", wrong.hex()).as_bytes(), &l.config)
        .file(
            b"manifest.json",
            serde_json::json!([{"Config": format!("{}.json", wrong.hex()), "Layers": ["1a/layer.tar"]}])
                .to_string()
                .as_bytes(),
        );
    let e = run(&t.finish(), &want("legacy", None, None)).unwrap_err();
    assert!(matches!(e, ImageError::DigestMismatch { .. }), "{e}");

    // Another image ID than the stream's, with two images: named.
    let stream = {
        let mut t = TarBuf::default();
        t.file(format!("{}.json", l.id.hex()).as_bytes(), &l.config)
            .file(
                b"manifest.json",
                serde_json::json!([
                    {"Config": format!("{}.json", l.id.hex()), "Layers": []},
                    {"Config": format!("{}.json", l.id.hex()), "Layers": []},
                ])
                .to_string()
                .as_bytes(),
            );
        t.finish()
    };
    let e = run(&stream, &want("legacy", Some(&wrong), None)).unwrap_err();
    assert!(matches!(e, ImageError::NoSuchImage { .. }), "{e}");
    let e = run(&stream, &want("legacy", None, None)).unwrap_err();
    assert!(matches!(e, ImageError::AmbiguousImage { .. }), "{e}");

    // No manifest.json; an OCI layout without it.
    let e = run(&TarBuf::default().file(b"a", b"b").finish(), &l.want()).unwrap_err();
    assert!(e.to_string().contains("manifest.json"), "{e}");
    let e = run(
        &TarBuf::default().file(b"index.json", b"{}").finish(),
        &l.want(),
    )
    .unwrap_err();
    assert!(matches!(e, ImageError::Unsupported { .. }), "{e}");
    let e = run(
        &TarBuf::default()
            .file(b"manifest.json", b"{not json")
            .finish(),
        &l.want(),
    )
    .unwrap_err();
    assert!(matches!(e, ImageError::Json { .. }), "{e}");
}

#[test]
fn truncated_and_garbage_streams_fail_with_an_offset() {
    let l = Legacy::new();
    let full = l.stream(|_| {});
    for cut in [100, 700, 3000, full.len() / 2] {
        let e = run(&full[..cut], &l.want()).unwrap_err();
        assert!(
            matches!(e, ImageError::Archive { .. } | ImageError::Missing { .. }),
            "cut at {cut}: {e}"
        );
    }
    let e = run(
        b"this is not a tar stream at all, not even close...",
        &l.want(),
    )
    .unwrap_err();
    assert!(matches!(e, ImageError::Archive { .. }), "{e}");
    let garbage = vec![0x41u8; 4096];
    let e = run(&garbage, &l.want()).unwrap_err();
    assert!(e.to_string().contains("offset 0"), "{e}");
}
