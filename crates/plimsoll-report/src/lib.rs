//! Report writers: the last stretch of the river. Each writer turns a
//! [`Report`] into text in one format; none of them decides anything (the
//! gate threshold is only displayed here, the policy that applies it lives
//! elsewhere).
//!
//! | format     | for                                                      |
//! |------------|----------------------------------------------------------|
//! | `table`    | people at a terminal                                     |
//! | `json`     | scripts; schema in `JSON-SCHEMA.md`                      |
//! | `sarif`    | code-scanning services (SARIF 2.1.0)                     |
//! | `junit`    | CI test-report viewers (JUnit XML)                       |
//! | `markdown` | pull-request comments and job summaries                  |
//! | `github`   | GitHub Actions annotations (workflow commands)           |
//!
//! Every writer returns the whole document as a `String` ending in a newline
//! (except `github` with no findings, which is empty), ready to be written to
//! stdout or a file as is.

use std::fmt;
use std::str::FromStr;

use plimsoll_core::{Finding, Report, RuleMeta, Severity, TOOL_URI};

mod github;
mod json;
mod junit;
mod markdown;
mod sarif;
mod table;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Human-readable tables grouped by target (the default at a terminal).
    Table,
    /// The report as JSON, with a summary (see `JSON-SCHEMA.md`).
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// JUnit XML, one test suite per target and one test case per finding.
    Junit,
    /// Markdown for a pull-request comment or a job summary.
    Markdown,
    /// GitHub Actions workflow commands (`::error file=…::message`).
    Github,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Github,
    ];

    /// The name used on the command line and in configuration.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error returned when a string names no output format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFormatError(pub String);

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown output format {:?}: expected one of ", self.0)?;
        for (i, format) in Format::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(format.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseFormatError {}

impl FromStr for Format {
    type Err = ParseFormatError;

    /// Parses a format name, ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ParseFormatError(s.to_string()))
    }
}

/// What the writers need besides the report itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// Color the output with ANSI escapes (`table` only; the other formats
    /// ignore it). The caller decides, e.g. from a TTY check and `NO_COLOR`.
    pub color: bool,
    /// The rule registry. SARIF rule descriptors and markdown links are taken
    /// from it by id; findings whose id is not in it (advisories, rules of
    /// other crates) still render, with less metadata.
    pub rules: &'a [RuleMeta],
    /// The gate threshold, if one is set: findings at or above it fail the
    /// gate. Shown in the `table` and `markdown` summaries; `junit` reports
    /// findings at or above it as failures (`high` when unset).
    pub fail_on: Option<Severity>,
}

impl RenderOptions<'_> {
    fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Renders `report` in `format`.
pub fn render(format: Format, report: &Report, opts: &RenderOptions) -> String {
    match format {
        Format::Table => table::render(report, opts),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, opts),
        Format::Junit => junit::render(report, opts),
        Format::Markdown => markdown::render(report, opts),
        Format::Github => github::render(report),
    }
}

/// Where a rule's documentation lives, for rules in the registry.
fn rule_doc_uri(id: &str) -> String {
    format!("{TOOL_URI}/blob/main/docs/rules/{id}.md")
}

/// The findings of one target in reading order: by line, then column
/// (findings about the whole file, without a line, first); ties keep the most
/// severe first, then the rule id, then the producer's order.
fn sorted(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by(|a, b| {
        (a.location.line, a.location.column)
            .cmp(&(b.location.line, b.location.column))
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.id.cmp(&b.id))
    });
    v
}

/// How many findings are at or above `threshold`.
fn count_at_or_above(report: &Report, threshold: Severity) -> usize {
    report
        .findings()
        .filter(|f| f.severity >= threshold)
        .count()
}

/// "1 finding", "2 findings".
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What to call the report's targets in summaries: "file" when every target
/// is a file (Dockerfiles), "target" otherwise (images, hosts, containers).
fn target_noun(report: &Report) -> &'static str {
    if report.targets.iter().all(|t| t.kind == "dockerfile") {
        "file"
    } else {
        "target"
    }
}

/// The file a finding points at: its location's path, or else the target it
/// was found in.
fn finding_path(f: &Finding) -> &str {
    f.location.path.as_deref().unwrap_or(&f.target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.name().to_uppercase().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
    }

    #[test]
    fn unknown_format_lists_valid_names() {
        let err = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown output format \"xml\": expected one of table, json, sarif, junit, markdown, github"
        );
    }

    #[test]
    fn plural_forms() {
        assert_eq!(plural(0, "finding"), "0 findings");
        assert_eq!(plural(1, "finding"), "1 finding");
        assert_eq!(plural(2, "file"), "2 files");
    }
}
