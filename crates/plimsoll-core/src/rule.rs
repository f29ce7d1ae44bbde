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
    /// The first paragraph of the documentation, used as SARIF `fullDescription`.
    pub fn summary(&self) -> &'static str {
        let doc = self.doc.trim_start();
        let body =
            doc.split_once("\n\n").map_or(
                doc,
                |(first, rest)| if first.starts_with('#') { rest } else { first },
            );
        body.split("\n\n").next().unwrap_or(body).trim()
    }
}
