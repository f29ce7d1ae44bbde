//! The README's rule table, its example output and `docs/rules/*.md` are
//! generated from the rule registry by the binary itself, so they cannot
//! drift: this test fails when they differ from what the binary prints.
//! `PLIMSOLL_BLESS=1 cargo test -p plimsoll --test docs_in_sync` rewrites them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("plimsoll")
        .unwrap()
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_FAIL_ON")
        .env_remove("PLIMSOLL_FORMAT")
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn replace_between(text: &str, start: &str, end: &str, body: &str) -> String {
    let s = text
        .find(start)
        .unwrap_or_else(|| panic!("README lacks {start}"))
        + start.len();
    let e = text[s..]
        .find(end)
        .unwrap_or_else(|| panic!("README lacks {end}"))
        + s;
    format!("{}\n{}{}", &text[..s], body, &text[e..])
}

fn check_or_bless(path: &Path, expected: &str, stale: &mut Vec<String>) {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current != expected {
        if std::env::var_os("PLIMSOLL_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, expected).unwrap();
        } else {
            stale.push(path.display().to_string());
        }
    }
}

pub const EXAMPLE: &str = "../shared/data/images/dockerfiles/Dockerfile.multilayer";

#[test]
fn readme_and_rule_pages_match_the_registry() {
    let mut stale = Vec::new();
    let readme_path = repo().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let table = run(&["rules", "--format", "markdown"]);
    let example = run(&["dockerfile", EXAMPLE]);
    let mut expected = replace_between(
        &readme,
        "<!-- rules:start -->",
        "<!-- rules:end -->",
        &table,
    );
    expected = replace_between(
        &expected,
        "<!-- example:start -->",
        "<!-- example:end -->",
        &format!("```text\n$ plimsoll dockerfile {EXAMPLE}\n{example}```\n"),
    );
    check_or_bless(&readme_path, &expected, &mut stale);

    let rules: serde_json::Value =
        serde_json::from_str(&run(&["rules", "--format", "json"])).unwrap();
    let docs_dir = repo().join("docs/rules");
    let mut wanted = Vec::new();
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let page = run(&["explain", id]);
        assert!(
            page.contains("## Why it matters"),
            "{id} lacks a 'Why it matters' section"
        );
        assert!(page.contains("## Example"), "{id} lacks an example");
        assert!(page.contains("## How to fix"), "{id} lacks 'How to fix'");
        let path = docs_dir.join(format!("{id}.md"));
        check_or_bless(&path, &page, &mut stale);
        wanted.push(format!("{id}.md"));
    }
    // No page for a rule that no longer exists.
    for e in std::fs::read_dir(&docs_dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !wanted.contains(&name) {
            if std::env::var_os("PLIMSOLL_BLESS").is_some() {
                std::fs::remove_file(e.path()).unwrap();
            } else {
                stale.push(format!("docs/rules/{name} (no such rule)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated docs are stale: {stale:?}; run PLIMSOLL_BLESS=1 cargo test -p plimsoll --test docs_in_sync"
    );
}
