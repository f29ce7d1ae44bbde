//! The language catalogers on the real `multilayer` image of
//! `../shared/data/images/oci` against syft 1.18.1's CycloneDX SBOM of the
//! same image (`../shared/data/peers/syft-1.18.1/multilayer.oci-dir.cdx.json`).
//!
//! The test streams the image's layers (gzip tars) in order, keeps the files
//! [`catalogers::wants`] names, applies the layers' whiteouts, and feeds the
//! surviving files to [`LangCataloger`]. The Python and npm packages read
//! from installed metadata (origin `installed` or `application`) must equal
//! syft's `pkg:pypi` and `pkg:npm` components: same purls (name and version),
//! same licenses. Differences kept on purpose are listed in
//! `docs/sbom-language-catalogers.md` (syft shows PEP 503 names, Plimsoll the
//! name as the distribution writes it). The lock file in `/opt/nodeapp` must
//! declare the same packages as `node_modules` holds.
//!
//! The data sits beside the repository (`PLIMSOLL_SHARED_DATA` overrides the
//! location) and is only read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::{json, oci_blob, shared_data};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use plimsoll_sbom::Package;
use plimsoll_sbom::catalogers::{self, lang};

/// The layer blobs of the image tagged `tag`, bottom first.
fn layers(oci: &Path, tag: &str) -> Vec<PathBuf> {
    let index = json(&oci.join("index.json"));
    let manifest = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("no image tagged {tag}"));
    let manifest = json(&oci_blob(oci, manifest["digest"].as_str().unwrap()));
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert!(l["mediaType"].as_str().unwrap().ends_with("tar+gzip"));
            oci_blob(oci, l["digest"].as_str().unwrap())
        })
        .collect()
}

/// Stream the layers and keep the wanted regular files of the final root
/// filesystem (whiteouts and opaque directories applied).
fn wanted_files(layers: &[PathBuf]) -> BTreeMap<String, Vec<u8>> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let remove_under = |files: &mut BTreeMap<String, Vec<u8>>, dir: &str| {
        let prefix = format!("{dir}/");
        files.retain(|k, _| !k.starts_with(&prefix));
    };
    for layer in layers {
        let gz = flate2::read::GzDecoder::new(std::fs::File::open(layer).unwrap());
        let mut tar = tar::Archive::new(gz);
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            let raw = entry.path().unwrap().to_string_lossy().into_owned();
            let path = raw
                .trim_start_matches("./")
                .trim_start_matches('/')
                .trim_end_matches('/')
                .to_owned();
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            if name == ".wh..wh..opq" {
                remove_under(&mut files, dir);
                continue;
            }
            if let Some(gone) = name.strip_prefix(".wh.") {
                let gone = if dir.is_empty() {
                    gone.to_owned()
                } else {
                    format!("{dir}/{gone}")
                };
                files.remove(&gone);
                remove_under(&mut files, &gone);
                continue;
            }
            // Anything written at a path replaces what lower layers had there.
            files.remove(&path);
            if entry.header().entry_type().is_file() && catalogers::wants(&path) {
                let lang_wanted = lang::wants(&path);
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                if lang_wanted {
                    files.insert(path, data);
                }
            }
        }
    }
    files
}

fn catalog(files: &BTreeMap<String, Vec<u8>>) -> Vec<Package> {
    let mut c = lang::LangCataloger::new();
    for (path, data) in files {
        c.add(path, data).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    c.finish()
}

/// syft's components of purl type `ty`: purl → sorted licenses.
fn syft_components(shared: &Path, ty: &str) -> BTreeMap<String, Vec<String>> {
    let sbom = json(&shared.join("peers/syft-1.18.1/multilayer.oci-dir.cdx.json"));
    let prefix = format!("pkg:{ty}/");
    sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["purl"].as_str().is_some_and(|p| p.starts_with(&prefix)))
        .map(|c| {
            let mut lic: Vec<String> = c["licenses"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|l| {
                            l["license"]["id"]
                                .as_str()
                                .or_else(|| l["license"]["name"].as_str())
                                .or_else(|| l["expression"].as_str())
                                .map(str::to_owned)
                        })
                        .collect()
                })
                .unwrap_or_default();
            lic.sort();
            (c["purl"].as_str().unwrap().to_owned(), lic)
        })
        .collect()
}

fn ours(pkgs: &[Package], ty: &str) -> BTreeMap<String, Vec<String>> {
    pkgs.iter()
        .filter(|p| p.ecosystem.purl_type() == ty)
        .filter(|p| p.origin.as_deref() != Some(lang::ORIGIN_LOCKFILE))
        .map(|p| {
            let mut lic = p.licenses.clone();
            lic.sort();
            (p.purl.clone(), lic)
        })
        .collect()
}

fn diff(ty: &str, ours: &BTreeMap<String, Vec<String>>, syft: &BTreeMap<String, Vec<String>>) {
    let only_ours: Vec<_> = ours.keys().filter(|k| !syft.contains_key(*k)).collect();
    let only_syft: Vec<_> = syft.keys().filter(|k| !ours.contains_key(*k)).collect();
    let lic: Vec<_> = ours
        .iter()
        .filter(|(k, v)| syft.get(*k).is_some_and(|s| s != *v))
        .map(|(k, v)| format!("{k}: ours {v:?}, syft {:?}", syft[k]))
        .collect();
    assert!(
        only_ours.is_empty() && only_syft.is_empty() && lic.is_empty(),
        "{ty}: only Plimsoll {only_ours:?}; only syft {only_syft:?}; licenses differ {lic:?}"
    );
}

#[test]
fn multilayer_python_and_npm_match_syft() {
    let shared = shared_data();
    let layers = layers(&shared.join("images/oci"), "multilayer");
    assert_eq!(layers.len(), 8);
    let files = wanted_files(&layers);
    let pkgs = catalog(&files);

    let py = ours(&pkgs, "pypi");
    assert_eq!(py.len(), 15, "{py:?}");
    diff("pypi", &py, &syft_components(&shared, "pypi"));
    // Names are kept as the distributions write them; the purl is normalised.
    let yaml = pkgs
        .iter()
        .find(|p| p.purl == "pkg:pypi/pyyaml@5.3")
        .unwrap();
    assert_eq!(yaml.name, "PyYAML");
    assert_eq!(
        yaml.files[0],
        "/usr/local/lib/python3.11/dist-packages/pyyaml-5.3.dist-info/METADATA"
    );
    assert!(
        yaml.files
            .contains(&"/usr/local/lib/python3.11/dist-packages/yaml/__init__.py".to_owned()),
        "RECORD read: {:?}",
        yaml.files
    );

    let npm = ours(&pkgs, "npm");
    let syft_npm = syft_components(&shared, "npm");
    assert_eq!(syft_npm.len(), 58);
    diff("npm", &npm, &syft_npm);
    let installed: BTreeSet<&str> = pkgs
        .iter()
        .filter(|p| {
            p.origin.as_deref() == Some(lang::ORIGIN_INSTALLED) && p.purl.starts_with("pkg:npm/")
        })
        .map(|p| p.purl.as_str())
        .collect();
    assert_eq!(installed.len(), 57);
    let app: Vec<&Package> = pkgs
        .iter()
        .filter(|p| p.origin.as_deref() == Some(lang::ORIGIN_APPLICATION))
        .collect();
    assert_eq!(app.len(), 1);
    assert_eq!(app[0].purl, "pkg:npm/legacy-node-app@1.0.0");
    assert_eq!(app[0].files, ["/opt/nodeapp/package.json"]);

    // /opt/nodeapp/package-lock.json declares exactly what node_modules holds
    // (its hidden node_modules/.package-lock.json is not read).
    let locked: BTreeSet<&str> = pkgs
        .iter()
        .filter(|p| p.origin.as_deref() == Some(lang::ORIGIN_LOCKFILE))
        .map(|p| {
            assert_eq!(p.files, ["/opt/nodeapp/package-lock.json"]);
            p.purl.as_str()
        })
        .collect();
    assert_eq!(locked, installed);

    // Nothing else in the image is a language package these catalogers read.
    assert!(
        pkgs.iter()
            .all(|p| matches!(p.ecosystem.purl_type(), "pypi" | "npm")),
        "{:?}",
        pkgs.iter().map(|p| &p.purl).collect::<Vec<_>>()
    );
}
