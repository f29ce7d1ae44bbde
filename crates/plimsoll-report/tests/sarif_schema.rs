//! The SARIF output validated against the official SARIF 2.1.0 JSON schema
//! (OASIS, draft-07). The schema file comes from the `serde-sarif` package,
//! which ships it as `src/schema.json`; the package is a dev-dependency that
//! is never compiled (see `Cargo.toml`), and `cargo metadata` tells where
//! cargo unpacked it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use plimsoll_core::{Report, Severity};
use plimsoll_report::{Format, RenderOptions, render};
use serde_json::{Value, json};

fn schema_path() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let manifest = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif in cargo metadata (a dev-dependency of plimsoll-report)");
    PathBuf::from(manifest)
        .parent()
        .expect("package directory")
        .join("src/schema.json")
}

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = schema_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        // Make sure this is the real thing and not some stand-in.
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert!(
            schema["title"]
                .as_str()
                .is_some_and(|t| t.contains("SARIF") && t.contains("2.1.0")),
            "unexpected schema title: {}",
            schema["title"]
        );
        jsonschema::options()
            .with_draft(Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

fn errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

fn sarif(report: &Report, opts: &RenderOptions) -> Value {
    serde_json::from_str(&render(Format::Sarif, report, opts)).expect("SARIF output is JSON")
}

fn with_rules() -> RenderOptions<'static> {
    RenderOptions {
        color: false,
        rules: common::RULES,
        fail_on: Some(Severity::High),
    }
}

#[test]
fn output_is_valid_sarif() {
    let doc = sarif(&common::report(), &with_rules());
    assert_eq!(errors(&doc), Vec::<String>::new());
}

#[test]
fn output_without_a_rule_registry_is_valid_sarif() {
    let doc = sarif(&common::report(), &RenderOptions::default());
    assert_eq!(errors(&doc), Vec::<String>::new());
}

#[test]
fn empty_report_is_valid_sarif() {
    let doc = sarif(&Report::new("0", vec![]), &with_rules());
    assert_eq!(errors(&doc), Vec::<String>::new());
    assert_eq!(doc["runs"][0]["results"], json!([]));
}

#[test]
fn degenerate_locations_stay_valid() {
    let mut report = common::report();
    let loc = &mut report.targets[0].findings[0].location;
    loc.line = Some(0);
    loc.column = Some(0);
    let loc = &mut report.targets[0].findings[1].location;
    loc.line = Some(5);
    loc.end_line = Some(2);
    loc.end_column = Some(0);
    let doc = sarif(&report, &with_rules());
    assert_eq!(errors(&doc), Vec::<String>::new());
}

/// The validator is not vacuous: documents that break the schema in small
/// ways are rejected.
#[test]
fn broken_documents_are_rejected() {
    let good = sarif(&common::report(), &with_rules());
    assert!(validator().is_valid(&good));

    let mut breakages: Vec<(&str, Value)> = Vec::new();

    let mut doc = good.clone();
    doc.as_object_mut().unwrap().remove("version");
    breakages.push(("missing version", doc));

    let mut doc = good.clone();
    doc["version"] = json!("2.0.0");
    breakages.push(("wrong version", doc));

    let mut doc = good.clone();
    doc["runs"][0]["results"][0]["level"] = json!("critical");
    breakages.push(("unknown level", doc));

    let mut doc = good.clone();
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    breakages.push(("start line 0", doc));

    let mut doc = good.clone();
    doc["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    breakages.push(("driver without name", doc));

    let mut doc = good.clone();
    doc["runs"][0]["results"][0]["message"] = json!("plain string");
    breakages.push(("message not an object", doc));

    let mut doc = good.clone();
    doc["runs"][0]["results"][0]["unknownField"] = json!(1);
    breakages.push(("unknown result property", doc));

    let mut doc = good.clone();
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        json!("build dir/has a space");
    breakages.push(("uri that is not a URI reference", doc));

    for (what, doc) in breakages {
        assert!(
            !errors(&doc).is_empty(),
            "{what}: accepted by the validator"
        );
    }
}
