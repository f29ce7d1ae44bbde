//! Licenses of Debian packages from their copyright files, on the real
//! `debian-bookworm-minbase` and `multilayer` images, compared with syft
//! 1.18.1's output for the same images (docs/sbom-differences.md, section
//! "Debian licenses", explains every difference listed here).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::shared_data;
use std::collections::{BTreeMap, BTreeSet};

use plimsoll_image::{
    AnalyzeOptions, Analyzer, AnalyzerError, EntryKind, EntryReader, LayerCache, Limits,
    OpenOptions, Target, analyze_target,
};
use plimsoll_sbom::catalogers::dpkg_copyright::{package_of, spdx_name};
use plimsoll_sbom::scan::{OsAnalyzer, OsInventory, os_inventory};

/// Name of the test's own analyzer (see [`Dep5References`]).
const REFS: &str = "test-dep5-references";

/// The `/usr/share/common-licenses/NAME` paths of each machine-readable
/// copyright file, each NAME spelled as a short name would be. syft reads
/// these paths in every copyright file; Plimsoll reads them only in
/// free-form files (in a DEP-5 file they say where a text lives, not which
/// license applies). The comparison uses this to tell that difference from
/// the others.
struct Dep5References;

impl Analyzer for Dep5References {
    fn name(&self) -> &str {
        REFS
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File && package_of(path).is_some()
    }

    fn analyze(
        &self,
        entry: &mut EntryReader<'_>,
    ) -> Result<Option<serde_json::Value>, AnalyzerError> {
        let data = entry.read_all()?;
        let text = String::from_utf8_lossy(&data);
        if !text.starts_with("Format:") {
            return Ok(None);
        }
        let marker = "/usr/share/common-licenses/";
        let names: BTreeSet<String> = text
            .split(marker)
            .skip(1)
            .map(|rest| {
                let n: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || "._+-".contains(*c))
                    .collect();
                let n = n.trim_end_matches('.');
                spdx_name(n).unwrap_or_else(|| n.to_owned())
            })
            .filter(|n| !n.is_empty())
            .collect();
        Ok(Some(serde_json::to_value(names)?))
    }
}

/// The OS inventory of a tag of the shared OCI layout, and per package the
/// license names syft derives from common-licenses paths of its DEP-5 file.
fn scan(tag: &str) -> (OsInventory, Sets) {
    let target = format!("oci:{}:{tag}", shared_data().join("images/oci").display());
    let t = Target::parse(&target).unwrap();
    let options = AnalyzeOptions {
        limits: Limits::default(),
        cache: LayerCache::disabled(),
        threads: None,
        ..AnalyzeOptions::default()
    };
    let scanned = analyze_target(
        &t,
        &OpenOptions::default(),
        &[&OsAnalyzer, &Dep5References],
        &options,
    )
    .unwrap();
    let refs = scanned
        .analysis
        .surviving(REFS)
        .iter()
        .map(|s| {
            let pkg = package_of(s.path).unwrap().to_owned();
            (pkg, serde_json::from_value(s.value.clone()).unwrap())
        })
        .collect();
    (os_inventory(&scanned.analysis), refs)
}

/// The license names an entry mentions: operators and parentheses dropped,
/// an exception dropped (`X WITH Y` and `X with Y exception` are `X`).
fn names_of(entry: &str) -> Vec<String> {
    let mut out = Vec::new();
    for alt in entry
        .replace(['(', ')'], " ")
        .split(" OR ")
        .flat_map(|s| s.split(" AND ").map(str::to_owned).collect::<Vec<_>>())
    {
        let base = alt
            .split(" WITH ")
            .next()
            .unwrap_or(&alt)
            .split(" with ")
            .next()
            .unwrap_or(&alt)
            .trim()
            .to_owned();
        if !base.is_empty() {
            out.push(base);
        }
    }
    out
}

type Sets = BTreeMap<String, BTreeSet<String>>;

/// Plimsoll's deb packages: name → the license names of its entries.
fn ours(inv: &OsInventory) -> Sets {
    inv.packages
        .iter()
        .map(|p| {
            let names = p
                .package
                .licenses
                .iter()
                .flat_map(|l| names_of(l))
                .collect();
            (p.package.name.clone(), names)
        })
        .collect()
}

/// syft's deb packages: name → its licenses, each spelled as Plimsoll
/// spells that Debian short name (`Expat` is `MIT`, `GFDL-NIV-1.3` is
/// `GFDL-1.3-no-invariants-only`); the comma syft keeps from a synopsis
/// like `REGCOMP, and GPL-1+ or Artistic` is dropped.
fn syft(file: &str) -> Sets {
    let path = shared_data().join("peers/syft-1.18.1").join(file);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = Sets::new();
    for c in doc["components"].as_array().unwrap() {
        if !c["purl"]
            .as_str()
            .is_some_and(|p| p.starts_with("pkg:deb/"))
        {
            continue;
        }
        let names = c["licenses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| {
                        let l = &l["license"];
                        l["id"].as_str().or_else(|| l["name"].as_str())
                    })
                    .map(|n| {
                        let n = n.trim_end_matches(',');
                        spdx_name(n).unwrap_or_else(|| n.to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(c["name"].as_str().unwrap().to_owned(), names);
    }
    out
}

/// How a package's license names differ: what only syft has, what only
/// Plimsoll has.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    package: String,
    only_syft: Vec<String>,
    only_plimsoll: Vec<String>,
}

/// Packages whose license names differ. With `refs`, syft's names that are
/// only a common-licenses path of the package's DEP-5 file (and not a
/// license Plimsoll found) are left out of syft's side first.
fn differences(ours: &Sets, theirs: &Sets, refs: Option<&Sets>) -> Vec<Difference> {
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "the same packages"
    );
    let none = BTreeSet::new();
    let mut out = Vec::new();
    for (name, a) in ours {
        let mut b = theirs[name].clone();
        if let Some(refs) = refs {
            let from_paths = refs.get(name).unwrap_or(&none);
            b.retain(|l| a.contains(l) || !from_paths.contains(l));
        }
        if *a != b {
            out.push(Difference {
                package: name.clone(),
                only_syft: b.difference(a).cloned().collect(),
                only_plimsoll: a.difference(&b).cloned().collect(),
            });
        }
    }
    out
}

fn print(title: &str, diffs: &[Difference], total: usize) {
    println!("{title}: {} of {total} identical", total - diffs.len());
    for d in diffs {
        println!(
            "  {}: only syft {:?}; only Plimsoll {:?}",
            d.package, d.only_syft, d.only_plimsoll
        );
    }
}

/// Packages whose license names differ from syft's once syft's names from
/// common-licenses paths of DEP-5 files are left out, with the reason. All
/// are explained in docs/sbom-differences.md ("Debian licenses").
const KNOWN_MINBASE: &[(&str, &str)] = &[
    // syft reads only the first word of a synopsis: `GPL or MIT-US-export`,
    // `MPL-1.1 or GPL-2+ or LGPL-2.1+`.
    ("e2fsprogs", "first word only"),
    ("libcom-err2", "first word only"),
    ("libext2fs2", "first word only"),
    ("libss2", "first word only"),
    ("logsave", "first word only"),
    ("libffi8", "first word only"),
    // Free-form files: Plimsoll reads "version N, or (at your option) any
    // later version" before the common-licenses path; syft makes every
    // path `-only`.
    ("gcc-12-base", "or-later grant"),
    ("libgcc-s1", "or-later grant"),
    ("libstdc++6", "or-later grant"),
    ("libc6", "or-later grant"),
    ("libc-bin", "or-later grant"),
    ("libgcrypt20", "or-later grant"),
    ("libselinux1", "or-later grant"),
    ("libtasn1-6", "or-later grant"),
    // A free-form introduction over Files paragraphs: syft also reads the
    // first word of prose `License:` lines ("The") and `CC0 license`.
    ("libgnutls30", "hybrid file"),
    // `License: none` (files without copyright): Plimsoll keeps the name.
    ("liblzma5", "none"),
    // `BSD-2-clause-NetBSD`: syft writes SPDX's replacement for the
    // deprecated id, `BSD-2-Clause`, which the package has anyway.
    ("libmd0", "deprecated id"),
    // syft misses `License:  CC0-1.0` (two spaces) and counts stand-alone
    // license texts no Files paragraph uses (Artistic-2, HSIEH-*).
    ("perl-base", "stand-alone texts, spacing"),
];

/// The same for the packages `multilayer` adds.
const KNOWN_MULTILAYER_ADDED: &[(&str, &str)] = &[
    ("libgssapi-krb5-2", "or-later grant"),
    ("libk5crypto3", "or-later grant"),
    ("libkrb5-3", "or-later grant"),
    ("libkrb5support0", "or-later grant"),
    ("librtmp1", "or-later grant"),
    // Python's file: Files paragraphs whose `License:` lines are prose;
    // syft keeps their first words ("By", "Permission"), Plimsoll skips
    // them outside DEP-5 files; the readline grant is GPL-2+.
    ("libpython3.11-minimal", "prose synopses, or-later grant"),
    ("libpython3.11-stdlib", "prose synopses, or-later grant"),
    ("python3.11", "prose synopses, or-later grant"),
    ("python3.11-minimal", "prose synopses, or-later grant"),
    // `License:   BSD-2-Clause` (several spaces): syft reads nothing.
    ("libtirpc-common", "spacing"),
    ("libtirpc3", "spacing"),
];

fn names(known: &[&[(&str, &str)]]) -> BTreeSet<String> {
    known
        .iter()
        .flat_map(|k| k.iter().map(|(n, _)| (*n).to_owned()))
        .collect()
}

fn licenses_of<'a>(inv: &'a OsInventory, name: &str) -> &'a [String] {
    &inv.packages
        .iter()
        .find(|p| p.package.name == name)
        .unwrap_or_else(|| panic!("{name}"))
        .package
        .licenses
}

/// Scans `tag`, compares its Debian licenses with syft's `peer` file and
/// asserts what was measured: `(packages, identical as they are, least
/// percentage identical without syft's common-licenses paths)`, and that
/// the packages still differing are exactly the `known` ones.
fn against_syft(
    tag: &str,
    peer: &str,
    (packages, raw_identical, min_percent): (usize, usize, usize),
    known: &[&[(&str, &str)]],
) -> OsInventory {
    let (inv, refs) = scan(tag);
    assert_eq!(inv.packages.len(), packages);
    let ours = ours(&inv);
    let theirs = syft(peer);
    let raw = differences(&ours, &theirs, None);
    print("as they are", &raw, ours.len());
    let diffs = differences(&ours, &theirs, Some(&refs));
    print(
        "without syft's common-licenses paths of DEP-5 files",
        &diffs,
        ours.len(),
    );
    assert_eq!(ours.len() - raw.len(), raw_identical);
    let identical = ours.len() - diffs.len();
    assert!(
        identical * 100 >= min_percent * ours.len(),
        "{identical} of {}",
        ours.len()
    );
    let differing: BTreeSet<String> = diffs.iter().map(|d| d.package.clone()).collect();
    assert_eq!(differing, names(known));
    inv
}

#[test]
fn minbase_licenses_against_syft() {
    // Measured: 25 of 88 identical as they are, 70 of 88 without syft's
    // common-licenses paths; every remaining difference is listed.
    let inv = against_syft(
        "debian-bookworm-minbase",
        "base.oci-dir.cdx.json",
        (88, 25, 79),
        &[KNOWN_MINBASE],
    );

    // One package has no license: libxcrypt's free-form file names no
    // common-licenses text ("can be found in /usr/share/common-licenses/ .").
    let without: Vec<&str> = inv
        .packages
        .iter()
        .filter(|p| p.package.licenses.is_empty())
        .map(|p| p.package.name.as_str())
        .collect();
    assert_eq!(without, ["libcrypt1"]);
    // Doc directories that are symlinks: libgcc-s1 -> gcc-12-base.
    assert_eq!(
        licenses_of(&inv, "libgcc-s1"),
        licenses_of(&inv, "gcc-12-base")
    );
    assert_eq!(
        licenses_of(&inv, "libstdc++6"),
        licenses_of(&inv, "gcc-12-base")
    );
    // A DEP-5 file: choices kept, in order of first appearance, the
    // stand-alone `License: BSD-3-clause` text not counted on its own.
    assert_eq!(
        licenses_of(&inv, "libcap2"),
        [
            "BSD-3-Clause OR GPL-2.0-only",
            "BSD-3-Clause OR GPL-2.0-or-later"
        ]
    );
    // `and` split into entries, exceptions as SPDX `WITH` where one text.
    assert_eq!(
        licenses_of(&inv, "coreutils"),
        [
            "GPL-3.0-or-later",
            "BSD-4-Clause-UC",
            "ISC",
            "FSFULLR",
            "GFDL-1.3-no-invariants-only"
        ]
    );
    // A free-form file.
    assert_eq!(
        licenses_of(&inv, "libc6"),
        ["LGPL-2.1-or-later", "GPL-2.0-or-later"]
    );
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
}

#[test]
fn multilayer_licenses_against_syft() {
    // Measured: 37 of 123 identical as they are, 94 of 123 without syft's
    // common-licenses paths.
    let inv = against_syft(
        "multilayer",
        "multilayer.oci-dir.cdx.json",
        (123, 37, 76),
        &[KNOWN_MINBASE, KNOWN_MULTILAYER_ADDED],
    );

    // The whiteout layer deleted /usr/share/doc/fzf: no license, as in syft.
    assert!(licenses_of(&inv, "fzf").is_empty());
    // Symlinked doc directories of the apt layer.
    assert_eq!(
        licenses_of(&inv, "libpython3.11-stdlib"),
        licenses_of(&inv, "libpython3.11-minimal")
    );
    assert_eq!(
        licenses_of(&inv, "libncursesw6"),
        licenses_of(&inv, "libtinfo6")
    );
    // The example of docs/sbom-json.md.
    assert_eq!(
        licenses_of(&inv, "curl"),
        [
            "curl",
            "OLDAP-2.8",
            "ISC",
            "GPL-2.0-or-later with Autoconf-data exception",
            "GPL-3.0-or-later with Autoconf-data exception",
            "GPL-2.0-or-later WITH Libtool-exception",
            "BSD-3-Clause",
            "BSD-4-Clause-UC",
            "FSFULLR",
            "X11",
        ]
    );
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
}

/// One entry of a test layer.
enum Entry<'a> {
    File(&'a str, &'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

/// An OCI layout at `out` holding one image `name` made of `layers`.
fn layout(out: &std::path::Path, name: &str, layers: &[Vec<Entry<'_>>]) {
    use plimsoll_image::Digest;
    let blobs = out.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| -> Digest {
        let d = Digest::of_bytes(bytes);
        std::fs::write(blobs.join(d.hex()), bytes).unwrap();
        d
    };
    let (mut diff_ids, mut descs) = (Vec::new(), Vec::new());
    for entries in layers {
        let mut b = tar::Builder::new(Vec::new());
        for e in entries {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            match e {
                Entry::File(path, text) => {
                    h.set_size(text.len() as u64);
                    h.set_entry_type(tar::EntryType::Regular);
                    b.append_data(&mut h, path, text.as_bytes()).unwrap();
                }
                Entry::Symlink(path, target) | Entry::Hardlink(path, target) => {
                    h.set_size(0);
                    h.set_entry_type(if matches!(e, Entry::Symlink(..)) {
                        tar::EntryType::Symlink
                    } else {
                        tar::EntryType::Link
                    });
                    b.append_link(&mut h, path, target).unwrap();
                }
            }
        }
        let tar = b.into_inner().unwrap();
        diff_ids.push(Digest::of_bytes(&tar).to_string());
        let d = put(&tar);
        descs.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": d.to_string(), "size": tar.len()
        }));
    }
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    })
    .to_string();
    let config_digest = put(config.as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest.to_string(), "size": config.len()},
        "layers": descs,
    })
    .to_string();
    let manifest_digest = put(manifest.as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": manifest_digest.to_string(), "size": manifest.len(),
                       "annotations": {"org.opencontainers.image.ref.name": name}}]
    });
    std::fs::write(out.join("index.json"), index.to_string()).unwrap();
    std::fs::write(out.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// A distroless-style image (`status.d`, no status file): a symlinked doc
/// directory, a hard-linked copyright file, a copyright file a later layer
/// deletes and one it replaces.
#[test]
fn distroless_layers_symlinks_and_whiteouts() {
    const DEP5: &str =
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n";
    let stanza = |name: &str| format!("Package: {name}\nVersion: 1.0-1\nArchitecture: amd64\n");
    let (foo, common, bar, baz, qux, gone) = (
        stanza("libfoo1"),
        stanza("foo-common"),
        stanza("bar"),
        stanza("baz"),
        stanza("qux"),
        stanza("nodoc"),
    );
    let foo_copyright = format!("{DEP5}Files: *\nCopyright: x\nLicense: GPL-2+ or Expat\n");
    let qux_copyright = format!("{DEP5}Files: *\nLicense: ISC\n");
    let qux_new = format!("{DEP5}Files: *\nLicense: Zlib\n");
    let tmp = tempfile::tempdir().unwrap();
    layout(
        tmp.path(),
        "distroless",
        &[
            vec![
                Entry::File("etc/os-release", "ID=debian\nVERSION_ID=12\n"),
                Entry::File("var/lib/dpkg/status.d/libfoo1", &foo),
                Entry::File("var/lib/dpkg/status.d/foo-common", &common),
                Entry::File("var/lib/dpkg/status.d/bar", &bar),
                Entry::File("var/lib/dpkg/status.d/baz", &baz),
                Entry::File("var/lib/dpkg/status.d/qux", &qux),
                Entry::File("var/lib/dpkg/status.d/nodoc", &gone),
                Entry::File("usr/share/doc/foo-common/copyright", &foo_copyright),
                Entry::Symlink("usr/share/doc/libfoo1", "foo-common"),
                Entry::File(
                    "usr/share/doc/bar/copyright",
                    "See /usr/share/common-licenses/Apache-2.0.\n",
                ),
                Entry::Hardlink("usr/share/doc/baz/copyright", "usr/share/doc/bar/copyright"),
                Entry::File("usr/share/doc/qux/copyright", &qux_copyright),
                Entry::File("usr/share/doc/nodoc/copyright", &qux_copyright),
            ],
            vec![
                Entry::File("usr/share/doc/nodoc/.wh.copyright", ""),
                Entry::File("usr/share/doc/qux/copyright", &qux_new),
            ],
        ],
    );
    let t = Target::parse(&format!("oci:{}:distroless", tmp.path().display())).unwrap();
    let options = AnalyzeOptions {
        cache: LayerCache::disabled(),
        ..AnalyzeOptions::default()
    };
    let scanned = analyze_target(&t, &OpenOptions::default(), &[&OsAnalyzer], &options).unwrap();
    let inv = os_inventory(&scanned.analysis);
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    let got: BTreeMap<&str, &[String]> = inv
        .packages
        .iter()
        .map(|p| (p.package.name.as_str(), p.package.licenses.as_slice()))
        .collect();
    let want: BTreeMap<&str, Vec<String>> = [
        ("libfoo1", vec!["GPL-2.0-or-later OR MIT"]),
        ("foo-common", vec!["GPL-2.0-or-later OR MIT"]),
        ("bar", vec!["Apache-2.0"]),
        ("baz", vec!["Apache-2.0"]),
        ("qux", vec!["Zlib"]),
        ("nodoc", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        got,
        want.iter()
            .map(|(k, v)| (*k, v.as_slice()))
            .collect::<BTreeMap<_, _>>()
    );
}
