//! End-to-end tests of the `plimsoll` binary: exit codes, file discovery,
//! configuration, suppressions, formats, and the real corpus.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn plimsoll() -> Command {
    let mut c = Command::cargo_bin("plimsoll").unwrap();
    // Tests must not pick up the developer's environment.
    for k in [
        "PLIMSOLL_FAIL_ON",
        "PLIMSOLL_FORMAT",
        "PLIMSOLL_TRUSTED_REGISTRIES",
        "PLIMSOLL_DISABLE",
        "PLIMSOLL_CONFIG",
    ] {
        c.env_remove(k);
    }
    c.env("NO_COLOR", "1");
    c
}

fn shared_data() -> PathBuf {
    plimsoll_testkit::shared_data()
}

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap().iter())
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

const UNTAGGED: &str = "FROM debian\nRUN echo hi\n";

#[test]
fn gate_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), UNTAGGED).unwrap();
    // Raise PL-DF-101 to critical: it alone decides a critical gate.
    std::fs::write(
        dir.path().join("plimsoll.toml"),
        "[rules.severity]\n\"PL-DF-101\" = \"critical\"\n",
    )
    .unwrap();
    plimsoll()
        .current_dir(dir.path())
        .args(["dockerfile", "--fail-on", "critical", "Dockerfile"])
        .assert()
        .code(1);
    plimsoll()
        .current_dir(dir.path())
        .args([
            "dockerfile",
            "--fail-on",
            "critical",
            "--ignore",
            "DL3006",
            "Dockerfile",
        ])
        .assert()
        .code(0);
    plimsoll()
        .current_dir(dir.path())
        .args(["dockerfile", "--fail-on", "never", "Dockerfile"])
        .assert()
        .code(0);
    // Usage errors.
    plimsoll()
        .args(["dockerfile", "--fail-on", "urgent", "x"])
        .assert()
        .code(2);
    plimsoll()
        .args(["dockerfile", "-f", "xml", "x"])
        .assert()
        .code(2);
    plimsoll().args(["nonsense"]).assert().code(2);
    let out = plimsoll()
        .current_dir(dir.path())
        .args(["dockerfile", "missing/Dockerfile"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("missing/Dockerfile"));
}

#[test]
fn parse_errors_are_findings_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    std::fs::write(dir.path().join("a/Dockerfile"), "FORM debian:12\n").unwrap();
    std::fs::write(dir.path().join("a/b/app.Dockerfile"), UNTAGGED).unwrap();
    std::fs::write(dir.path().join("a/b/README.md"), "not a dockerfile").unwrap();
    let out = plimsoll()
        .current_dir(dir.path())
        .args(["dockerfile", "-f", "json", "a"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{v}");
    let err = &targets[0]["findings"][0];
    assert_eq!(err["id"], "PL-DF-000");
    assert_eq!(err["kind"], "error");
    assert_eq!(err["location"]["line"], 1);
    assert_eq!(err["location"]["column"], 1);
    assert!(err["message"].as_str().unwrap().contains("FORM"));
    assert!(ids(&v).contains(&"PL-DF-101".to_string()));
}

#[test]
fn config_file_env_and_inline_suppression() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), UNTAGGED).unwrap();
    std::fs::write(
        dir.path().join("plimsoll.toml"),
        "fail_on = \"critical\"\n[rules.severity]\n\"from-untagged\" = \"critical\"\n",
    )
    .unwrap();
    let out = plimsoll()
        .current_dir(dir.path())
        .args(["dockerfile", "-f", "json", "Dockerfile"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let f = v["targets"][0]["findings"].as_array().unwrap();
    let untagged = f.iter().find(|f| f["id"] == "PL-DF-101").unwrap();
    assert_eq!(untagged["severity"], "critical");
    // Environment overrides the file.
    plimsoll()
        .current_dir(dir.path())
        .env("PLIMSOLL_FAIL_ON", "never")
        .args(["dockerfile", "Dockerfile"])
        .assert()
        .code(0);
    plimsoll()
        .current_dir(dir.path())
        .env("PLIMSOLL_DISABLE", "PL-DF-101")
        .args(["dockerfile", "Dockerfile"])
        .assert()
        .code(0);
    // Inline pragma, plimsoll's and hadolint's.
    for pragma in [
        "# plimsoll ignore=PL-DF-101 base chosen by the platform team",
        "# hadolint ignore=DL3006",
    ] {
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!("{pragma}\n{UNTAGGED}"),
        )
        .unwrap();
        let out = plimsoll()
            .current_dir(dir.path())
            .args(["dockerfile", "-f", "json", "Dockerfile"])
            .assert()
            .get_output()
            .stdout
            .clone();
        assert!(
            !ids(&json_of(&out)).contains(&"PL-DF-101".to_string()),
            "{pragma}"
        );
    }
    // A broken config file is a usage error that names the file.
    std::fs::write(dir.path().join("plimsoll.toml"), "fail_on = 3\n").unwrap();
    let err = plimsoll()
        .current_dir(dir.path())
        .args(["dockerfile", "Dockerfile"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&err).contains("plimsoll.toml"));
}

#[test]
fn several_formats_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), UNTAGGED).unwrap();
    let out = plimsoll()
        .current_dir(dir.path())
        .args([
            "dockerfile",
            "-f",
            "table",
            "-f",
            "sarif=out.sarif",
            "-f",
            "junit=junit.xml",
            "Dockerfile",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("PL-DF-101"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "PL-DF-101");
    assert!(
        std::fs::read_to_string(dir.path().join("junit.xml"))
            .unwrap()
            .contains("<testsuites")
    );
}

#[test]
fn stdin_is_read_with_dash() {
    let out = plimsoll()
        .args(["dockerfile", "-f", "json", "-"])
        .write_stdin(UNTAGGED)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["targets"][0]["target"], "<stdin>");
}

#[test]
fn rules_and_explain() {
    let out = plimsoll()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let rules = v.as_array().unwrap();
    assert!(rules.len() >= 3);
    for r in rules {
        for k in ["id", "severity", "title"] {
            assert!(r[k].is_string(), "{k} in {r}");
        }
        for k in ["hadolint", "cis", "dockle", "trivy"] {
            assert!(r["equivalents"][k].is_array(), "{k} in {r}");
        }
    }
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "rule ids are unique and ordered");

    let out = plimsoll()
        .args(["explain", "DL3006"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("PL-DF-101") && text.contains("## Why it matters"),
        "{text}"
    );
    plimsoll().args(["explain", "PL-DF-999"]).assert().code(2);
}

#[test]
fn version_names_the_commit() {
    let out = plimsoll()
        .arg("--version")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("plimsoll 0."), "{text}");
    assert!(text.contains('('), "{text}");
}

/// The whole real-world corpus in one invocation, as a directory argument.
#[test]
fn whole_corpus_in_one_run() {
    let corpus = shared_data().join("dockerfiles/files");
    let out = plimsoll()
        .args(["dockerfile", "-f", "json", "--fail-on", "never"])
        .arg(&corpus)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let n = walkdir_count(&corpus);
    assert_eq!(v["targets"].as_array().unwrap().len(), n);
    assert_eq!(v["summary"]["targets"], n);
    // Exactly the files Docker would reject carry a parse error.
    let errors: Vec<&str> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"] == "PL-DF-000")
        })
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert!(errors.len() <= 8, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.ends_with("burkostya/nodejs/Dockerfile")),
        "{errors:?}"
    );
}

fn walkdir_count(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            n += walkdir_count(&p);
        } else {
            n += 1;
        }
    }
    n
}
