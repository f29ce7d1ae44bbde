//! The binary and archive catalogers on the real `multilayer` image of
//! `../shared/data/images/oci` (see `images/CONTENTS.txt`), compared with syft
//! 1.18.1's CycloneDX output for the same image, purl type by purl type.
//!
//! The layers are streamed the way an analyzer will stream them: every regular
//! file's header and first bytes go to `bin::wants`, and only the wanted bodies
//! are read and handed to `bin::catalog`; later layers replace earlier files and
//! whiteouts delete them. Every difference from syft that is kept is asserted
//! here and explained in `docs/sbom-binary-catalogers.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::{json, oci_blob, shared_data};
use std::collections::BTreeMap;
use std::io::Read;

use plimsoll_sbom::Package;
use plimsoll_sbom::catalogers::bin::{self, Catalog, Entry, HEAD_LEN, Wanted};

struct Scan {
    /// path → (wanted kind, catalog), after whiteouts and overwrites.
    found: BTreeMap<String, (Wanted, Catalog)>,
    executables: usize,
}

/// Stream the layers of the image tagged `tag`, cataloguing what `bin::wants`.
fn scan_image(tag: &str) -> Scan {
    let oci = shared_data().join("images/oci");
    let index = json(&oci.join("index.json"));
    let manifest = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("no image tagged {tag}"));
    let manifest = json(&oci_blob(&oci, manifest["digest"].as_str().unwrap()));
    let mut scan = Scan {
        found: BTreeMap::new(),
        executables: 0,
    };
    for layer in manifest["layers"].as_array().unwrap() {
        assert!(layer["mediaType"].as_str().unwrap().ends_with("tar+gzip"));
        let file = std::fs::File::open(oci_blob(&oci, layer["digest"].as_str().unwrap())).unwrap();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        for entry in tar.entries().unwrap() {
            let mut e = entry.unwrap();
            let path = e
                .path()
                .unwrap()
                .to_string_lossy()
                .trim_start_matches("./")
                .to_owned();
            let (dir, base) = path.rsplit_once('/').unwrap_or(("", &path));
            if base == ".wh..wh..opq" {
                let prefix = format!("{dir}/");
                scan.found.retain(|p, _| !p.starts_with(&prefix));
                continue;
            }
            if let Some(gone) = base.strip_prefix(".wh.") {
                let gone = if dir.is_empty() {
                    gone.to_owned()
                } else {
                    format!("{dir}/{gone}")
                };
                let prefix = format!("{gone}/");
                scan.found
                    .retain(|p, _| p != &gone && !p.starts_with(&prefix));
                continue;
            }
            if e.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let size = e.size();
            let mode = e.header().mode().ok();
            let mut data = Vec::new();
            (&mut e)
                .take(HEAD_LEN as u64)
                .read_to_end(&mut data)
                .unwrap();
            let entry = Entry {
                path: &path,
                size,
                mode,
                head: &data,
            };
            let Some(wanted) = bin::wants(&entry) else {
                scan.found.remove(&path);
                continue;
            };
            e.read_to_end(&mut data).unwrap();
            if wanted == Wanted::Executable {
                scan.executables += 1;
            }
            let catalog =
                bin::catalog(wanted, &path, &data).unwrap_or_else(|err| panic!("{path}: {err}"));
            scan.found.insert(path, (wanted, catalog));
        }
    }
    scan
}

/// syft's components of the purl types `prefixes`, as (purl, path of the file
/// it was found in) sorted.
fn syft_components(prefixes: &[&str]) -> Vec<(String, String)> {
    let cdx = json(&shared_data().join("peers/syft-1.18.1/multilayer.oci-dir.cdx.json"));
    let mut out: Vec<(String, String)> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let purl = c["purl"].as_str()?;
            if !prefixes.iter().any(|p| purl.starts_with(p)) {
                return None;
            }
            let path = c["properties"]
                .as_array()?
                .iter()
                .find(|p| p["name"] == "syft:location:0:path")?["value"]
                .as_str()?
                .to_owned();
            Some((purl.to_owned(), path))
        })
        .collect();
    out.sort();
    out
}

/// Our packages of the purl types `prefixes` as (purl, file), sorted. syft leaves
/// `(` and `)` unencoded in versions; the purl spec (and our encoder) encodes
/// them: undo that one difference for the comparison.
fn ours(scan: &Scan, prefixes: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = scan
        .found
        .values()
        .flat_map(|(_, c)| &c.packages)
        .filter(|p| prefixes.iter().any(|pre| p.purl.starts_with(pre)))
        .map(|p: &Package| {
            (
                p.purl.replace("%28", "(").replace("%29", ")"),
                p.files[0].clone(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn multilayer_image_against_syft() {
    let scan = scan_image("multilayer");
    for (path, (_, c)) in &scan.found {
        assert!(c.problems.is_empty(), "{path}: {:?}", c.problems);
    }
    let wanted: Vec<(&str, Wanted)> = scan
        .found
        .iter()
        .filter(|(_, (_, c))| !c.packages.is_empty())
        .map(|(p, (w, _))| (p.as_str(), *w))
        .collect();
    assert_eq!(
        wanted,
        [
            ("opt/javaapp/app.jar", Wanted::JavaArchive),
            (
                "opt/javaapp/lib/jackson-databind-2.14.0.jar",
                Wanted::JavaArchive
            ),
            ("opt/javaapp/lib/log4j-1.2.17.jar", Wanted::JavaArchive),
            ("opt/javaapp/lib/snakeyaml-1.33.jar", Wanted::JavaArchive),
            ("opt/rust-demo/Cargo.lock", Wanted::CargoLock),
            ("usr/bin/fzf", Wanted::Executable),
            ("usr/local/bin/gitleaks", Wanted::Executable),
            ("usr/local/bin/rust-demo", Wanted::Executable),
        ]
    );
    // Every ELF executable of the image was looked at; only three hold packages.
    assert!(scan.executables > 100, "{} executables", scan.executables);
    eprintln!("{} ELF executables examined", scan.executables);

    // Go: identical to syft (69 = gitleaks 66 modules + stdlib, fzf main + stdlib).
    let go = ours(&scan, &["pkg:golang/"]);
    assert_eq!(go.len(), 69);
    assert_eq!(go, syft_components(&["pkg:golang/"]));
    let fzf: Vec<&str> = go
        .iter()
        .filter(|(_, f)| f == "/usr/bin/fzf")
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        fzf,
        [
            "pkg:golang/github.com/junegunn/fzf@(devel)",
            "pkg:golang/stdlib@1.19.8"
        ]
    );

    // Rust: the binary's runtime crates are syft's 11 exactly. The Cargo.lock,
    // which syft does not read in image scans, adds its 15 (the 11, plus the build
    // dependency autocfg and three Windows-only winapi crates).
    let cargo = ours(&scan, &["pkg:cargo/"]);
    let from_binary: Vec<(String, String)> = cargo
        .iter()
        .filter(|(_, f)| f == "/usr/local/bin/rust-demo")
        .cloned()
        .collect();
    assert_eq!(from_binary, syft_components(&["pkg:cargo/"]));
    let lock: Vec<&str> = cargo
        .iter()
        .filter(|(_, f)| f == "/opt/rust-demo/Cargo.lock")
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(lock.len(), 15);
    for (p, _) in &from_binary {
        assert!(lock.contains(&p.as_str()), "{p} not in Cargo.lock");
    }
    for extra in [
        "pkg:cargo/autocfg@1.5.1",
        "pkg:cargo/winapi@0.3.9",
        "pkg:cargo/winapi-i686-pc-windows-gnu@0.4.0",
        "pkg:cargo/winapi-x86_64-pc-windows-gnu@0.4.0",
    ] {
        assert!(lock.contains(&extra), "{extra}");
    }

    // Java: syft's 8 minus its package for app.jar itself, whose group it took
    // from `Main-Class` (`pkg:maven/org.springframework.boot.loader.JarLauncher/app@0.0.1-SNAPSHOT`):
    // app.jar's pom.properties says it is com.example:demo, which both list.
    let maven = ours(&scan, &["pkg:maven/"]);
    let mut syft = syft_components(&["pkg:maven/"]);
    let bogus = (
        "pkg:maven/org.springframework.boot.loader.JarLauncher/app@0.0.1-SNAPSHOT".to_owned(),
        "/opt/javaapp/app.jar".to_owned(),
    );
    assert!(syft.contains(&bogus));
    syft.retain(|c| c != &bogus);
    assert_eq!(maven, syft);
    assert_eq!(maven.len(), 7);
    assert!(maven.contains(&(
        "pkg:maven/org.apache.log4j/log4j@1.2.17".to_owned(),
        "/opt/javaapp/app.jar".to_owned()
    )));
}
