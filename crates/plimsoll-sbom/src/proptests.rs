//! Property tests: no parser panics, whatever the bytes, and mutated valid
//! databases are either read or rejected with an error.

use proptest::prelude::*;

use crate::catalogers::rpm::header::tests as hdr;
use crate::catalogers::rpm::header::{
    TAG_ARCH, TAG_BASENAMES, TAG_DIRINDEXES, TAG_DIRNAMES, TAG_EPOCH, TAG_NAME, TAG_RELEASE,
    TAG_SOURCERPM, TAG_VERSION,
};
use crate::catalogers::rpm::{self, bdb, ndb};
use crate::catalogers::{apk, dpkg, dpkg_copyright};

fn valid_header() -> Vec<u8> {
    hdr::build(
        &[
            hdr::entry(TAG_NAME, hdr::s("bash")),
            hdr::entry(TAG_VERSION, hdr::s("4.2.46")),
            hdr::entry(TAG_RELEASE, hdr::s("30.el7")),
            hdr::entry(TAG_EPOCH, hdr::i32s(&[1])),
            hdr::entry(TAG_ARCH, hdr::s("x86_64")),
            hdr::entry(TAG_SOURCERPM, hdr::s("bash-4.2.46-30.el7.src.rpm")),
            hdr::entry(TAG_DIRNAMES, hdr::sa(&["/usr/bin/", "/etc/"])),
            hdr::entry(TAG_BASENAMES, hdr::sa(&["bash", "bashrc"])),
            hdr::entry(TAG_DIRINDEXES, hdr::i32s(&[0, 1])),
        ],
        true,
    )
}

fn mutate(mut base: Vec<u8>, edits: &[(usize, u8)]) -> Vec<u8> {
    if base.is_empty() {
        return base;
    }
    let n = base.len();
    for &(i, b) in edits {
        base[i % n] = b;
    }
    base
}

/// Text made of lines that look like the format, to reach deeper than random bytes.
fn control_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "(Package|Version|Status|Source|Architecture): [ -~]{0,20}",
        Just("Status: install ok installed".to_owned()),
        Just("Status: deinstall ok config-files".to_owned()),
        "Source: [a-z]{1,5} \\([0-9.:+~-]{0,8}\\)?",
        " [ -~]{0,10}",
        Just(String::new()),
        "[ -~]{0,15}",
    ];
    prop::collection::vec(line, 0..40).prop_map(|l| l.join("\n"))
}

/// Copyright files: a DEP-5 header, then paragraphs whose `License:`
/// synopses are made of names, operators, commas and parentheses.
fn copyright_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("or"),
        Just("and"),
        Just("and/or"),
        Just("with"),
        Just("exception"),
        Just(","),
        Just("("),
        Just(")"),
        Just("GPL-2+"),
        Just("Expat"),
        Just("BSD-3-clause"),
        Just("public-domain"),
        Just("Bison"),
    ];
    let synopsis = prop::collection::vec(word, 0..12).prop_map(|w| w.join(" "));
    let line = prop_oneof![
        synopsis.prop_map(|s| format!("License: {s}")),
        Just("Files: *".to_owned()),
        Just(
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/".to_owned()
        ),
        "see /usr/share/common-licenses/[A-Za-z0-9.+-]{0,8}( any later version)?",
        " [ -~]{0,10}",
        Just(String::new()),
        "[ -~]{0,15}",
    ];
    prop::collection::vec(line, 0..40).prop_map(|l| l.join("\n"))
}

fn apk_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "[PVAoLmFRtcDpikq]:[ -~]{0,15}",
        Just(String::new()),
        "[ -~]{0,10}",
    ];
    prop::collection::vec(line, 0..40).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn dpkg_never_panics(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = dpkg::parse_status(&data, "status");
        let _ = dpkg::parse_status_d(&data, "status.d/x");
        let _ = dpkg::parse_file_list(&data);
        let _ = dpkg::parse_md5sums(&data);
    }

    #[test]
    fn copyright_never_panics(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = dpkg_copyright::parse_copyright(&data);
    }

    #[test]
    fn copyright_licenses_are_distinct_and_bounded(text in copyright_text()) {
        let l = dpkg_copyright::parse_copyright(text.as_bytes());
        prop_assert!(l.len() <= dpkg_copyright::MAX_LICENSES);
        let mut d = l.clone();
        d.sort();
        d.dedup();
        prop_assert_eq!(d.len(), l.len());
        prop_assert!(l.iter().all(|x| !x.trim().is_empty()), "{:?}", l);
    }

    #[test]
    fn dpkg_structured_never_panics(text in control_text()) {
        if let Ok(pkgs) = dpkg::parse_status(text.as_bytes(), "status") {
            for p in pkgs {
                prop_assert!(!p.name.is_empty() && !p.version.is_empty());
            }
        }
    }

    #[test]
    fn apk_never_panics(data in prop::collection::vec(any::<u8>(), 0..2048), text in apk_text()) {
        let _ = apk::parse_installed(&data, "installed");
        if let Ok(pkgs) = apk::parse_installed(text.as_bytes(), "installed") {
            for p in pkgs {
                prop_assert!(p.files.iter().all(|f| f.starts_with('/')));
            }
        }
    }

    #[test]
    fn os_release_never_panics(data in prop::collection::vec(any::<u8>(), 0..1024)) {
        let _ = crate::os_release::from_os_release(&data);
        let _ = crate::os_release::from_redhat_release(&data);
        let _ = crate::os_release::from_debian_version(&data);
        let _ = crate::os_release::from_lsb_release(&data);
    }

    #[test]
    fn rpm_header_never_panics(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = rpm::package_from_header(&data, "blob");
    }

    #[test]
    fn rpm_header_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let blob = mutate(valid_header(), &edits);
        let _ = rpm::package_from_header(&blob, "blob");
    }

    #[test]
    fn bdb_never_panics(data in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = bdb::read_blobs(&data, "Packages");
        let _ = rpm::read_database(&data, "Packages");
    }

    #[test]
    fn bdb_mutations(
        big in any::<bool>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..12),
    ) {
        let value: Vec<u8> = valid_header().into_iter().cycle().take(1500).collect();
        let db = bdb::tests::build(&[(0, vec![3, 0, 0, 0]), (1, valid_header()), (2, value)], big, 512, 64);
        let db = mutate(db, &edits);
        let _ = bdb::read(&db, "Packages");
    }

    #[test]
    fn ndb_never_panics(data in prop::collection::vec(any::<u8>(), 0..8192)) {
        let _ = ndb::read_blobs(&data, "Packages.db");
    }

    #[test]
    fn ndb_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..12)) {
        let db = ndb::tests::build(&[(1, valid_header()), (7, valid_header())]);
        // Mutate the slot area and the blobs, where the interesting fields are.
        let db = mutate(db, &edits);
        let _ = ndb::read(&db, "Packages.db");
    }

    #[test]
    fn purl_only_uses_permitted_characters(name in "\\PC{0,20}", version in "\\PC{0,20}", q in "\\PC{0,10}") {
        let p = crate::Purl::new("generic", &name).with_version(&version).with_qualifier("k", &q);
        let s = p.to_string();
        prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_~%:/@?=&#".contains(&b)), "{}", s);
    }
}

#[test]
fn mutation_bases_are_valid() {
    assert!(rpm::package_from_header(&valid_header(), "blob").is_ok_and(|p| p.is_some()));
    let db = ndb::tests::build(&[(1, valid_header())]);
    assert_eq!(ndb::read(&db, "Packages.db").map(|p| p.len()).ok(), Some(1));
    let db = bdb::tests::build(
        &[(0, vec![3, 0, 0, 0]), (1, valid_header())],
        false,
        512,
        64,
    );
    assert_eq!(bdb::read(&db, "Packages").map(|p| p.len()).ok(), Some(1));
}
