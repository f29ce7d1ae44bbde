use serde::{Deserialize, Serialize};

use crate::Severity;

/// Version of the JSON report schema (`crates/plimsoll-report/JSON-SCHEMA.md`). Bumped on any
/// incompatible change; additive changes keep the major number.
pub const REPORT_SCHEMA_VERSION: &str = "1.0";

/// What kind of problem a finding describes. Every analysis in Plimsoll
/// reports through the same [`Finding`] type; the kind says which family it
/// belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A configuration that weakens security or hygiene (Dockerfile rules,
    /// image configuration, host and container checks).
    Misconfiguration,
    /// A known vulnerability in an installed package.
    Vulnerability,
    /// A credential or key material.
    Secret,
    /// A license policy problem.
    License,
    /// Provenance: signatures and attestations.
    Trust,
    /// The input could not be read or parsed; the analysis of that target is
    /// incomplete.
    Error,
}

/// Where a finding is. Every field is optional because locations differ by
/// kind: a Dockerfile finding has a path, line and column; an image finding
/// has a layer and a path inside it; a container finding has a container id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// File path as given by the user (or the path inside an image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line of the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column (in characters) of the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// 1-based line of the end (inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    /// 1-based column just past the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    /// Image layer (diff_id) when the finding is inside an image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: Some(path.into()),
            ..Location::default()
        }
    }

    /// `path:line:column`, as much of it as is known.
    pub fn display(&self) -> String {
        let mut s = self.path.clone().unwrap_or_default();
        if let Some(line) = self.line {
            s.push_str(&format!(":{line}"));
            if let Some(col) = self.column {
                s.push_str(&format!(":{col}"));
            }
        }
        s
    }
}

/// One problem found in one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id (`PL-DF-001`) or advisory id (`CVE-2024-1234`).
    pub id: String,
    pub kind: FindingKind,
    pub severity: Severity,
    /// The rule's or advisory's title.
    pub title: String,
    /// What is wrong here, specifically.
    pub message: String,
    /// What was analysed: a Dockerfile path, an image reference, a host.
    pub target: String,
    pub location: Location,
    /// The offending text or value (secrets are redacted by the producer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// Links and ids of related material (hadolint/CIS ids, documentation).
    #[serde(default)]
    pub references: Vec<String>,
}

/// The findings of one target (one Dockerfile, one image, one host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetReport {
    pub target: String,
    /// `dockerfile`, `image`, `host`, `container`.
    pub kind: String,
    pub findings: Vec<Finding>,
}

/// Count of findings per severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub targets: usize,
    pub findings: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    /// Targets that could not be fully analysed (they carry an error finding).
    pub errors: usize,
}

/// Everything one invocation produced, in the order targets were given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: String,
    pub tool: String,
    pub version: String,
    pub targets: Vec<TargetReport>,
}

impl Report {
    pub fn new(version: impl Into<String>, targets: Vec<TargetReport>) -> Self {
        Report {
            schema_version: REPORT_SCHEMA_VERSION.to_string(),
            tool: crate::TOOL_NAME.to_string(),
            version: version.into(),
            targets,
        }
    }

    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.targets.iter().flat_map(|t| t.findings.iter())
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            targets: self.targets.len(),
            ..Summary::default()
        };
        for t in &self.targets {
            if t.findings.iter().any(|f| f.kind == FindingKind::Error) {
                s.errors += 1;
            }
        }
        for f in self.findings() {
            s.findings += 1;
            match f.severity {
                Severity::Critical => s.critical += 1,
                Severity::High => s.high += 1,
                Severity::Medium => s.medium += 1,
                Severity::Low => s.low += 1,
                Severity::Info => s.info += 1,
            }
        }
        s
    }

    /// The most severe finding, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings().map(|f| f.severity).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(sev: Severity, kind: FindingKind) -> Finding {
        Finding {
            id: "X".into(),
            kind,
            severity: sev,
            title: "t".into(),
            message: "m".into(),
            target: "Dockerfile".into(),
            location: Location::file("Dockerfile"),
            evidence: None,
            remediation: None,
            references: vec![],
        }
    }

    #[test]
    fn summary_counts_by_severity_and_errors() {
        let r = Report::new(
            "0",
            vec![
                TargetReport {
                    target: "a".into(),
                    kind: "dockerfile".into(),
                    findings: vec![
                        finding(Severity::High, FindingKind::Misconfiguration),
                        finding(Severity::Low, FindingKind::Misconfiguration),
                    ],
                },
                TargetReport {
                    target: "b".into(),
                    kind: "dockerfile".into(),
                    findings: vec![finding(Severity::Critical, FindingKind::Error)],
                },
            ],
        );
        let s = r.summary();
        assert_eq!(
            (s.targets, s.findings, s.critical, s.high, s.low, s.errors),
            (2, 3, 1, 1, 1, 1)
        );
        assert_eq!(r.max_severity(), Some(Severity::Critical));
    }

    #[test]
    fn location_display() {
        let mut l = Location::file("Dockerfile");
        assert_eq!(l.display(), "Dockerfile");
        l.line = Some(3);
        l.column = Some(7);
        assert_eq!(l.display(), "Dockerfile:3:7");
    }
}
