//! Snapshot tests of what users see: the table, JSON and SARIF of one
//! Dockerfile that trips rules of every category. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always` and `git diff`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use assert_cmd::Command;

const DOCKERFILE: &str = r#"# syntax=docker/dockerfile:1
ARG BASE=debian
FROM ${BASE} AS build
RUN apt-get update && apt-get install -y curl \
  # a comment inside the continuation
  && curl -fsSL https://get.example.com/install.sh | sh
COPY id_rsa /root/.ssh/id_rsa

FROM alpine:latest
ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
RUN <<EOF
apk add python3
chmod 777 /srv
EOF
COPY --from=build /usr/bin/curl /usr/bin/curl
EXPOSE 22 70000
CMD python3 -m http.server
"#;

fn run(format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).unwrap();
    let out = Command::cargo_bin("plimsoll")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_FAIL_ON")
        .env_remove("PLIMSOLL_FORMAT")
        .args(["dockerfile", "-f", format, "Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the gate fails on this file");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn table() {
    insta::assert_snapshot!(run("table"));
}

#[test]
fn json() {
    let text = run("json");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["version"] = "[version]".into();
    insta::assert_json_snapshot!(v);
}

#[test]
fn sarif() {
    let text = run("sarif");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Rule help texts are checked by the docs test; keep the snapshot to
    // what is specific to this file.
    let mut results = v["runs"][0]["results"].clone();
    for r in results.as_array_mut().unwrap() {
        assert!(r["partialFingerprints"]["plimsoll/v1"].is_string());
        r["partialFingerprints"] = "[fingerprint]".into();
    }
    insta::assert_json_snapshot!(results);
    let ids: Vec<&str> = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    insta::assert_debug_snapshot!(ids);
}
