//! `plimsoll sbom` end to end on the real images in ../shared/data: the
//! inventory is the same from every source format (OCI layout, docker-archive,
//! oci-archive, zstd layers, the local Docker Engine), matches syft 1.18.1 for
//! dpkg, Python, npm, Go and Rust, and round-trips through CycloneDX and SPDX.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

/// `../shared/data` beside the repository (or `$PLIMSOLL_SHARED_DATA`).
fn shared() -> PathBuf {
    let dir = plimsoll_testkit::shared_data();
    assert!(
        dir.join("images/oci/index.json").is_file(),
        "the real images are missing at {}: ../shared must be beside the repository \
         (or set PLIMSOLL_SHARED_DATA)",
        dir.display()
    );
    dir
}

/// `oci:<shared>/images/oci:<tag>`.
fn oci_ref(tag: &str) -> String {
    format!("oci:{}:{tag}", shared().join("images/oci").display())
}

fn plimsoll(cache: &Path) -> Command {
    let mut c = Command::cargo_bin("plimsoll").unwrap();
    c.env("NO_COLOR", "1")
        .env("PLIMSOLL_CACHE_DIR", cache)
        .env_remove("PLIMSOLL_SBOM_FORMAT");
    c
}

fn sbom_json(cache: &Path, args: &[&str]) -> serde_json::Value {
    let out = plimsoll(cache).arg("sbom").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (type, name, version) of every package of a Plimsoll JSON SBOM.
fn inventory(v: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = &p["package"];
            (
                p["purl"]
                    .as_str()
                    .unwrap()
                    .split('/')
                    .next()
                    .unwrap()
                    .to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn syft(types: &[&str]) -> BTreeSet<(String, String, String)> {
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared().join("peers/syft-1.18.1/multilayer.oci-dir.cdx.json"))
            .unwrap(),
    )
    .unwrap();
    doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let purl = c["purl"].as_str()?;
            let ty = purl.split('/').next()?.to_string();
            types.contains(&ty.as_str()).then(|| {
                (
                    ty,
                    c["name"].as_str().unwrap().to_string(),
                    c["version"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn multilayer_matches_syft() {
    let cache = tempfile::tempdir().unwrap();
    let v = sbom_json(
        cache.path(),
        &["--no-cache", "-f", "json", &oci_ref("multilayer")],
    );
    let ours = inventory(&v);
    let types = ["pkg:deb", "pkg:pypi", "pkg:npm", "pkg:golang"];
    // Python names compare as PEP 503 normalises them (syft prints the
    // normalised name; Plimsoll keeps the display name, its purl is normalised).
    let norm = |(t, n, v): &(String, String, String)| {
        let n = if t == "pkg:pypi" {
            n.to_lowercase().replace(['_', '.'], "-")
        } else {
            n.clone()
        };
        (t.clone(), n, v.clone())
    };
    let ours_cmp: BTreeSet<_> = ours
        .iter()
        .filter(|(t, _, _)| types.contains(&t.as_str()))
        .map(norm)
        .collect();
    let theirs: BTreeSet<_> = syft(&types).iter().map(norm).collect();
    assert_eq!(
        ours_cmp, theirs,
        "dpkg, Python, npm and Go agree with syft 1.18.1"
    );

    // Rust crates compiled into /usr/local/bin/rust-demo (cargo-auditable)
    // equal syft's; Cargo.lock entries the binary lacks are kept as `lockfile`.
    let rust_bin: BTreeSet<(String, String, String)> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["package"])
        .filter(|p| p["ecosystem"] == "cargo" && p["origin"].is_null())
        .map(|p| {
            (
                "pkg:cargo".to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(rust_bin, syft(&["pkg:cargo"]));
    // log4j 1.2.17 is found from its MANIFEST alone (no pom.properties).
    assert!(
        ours.iter()
            .any(|(t, n, v)| t == "pkg:maven" && n.ends_with("log4j") && v == "1.2.17"),
        "{ours:?}"
    );

    // The whiteout layer deleted fzf-tmux behind dpkg's back: noted on the package.
    let fzf = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["package"]["name"] == "fzf")
        .unwrap();
    assert!(
        fzf["missing_files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "/usr/bin/fzf-tmux"),
        "{fzf}"
    );

    // Layer attribution: curl arrived with the apt layer (index 1).
    let layers = v["target"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 8);
    let curl = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["package"]["name"] == "curl")
        .unwrap();
    assert_eq!(curl["layer"], layers[1]["diff_id"]);
    assert!(
        curl["created_by"].as_str().unwrap().contains("apt-get"),
        "{}",
        curl["created_by"]
    );
}

/// Starts `skopeo copy -q [extra…] SRC DEST` (skopeo comes from scripts/setup).
fn skopeo_copy(extra: &[&str], src: &str, dest: &str) -> std::process::Child {
    Process::new("skopeo")
        .args(["copy", "-q"])
        .args(extra)
        .args([src, dest])
        .spawn()
        .expect("skopeo is installed by scripts/setup")
}

/// Everything the inventory says about the packages and the layers that
/// does not depend on how the layers are stored: each package entry whole
/// (package, layer diff_id, history, locations, missing files), in a stable
/// order, and each layer's diff_id and history.
fn format_independent(v: &serde_json::Value) -> (Vec<String>, Vec<(String, String)>) {
    let mut packages: Vec<String> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    packages.sort();
    let layers = v["target"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["diff_id"].to_string(), l["created_by"].to_string()))
        .collect();
    (packages, layers)
}

fn layer_digests(v: &serde_json::Value) -> Vec<String> {
    v["target"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect()
}

/// The layer descriptors (media type, digest) of the (single) image of an
/// OCI layout.
fn layout_layers(layout: &Path) -> Vec<(String, String)> {
    let read = |p: PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let blob = |digest: &serde_json::Value| {
        let hex = digest.as_str().unwrap().trim_start_matches("sha256:");
        layout.join("blobs/sha256").join(hex)
    };
    let index = read(layout.join("index.json"));
    let manifest = read(blob(&index["manifests"][0]["digest"]));
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["mediaType"].as_str().unwrap().to_owned(),
                l["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn multilayer_is_the_same_in_every_image_format() {
    let cache = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let oci = oci_ref("multilayer");
    let docker = tmp.path().join("multilayer.tar");
    let oci_archive = tmp.path().join("multilayer-oci.tar");
    let zstd = tmp.path().join("multilayer-zstd");
    // (name, skopeo options, skopeo destination, Plimsoll target)
    let formats: [(&str, &[&str], String, String); 3] = [
        (
            "docker-archive",
            &[],
            format!("docker-archive:{}:multilayer:latest", docker.display()),
            format!("docker-archive:{}", docker.display()),
        ),
        (
            "oci-archive",
            &[],
            format!("oci-archive:{}:multilayer", oci_archive.display()),
            format!("oci-archive:{}", oci_archive.display()),
        ),
        // An OCI layout whose eight layers skopeo recompresses with zstd:
        // new blob digests, the same diff_ids.
        (
            "zstd",
            &["--dest-compress-format", "zstd"],
            format!("oci:{}:multilayer", zstd.display()),
            format!("oci:{}:multilayer", zstd.display()),
        ),
    ];
    // Each format is written once; skopeo runs while the layout is scanned.
    let conversions: Vec<_> = formats
        .iter()
        .map(|(_, extra, dest, _)| skopeo_copy(extra, &oci, dest))
        .collect();
    let reference = sbom_json(cache.path(), &["--no-cache", "-f", "json", &oci]);
    let expected = format_independent(&reference);
    assert_eq!(expected.0.len(), 287, "the whole inventory is compared");

    for ((name, _, _, target), mut skopeo) in formats.iter().zip(conversions) {
        assert!(skopeo.wait().unwrap().success(), "skopeo copy to {name}");
        // The layer cache is keyed by diff_id, which every format shares:
        // the first format fills the empty cache, oci-archive reads its own
        // blobs with the cache off, and zstd is served from the cache — its
        // layers must still carry its own blob digests, not the cached ones.
        let mut args = vec!["-f", "json", target];
        if *name == "oci-archive" {
            args.insert(0, "--no-cache");
        }
        let v = sbom_json(cache.path(), &args);
        assert_eq!(format_independent(&v), expected, "{name}");
        if *name == "zstd" {
            let layers = layout_layers(&zstd);
            assert!(
                layers.len() == 8 && layers.iter().all(|(m, _)| m.ends_with("+zstd")),
                "skopeo wrote zstd layers: {layers:?}"
            );
            let own: Vec<String> = layers.into_iter().map(|(_, d)| d).collect();
            assert_eq!(
                layer_digests(&v),
                own,
                "zstd blobs have their own digests, even from the cache"
            );
        }
    }

    // Served from the layer cache: the same again.
    let v = sbom_json(cache.path(), &["-f", "json", &formats[0].3]);
    assert_eq!(format_independent(&v), expected, "docker-archive, cached");
}

/// How many components of a CycloneDX document have each purl type.
fn purl_types(doc: &serde_json::Value, counts: &mut BTreeMap<String, usize>) {
    for c in doc["components"].as_array().into_iter().flatten() {
        if let Some(purl) = c["purl"].as_str() {
            let ty = purl.trim_start_matches("pkg:").split('/').next().unwrap();
            *counts.entry(ty.to_lowercase()).or_default() += 1;
        }
        purl_types(c, counts);
    }
}

/// The counts table of docs/sbom-differences.md, recomputed from Plimsoll's
/// CycloneDX output of each image and the peers' CycloneDX files, in the
/// layout `bench/sbom-diff.py` writes it.
#[test]
fn differences_doc_counts_are_current() {
    const ECOSYSTEMS: [&str; 6] = ["deb", "pypi", "npm", "golang", "cargo", "maven"];
    let cache = tempfile::tempdir().unwrap();
    let peers = shared().join("peers");
    let peer = |dir: &str, prefix: Option<&str>| {
        prefix.map(|p| {
            let path = peers.join(dir).join(format!("{p}.oci-dir.cdx.json"));
            let doc = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut counts = BTreeMap::new();
            purl_types(&doc, &mut counts);
            counts
        })
    };
    let mut table = String::from(
        "| image | ecosystem | Plimsoll | syft 1.18.1 | trivy 0.76.0 |\n|---|---|---:|---:|---:|\n",
    );
    for (tag, syft, trivy) in [
        ("debian-bookworm-minbase", Some("base"), Some("base")),
        (
            "debian-bookworm-minbase-nonroot",
            Some("base-nonroot"),
            None,
        ),
        ("multilayer", Some("multilayer"), Some("multilayer")),
    ] {
        let mut ours = BTreeMap::new();
        purl_types(
            &sbom_json(cache.path(), &["-f", "cyclonedx-json", &oci_ref(tag)]),
            &mut ours,
        );
        let tools = [
            Some(ours),
            peer("syft-1.18.1", syft),
            peer("trivy-0.76.0", trivy),
        ];
        let present = |e: &str| {
            tools
                .iter()
                .flatten()
                .any(|c| c.get(e).is_some_and(|n| *n > 0))
        };
        let mut rows: Vec<String> = ECOSYSTEMS
            .iter()
            .filter(|e| present(e))
            .map(ToString::to_string)
            .collect();
        let others: BTreeSet<&String> = tools
            .iter()
            .flatten()
            .flat_map(BTreeMap::keys)
            .filter(|e| !ECOSYSTEMS.contains(&e.as_str()))
            .collect();
        rows.extend(others.into_iter().cloned());
        rows.push("total".into());
        for e in rows {
            let cells: Vec<String> = tools
                .iter()
                .map(|c| match c {
                    None => "–".to_string(),
                    Some(c) if e == "total" => format!("**{}**", c.values().sum::<usize>()),
                    Some(c) => c.get(&e).copied().unwrap_or(0).to_string(),
                })
                .collect();
            table.push_str(&format!("| {tag} | {e} | {} |\n", cells.join(" | ")));
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sbom-differences.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = (
        "<!-- sbom-diff:counts:begin -->\n",
        "<!-- sbom-diff:counts:end -->",
    );
    let start = doc.find(begin).expect("counts begin marker") + begin.len();
    let stop = doc.find(end).expect("counts end marker");
    assert_eq!(
        &doc[start..stop],
        table,
        "docs/sbom-differences.md is stale: run bench/sbom-diff.py --write docs/sbom-differences.md"
    );
}

#[test]
fn cyclonedx_and_spdx_round_trip() {
    let cache = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let oci = oci_ref("debian-bookworm-minbase");
    let base = inventory(&sbom_json(cache.path(), &["-f", "json", &oci]));
    assert_eq!(base.len(), 88);
    for (format, file) in [
        ("cyclonedx-json", "sbom.cdx.json"),
        ("spdx-json", "sbom.spdx.json"),
    ] {
        let path = tmp.path().join(file);
        plimsoll(cache.path())
            .args(["sbom", "-f", format, "-o"])
            .arg(&path)
            .arg(&oci)
            .assert()
            .success();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        match format {
            "cyclonedx-json" => assert_eq!(doc["specVersion"], "1.6"),
            _ => assert_eq!(doc["spdxVersion"], "SPDX-2.3"),
        }
        let back = inventory(&sbom_json(
            cache.path(),
            &["-f", "json", &format!("sbom:{}", path.display())],
        ));
        assert_eq!(back, base, "{format} read back");
    }
}

#[test]
fn root_filesystem_and_errors() {
    let cache = tempfile::tempdir().unwrap();
    let dir = shared().join("images/distros/alpine-3.20.3");
    let v = sbom_json(
        cache.path(),
        &["-f", "json", &format!("dir:{}", dir.display())],
    );
    assert_eq!(v["target"]["distro"]["id"], "alpine");
    assert_eq!(inventory(&v).len(), 14);

    let out = plimsoll(cache.path())
        .args(["sbom", "oci:/nonexistent/layout"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/layout"));
    let out = plimsoll(cache.path())
        .args(["sbom", "-f", "xml", "dir:/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Removes a Docker image when dropped, so that a failed test cleans up too.
struct DockerImage(String);

impl Drop for DockerImage {
    fn drop(&mut self) {
        let _ = Process::new("docker").args(["rmi", "-f", &self.0]).output();
    }
}

fn docker(args: &[&str]) -> String {
    let out = Process::new("docker")
        .args(args)
        .output()
        .expect("the Docker CLI is installed (the machine runs a Docker Engine)");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// How many times the engine exported (`docker save`, `GET /images/…/get`)
/// the image `id` between two instants (seconds since the epoch).
fn exports(id: &str, since: u64, until: u64) -> usize {
    // `--until` in the future makes `docker events` wait until then.
    docker(&[
        "events",
        "--since",
        &since.to_string(),
        "--until",
        &(until + 1).to_string(),
        "--filter",
        "type=image",
        "--filter",
        "event=save",
        "--format",
        "{{.Actor.ID}}",
    ])
    .lines()
    .filter(|l| l.trim() == id)
    .count()
}

/// Every package with where it was found and the layer (and instruction)
/// that brought it.
fn attributed(v: &serde_json::Value) -> BTreeSet<String> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {} {} {}",
                p["package"]["purl"], p["layer"], p["created_by"], p["locations"]
            )
        })
        .collect()
}

#[test]
fn docker_engine_image_is_the_same_as_the_layout() {
    // Load the multilayer image into the engine under a tag of our own.
    let tag = format!(
        "t{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let name = format!("plimsoll-test/multilayer:{tag}");
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("m.tar");
    let oci = format!("oci:{}:multilayer", shared().join("images/oci").display());
    let status = Process::new("skopeo")
        .args([
            "copy",
            "-q",
            &oci,
            &format!("docker-archive:{}:{name}", archive.display()),
        ])
        .status()
        .expect("skopeo is installed by scripts/setup");
    assert!(status.success());
    let _guard = DockerImage(name.clone());
    docker(&["load", "-q", "-i", &archive.display().to_string()]);
    let id = docker(&["image", "inspect", "--format", "{{.Id}}", &name])
        .trim()
        .to_string();

    let cache = tempfile::tempdir().unwrap();
    let want = sbom_json(cache.path(), &["--no-cache", "-f", "json", &oci]);
    let want_packages = attributed(&want);
    assert!(want_packages.len() > 200, "{}", want_packages.len());
    let diff_ids = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["target"]["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["diff_id"].clone())
            .collect()
    };
    // By name, by image ID, and as a bare reference the engine has.
    for target in [
        format!("docker:{name}"),
        format!("docker:{id}"),
        name.clone(),
    ] {
        let v = sbom_json(cache.path(), &["--no-cache", "-f", "json", &target]);
        assert_eq!(attributed(&v), want_packages, "{target}");
        assert_eq!(inventory(&v), inventory(&want), "{target}");
        assert_eq!(diff_ids(&v), diff_ids(&want), "{target}");
        assert_eq!(
            v["target"]["image_id"], want["target"]["image_id"],
            "{target}"
        );
        assert_eq!(v["target"]["name"], target.as_str());
    }

    // With a cache dir: the first scan exports the image, the second is
    // served from the cache without an export.
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().display().to_string();
    let target = format!("docker:{name}");
    let args = ["--cache-dir", &cache_dir, "-f", "json", &target];
    let t0 = unix_now();
    let cold = sbom_json(cache.path(), &args);
    let t1 = unix_now();
    // Start the warm scan in a later second than the cold one ended, so
    // that the engine's event log tells the two apart.
    while unix_now() <= t1 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let warm = sbom_json(cache.path(), &args);
    let t2 = unix_now();
    assert_eq!(attributed(&cold), want_packages);
    assert_eq!(attributed(&warm), want_packages);
    assert_eq!(warm["target"], cold["target"]);
    // The same through the library: every layer came from the cache.
    let scanned = plimsoll_image::analyze_target(
        &plimsoll_image::Target::parse(&target).unwrap(),
        &plimsoll_image::OpenOptions::default(),
        &[
            &plimsoll_sbom::scan::OsAnalyzer,
            &plimsoll_sbom::scan::LangAnalyzer,
            &plimsoll_sbom::scan::BinAnalyzer,
        ],
        &plimsoll_image::AnalyzeOptions {
            cache: plimsoll_image::LayerCache::at(dir.path()),
            ..plimsoll_image::AnalyzeOptions::default()
        },
    )
    .unwrap();
    assert_eq!(scanned.analysis.layers.len(), 8);
    assert!(scanned.analysis.layers.iter().all(|l| l.from_cache));
    // And by the engine's own account: the cold scan exported the image,
    // the warm one did not.
    assert!(exports(&id, t0, t1) >= 1, "the cold scan exports the image");
    assert_eq!(exports(&id, t1 + 1, t2), 0, "the warm scan does not export");
}

#[test]
fn docker_engine_missing_image_is_a_usage_error() {
    let cache = tempfile::tempdir().unwrap();
    let out = plimsoll(cache.path())
        .args(["sbom", "docker:does-not-exist:nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("docker:does-not-exist:nope"), "{err}");
    assert!(err.contains("no such image"), "{err}");
}
