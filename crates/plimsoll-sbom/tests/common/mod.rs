//! A realistic inventory for the format tests: OS packages of three
//! ecosystems and language packages, licenses of every kind (known ids,
//! expressions, free text), provenance, and names with odd characters.

#![allow(dead_code)] // each test binary uses part of it

use plimsoll_sbom::inventory::{InventoryItem, LayerInfo, Sbom, TargetInfo};
use plimsoll_sbom::{Distro, Ecosystem, Package};

pub const BASE: &str = "sha256:d00dc66520db251936a28800eae420f498409bb45f8eef52cb40166c82b1b427";
pub const APT: &str = "sha256:47ffd4e599bf509fededf79ce52d22699875902bbad408a362f2c0a4db71c288";
pub const PIP: &str = "sha256:856def53dbfadaa268f59590601ad676641d7f142fe8f0ae1000a0ec23a6210b";

pub fn distro() -> Distro {
    Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        version: Some("12 (bookworm)".into()),
        codename: Some("bookworm".into()),
        id_like: vec![],
        name: Some("Debian GNU/Linux".into()),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
    }
}

fn item(p: Package, layer: &str, created_by: &str, locations: &[&str]) -> InventoryItem {
    InventoryItem {
        package: p,
        layer: Some(layer.into()),
        created_by: Some(created_by.into()),
        locations: locations.iter().map(|s| (*s).to_owned()).collect(),
        missing_files: Vec::new(),
    }
}

pub fn sbom() -> Sbom {
    let d = distro();
    let mut sbom = Sbom::new(TargetInfo {
        name: "oci-dir:/images/oci:multilayer".into(),
        digest: Some(
            "sha256:8c40ba28a5e60428c3c69842e9edc2429dd812d6b233840a61eeff4ae9d3502b".into(),
        ),
        image_id: Some(
            "sha256:8d7986039d4b290bfb73e98c7a9f5121e993ef675d5a08d9cceea90b253cdbbd".into(),
        ),
        distro: Some(d.clone()),
        architecture: Some("amd64".into()),
        layers: vec![
            LayerInfo {
                diff_id: BASE.into(),
                digest: Some(
                    "sha256:05f474702d08f5d24103bffef16c9292f0740613a62642f2cd8fd165c0773ca9"
                        .into(),
                ),
                created_by: Some("debootstrap --variant=minbase bookworm".into()),
            },
            LayerInfo {
                diff_id: APT.into(),
                digest: None,
                created_by: Some(
                    "RUN /bin/sh -c apt-get update && apt-get install -y curl \"python3\" # ünïcode\n\tnext".into(),
                ),
            },
            LayerInfo {
                diff_id: PIP.into(),
                digest: None,
                created_by: None,
            },
        ],
    });
    sbom.created = Some("2026-11-22T14:20:51Z".into());

    let mut libc = Package::new(Ecosystem::Deb, "libc6", "2.36-9+deb12u8");
    libc.arch = Some("amd64".into());
    libc.source_name = Some("glibc".into());
    libc.source_version = Some("2.36-9+deb12u8".into());
    libc.licenses = vec![
        "LGPL-2.1-only".into(),
        "GPL-2.0-only".into(),
        "GPL-2.0-or-later WITH Texinfo-exception".into(),
    ];
    libc.maintainer = Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>".into());
    libc.set_distro(&d);
    sbom.packages.push(item(
        libc,
        BASE,
        "debootstrap --variant=minbase bookworm",
        &["/var/lib/dpkg/status", "/usr/share/doc/libc6/copyright"],
    ));

    let mut gcc = Package::new(Ecosystem::Deb, "gcc-12-base", "1:12.2.0-14+deb12u1");
    gcc.epoch = Some(1);
    gcc.arch = Some("amd64".into());
    gcc.source_name = Some("gcc-12".into());
    gcc.source_version = Some("12.2.0-14+deb12u1".into());
    gcc.licenses = vec![
        "GPL-3.0-or-later".into(),
        "GFDL-1.2-only".into(),
        "Artistic".into(),
    ];
    gcc.set_distro(&d);
    sbom.packages.push(item(
        gcc,
        BASE,
        "debootstrap --variant=minbase bookworm",
        &["/var/lib/dpkg/status"],
    ));

    // Odd characters everywhere: name, version, license text, maintainer.
    let mut odd = Package::new(Ecosystem::Deb, "lib++ odd/näme@1", "1:2.0~rc1+dfsg-1");
    odd.epoch = Some(1);
    odd.licenses = vec![
        "BSD-3-clause-Cambridge WITH BINARY-LIBRARY-LIKE-PACKAGES-exception".into(),
        "Permission  is  hereby granted,\n free of charge".into(),
        "(MIT OR Apache-2.0) AND Zlib".into(),
    ];
    odd.maintainer = Some("Jöhn \"Q\" Döe <j@example.org>\n".into());
    odd.set_distro(&d);
    sbom.packages.push(item(
        odd,
        APT,
        "RUN apt-get install odd",
        &["/var/lib/dpkg/status"],
    ));

    let mut bash = Package::new(Ecosystem::Rpm, "bash", "4.2.46");
    bash.release = Some("30.el7".into());
    bash.epoch = Some(2);
    bash.arch = Some("x86_64".into());
    bash.source_rpm = Some("bash-4.2.46-30.el7.src.rpm".into());
    bash.source_name = Some("bash".into());
    bash.source_version = Some("4.2.46-30.el7".into());
    bash.licenses = vec!["GPLv3+".into()];
    bash.vendor = Some("CentOS".into());
    bash.maintainer = Some("CentOS BuildSystem <http://bugs.centos.org>".into());
    bash.refresh_purl(None);
    sbom.packages.push(item(
        bash,
        APT,
        "RUN yum install bash",
        &["/var/lib/rpm/Packages"],
    ));

    let mut musl = Package::new(Ecosystem::Apk, "musl", "1.2.5-r0");
    musl.arch = Some("x86_64".into());
    musl.source_name = Some("musl".into());
    musl.licenses = vec!["MIT".into()];
    sbom.packages.push(InventoryItem::new(musl));

    let mut requests = Package::new(Ecosystem::Python, "requests", "2.19.1");
    requests.licenses = vec!["Apache 2.0".into()];
    requests.maintainer = Some("Kenneth Reitz <me@kennethreitz.org>".into());
    sbom.packages.push(item(
        requests,
        PIP,
        "RUN pip install requests==2.19.1",
        &["/usr/local/lib/python3.11/dist-packages/requests-2.19.1.dist-info/METADATA"],
    ));

    let mut babel = Package::new(Ecosystem::Npm, "@babel/core", "7.0.0");
    babel.purl = "pkg:npm/%40babel/core@7.0.0".into();
    babel.licenses = vec!["MIT".into()];
    sbom.packages.push(item(
        babel,
        PIP,
        "COPY nodeapp /opt/nodeapp",
        &["/opt/nodeapp/node_modules/@babel/core/package.json"],
    ));
    // The same package twice (two copies in the image): bom-refs and SPDX ids stay unique.
    let mut lodash = Package::new(Ecosystem::Npm, "lodash", "4.17.15");
    lodash.licenses = vec!["MIT".into()];
    sbom.packages.push(item(
        lodash.clone(),
        PIP,
        "COPY a",
        &["/a/node_modules/lodash/package.json"],
    ));
    sbom.packages.push(item(
        lodash,
        PIP,
        "COPY b",
        &["/b/node_modules/lodash/package.json"],
    ));

    let mut mergo = Package::new(Ecosystem::Golang, "dario.cat/mergo", "v1.0.1");
    mergo.purl = "pkg:golang/dario.cat/mergo@v1.0.1".into();
    sbom.packages.push(item(
        mergo,
        PIP,
        "COPY gitleaks /usr/local/bin/",
        &["/usr/local/bin/gitleaks"],
    ));

    let mut regex = Package::new(Ecosystem::Cargo, "regex", "1.5.4");
    regex.licenses = vec!["MIT OR Apache-2.0".into()];
    sbom.packages.push(item(
        regex,
        PIP,
        "COPY rust-demo /usr/local/bin/",
        &["/usr/local/bin/rust-demo"],
    ));

    let mut jackson = Package::new(Ecosystem::Maven, "jackson-databind", "2.14.0");
    jackson.purl = "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.14.0".into();
    jackson.licenses = vec!["Apache-2.0".into(), "LicenseRef-custom".into()];
    sbom.packages.push(item(
        jackson,
        PIP,
        "COPY app.jar /opt/javaapp/",
        &["/opt/javaapp/app.jar"],
    ));

    // A package with nothing optional at all.
    let mut bare = Package::new(Ecosystem::Python, "bare", "");
    bare.purl.clear();
    sbom.packages.push(InventoryItem::new(bare));
    sbom
}

/// Every SPDX license id of the writer's table, as packages, so the
/// CycloneDX schema (which lists the official ids) checks the table.
pub fn all_known_licenses() -> Sbom {
    let mut sbom = Sbom::new(TargetInfo {
        name: "licenses".into(),
        ..TargetInfo::default()
    });
    for id in plimsoll_sbom::formats::license::KNOWN_IDS {
        let mut p = Package::new(Ecosystem::Python, "p", "1");
        p.licenses = vec![(*id).to_owned()];
        sbom.packages.push(InventoryItem::new(p));
    }
    for e in plimsoll_sbom::formats::license::KNOWN_EXCEPTIONS {
        let mut p = Package::new(Ecosystem::Python, "p", "1");
        p.licenses = vec![format!("GPL-2.0-or-later WITH {e}")];
        sbom.packages.push(InventoryItem::new(p));
    }
    sbom
}

/// `../shared/data` beside the repository (or `$PLIMSOLL_SHARED_DATA`).
pub fn shared_data() -> std::path::PathBuf {
    let dir = plimsoll_testkit::shared_data();
    assert!(
        dir.join("peers").is_dir() && dir.join("images/oci/index.json").is_file(),
        "the real-data corpus is missing at {}: ../shared must be beside the repository \
         (or set PLIMSOLL_SHARED_DATA)",
        dir.display()
    );
    dir
}

/// A JSON file, parsed.
pub fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The path of a blob (`sha256:…`) in an OCI layout.
pub fn oci_blob(oci: &std::path::Path, digest: &str) -> std::path::PathBuf {
    let (alg, hex) = digest.split_once(':').unwrap();
    oci.join("blobs").join(alg).join(hex)
}
