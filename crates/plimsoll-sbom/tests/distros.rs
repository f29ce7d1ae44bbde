//! The OS catalogers against the real package databases in
//! `../shared/data/images/distros` (see its README): for every folder, the
//! inventory must equal `expected-packages.tsv` exactly (minus `gpg-pubkey`,
//! which the catalogers leave out by design), the distribution must be named,
//! and the purls must agree with syft's (minus syft's private `upstream` qualifier).
//!
//! The data sits beside the repository (`PLIMSOLL_SHARED_DATA` overrides the
//! location). It is read in place, never written: rpm SQLite databases are
//! opened immutable, which a test below proves on a copy.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plimsoll_sbom::catalogers::{apk, dpkg, rpm};
use plimsoll_sbom::os_release::ReleaseFiles;
use plimsoll_sbom::{Distro, Package};

fn distros_dir() -> PathBuf {
    let shared = std::env::var_os("PLIMSOLL_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    let dir = shared.join("images/distros");
    assert!(
        dir.join("README.md").is_file(),
        "the distro corpus is missing at {}: ../shared must be beside the repository \
         (or set PLIMSOLL_SHARED_DATA)",
        dir.display()
    );
    dir
}

/// Read a file of a stored root filesystem, following symlinks that the
/// corpus stores as small text files holding the link target
/// (`etc/os-release` → `../usr/lib/os-release`): this is the symlink
/// resolution the catalogers' callers do.
fn read_rootfs(root: &Path, rel: &str) -> Option<Vec<u8>> {
    let mut path = root.join(rel);
    for _ in 0..8 {
        let data = std::fs::read(&path).ok()?;
        let text = String::from_utf8_lossy(&data);
        let target = text.trim();
        let looks_like_link = data.len() < 256
            && !target.is_empty()
            && !target.contains(['\n', ' ', '='])
            && !target.starts_with(|c: char| c.is_ascii_digit());
        if looks_like_link {
            let next = if let Some(abs) = target.strip_prefix('/') {
                root.join(abs)
            } else {
                path.parent()?.join(target)
            };
            if next.is_file() {
                path = next;
                continue;
            }
        }
        return Some(data);
    }
    None
}

fn detect_distro(root: &Path) -> Option<Distro> {
    let mut files = ReleaseFiles::new();
    for p in ReleaseFiles::PATHS {
        if let Some(data) = read_rootfs(root, p) {
            files.insert(p, &data);
        }
    }
    files.detect()
}

/// Catalog one folder, as an analyzer would: by the database files present.
fn catalog(root: &Path, tmp: &Path) -> (&'static str, Vec<Package>) {
    let apk_db = root.join(apk::INSTALLED_PATH);
    if apk_db.is_file() {
        let data = std::fs::read(&apk_db).unwrap();
        return (
            "apk",
            apk::parse_installed(&data, apk::INSTALLED_PATH).unwrap(),
        );
    }
    let status = root.join(dpkg::STATUS_PATH);
    if status.is_file() {
        let mut c = dpkg::DpkgCataloger::new();
        c.add(dpkg::STATUS_PATH, &std::fs::read(&status).unwrap())
            .unwrap();
        return ("dpkg", c.finish());
    }
    let sqlite = root.join("var/lib/rpm/rpmdb.sqlite");
    if sqlite.is_file() {
        return ("rpm", rpm::sqlite::read_path(&sqlite).unwrap());
    }
    let ndb = root.join("var/lib/rpm/Packages.db");
    if ndb.is_file() {
        let data = std::fs::read(&ndb).unwrap();
        return (
            "rpm",
            rpm::ndb::read(&data, "var/lib/rpm/Packages.db").unwrap(),
        );
    }
    let zst = root.join("var/lib/rpm/Packages.zst");
    if zst.is_file() {
        let raw = zstd::decode_all(std::fs::File::open(&zst).unwrap()).unwrap();
        let copy = tmp.join("Packages");
        std::fs::write(&copy, &raw).unwrap();
        let data = std::fs::read(&copy).unwrap();
        return (
            "rpm",
            rpm::read_database(&data, "var/lib/rpm/Packages").unwrap(),
        );
    }
    let bdb = root.join("var/lib/rpm/Packages");
    if bdb.is_file() {
        let data = std::fs::read(&bdb).unwrap();
        return (
            "rpm",
            rpm::bdb::read(&data, "var/lib/rpm/Packages").unwrap(),
        );
    }
    panic!("no package database in {}", root.display());
}

fn tsv(root: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(root.join("expected-packages.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn none(v: Option<&str>) -> String {
    v.unwrap_or("(none)").to_owned()
}

/// Our packages as rows with the columns of the folder's ground truth.
fn rows_of(kind: &str, header: &[String], pkgs: &[Package]) -> Vec<Vec<String>> {
    pkgs.iter()
        .map(|p| {
            header
                .iter()
                .filter(|c| c.as_str() != "status")
                .map(|c| match (kind, c.as_str()) {
                    (_, "name" | "package") => p.name.clone(),
                    (_, "version") => p.version.clone(),
                    ("rpm", "epoch") => p.epoch.map_or("(none)".into(), |e| e.to_string()),
                    ("rpm", "release") => none(p.release.as_deref()),
                    ("rpm", "arch") => none(p.arch.as_deref()),
                    ("rpm", "sourcerpm") => none(p.source_rpm.as_deref()),
                    (_, "arch" | "architecture") => none(p.arch.as_deref()),
                    ("apk", "origin") | ("dpkg", "source_package") => {
                        none(p.source_name.as_deref())
                    }
                    ("dpkg", "source_version") => none(p.source_version.as_deref()),
                    ("apk", "license") => p.licenses.join(" "),
                    (k, c) => panic!("unexpected column {c} for {k}"),
                })
                .collect()
        })
        .collect()
}

fn expected_distro(folder: &str) -> (&'static str, &'static str) {
    match folder {
        "almalinux-8.9-micro" => ("almalinux", "8.9"),
        "alpine-3.11.13" => ("alpine", "3.11.13"),
        "alpine-3.20.3" => ("alpine", "3.20.3"),
        "alpine-3.3.3" => ("alpine", "3.3.3"),
        "amazonlinux-2023" => ("amzn", "2023"),
        "cbl-mariner-2.0" => ("mariner", "2.0"),
        "centos-7" => ("centos", "7"),
        "sles-15.3-bci-minimal" => ("sles", "15.3"),
        "ubuntu-20.04.4" => ("ubuntu", "20.04"),
        other => panic!("new distro folder {other}: add its expected distribution here"),
    }
}

fn syft_purls(root: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root.join("syft-1.18.1.cdx.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeSet::new();
    for c in doc["components"].as_array().unwrap() {
        let Some(purl) = c["purl"].as_str() else {
            continue;
        };
        if !(purl.starts_with("pkg:deb/")
            || purl.starts_with("pkg:apk/")
            || purl.starts_with("pkg:rpm/"))
            || purl.contains("/gpg-pubkey@")
        {
            continue;
        }
        // Drop syft's `upstream` qualifier (not part of the purl types spec).
        let (base, quals) = purl.split_once('?').unwrap_or((purl, ""));
        let kept: Vec<&str> = quals
            .split('&')
            .filter(|q| !q.is_empty() && !q.starts_with("upstream="))
            .collect();
        out.insert(if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        });
    }
    out
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn every_distro_folder_matches_its_ground_truth() {
    let dir = distros_dir();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(
        folders.len() >= 9,
        "expected at least 9 distro folders in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for root in &folders {
        let folder = root.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        let rpm_dir = root.join("var/lib/rpm");
        let before = rpm_dir.is_dir().then(|| listing(&rpm_dir));
        let (kind, mut pkgs) = catalog(root, tmp.path());
        if let Some(before) = before {
            assert_eq!(
                before,
                listing(&rpm_dir),
                "{folder}: reading changed the database directory"
            );
        }

        // Inventory = ground truth.
        let (header, expected) = tsv(root);
        let status_col = header.iter().position(|c| c == "status");
        let mut want: Vec<Vec<String>> = expected
            .iter()
            .filter(|r| r[0] != "gpg-pubkey")
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != status_col)
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .collect();
        if let Some(sc) = status_col {
            assert!(
                expected.iter().all(|r| r[sc].trim() == "ii"),
                "{folder}: non-ii rows need a rule here"
            );
        }
        let mut got = rows_of(kind, &header, &pkgs);
        // apk 2.6 ground truth has `-` for the columns it cannot print.
        for (w, g) in want.iter_mut().zip(got.iter_mut()) {
            for (wv, gv) in w.iter_mut().zip(g.iter_mut()) {
                if wv == "-" {
                    *gv = "-".into();
                }
            }
        }
        if kind == "apk" {
            // apk prints its database order: the order must match too.
            if got != want {
                failures.push(format!(
                    "{folder}: apk rows differ (in order)\n got: {got:?}\nwant: {want:?}"
                ));
            }
        } else {
            got.sort();
            want.sort();
            if got != want {
                let g: BTreeSet<_> = got.iter().collect();
                let w: BTreeSet<_> = want.iter().collect();
                failures.push(format!(
                    "{folder}: rows differ\n only ours: {:?}\n only expected: {:?}",
                    g.difference(&w).collect::<Vec<_>>(),
                    w.difference(&g).collect::<Vec<_>>()
                ));
            }
        }

        // Distribution.
        let distro = detect_distro(root).or_else(|| Distro::from_rpm_release_package(&pkgs));
        let (id, version) = expected_distro(&folder);
        match &distro {
            Some(d) if d.id == id && d.version_id.as_deref() == Some(version) => {}
            other => failures.push(format!(
                "{folder}: distro {other:?}, expected {id} {version}"
            )),
        }

        // purls agree with syft's. syft gives rpm-only folders no distro: compare those
        // without one, and check our distro-qualified form separately.
        let syft = syft_purls(root);
        let syft_has_distro = syft.iter().any(|p| p.contains("distro="));
        let ours: BTreeSet<String> = pkgs
            .iter()
            .map(|p| {
                p.purl_for(if syft_has_distro {
                    distro.as_ref()
                } else {
                    None
                })
                .to_string()
            })
            .collect();
        if ours != syft {
            failures.push(format!(
                "{folder}: purls differ from syft's\n only ours: {:?}\n only syft: {:?}",
                ours.difference(&syft).collect::<Vec<_>>(),
                syft.difference(&ours).collect::<Vec<_>>()
            ));
        }
        if let Some(d) = &distro {
            plimsoll_sbom::set_distro(&mut pkgs, d);
            let prefix = format!("pkg:{}/{}/", pkgs[0].ecosystem.purl_type(), d.id);
            let q = format!("distro={}-{}", d.id, version);
            for p in &pkgs {
                assert!(
                    p.purl.starts_with(&prefix) && p.purl.contains(&q),
                    "{folder}: purl {}",
                    p.purl
                );
            }
        }

        // Sanity on the other fields.
        for p in &pkgs {
            assert!(
                p.files.iter().all(|f| f.starts_with('/')),
                "{folder}: {} has a relative file",
                p.name
            );
        }
        if kind != "dpkg" {
            let with_files = pkgs.iter().filter(|p| !p.files.is_empty()).count();
            assert!(
                with_files * 2 > pkgs.len(),
                "{folder}: only {with_files} packages list files"
            );
        }
        if kind == "rpm" {
            assert!(
                pkgs.iter()
                    .all(|p| p.source_name.is_some() && !p.licenses.is_empty()),
                "{folder}"
            );
        }
        eprintln!(
            "{folder}: {kind}, {} packages, distro {:?}: ok",
            pkgs.len(),
            distro.map(|d| d.id)
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// License and vendor from the peer's in-container `rpm -qa` (`go-rpmdb-packages.csv`).
#[test]
fn rpm_license_and_vendor_match_in_container_rpm() {
    let dir = distros_dir();
    for (folder, db) in [
        ("amazonlinux-2023", "var/lib/rpm/rpmdb.sqlite"),
        ("sles-15.3-bci-minimal", "var/lib/rpm/Packages.db"),
    ] {
        let root = dir.join(folder);
        let path = root.join(db);
        let pkgs = if db.ends_with(".sqlite") {
            rpm::sqlite::read_path(&path).unwrap()
        } else {
            rpm::ndb::read(&std::fs::read(&path).unwrap(), db).unwrap()
        };
        let csv = std::fs::read_to_string(root.join("go-rpmdb-packages.csv")).unwrap();
        let mut want: Vec<(String, String, String)> = csv
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split('¶').collect();
                (f[1].to_owned(), f[7].to_owned(), f[8].to_owned())
            })
            .filter(|(n, _, _)| n != "gpg-pubkey")
            .collect();
        let mut got: Vec<(String, String, String)> = pkgs
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.licenses.join(" "),
                    p.vendor.clone().unwrap_or_default(),
                )
            })
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{folder}");
    }
}

/// The SQLite reader never creates `-wal`, `-shm` or journal files, even on
/// a writable copy of a database whose header says WAL mode.
#[test]
fn sqlite_reader_leaves_no_file_beside_the_database() {
    let dir = distros_dir();
    for folder in ["amazonlinux-2023", "cbl-mariner-2.0"] {
        let src = dir.join(folder).join("var/lib/rpm/rpmdb.sqlite");
        let header = std::fs::read(&src).unwrap();
        assert_eq!(
            (header[18], header[19]),
            (2, 2),
            "{folder}: expected a WAL-mode header"
        );
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("rpmdb.sqlite");
        std::fs::copy(&src, &copy).unwrap();
        let before = std::fs::read(&copy).unwrap();
        let pkgs = rpm::sqlite::read_path(&copy).unwrap();
        assert!(pkgs.len() > 100, "{folder}");
        assert_eq!(
            listing(tmp.path()),
            ["rpmdb.sqlite"],
            "{folder}: files appeared beside the DB"
        );
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            before,
            "{folder}: the DB was modified"
        );
    }
}

/// Both BerkeleyDB byte orders are recognised as such.
#[test]
fn bdb_byte_orders() {
    let dir = distros_dir();
    let alma = std::fs::read(dir.join("almalinux-8.9-micro/var/lib/rpm/Packages")).unwrap();
    assert!(rpm::bdb::meta(&alma, "alma").unwrap().big_endian);
    let zst = std::fs::File::open(dir.join("centos-7/var/lib/rpm/Packages.zst")).unwrap();
    let centos = zstd::decode_all(zst).unwrap();
    let m = rpm::bdb::meta(&centos, "centos").unwrap();
    assert!(!m.big_endian);
    assert_eq!((m.version, m.page_size), (9, 4096));
}
