//! Snapshot tests, one per format, on the report of `common`; then the
//! behaviours a snapshot does not make obvious.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use plimsoll_core::{Report, Severity, Summary, TargetReport};
use plimsoll_report::{Format, RenderOptions, render};

fn opts() -> RenderOptions<'static> {
    RenderOptions {
        color: false,
        rules: common::RULES,
        fail_on: Some(Severity::High),
    }
}

#[test]
fn table() {
    insta::assert_snapshot!(render(Format::Table, &common::report(), &opts()));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(Format::Json, &common::report(), &opts()));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(render(Format::Sarif, &common::report(), &opts()));
}

/// With the threshold at medium, the message full of special characters
/// lands in a `message` attribute, where escaping is strictest.
#[test]
fn junit() {
    let opts = RenderOptions {
        fail_on: Some(Severity::Medium),
        ..opts()
    };
    insta::assert_snapshot!(render(Format::Junit, &common::report(), &opts));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render(Format::Markdown, &common::report(), &opts()));
}

#[test]
fn github() {
    insta::assert_snapshot!(render(Format::Github, &common::report(), &opts()));
}

#[test]
fn every_format_ends_with_a_newline() {
    for format in Format::ALL {
        let out = render(format, &common::report(), &opts());
        assert!(out.ends_with('\n') && !out.ends_with("\n\n"), "{format}");
    }
}

#[test]
fn json_round_trips_to_the_report_and_its_summary() {
    let report = common::report();
    let doc: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &report, &opts())).unwrap();
    let summary: Summary = serde_json::from_value(doc["summary"].clone()).unwrap();
    assert_eq!(summary, report.summary());
    let targets: Vec<TargetReport> = serde_json::from_value(doc["targets"].clone()).unwrap();
    assert_eq!(targets, report.targets);
    assert_eq!(doc["schema_version"], "1.0");
}

#[test]
fn table_colors_only_when_asked() {
    let plain = render(Format::Table, &common::report(), &opts());
    assert!(!plain.contains('\u{1b}'));
    let colored = render(
        Format::Table,
        &common::report(),
        &RenderOptions {
            color: true,
            ..opts()
        },
    );
    assert!(colored.contains('\u{1b}'));
    // Same text once the escapes are gone: colors never shift the layout.
    assert_eq!(strip_ansi(&colored), plain);
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn gate_lines_follow_the_threshold() {
    let report = common::report();
    let render_with =
        |format, fail_on| render(format, &report, &RenderOptions { fail_on, ..opts() });
    // The worst finding is critical.
    let table = render_with(Format::Table, Some(Severity::Critical));
    assert!(table.ends_with("gate: failed (--fail-on critical)\n"));
    let table = render_with(Format::Table, None);
    assert!(!table.contains("gate:"));
    let mut clean = report.clone();
    clean.targets[0]
        .findings
        .retain(|f| f.severity < Severity::High);
    let out = render(Format::Table, &clean, &opts());
    assert!(out.ends_with("gate: passed (--fail-on high)\n"));
    let md = render(Format::Markdown, &clean, &opts());
    assert!(md.contains("✅ **Gate passed**: no findings at or above `high`"));
}

#[test]
fn junit_defaults_to_high_without_a_threshold() {
    let out = render(
        Format::Junit,
        &common::report(),
        &RenderOptions {
            fail_on: None,
            ..opts()
        },
    );
    assert!(out.contains("<testsuites name=\"plimsoll\" tests=\"7\" failures=\"2\" errors=\"0\">"));
}

#[test]
fn empty_report() {
    let report = Report::new("0.1.0", vec![]);
    assert_eq!(
        render(Format::Table, &report, &opts()),
        "no findings in 0 files\ngate: passed (--fail-on high)\n"
    );
    assert_eq!(render(Format::Github, &report, &opts()), "");
    assert!(render(Format::Markdown, &report, &opts()).contains("No findings in 0 files."));
    assert_eq!(
        render(Format::Junit, &report, &opts()),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"plimsoll\" tests=\"0\" failures=\"0\" errors=\"0\">\n\
         </testsuites>\n"
    );
}
