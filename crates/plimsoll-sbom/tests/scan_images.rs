//! The OS inventory through the image reader, on real images: the shared OCI
//! layout (Debian minbase, multilayer) and every distribution folder of
//! `images/distros` read as `dir:`, compared with the distribution's own
//! tool's listing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::shared_data;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plimsoll_image::{AnalyzeOptions, LayerCache, Limits, OpenOptions, Target, analyze_target};
use plimsoll_sbom::scan::{OsAnalyzer, OsInventory, os_inventory};

fn inventory(target: &str) -> OsInventory {
    let t = Target::parse(target).unwrap();
    let options = AnalyzeOptions {
        limits: Limits::default(),
        cache: LayerCache::disabled(),
        threads: None,
        ..AnalyzeOptions::default()
    };
    let scanned = analyze_target(&t, &OpenOptions::default(), &[&OsAnalyzer], &options).unwrap();
    os_inventory(&scanned.analysis)
}

#[test]
fn debian_minbase_from_the_oci_layout() {
    let inv = inventory(&format!(
        "oci:{}:debian-bookworm-minbase",
        shared_data().join("images/oci").display()
    ));
    let d = inv.distro.as_ref().unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("debian", Some("12"))
    );
    assert_eq!(
        inv.packages.len(),
        88,
        "debootstrap minbase has 88 packages"
    );
    let bash = inv
        .packages
        .iter()
        .find(|p| p.package.name == "bash")
        .unwrap();
    assert!(
        bash.package.purl.starts_with("pkg:deb/debian/bash@"),
        "{}",
        bash.package.purl
    );
    assert!(
        bash.package.purl.contains("distro=debian-12"),
        "{}",
        bash.package.purl
    );
    assert!(!bash.package.files.is_empty(), "file lists are joined");
    assert!(inv.packages.iter().all(|p| p.layer == 0));
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
}

#[test]
fn multilayer_attributes_layers_and_notes_removed_files() {
    let inv = inventory(&format!(
        "oci:{}:multilayer",
        shared_data().join("images/oci").display()
    ));
    let base: BTreeSet<&str> = inv
        .packages
        .iter()
        .filter(|p| p.layer == 0)
        .map(|p| p.package.name.as_str())
        .collect();
    let added: BTreeSet<&str> = inv
        .packages
        .iter()
        .filter(|p| p.layer == 1)
        .map(|p| p.package.name.as_str())
        .collect();
    assert_eq!(base.len(), 88);
    for name in ["curl", "openssl", "ca-certificates", "python3", "fzf"] {
        assert!(
            added.contains(name),
            "{name} is introduced by the apt layer: {added:?}"
        );
    }
    // The whiteout layer deletes fzf-tmux and fzf's docs behind dpkg's back.
    let fzf = inv
        .packages
        .iter()
        .find(|p| p.package.name == "fzf")
        .unwrap();
    assert!(
        fzf.missing_files
            .iter()
            .any(|f| f.ends_with("/usr/bin/fzf-tmux")),
        "{:?}",
        fzf.missing_files
    );

    // Same dpkg package set as syft 1.18.1 reports for this image.
    let syft: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            shared_data().join("peers/syft-1.18.1/multilayer.oci-dir.cdx.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let theirs: BTreeSet<(String, String)> = syft["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:deb/"))
        })
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let ours: BTreeSet<(String, String)> = inv
        .packages
        .iter()
        .map(|p| (p.package.name.clone(), p.package.version.clone()))
        .collect();
    assert_eq!(ours, theirs);
}

/// The folder as a root filesystem: centos-7's database is stored
/// zstd-compressed in the shared data, so a copy with the original is made.
fn rootfs_of(folder: &Path, tmp: &Path) -> PathBuf {
    if !folder.join("var/lib/rpm/Packages.zst").is_file() {
        return folder.to_path_buf();
    }
    let name = folder.file_name().unwrap().to_string_lossy().to_string();
    let copy = tmp.join(format!("{name}-rootfs"));
    std::fs::create_dir_all(copy.join("var/lib/rpm")).unwrap();
    let data =
        zstd::decode_all(std::fs::File::open(folder.join("var/lib/rpm/Packages.zst")).unwrap())
            .unwrap();
    std::fs::write(copy.join("var/lib/rpm/Packages"), data).unwrap();
    copy
}

/// Package names of a folder's `expected-packages.tsv` (`gpg-pubkey` is
/// not software and not inventoried).
fn expected_names(folder: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(folder.join("expected-packages.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').next().unwrap().to_string())
        .filter(|n| n != "gpg-pubkey")
        .collect()
}

/// The distribution folders of the shared data.
fn distro_folders() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(shared_data().join("images/distros"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
        .collect();
    out.sort();
    assert_eq!(out.len(), 9, "{out:?}");
    out
}

/// Every distribution folder read as `dir:` equals its tool's listing.
#[test]
fn distro_folders_as_dir_targets() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, folder) in distro_folders() {
        let dir = rootfs_of(&folder, tmp.path());
        let inv = inventory(&format!("dir:{}", dir.display()));
        let ours: BTreeSet<String> = inv
            .packages
            .iter()
            .map(|p| p.package.name.clone())
            .collect();
        assert_eq!(ours, expected_names(&folder), "{name}");
        assert!(inv.distro.is_some(), "{name}: distribution detected");
    }
}

/// A one-layer OCI layout of `root` (every file, symlinks kept), written by
/// the test itself: the distribution folders as real images.
fn one_layer_layout(root: &Path, out: &Path, name: &str) {
    use plimsoll_image::Digest;
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    // Plain entries as `docker build` writes them: the shared databases have
    // holes on disk, which the tar crate would otherwise store as GNU sparse
    // entries (which the reader flags and does not analyse yet).
    builder.sparse(false);
    builder.append_dir_all(".", root).unwrap();
    let layer = builder.into_inner().unwrap();
    let diff_id = Digest::of_bytes(&layer);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &layer).unwrap();
    let blob = gz.finish().unwrap();
    let blob_digest = Digest::of_bytes(&blob);
    let blobs = out.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| -> Digest {
        let d = Digest::of_bytes(bytes);
        std::fs::write(blobs.join(d.hex()), bytes).unwrap();
        d
    };
    std::fs::write(blobs.join(blob_digest.hex()), &blob).unwrap();
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id.to_string()]},
        "history": [{"created_by": format!("ADD {name} /")}]
    })
    .to_string();
    let config_digest = put(config.as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest.to_string(), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob_digest.to_string(), "size": blob.len()}]
    })
    .to_string();
    let manifest_digest = put(manifest.as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest.to_string(),
                       "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": name}}]
    });
    std::fs::write(out.join("index.json"), index.to_string()).unwrap();
    std::fs::write(out.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// Every distribution folder as a one-layer OCI image equals its tool's
/// listing, and the packages are attributed to that layer.
#[test]
fn distro_folders_as_one_layer_images() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, folder) in distro_folders() {
        let layout = tmp.path().join(format!("{name}-oci"));
        one_layer_layout(&rootfs_of(&folder, tmp.path()), &layout, &name);
        let inv = inventory(&format!("oci:{}:{name}", layout.display()));
        let ours: BTreeSet<String> = inv
            .packages
            .iter()
            .map(|p| p.package.name.clone())
            .collect();
        assert_eq!(ours, expected_names(&folder), "{name}");
        assert!(inv.packages.iter().all(|p| p.layer == 0), "{name}");
        assert!(inv.distro.is_some(), "{name}: distribution detected");
    }
}

/// The Alpine minirootfs imported into the real Docker Engine, saved with
/// `docker save`, read back as a docker-archive.
#[test]
fn alpine_minirootfs_through_docker_import_and_save() {
    let tarball = shared_data().join("images/distros/alpine-3.11.13-minirootfs.tar.gz");
    let tag = format!("plimsoll-test/alpine-import:{}", std::process::id());
    let docker = |args: &[&str]| {
        let out = std::process::Command::new("docker")
            .args(args)
            .output()
            .expect("docker CLI");
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    docker(&["import", tarball.to_str().unwrap(), &tag]);
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("alpine.tar");
    let saved = std::process::Command::new("docker")
        .args(["save", "-o", archive.to_str().unwrap(), &tag])
        .status();
    docker(&["rmi", &tag]);
    assert!(saved.unwrap().success());
    let inv = inventory(&format!("docker-archive:{}", archive.display()));
    let d = inv.distro.as_ref().unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("alpine", Some("3.11.13"))
    );
    let expected = std::fs::read_to_string(
        shared_data().join("images/distros/alpine-3.11.13/expected-packages.tsv"),
    )
    .unwrap();
    let expected: BTreeSet<(String, String)> = expected
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[0].to_string(), c[1].to_string())
        })
        .collect();
    let ours: BTreeSet<(String, String)> = inv
        .packages
        .iter()
        .map(|p| (p.package.name.clone(), p.package.version.clone()))
        .collect();
    assert_eq!(ours, expected);
}

/// A release that is not in the shared data: this machine's own dpkg
/// database (copied beside its os-release into a root filesystem) against
/// `dpkg-query`, Debian's own tool, run on the same file.
#[test]
fn this_machines_dpkg_database_equals_dpkg_query() {
    let status = Path::new("/var/lib/dpkg/status");
    assert!(
        status.is_file(),
        "the test machine is Debian-based (dpkg); see .ci/run"
    );
    let root = tempfile::tempdir().unwrap();
    let copy = |from: &Path, to: &str| {
        let dest = root.path().join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from, &dest).unwrap();
    };
    let os_release = std::fs::canonicalize("/etc/os-release").unwrap();
    copy(&os_release, "etc/os-release");
    copy(status, "var/lib/dpkg/status");
    let out = std::process::Command::new("dpkg-query")
        .arg(format!("--admindir={}", root.path().join("var/lib/dpkg").display()))
        .args([
            "-W",
            "-f",
            "${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want: BTreeSet<Vec<String>> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("installed\t"))
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();
    assert!(want.len() > 50, "{} packages", want.len());
    let inv = inventory(&format!("dir:{}", root.path().display()));
    let got: BTreeSet<Vec<String>> = inv
        .packages
        .iter()
        .map(|p| {
            let p = &p.package;
            let full = |v: &str| match p.epoch {
                Some(e) if !v.contains(':') => format!("{e}:{v}"),
                _ => v.to_owned(),
            };
            vec![
                p.name.clone(),
                full(&p.version),
                p.arch.clone().unwrap_or_default(),
                p.source_name.clone().unwrap_or_else(|| p.name.clone()),
                p.source_version.clone().unwrap_or_else(|| full(&p.version)),
            ]
        })
        .collect();
    let missing: Vec<_> = want.difference(&got).take(5).collect();
    let extra: Vec<_> = got.difference(&want).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    let d = inv.distro.unwrap();
    assert!(!d.id.is_empty());
}
