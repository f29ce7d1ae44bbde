//! Dockerfile auditing for Plimsoll: a parser that keeps spans
//! ([`parser`]), a shell tokenizer for RUN bodies ([`shell`]), variable
//! expansion ([`vars`]), and the rules ([`rules`]), one file per rule.
//!
//! [`audit`] runs every rule over one file and returns findings in the
//! shared model, with inline suppressions applied.

pub mod image_ref;
pub mod parser;
pub mod rules;
pub mod shell;
pub mod span;
pub mod suppress;
pub mod vars;

use plimsoll_core::{Finding, FindingKind, Location};

pub use parser::{Args, Dockerfile, Form, Instruction, Keyword, ParseError, parse};
pub use rules::{Ctx, RULES, Rule, RuleConfig, Violation};
pub use span::{LineIndex, Pos, Span};

/// The `kind` of Dockerfile targets in reports.
pub const TARGET_KIND: &str = "dockerfile";

/// Audit one Dockerfile. `path` is how the file is named in findings.
/// A file that cannot be parsed yields one `PL-DF-000` error finding.
pub fn audit(path: &str, source: &str, config: &RuleConfig) -> Vec<Finding> {
    let df = match parse(source) {
        Ok(df) => df,
        Err(e) => return vec![parse_error_finding(path, &e)],
    };
    audit_parsed(path, &df, config)
}

/// Audit an already parsed Dockerfile.
pub fn audit_parsed(path: &str, df: &Dockerfile, config: &RuleConfig) -> Vec<Finding> {
    let cx = Ctx::new(df, config);
    let sup = suppress::Suppressions::from_file(df);
    let mut findings = Vec::new();
    let mut violations = Vec::new();
    for rule in RULES.iter() {
        violations.clear();
        (rule.check)(&cx, &mut violations);
        for v in violations.drain(..) {
            let start = df.pos(v.span.start);
            let end = df.pos(v.span.end);
            if sup.suppressed(&rule.meta, df, v.span.start) {
                continue;
            }
            findings.push(Finding {
                id: rule.meta.id.to_string(),
                kind: if rule.meta.category == "secrets" {
                    FindingKind::Secret
                } else {
                    FindingKind::Misconfiguration
                },
                severity: rule.meta.severity,
                title: rule.meta.title.to_string(),
                message: v.message,
                target: path.to_string(),
                location: Location {
                    path: Some(path.to_string()),
                    line: Some(start.line),
                    column: Some(start.column),
                    end_line: Some(end.line),
                    end_column: Some(end.column),
                    layer: None,
                },
                evidence: v.evidence,
                remediation: None,
                references: references(&rule.meta),
            });
        }
    }
    findings.sort_by(|a, b| {
        (a.location.line, a.location.column, &a.id).cmp(&(
            b.location.line,
            b.location.column,
            &b.id,
        ))
    });
    findings
}

fn references(meta: &plimsoll_core::RuleMeta) -> Vec<String> {
    let mut r = vec![format!(
        "{}/blob/main/docs/rules/{}.md",
        plimsoll_core::TOOL_URI,
        meta.id
    )];
    let e = &meta.equivalents;
    r.extend(e.hadolint.iter().map(|h| format!("hadolint:{h}")));
    r.extend(e.cis.iter().map(|c| format!("cis-docker:{c}")));
    r.extend(e.dockle.iter().map(|d| format!("dockle:{d}")));
    r.extend(e.trivy.iter().map(|t| format!("trivy:{t}")));
    r
}

/// The finding for a file that does not parse.
pub fn parse_error_finding(path: &str, e: &ParseError) -> Finding {
    let meta = &rules::PARSE_ERROR.meta;
    Finding {
        id: meta.id.to_string(),
        kind: FindingKind::Error,
        severity: meta.severity,
        title: meta.title.to_string(),
        message: e.message.clone(),
        target: path.to_string(),
        location: Location {
            path: Some(path.to_string()),
            line: Some(e.line),
            column: Some(e.column),
            ..Location::default()
        },
        evidence: None,
        remediation: Some(
            "Fix the syntax at the reported position; Docker would refuse to build this file."
                .into(),
        ),
        references: references(meta),
    }
}
