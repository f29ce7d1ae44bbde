//! `docker:` against the real Docker Engine on this machine: an image the
//! test builds and `docker load`s itself (no registry is reachable), with a
//! repeated layer (which Docker exports as a symlink) and an empty-layer
//! history step; read cold by name, warm from the cache without an export,
//! by ID, as a bare reference; and the errors for a missing image and a
//! platform the engine's image is not. The image is removed afterwards,
//! passed or failed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "common/tarbuild.rs"]
mod tarbuild;

use std::process::{Command, Stdio};

use plimsoll_image::{
    AnalyzeOptions, Analyzer, AnalyzerError, Digest, DockerImage, EntryKind, EntryReader,
    ImageError, ImageReference, LayerCache, OpenOptions, Platform, Target, analyze_target,
    has_image,
};
use tarbuild::TarBuf;

/// Records every regular file's content.
struct Contents;

impl Analyzer for Contents {
    fn name(&self) -> &str {
        "contents"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, _path: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File
    }
    fn analyze(
        &self,
        entry: &mut EntryReader<'_>,
    ) -> Result<Option<serde_json::Value>, AnalyzerError> {
        Ok(Some(serde_json::json!(String::from_utf8(
            entry.read_all()?
        )?)))
    }
}

/// Removes the image when the test ends.
struct Loaded(String);

impl Drop for Loaded {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Builds a docker-archive of three layers (the third repeats the first)
/// in `dir` and loads it as `name`; returns the guard, the image ID and
/// the archive.
fn load(name: &str, dir: &std::path::Path) -> (Loaded, Digest, std::path::PathBuf) {
    let a = TarBuf::default()
        .dir(b"etc/")
        .file(b"etc/motd", b"layer a\n")
        .finish();
    let b = TarBuf::default()
        .file(b"etc/motd", b"layer b\n")
        .file(b"etc/issue", b"b only\n")
        .finish();
    let (da, db) = (Digest::of_bytes(&a), Digest::of_bytes(&b));
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/bin/true"]},
        "rootfs": {"type": "layers", "diff_ids": [da.to_string(), db.to_string(), da.to_string()]},
        "history": [
            {"created_by": "ADD a /"},
            {"created_by": "ENV X=1", "empty_layer": true},
            {"created_by": "ADD b /"},
            {"created_by": "ADD a / again"},
        ],
    })
    .to_string();
    let id = Digest::of_bytes(config.as_bytes());
    let manifest = serde_json::json!([{
        "Config": format!("{}.json", id.hex()),
        "RepoTags": [name],
        "Layers": ["a/layer.tar", "b/layer.tar", "c/layer.tar"],
    }]);
    let mut t = TarBuf::default();
    t.file(b"a/layer.tar", &a)
        .file(b"b/layer.tar", &b)
        .file(b"c/layer.tar", &a)
        .file(format!("{}.json", id.hex()).as_bytes(), config.as_bytes())
        .file(b"manifest.json", manifest.to_string().as_bytes());
    let file = dir.join("image.tar");
    std::fs::write(&file, t.finish()).unwrap();
    let guard = Loaded(name.to_owned());
    let out = Command::new("docker")
        .args(["load", "-q", "-i"])
        .arg(&file)
        .output()
        .expect("the docker CLI is installed");
    assert!(
        out.status.success(),
        "docker load: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (guard, id, file)
}

fn unique(repo: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{repo}:t{}-{nanos}", std::process::id())
}

fn options(cache: &std::path::Path) -> AnalyzeOptions {
    AnalyzeOptions {
        cache: LayerCache::at(cache),
        ..AnalyzeOptions::default()
    }
}

#[test]
fn engine_images_cold_warm_by_id_and_by_bare_reference() {
    let name = unique("plimsoll-test/engine-dup");
    let tmp = tempfile::tempdir().unwrap();
    let (_guard, id, archive) = load(&name, tmp.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(cache.path());
    let reference = ImageReference::parse(&name).unwrap();
    let target = Target::Docker(DockerImage::Reference(reference.clone()));

    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&events);
    let with_progress = AnalyzeOptions {
        progress: plimsoll_image::ProgressSink::new(move |p| sink.lock().unwrap().push(p)),
        ..opts.clone()
    };
    let cold = analyze_target(
        &target,
        &OpenOptions::default(),
        &[&Contents],
        &with_progress,
    )
    .unwrap();
    // Progress counts layers as the export streams by: the Engine stores the
    // repeated layer once, so two blobs are read for three layers.
    let events = events.lock().unwrap().clone();
    assert_eq!(
        events.first(),
        Some(&plimsoll_image::Progress::Start {
            layers: 3,
            bytes: 0
        })
    );
    let done = events
        .iter()
        .filter(|e| matches!(e, plimsoll_image::Progress::LayerDone { .. }))
        .count();
    assert_eq!(done, 2, "{events:?}");
    let artifact = cold.artifact.as_ref().unwrap();
    assert_eq!(artifact.config_digest, id);
    assert_eq!(artifact.repo_tags, std::slice::from_ref(&name));
    assert_eq!(artifact.name.as_deref(), Some(name.as_str()));
    let a = &cold.analysis;
    assert_eq!(a.layers.len(), 3);
    assert!(a.layers.iter().all(|l| !l.from_cache));
    let created: Vec<_> = a.layers.iter().map(|l| l.created_by.as_deref()).collect();
    assert_eq!(
        created,
        [Some("ADD a /"), Some("ADD b /"), Some("ADD a / again")]
    );
    // The repeated layer (a symlink in Docker's export) wrote etc/motd last.
    assert_eq!(a.introduced_by("etc/motd").unwrap().index, 2);
    assert_eq!(a.introduced_by("etc/issue").unwrap().index, 1);
    let files: Vec<_> = a
        .surviving("contents")
        .iter()
        .map(|s| (s.path.to_owned(), s.value.clone()))
        .collect();
    assert_eq!(
        files,
        [
            ("etc/issue".to_owned(), serde_json::json!("b only\n")),
            ("etc/motd".to_owned(), serde_json::json!("layer a\n")),
        ]
    );

    // Warm: config and every layer cached, so nothing is exported.
    let warm = analyze_target(&target, &OpenOptions::default(), &[&Contents], &opts).unwrap();
    assert!(warm.analysis.layers.iter().all(|l| l.from_cache));
    assert_eq!(warm.analysis.squashed, cold.analysis.squashed);
    let wa = warm.artifact.as_ref().unwrap();
    assert_eq!(wa.config, artifact.config);
    assert_eq!(wa.repo_tags, artifact.repo_tags);
    // A layer of a streamed image cannot be opened again, and says why.
    assert!(wa.open_layer(0).is_err());

    // By ID, and as a bare reference (the engine has it), without a cache.
    let nocache = AnalyzeOptions::default();
    for t in [
        Target::parse(&format!("docker:{id}")).unwrap(),
        Target::parse(&name).unwrap(),
    ] {
        assert!(matches!(t, Target::Docker(_) | Target::Reference(_)));
        let got = analyze_target(&t, &OpenOptions::default(), &[&Contents], &nocache).unwrap();
        assert_eq!(got.artifact.as_ref().unwrap().config_digest, id, "{t:?}");
        assert_eq!(got.analysis.squashed, cold.analysis.squashed, "{t:?}");
        assert!(got.analysis.layers.iter().all(|l| !l.from_cache));
    }
    assert!(has_image(&reference));

    // Read first from its docker-archive file, the image is then served
    // from the cache alone (config and layers) when read from the engine.
    let other = tempfile::tempdir().unwrap();
    let other = options(other.path());
    let file = Target::parse(&format!("docker-archive:{}", archive.display())).unwrap();
    analyze_target(&file, &OpenOptions::default(), &[&Contents], &other).unwrap();
    let got = analyze_target(&target, &OpenOptions::default(), &[&Contents], &other).unwrap();
    assert!(got.analysis.layers.iter().all(|l| l.from_cache));
    assert_eq!(got.analysis.squashed, cold.analysis.squashed);

    // --platform must match the engine's image.
    let wrong = OpenOptions {
        platform: Some(Platform::parse("linux/arm64").unwrap()),
        ..OpenOptions::default()
    };
    let e = analyze_target(&target, &wrong, &[&Contents], &opts).unwrap_err();
    assert!(matches!(e, ImageError::NoPlatform { .. }), "{e}");
    assert!(e.to_string().contains("linux/amd64"), "{e}");
}

#[test]
fn a_missing_image_is_named_and_a_bare_reference_falls_through() {
    let missing = ImageReference::parse("plimsoll-test/does-not-exist:nope").unwrap();
    assert!(!has_image(&missing));
    let t = Target::Docker(DockerImage::Reference(missing.clone()));
    let e =
        analyze_target(&t, &OpenOptions::default(), &[], &AnalyzeOptions::default()).unwrap_err();
    assert!(matches!(e, ImageError::NotInEngine { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("docker:plimsoll-test/does-not-exist:nope") && text.contains("docker images"),
        "{text}"
    );
    // Not in the engine: left to the registry (Docker Hub, unreachable on
    // an offline machine, or refusing the unknown repository); a transport
    // failure says the Engine was tried first.
    let e = analyze_target(
        &Target::Reference(missing),
        &OpenOptions::default(),
        &[],
        &AnalyzeOptions::default(),
    )
    .unwrap_err();
    match &e {
        ImageError::Registry { .. } => assert!(
            e.to_string()
                .contains("the local Docker Engine has no such image either"),
            "{e}"
        ),
        ImageError::Missing { .. } | ImageError::Unauthorized { .. } => {}
        other => panic!("{other}"),
    }
}
