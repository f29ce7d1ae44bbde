//! Property tests of the language catalogers: no parser panics, whatever the
//! bytes; text shaped like each format is read or rejected with an error; and
//! every package a parser returns is well formed.

use proptest::prelude::*;

use super::{LangCataloger, composer, gem, npm, nuget, python};
use crate::Package;

fn well_formed(p: &Package) -> Result<(), TestCaseError> {
    prop_assert!(!p.name.trim().is_empty(), "{:?}", p);
    prop_assert!(!p.version.trim().is_empty(), "{:?}", p);
    prop_assert!(p.purl.starts_with("pkg:"), "{:?}", p);
    prop_assert!(p.origin.is_some(), "{:?}", p);
    prop_assert!(p.files.iter().all(|f| f.starts_with('/')), "{:?}", p);
    Ok(())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..2048)
}

/// Core-metadata-like text.
fn metadata_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "(Name|Version|License|License-Expression|Author|Maintainer): [ -~]{0,12}",
        "Classifier: License :: [ -~]{0,8}(:: [ -~]{0,8})?",
        " [ -~]{0,10}",
        Just(String::new()),
        "[ -~]{0,15}",
    ];
    prop::collection::vec(line, 0..30).prop_map(|l| l.join("\n"))
}

/// yarn.lock- and pnpm-lock-like text.
fn lock_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "\"?@?[a-z]{0,4}(/[a-z]{1,4})?@(npm:|workspace:|patch:)?[~^]?[0-9.]{0,6}\"?(, [a-z@^0-9.]{0,8})*:",
        "  (version|resolution|linkType|dev):? \"?[ -~]{0,12}\"?",
        "    [ -~]{0,12}",
        "  '?/?@?[a-z]{0,4}(/[a-z]{1,4})?[@/][0-9.]{0,6}(_[a-z@0-9.]{0,6})?(\\([a-z@0-9.]{0,6}\\))?'?:",
        "(packages|lockfileVersion: '?[5-9].0'?|__metadata|snapshots):",
        Just(String::new()),
        "[ -~]{0,15}",
    ];
    prop::collection::vec(line, 0..40).prop_map(|l| l.join("\n"))
}

/// Gemspec-like text.
fn gemspec_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "  [a-z]{1,4}\\.(name|version|license|licenses|authors) = [ -~]{0,16}",
        "# stub: [ -~]{0,16}",
        "  [a-z]{1,3}\\.[a-z]{1,5} = (%q|%Q)?[\"'{(<\\[|]?[ -~]{0,10}",
        Just(String::new()),
        "[ -~]{0,15}",
    ];
    prop::collection::vec(line, 0..30).prop_map(|l| l.join("\n"))
}

/// JSON values shaped like the manifests: objects of the fields the
/// parsers read, with values of every JSON type.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[ -~]{0,8}".prop_map(Value::String),
        Just(json!("1.0.0")),
        Just(json!("package")),
        Just(json!("node_modules/a")),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![
            Just("name".to_owned()),
            Just("version".to_owned()),
            Just("license".to_owned()),
            Just("licenses".to_owned()),
            Just("packages".to_owned()),
            Just("dependencies".to_owned()),
            Just("libraries".to_owned()),
            Just("type".to_owned()),
            Just("dev".to_owned()),
            Just("link".to_owned()),
            Just("author".to_owned()),
            Just("authors".to_owned()),
            Just("node_modules/x".to_owned()),
            Just("A/1.0".to_owned()),
            "[ -~]{0,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const PATHS: [&str; 12] = [
    "usr/lib/python3/dist-packages/x-1.dist-info/METADATA",
    "usr/lib/python3/dist-packages/x-1.dist-info/RECORD",
    "usr/lib/python3/dist-packages/x.egg-info/installed-files.txt",
    "usr/lib/python3/dist-packages/x-1.egg-info",
    "app/node_modules/x/package.json",
    "app/package-lock.json",
    "app/yarn.lock",
    "app/pnpm-lock.yaml",
    "var/lib/gems/3.1.0/specifications/x-1.gemspec",
    "app/vendor/composer/installed.json",
    "app/composer.lock",
    "app/App.deps.json",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panic_on_bytes(data in bytes()) {
        for path in PATHS {
            let mut c = LangCataloger::new();
            let _ = c.add(path, &data);
            for p in c.finish() {
                well_formed(&p)?;
            }
        }
    }

    #[test]
    fn python_metadata(text in metadata_text(), record in "[ -~\n]{0,200}") {
        let mut c = python::PythonCataloger::default();
        let ok = c.add("a/x.dist-info/METADATA", text.as_bytes()).is_ok();
        c.add("a/x.dist-info/RECORD", record.as_bytes()).unwrap();
        let pkgs = c.finish();
        prop_assert_eq!(pkgs.len(), usize::from(ok));
        for p in &pkgs {
            well_formed(p)?;
            prop_assert!(p.files.iter().all(|f| !f.split('/').any(|s| s == ".." || s == ".")));
        }
    }

    #[test]
    fn lock_files(text in lock_text()) {
        for p in npm::parse_yarn_lock(text.as_bytes(), "yarn.lock").unwrap() {
            well_formed(&p)?;
        }
        for p in npm::parse_pnpm_lock(text.as_bytes(), "pnpm-lock.yaml").unwrap() {
            well_formed(&p)?;
        }
    }

    #[test]
    fn gemspecs(text in gemspec_text()) {
        if let Ok(p) = gem::parse_gemspec(text.as_bytes(), "specifications/x.gemspec") {
            well_formed(&p)?;
        }
    }

    #[test]
    fn json_manifests(v in json_value()) {
        let data = serde_json::to_vec(&v).unwrap();
        let all = [
            npm::parse("app/node_modules/x/package.json", &data),
            npm::parse("app/package-lock.json", &data),
            composer::parse("vendor/composer/installed.json", &data),
            composer::parse("composer.lock", &data),
            nuget::parse_deps_json(&data, "App.deps.json"),
        ];
        for pkgs in all.into_iter().flatten() {
            for p in pkgs {
                well_formed(&p)?;
            }
        }
    }
}

#[test]
fn deep_json_is_an_error_not_a_stack_overflow() {
    let mut deep = "[".repeat(100_000);
    deep.push_str(&"]".repeat(100_000));
    for path in PATHS {
        let mut c = LangCataloger::new();
        let _ = c.add(path, deep.as_bytes());
    }
    let nested = format!(
        "{{\"lockfileVersion\":1,\"dependencies\":{}1{}}}",
        "{\"a\":{\"version\":\"1\",\"dependencies\":".repeat(10_000),
        "}}".repeat(10_000)
    );
    assert!(npm::parse_package_lock(nested.as_bytes(), "package-lock.json").is_err());
}
