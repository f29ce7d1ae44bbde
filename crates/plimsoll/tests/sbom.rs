//! `plimsoll sbom` end to end on the real images in ../shared/data: the
//! inventory is the same from every source format (the local Docker Engine
//! included), matches syft 1.18.1 for dpkg, Python and npm, and round-trips
//! through CycloneDX and SPDX.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

/// `../shared/data` beside the repository (or `$PLIMSOLL_SHARED_DATA`).
fn shared() -> PathBuf {
    std::env::var_os("PLIMSOLL_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
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
fn multilayer_matches_syft_and_is_the_same_from_every_source() {
    let cache = tempfile::tempdir().unwrap();
    let oci = format!("oci:{}:multilayer", shared().join("images/oci").display());
    let v = sbom_json(cache.path(), &["--no-cache", "-f", "json", &oci]);
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

    // The same image as a docker-archive (written by skopeo): same inventory.
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("multilayer.tar");
    let status = Process::new("skopeo")
        .args([
            "copy",
            "-q",
            &oci,
            &format!("docker-archive:{}:multilayer:latest", archive.display()),
        ])
        .status()
        .expect("skopeo is installed by scripts/setup");
    assert!(status.success());
    let v2 = sbom_json(
        cache.path(),
        &[
            "-f",
            "json",
            &format!("docker-archive:{}", archive.display()),
        ],
    );
    assert_eq!(inventory(&v2), ours);

    // A second run is served from the layer cache and says the same.
    let v3 = sbom_json(
        cache.path(),
        &[
            "-f",
            "json",
            &format!("docker-archive:{}", archive.display()),
        ],
    );
    assert_eq!(inventory(&v3), ours);
}

#[test]
fn cyclonedx_and_spdx_round_trip() {
    let cache = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let oci = format!(
        "oci:{}:debian-bookworm-minbase",
        shared().join("images/oci").display()
    );
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
