//! A small hand-built report that exercises every writer: several
//! severities, a target without findings, a finding without a line, a rule
//! that is not in the registry, a path with a space, and a message full of
//! characters that XML, markdown, tables and workflow commands treat
//! specially.

#![allow(dead_code)]

use plimsoll_core::{
    Equivalents, Finding, FindingKind, Location, Report, RuleMeta, Severity, TargetReport,
};

pub const RULES: &[RuleMeta] = &[
    RuleMeta {
        id: "PL-DF-001",
        name: "from-untagged",
        title: "FROM uses an image without a tag or digest",
        severity: Severity::High,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3006"],
            cis: &[],
            dockle: &[],
            trivy: &["DS001"],
        },
        doc: "# FROM uses an image without a tag or digest\n\n\
              Checks that every `FROM` names a tag or a digest.\n\n\
              ## Why it matters\n\nAn untagged image is whatever `latest` is today.\n",
    },
    RuleMeta {
        id: "PL-DF-010",
        name: "secret-in-env",
        title: "Secret in ENV or ARG",
        severity: Severity::Critical,
        category: "secrets",
        equivalents: Equivalents::NONE,
        doc: "Flags credentials set with `ENV` or `ARG`.\n\nThey stay in the image history.",
    },
    RuleMeta {
        id: "PL-DF-020",
        name: "curl-pipe-shell",
        title: "Piping a download into a shell",
        severity: Severity::Medium,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL4006"],
            cis: &[],
            dockle: &[],
            trivy: &[],
        },
        doc: "Flags `curl … | sh`.",
    },
    RuleMeta {
        id: "PL-DF-030",
        name: "no-healthcheck",
        title: "No HEALTHCHECK instruction",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &[],
            cis: &["4.6"],
            dockle: &["CIS-DI-0006"],
            trivy: &["DS026"],
        },
        doc: "",
    },
];

fn finding(
    id: &str,
    severity: Severity,
    title: &str,
    message: &str,
    target: &str,
    location: Location,
) -> Finding {
    Finding {
        id: id.into(),
        kind: FindingKind::Misconfiguration,
        severity,
        title: title.into(),
        message: message.into(),
        target: target.into(),
        location,
        evidence: None,
        remediation: None,
        references: vec![],
    }
}

fn at(path: &str, line: u32, column: u32, end: Option<(u32, u32)>) -> Location {
    Location {
        path: Some(path.into()),
        line: Some(line),
        column: Some(column),
        end_line: end.map(|e| e.0),
        end_column: end.map(|e| e.1),
        layer: None,
    }
}

pub const SPECIAL: &str =
    "Pipe | and <tag attr=\"x\"> & 'quote' *stars* `tick` [link](x) 100% a:b,c\nsecond line";

pub fn report() -> Report {
    let df = "Dockerfile";
    let prod = "build dir/Dockerfile.prod";
    let mut secret = finding(
        "PL-DF-010",
        Severity::Critical,
        "Secret in ENV or ARG",
        "ENV AWS_SECRET_ACCESS_KEY sets a credential",
        df,
        at(df, 7, 5, Some((7, 30))),
    );
    secret.evidence = Some("AWS_SECRET_ACCESS_KEY=****".into());
    secret.remediation = Some("Use a build secret (RUN --mount=type=secret).".into());
    Report::new(
        "0.1.0-test",
        vec![
            TargetReport {
                target: df.into(),
                kind: "dockerfile".into(),
                findings: vec![
                    // Deliberately out of order: writers for people sort by line.
                    secret,
                    finding(
                        "PL-DF-001",
                        Severity::High,
                        "FROM uses an image without a tag or digest",
                        "image \"ubuntu\" has no tag or digest",
                        df,
                        at(df, 1, 1, Some((1, 12))),
                    ),
                    finding(
                        "PL-DF-030",
                        Severity::Low,
                        "No HEALTHCHECK instruction",
                        "the final stage has no HEALTHCHECK",
                        df,
                        Location::file(df),
                    ),
                    finding(
                        "PL-DF-020",
                        Severity::Medium,
                        "Piping a download into a shell",
                        SPECIAL,
                        df,
                        at(df, 4, 1, Some((5, 20))),
                    ),
                    finding(
                        "PL-DF-099",
                        Severity::Info,
                        "A rule outside the registry",
                        "informational note",
                        df,
                        at(df, 4, 10, None),
                    ),
                ],
            },
            TargetReport {
                target: "services/api/Dockerfile".into(),
                kind: "dockerfile".into(),
                findings: vec![],
            },
            TargetReport {
                target: prod.into(),
                kind: "dockerfile".into(),
                findings: vec![finding(
                    "PL-DF-030",
                    Severity::Low,
                    "No HEALTHCHECK instruction",
                    "the final stage has no HEALTHCHECK",
                    prod,
                    at(prod, 2, 3, None),
                )],
            },
        ],
    )
}
