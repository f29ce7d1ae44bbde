use serde::Serialize;

use crate::Severity;

/// What other tools and benchmarks call the same check. Empty lists mean
/// "no equivalent".
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Equivalents {
    /// hadolint rule ids (`DL3008`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub hadolint: &'static [&'static str],
    /// CIS Docker Benchmark recommendation numbers (`4.1`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub cis: &'static [&'static str],
    /// Dockle checkpoint codes (`CIS-DI-0001`, `DKL-DI-0005`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub dockle: &'static [&'static str],
    /// Trivy misconfiguration ids (`DS002`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub trivy: &'static [&'static str],
}

impl Equivalents {
    pub const NONE: Equivalents = Equivalents {
        hadolint: &[],
        cis: &[],
        dockle: &[],
        trivy: &[],
    };
}

/// The metadata every check declares: one source of truth for `plimsoll
/// rules`, `plimsoll explain`, SARIF rule descriptors and the README.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// Stable id, e.g. `PL-DF-001`. Never reused once published.
    pub id: &'static str,
    /// Short name in kebab-case, e.g. `from-untagged`.
    pub name: &'static str,
    /// One-line summary.
    pub title: &'static str,
    /// Default severity (configuration may override it).
    pub severity: Severity,
    /// Grouping used in docs: `trust`, `privilege`, `secrets`, `supply-chain`,
    /// `hygiene`, `correctness`, `parse`.
    pub category: &'static str,
    pub equivalents: Equivalents,
    /// Markdown documentation: what it checks, why it matters, a bad and a
    /// good example, how to fix.
    #[serde(skip)]
    pub doc: &'static str,
}

impl RuleMeta {
    /// The first paragraph of the documentation that is not a heading, used
    /// as SARIF `fullDescription`. Paragraph lines are joined with spaces.
    pub fn summary(&self) -> String {
        let mut para: Vec<&str> = Vec::new();
        for line in self.doc.lines() {
            let t = line.trim();
            if t.starts_with('#') || (t.is_empty() && para.is_empty()) {
                if !para.is_empty() {
                    break;
                }
                continue;
            }
            if t.is_empty() {
                break;
            }
            para.push(t);
        }
        para.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_first_paragraph_after_headings() {
        let meta = RuleMeta {
            id: "X",
            name: "x",
            title: "t",
            severity: Severity::Low,
            category: "hygiene",
            equivalents: Equivalents::NONE,
            doc: "\n## What it checks\nA `FROM` without\na tag.\n\n## Why it matters\nBecause.\n",
        };
        assert_eq!(meta.summary(), "A `FROM` without a tag.");
    }
}
