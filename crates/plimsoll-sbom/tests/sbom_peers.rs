//! Reading other tools' SBOMs of the real test images: syft 1.18.1
//! (CycloneDX 1.6) and trivy 0.76.0 (CycloneDX 1.7) on `multilayer` and the
//! Debian minbase image. Counts come from the `.counts` files written beside
//! the documents when they were made.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::collections::BTreeMap;

use plimsoll_sbom::Ecosystem;
use plimsoll_sbom::formats::{self, Format, ReadSbom};

fn read(rel: &str) -> ReadSbom {
    let path = common::shared_data().join("peers").join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    formats::read(&bytes, rel).unwrap_or_else(|e| panic!("{e}"))
}

/// `key=value` pairs of a `.counts` file.
fn counts(rel: &str) -> BTreeMap<String, usize> {
    let path = common::shared_data().join("peers").join(rel);
    std::fs::read_to_string(&path)
        .unwrap()
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.parse().unwrap())
        })
        .collect()
}

fn by_ecosystem(r: &ReadSbom) -> BTreeMap<Ecosystem, usize> {
    let mut m = BTreeMap::new();
    for i in &r.sbom.packages {
        *m.entry(i.package.ecosystem).or_default() += 1;
    }
    m
}

const ML_DIGEST: &str = "sha256:8c40ba28a5e60428c3c69842e9edc2429dd812d6b233840a61eeff4ae9d3502b";

#[test]
fn syft_multilayer() {
    for input in ["oci-dir", "oci-archive", "docker-archive"] {
        let r = read(&format!("syft-1.18.1/multilayer.{input}.cdx.json"));
        let c = counts(&format!("syft-1.18.1/multilayer.{input}.counts"));
        assert_eq!(
            (r.format, r.spec_version.as_str()),
            (Format::CycloneDxJson, "1.6")
        );
        assert_eq!(r.sbom.tool.name, "syft");
        assert_eq!(r.sbom.tool.version.as_deref(), Some("1.18.1"));
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        assert_eq!(r.sbom.packages.len(), c["total"], "{input}");
        let e = by_ecosystem(&r);
        assert_eq!(e[&Ecosystem::Deb], c["deb"]);
        assert_eq!(e[&Ecosystem::Golang], c["go-module"]);
        assert_eq!(e[&Ecosystem::Maven], c["java-archive"]);
        assert_eq!(e[&Ecosystem::Npm], c["npm"]);
        assert_eq!(e[&Ecosystem::Python], c["python"]);
        assert_eq!(e[&Ecosystem::Cargo], c["rust-crate"]);
        let d = r.sbom.target.distro.as_ref().unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("debian", Some("12"))
        );
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        if input == "oci-dir" {
            assert_eq!(r.sbom.target.digest.as_deref(), Some(ML_DIGEST));
        }
        // Every package has its layer and evidence.
        for i in &r.sbom.packages {
            assert!(
                i.layer.as_deref().is_some_and(|l| l.starts_with("sha256:")),
                "{:?}",
                i.package.name
            );
            assert!(!i.locations.is_empty(), "{}", i.package.name);
        }
    }

    let r = read("syft-1.18.1/multilayer.oci-dir.cdx.json");
    let get = |name: &str| {
        r.sbom
            .packages
            .iter()
            .find(|i| i.package.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let bsd = &get("bsdutils").package;
    assert_eq!(bsd.version, "1:2.38.1-5+deb12u3");
    assert_eq!(bsd.epoch, Some(1));
    assert_eq!(bsd.arch.as_deref(), Some("amd64"));
    assert_eq!(bsd.source_name.as_deref(), Some("util-linux"));
    assert_eq!(bsd.source_version.as_deref(), Some("2.38.1-5+deb12u3"));
    let curl = get("curl");
    // curl came with the apt layer (the second), not the base.
    assert_eq!(
        curl.layer.as_deref(),
        Some("sha256:47ffd4e599bf509fededf79ce52d22699875902bbad408a362f2c0a4db71c288")
    );
    let certifi = get("certifi");
    assert_eq!(certifi.package.licenses, ["MPL-2.0"]);
    assert_eq!(
        certifi.package.maintainer.as_deref(),
        Some("Kenneth Reitz <me@kennethreitz.com>")
    );
    assert!(certifi.locations[0].ends_with("certifi-2018.4.16.dist-info/METADATA"));
    let adduser = &get("adduser").package;
    assert_eq!(adduser.licenses, ["GPL-2.0-only", "GPL-2.0-or-later"]);
}

#[test]
fn syft_base() {
    for input in ["oci-dir", "docker-archive"] {
        let r = read(&format!("syft-1.18.1/base.{input}.cdx.json"));
        let c = counts(&format!("syft-1.18.1/base.{input}.counts"));
        assert_eq!(r.sbom.packages.len(), c["total"]);
        assert_eq!(by_ecosystem(&r)[&Ecosystem::Deb], c["deb"]);
    }
    let r = read("syft-1.18.1/base-nonroot.oci-dir.cdx.json");
    assert_eq!(
        r.sbom.packages.len(),
        counts("syft-1.18.1/base-nonroot.oci-dir.counts")["total"]
    );
}

#[test]
fn trivy_multilayer() {
    for input in ["oci-dir", "docker-archive"] {
        let r = read(&format!("trivy-0.76.0/multilayer.{input}.cdx.json"));
        let c = counts(&format!("trivy-0.76.0/multilayer.{input}.counts"));
        assert_eq!(
            (r.format, r.spec_version.as_str()),
            (Format::CycloneDxJson, "1.7")
        );
        assert_eq!(r.sbom.tool.name, "trivy");
        let e = by_ecosystem(&r);
        assert_eq!(e[&Ecosystem::Deb], c["debian"]);
        assert_eq!(e[&Ecosystem::Golang], c["gobinary"]);
        assert_eq!(e[&Ecosystem::Maven], c["jar"]);
        assert_eq!(e[&Ecosystem::Npm], c["node-pkg"]);
        assert_eq!(e[&Ecosystem::Python], c["python-pkg"]);
        assert_eq!(e[&Ecosystem::Cargo], c["cargo"] + c["rustbinary"]);
        let lang_and_os: usize = [
            "debian",
            "gobinary",
            "jar",
            "node-pkg",
            "python-pkg",
            "cargo",
            "rustbinary",
        ]
        .iter()
        .map(|k| c[*k])
        .sum();
        assert_eq!(r.sbom.packages.len(), lang_and_os);
        // The per-file "application" components of trivy have no purl and are not packages.
        assert_eq!(r.skipped.len(), 0, "{:?}", r.skipped);
        let d = r.sbom.target.distro.as_ref().unwrap();
        assert_eq!(d.id, "debian");
        let t = &r.sbom.target;
        assert_eq!(t.layers.len(), 8);
        assert_eq!(
            t.image_id.as_deref(),
            Some("sha256:8d7986039d4b290bfb73e98c7a9f5121e993ef675d5a08d9cceea90b253cdbbd")
        );
    }
    let r = read("trivy-0.76.0/multilayer.oci-dir.cdx.json");
    let libc = r
        .sbom
        .packages
        .iter()
        .find(|i| i.package.name == "libc6")
        .unwrap();
    assert_eq!(libc.package.source_name.as_deref(), Some("glibc"));
    assert_eq!(
        libc.package.source_version.as_deref(),
        Some("2.36-9+deb12u14")
    );
    assert_eq!(libc.package.maintainer, None);
    assert_eq!(
        libc.package.vendor.as_deref(),
        Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>")
    );
    assert_eq!(
        libc.layer.as_deref(),
        Some("sha256:d00dc66520db251936a28800eae420f498409bb45f8eef52cb40166c82b1b427")
    );
    let certifi = r
        .sbom
        .packages
        .iter()
        .find(|i| i.package.name == "certifi")
        .unwrap();
    assert_eq!(
        certifi.locations,
        ["/usr/local/lib/python3.11/dist-packages/certifi-2018.4.16.dist-info/METADATA"]
    );
}

#[test]
fn trivy_base() {
    for input in ["oci-dir", "docker-archive"] {
        let r = read(&format!("trivy-0.76.0/base.{input}.cdx.json"));
        let c = counts(&format!("trivy-0.76.0/base.{input}.counts"));
        assert_eq!(r.sbom.packages.len(), c["debian"]);
        assert!(r.sbom.target.distro.is_some());
    }
}

/// What was read from syft converts to Plimsoll's CycloneDX and SPDX and
/// back without loss.
#[test]
fn peer_inventory_round_trips() {
    for rel in [
        "syft-1.18.1/multilayer.oci-dir.cdx.json",
        "trivy-0.76.0/multilayer.oci-dir.cdx.json",
    ] {
        let r = read(rel);
        for format in Format::ALL {
            let text = formats::write(format, &r.sbom, &Default::default()).unwrap();
            let back = formats::read(text.as_bytes(), "x").unwrap();
            assert_eq!(back.sbom.packages, r.sbom.packages, "{rel} via {format:?}");
            assert_eq!(back.sbom.target, r.sbom.target, "{rel} via {format:?}");
            assert_eq!(back.sbom, r.sbom, "{rel} via {format:?}");
        }
    }
}
