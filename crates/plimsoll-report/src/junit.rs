//! `junit`: JUnit XML for CI test-report viewers. One `<testsuite>` per
//! target, one `<testcase>` per finding. Findings at or above the gate
//! threshold (`high` when none is set) are failures (errors when the target
//! could not be analysed); lower ones pass with their text in `<system-out>`.
//! A target without findings gets one passing test case, so it shows up.

use std::fmt::Write as _;

use plimsoll_core::{Finding, FindingKind, Report, Severity, TOOL_NAME};

use crate::{RenderOptions, finding_path, sorted};

/// The threshold used when the caller sets none.
const DEFAULT_THRESHOLD: Severity = Severity::High;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failure,
    Error,
    Pass,
}

fn outcome(f: &Finding, threshold: Severity) -> Outcome {
    if f.severity < threshold {
        Outcome::Pass
    } else if f.kind == FindingKind::Error {
        Outcome::Error
    } else {
        Outcome::Failure
    }
}

pub(crate) fn render(report: &Report, opts: &RenderOptions) -> String {
    let threshold = opts.fail_on.unwrap_or(DEFAULT_THRESHOLD);
    let mut suites = String::new();
    let (mut total_tests, mut total_failures, mut total_errors) = (0, 0, 0);
    for target in &report.targets {
        let findings = sorted(&target.findings);
        let outcomes: Vec<Outcome> = findings.iter().map(|f| outcome(f, threshold)).collect();
        let tests = findings.len().max(1);
        let failures = outcomes.iter().filter(|o| **o == Outcome::Failure).count();
        let errors = outcomes.iter().filter(|o| **o == Outcome::Error).count();
        total_tests += tests;
        total_failures += failures;
        total_errors += errors;

        let classname = attr(&target.target);
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{classname}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">"
        );
        if findings.is_empty() {
            let _ = writeln!(
                suites,
                "    <testcase name=\"no findings\" classname=\"{classname}\"/>"
            );
        }
        for (f, outcome) in findings.iter().zip(outcomes) {
            let mut name = format!("{} {}", f.id, finding_path(f));
            if let Some(line) = f.location.line {
                let _ = write!(name, ":{line}");
            }
            let _ = writeln!(
                suites,
                "    <testcase name=\"{}\" classname=\"{classname}\">",
                attr(&name)
            );
            let details = text(&details(f));
            match outcome {
                Outcome::Failure | Outcome::Error => {
                    let element = if outcome == Outcome::Error {
                        "error"
                    } else {
                        "failure"
                    };
                    let _ = writeln!(
                        suites,
                        "      <{element} message=\"{}\" type=\"{}\">{details}</{element}>",
                        attr(&f.message),
                        f.severity
                    );
                }
                Outcome::Pass => {
                    let _ = writeln!(suites, "      <system-out>{details}</system-out>");
                }
            }
            suites.push_str("    </testcase>\n");
        }
        suites.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"{TOOL_NAME}\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"{total_errors}\">\n\
         {suites}</testsuites>\n"
    )
}

/// The body of a failure or of system-out: everything a reader needs
/// without opening another report.
fn details(f: &Finding) -> String {
    let mut s = format!(
        "{} {} ({})\n{}\n{}",
        f.id,
        f.title,
        f.severity,
        location_text(f),
        f.message
    );
    if let Some(evidence) = &f.evidence {
        let _ = write!(s, "\nevidence: {evidence}");
    }
    if let Some(remediation) = &f.remediation {
        let _ = write!(s, "\nremediation: {remediation}");
    }
    s
}

/// `path:line:col`, with the target standing in for a missing path.
fn location_text(f: &Finding) -> String {
    let mut loc = f.location.clone();
    if loc.path.is_none() {
        loc.path = Some(f.target.clone());
    }
    loc.display()
}

/// Escapes text for element content.
fn text(s: &str) -> String {
    escape(s, false)
}

/// Escapes text for a double-quoted attribute value. Whitespace other than
/// the space is written as character references, because XML parsers
/// normalise literal newlines and tabs in attributes to spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            // Not representable in XML 1.0, not even as a reference: dropped.
            _ => {}
        }
    }
    out
}

/// `Char` of XML 1.0 (fifth edition), production [2]. Surrogates cannot
/// occur in a Rust `char`.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_strips_illegal_characters() {
        assert_eq!(text("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(text("x\u{0}y\u{1b}z\u{fffe}\u{ffff}"), "xyz");
        assert_eq!(text("line\nnext\r\n"), "line\nnext&#13;\n");
        assert_eq!(attr("line\nnext\tx"), "line&#10;next&#9;x");
        assert_eq!(text("é😀"), "é😀");
    }
}
