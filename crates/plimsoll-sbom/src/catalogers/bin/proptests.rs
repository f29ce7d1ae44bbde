//! Property tests for the binary and archive parsers: random bytes and mutated
//! valid inputs are either read or rejected with an error, never a panic, and
//! what is read keeps its invariants.

use proptest::prelude::*;

use super::elf::tests::{TestSection, build as build_elf};
use super::go::{self, tests as gotest};
use super::java::{self, Limits, Manifest, PomProperties};
use super::rust::{self, tests as rusttest};
use super::zip::{ZipArchive, tests::build as build_zip};
use super::{Wanted, catalog};

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

fn go_elf() -> Vec<u8> {
    build_elf(&[TestSection {
        name: ".go.buildinfo",
        addr: 0x1000,
        data: &gotest::inline_blob("go1.24.11", gotest::GITLEAKS_LIKE),
        writable: true,
    }])
}

fn small_jar() -> Vec<u8> {
    let inner = build_zip(&[(
        "META-INF/maven/org.yaml/snakeyaml/pom.properties",
        b"groupId=org.yaml\nartifactId=snakeyaml\nversion=1.33\n",
        true,
    )]);
    build_zip(&[
        (
            "META-INF/MANIFEST.MF",
            java::tests::LOG4J_MANIFEST.as_bytes(),
            true,
        ),
        ("BOOT-INF/lib/snakeyaml-1.33.jar", &inner, false),
        ("BOOT-INF/lib/deflated-1.0.jar", &inner, true),
    ])
}

/// Lines that look like module info, to get past the first line.
fn modinfo_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "(path|mod|dep|=>|build)\t[ -~]{0,12}(\t[ -~]{0,8}){0,3}",
        "build\t[\"`]?[a-zA-Z=\\\\\" -]{0,10}[\"`]?=[\"`]?[ -~]{0,10}[\"`]?",
        Just("=>\t../local\t\t".to_owned()),
        Just("dep\tgithub.com/x/y\t(devel)\t".to_owned()),
        "[ -~]{0,16}",
    ];
    prop::collection::vec(line, 0..24).prop_map(|l| l.join("\n") + "\n")
}

fn lock_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("[[package]]".to_owned()),
        Just("[root]".to_owned()),
        "(name|version|source|checksum) = \"[ -~&&[^\"\\\\]]{0,10}\"",
        "dependencies = \\[ \"[a-z]{1,5}\" \\]",
        "version = [0-9]",
        "[ -~]{0,12}",
        Just(String::new()),
    ];
    prop::collection::vec(line, 0..30).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn executables_never_panic(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
        elf.extend_from_slice(&data);
        let _ = catalog(Wanted::Executable, "bin", &data);
        let _ = catalog(Wanted::Executable, "bin", &elf);
    }

    #[test]
    fn go_binary_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..12)) {
        let exe = mutate(go_elf(), &edits);
        if let Ok(Some(info)) = go::read_build_info(&exe, "bin") {
            for p in go::packages(&info, "bin") {
                prop_assert!(!p.name.is_empty());
                prop_assert!(p.purl.starts_with("pkg:golang/"));
            }
        }
    }

    #[test]
    fn old_go_binary_mutations(
        ps in prop::sample::select(vec![4usize, 8]),
        big in any::<bool>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let exe = gotest::pointer_elf("go1.16", "path\tx/y\nmod\tx/y\tv1.0.0\t\n", ps, big);
        let _ = go::read_build_info(&mutate(exe, &edits), "bin");
    }

    #[test]
    fn modinfo_never_panics(text in modinfo_text(), raw in "\\PC{0,200}") {
        let _ = go::parse_modinfo(&raw, "bin");
        if let Ok(info) = go::parse_modinfo(&text, "bin") {
            let _ = go::packages(&info, "bin");
            let _ = go::main_version_from_settings(&info);
        }
    }

    #[test]
    fn audit_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let exe = mutate(rusttest::auditable_elf(rusttest::AUDIT.as_bytes()), &edits);
        let _ = rust::parse_auditable(&exe, "bin");
        let json = mutate(rusttest::AUDIT.as_bytes().to_vec(), &edits);
        if let Ok(pkgs) = rust::parse_audit_json(&json, "bin") {
            prop_assert!(pkgs.iter().all(|p| p.purl.starts_with("pkg:cargo/")));
        }
    }

    #[test]
    fn cargo_lock_never_panics(text in lock_text(), data in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = rust::parse_cargo_lock(&data, "Cargo.lock");
        if let Ok(pkgs) = rust::parse_cargo_lock(text.as_bytes(), "Cargo.lock") {
            prop_assert!(pkgs.iter().all(|p| !p.name.is_empty()));
        }
    }

    #[test]
    fn zip_never_panics(data in prop::collection::vec(any::<u8>(), 0..1024)) {
        if let Ok(z) = ZipArchive::parse(&data, "a.jar", 1000) {
            for e in &z.entries {
                let _ = z.read(e, 4096, "a.jar");
            }
        }
        let _ = java::parse_archive(&data, "a.jar", &Limits::default());
    }

    #[test]
    fn jar_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..16)) {
        let jar = mutate(small_jar(), &edits);
        let limits = Limits { max_inflated: 1 << 20, max_nested_in_memory: 1 << 18, ..Limits::default() };
        if let Ok(scan) = java::parse_archive(&jar, "app.jar", &limits) {
            prop_assert!(scan.packages.iter().all(|p| p.files == ["/app.jar"]));
        }
    }

    #[test]
    fn manifest_and_properties_never_panic(text in "\\PC{0,300}", lines in prop::collection::vec("[ -~]{0,20}", 0..20)) {
        let joined = lines.join("\r\n");
        for t in [&text, &joined] {
            let m = Manifest::parse(t);
            prop_assert!(!m.sections.is_empty());
            let _ = PomProperties::parse(t);
        }
    }
}

#[test]
fn mutation_bases_are_valid() {
    assert_eq!(
        go::parse_binary(&go_elf(), "bin").map(|p| p.len()).ok(),
        Some(4)
    );
    let scan = java::parse_archive(&small_jar(), "app.jar", &Limits::default()).unwrap();
    // app (manifest), snakeyaml (stored nested jar), deflated-1.0 (its file name:
    // its one pom.properties is not its own) and snakeyaml again (shaded in it).
    let purls: Vec<&str> = scan.packages.iter().map(|p| p.purl.as_str()).collect();
    assert_eq!(
        purls,
        [
            "pkg:maven/org.apache.log4j/app@1.2.17",
            "pkg:maven/org.yaml/snakeyaml@1.33",
            "pkg:maven/deflated@1.0",
            "pkg:maven/org.yaml/snakeyaml@1.33"
        ]
    );
    assert!(scan.problems.is_empty());
    assert_eq!(
        rust::parse_auditable(&rusttest::auditable_elf(rusttest::AUDIT.as_bytes()), "bin")
            .map(|p| p.len())
            .ok(),
        Some(2)
    );
}
