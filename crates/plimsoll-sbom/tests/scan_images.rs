//! The OS inventory through the image reader, on real images: the shared OCI
//! layout (Debian minbase, multilayer) and every distribution folder of
//! `images/distros` read as `dir:`, compared with the distribution's own
//! tool's listing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plimsoll_image::{AnalyzeOptions, LayerCache, Limits, OpenOptions, Target, analyze_target};
use plimsoll_sbom::scan::{OsAnalyzer, OsInventory, os_inventory};

fn shared() -> PathBuf {
    std::env::var_os("PLIMSOLL_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

fn inventory(target: &str) -> OsInventory {
    let t = Target::parse(target).unwrap();
    let options = AnalyzeOptions {
        limits: Limits::default(),
        cache: LayerCache::disabled(),
        threads: None,
    };
    let scanned = analyze_target(&t, &OpenOptions::default(), &[&OsAnalyzer], &options).unwrap();
    os_inventory(&scanned.analysis)
}

#[test]
fn debian_minbase_from_the_oci_layout() {
    let inv = inventory(&format!(
        "oci:{}:debian-bookworm-minbase",
        shared().join("images/oci").display()
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
        shared().join("images/oci").display()
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
        &std::fs::read_to_string(shared().join("peers/syft-1.18.1/multilayer.oci-dir.cdx.json"))
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

/// Every distribution folder read as `dir:` equals its tool's listing.
#[test]
fn distro_folders_as_dir_targets() {
    let root = shared().join("images/distros");
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for e in std::fs::read_dir(&root).unwrap().flatten() {
        let folder = e.path();
        if !folder.is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().to_string();
        // centos-7's database is stored zstd-compressed: rebuild the original.
        let dir = if folder.join("var/lib/rpm/Packages.zst").is_file() {
            let copy = tmp.path().join(&name);
            std::fs::create_dir_all(copy.join("var/lib/rpm")).unwrap();
            let data = zstd::decode_all(
                std::fs::File::open(folder.join("var/lib/rpm/Packages.zst")).unwrap(),
            )
            .unwrap();
            std::fs::write(copy.join("var/lib/rpm/Packages"), data).unwrap();
            copy
        } else {
            folder.clone()
        };
        let inv = inventory(&format!("dir:{}", dir.display()));
        let tsv = std::fs::read_to_string(folder.join("expected-packages.tsv")).unwrap();
        let expected: BTreeSet<String> = tsv
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').next().unwrap().to_string())
            .filter(|n| n != "gpg-pubkey")
            .collect();
        let ours: BTreeSet<String> = inv
            .packages
            .iter()
            .map(|p| p.package.name.clone())
            .collect();
        assert_eq!(ours, expected, "{name}");
        assert!(inv.distro.is_some(), "{name}: distribution detected");
        checked += 1;
    }
    assert_eq!(checked, 9);
}
