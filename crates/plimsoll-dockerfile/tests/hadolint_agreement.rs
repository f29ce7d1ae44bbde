//! Agreement with hadolint 2.15.1 on the real-world Dockerfile corpus in
//! `../shared/data/dockerfiles` (its `hadolint/` folder holds hadolint's JSON
//! for every file).
//!
//! For every hadolint rule that a Plimsoll rule declares as an equivalent,
//! findings are compared as sets of (file, rule, instruction start line) and
//! precision and recall are computed. Each must be at least 0.95, unless the
//! rule is listed in `DEVIATIONS` with the reason (documented in
//! `docs/hadolint-agreement.md` with example files).
//!
//! Files hadolint cannot parse (DL1000) are left out of every other rule's
//! comparison: hadolint reports nothing else for them.
//!
//! `PLIMSOLL_AGREEMENT_RULE=DL3008 cargo test -p plimsoll-dockerfile --test
//! hadolint_agreement -- --nocapture` lists the disagreements of one rule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use plimsoll_dockerfile::{RULES, parse, rules::RuleConfig};

// (collected from the rule groups)

const THRESHOLD: f64 = 0.95;

fn shared_data() -> PathBuf {
    plimsoll_testkit::shared_data()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[derive(Default, Debug)]
struct Counts {
    tp: usize,
    fp: Vec<String>,
    fn_: Vec<String>,
}

#[test]
fn agreement_with_hadolint_on_the_corpus() {
    let root = shared_data().join("dockerfiles");
    let files_dir = root.join("files");
    assert!(
        files_dir.is_dir(),
        "the Dockerfile corpus is missing at {}: it must be beside the repository as ../shared",
        files_dir.display()
    );
    let mut files = Vec::new();
    walk(&files_dir, &mut files);
    files.sort();
    assert!(files.len() > 1000, "corpus too small: {}", files.len());

    // hadolint ids we implement
    let implemented: BTreeSet<&str> = RULES
        .iter()
        .flat_map(|r| r.meta.equivalents.hadolint.iter().copied())
        .filter(|h| *h != "DL1000")
        .collect();
    let config = RuleConfig::default();
    let deviations = plimsoll_dockerfile::rules::hadolint_deviations();
    let focus = std::env::var("PLIMSOLL_AGREEMENT_RULE").ok();

    let mut counts: BTreeMap<&str, Counts> = implemented
        .iter()
        .map(|h| (*h, Counts::default()))
        .collect();
    let mut hadolint_parse_failures = 0;
    let mut our_parse_failures = Vec::new();

    for f in &files {
        let rel = f
            .strip_prefix(&files_dir)
            .unwrap_or(f)
            .to_string_lossy()
            .to_string();
        let hjson = root.join("hadolint").join(format!("{rel}.json"));
        let Ok(htext) = std::fs::read_to_string(&hjson) else {
            continue;
        };
        let hfind: Vec<serde_json::Value> = serde_json::from_str(&htext).unwrap_or_default();
        if hfind.iter().any(|x| x["code"] == "DL1000") {
            hadolint_parse_failures += 1;
            continue;
        }
        let src = String::from_utf8_lossy(&std::fs::read(f).unwrap()).to_string();
        let theirs: BTreeSet<(String, u64)> = hfind
            .iter()
            .filter_map(|x| Some((x["code"].as_str()?.to_string(), x["line"].as_u64()?)))
            .filter(|(c, _)| implemented.contains(c.as_str()))
            .collect();
        let df = match parse(&src) {
            Ok(df) => df,
            Err(e) => {
                our_parse_failures.push(format!("{rel}: {e}"));
                for (code, line) in &theirs {
                    if let Some(c) = counts.get_mut(code.as_str()) {
                        c.fn_.push(format!("{rel}:{line}"));
                    }
                }
                continue;
            }
        };
        let findings = plimsoll_dockerfile::audit_parsed(&rel, &df, &config);
        let inst_line = |line: u32| -> u64 {
            df.instructions
                .iter()
                .find(|i| i.pos.line <= line && line <= i.end_line)
                .map_or(u64::from(line), |i| u64::from(i.pos.line))
        };
        let by_id: HashMap<&str, &plimsoll_core::RuleMeta> =
            RULES.iter().map(|r| (r.meta.id, &r.meta)).collect();
        let mut ours: BTreeSet<(String, u64)> = BTreeSet::new();
        for fi in &findings {
            let Some(meta) = by_id.get(fi.id.as_str()) else {
                continue;
            };
            let line = inst_line(fi.location.line.unwrap_or(1));
            for h in meta.equivalents.hadolint {
                if implemented.contains(h) {
                    ours.insert((h.to_string(), line));
                }
            }
        }
        for k in ours.union(&theirs) {
            let Some(c) = counts.get_mut(k.0.as_str()) else {
                continue;
            };
            match (ours.contains(k), theirs.contains(k)) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp.push(format!("{rel}:{}", k.1)),
                (false, true) => c.fn_.push(format!("{rel}:{}", k.1)),
                (false, false) => {}
            }
        }
    }

    println!(
        "files: {}, hadolint parse failures (excluded): {hadolint_parse_failures}",
        files.len()
    );
    println!(
        "files hadolint parses and Plimsoll does not: {}",
        our_parse_failures.len()
    );
    for e in &our_parse_failures {
        println!("  {e}");
    }
    println!(
        "{:<8} {:>6} {:>6} {:>6} {:>9} {:>7}",
        "rule", "tp", "fp", "fn", "precision", "recall"
    );
    let mut failures = Vec::new();
    let mut md = format!(
        "# Agreement with hadolint\n\n\
         Generated by `crates/plimsoll-dockerfile/tests/hadolint_agreement.rs` (re-run with\n\
         `PLIMSOLL_BLESS=1 cargo test -p plimsoll-dockerfile --test hadolint_agreement`; the test fails when this\n\
         page is stale). Corpus: the {} real-world Dockerfiles of `../shared/data/dockerfiles/files`, compared\n\
         with hadolint 2.15.1's JSON output in `../shared/data/dockerfiles/hadolint/`. Findings are compared as\n\
         sets of (file, hadolint rule, instruction start line). The {hadolint_parse_failures} files hadolint cannot parse\n\
         (DL1000) are left out, as hadolint reports nothing else for them; Plimsoll parses all files hadolint parses.\n\n\
         Each rule must reach precision and recall of at least {THRESHOLD}, unless it is a deliberate difference\n\
         listed below with its reason (`HADOLINT_DEVIATIONS` in each rule group's `mod.rs`).\n\n\
         | hadolint | Plimsoll | both | only Plimsoll | only hadolint | precision | recall |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
        files.len()
    );
    for (rule, c) in &counts {
        let p = if c.tp + c.fp.len() == 0 {
            1.0
        } else {
            c.tp as f64 / (c.tp + c.fp.len()) as f64
        };
        let r = if c.tp + c.fn_.len() == 0 {
            1.0
        } else {
            c.tp as f64 / (c.tp + c.fn_.len()) as f64
        };
        let deviation = deviations.iter().find(|(d, _)| d == rule);
        println!(
            "{rule:<8} {:>6} {:>6} {:>6} {p:>9.3} {r:>7.3}{}",
            c.tp,
            c.fp.len(),
            c.fn_.len(),
            if deviation.is_some() {
                "  (documented deviation)"
            } else {
                ""
            }
        );
        let ours: Vec<&str> = RULES
            .iter()
            .filter(|r| r.meta.equivalents.hadolint.contains(rule))
            .map(|r| r.meta.id)
            .collect();
        md.push_str(&format!(
            "| {rule} | {} | {} | {} | {} | {p:.3} | {r:.3}{} |\n",
            ours.join(", "),
            c.tp,
            c.fp.len(),
            c.fn_.len(),
            if deviation.is_some() { " ¹" } else { "" }
        ));
        if focus.as_deref() == Some(*rule) {
            for x in c.fp.iter().take(40) {
                println!("    only plimsoll: {x}");
            }
            for x in c.fn_.iter().take(40) {
                println!("    only hadolint: {x}");
            }
        }
        if deviation.is_none() && (p < THRESHOLD || r < THRESHOLD) {
            failures.push(format!("{rule}: precision {p:.3} recall {r:.3}"));
        }
    }
    md.push_str("\n¹ deliberate difference:\n\n");
    for (rule, why) in &deviations {
        md.push_str(&format!("- **{rule}**: {why}\n"));
    }
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/hadolint-agreement.md");
    let current = std::fs::read_to_string(&doc).unwrap_or_default();
    if current != md {
        if std::env::var_os("PLIMSOLL_BLESS").is_some() {
            std::fs::write(&doc, &md).unwrap();
        } else {
            failures.push(format!(
                "{} is stale: re-run with PLIMSOLL_BLESS=1",
                doc.display()
            ));
        }
    }
    assert!(
        our_parse_failures.is_empty(),
        "Plimsoll fails to parse files hadolint parses: {our_parse_failures:?}"
    );
    assert!(
        failures.is_empty(),
        "below {THRESHOLD} without a documented deviation: {failures:?}"
    );
}
