//! `sarif`: SARIF 2.1.0 (OASIS), as read by GitHub code scanning and other
//! code-scanning services. One run; one rule descriptor per rule id that
//! appears in the report; one result per finding, in report order.
//!
//! The output is checked against the official schema in
//! `tests/sarif_schema.rs`.

use std::collections::BTreeMap;

use plimsoll_core::{Equivalents, Finding, FindingKind, Report, Severity, TOOL_NAME, TOOL_URI};
use serde::Serialize;

use crate::json::to_pretty_json;
use crate::{RenderOptions, finding_path, rule_doc_uri};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SARIF_VERSION: &str = "2.1.0";
/// The key of our fingerprint in `partialFingerprints`. Bump the suffix if
/// the hashed fields ever change, so services do not match old against new.
const FINGERPRINT_KEY: &str = "plimsoll/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    /// Our columns count characters (Unicode scalar values), not the UTF-16
    /// code units SARIF assumes by default.
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    short_description: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    /// Read by GitHub to rank security alerts (0.0 to 10.0, as a string).
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    equivalents: Option<Equivalents>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: Severity,
    kind: FindingKind,
}

pub(crate) fn render(report: &Report, opts: &RenderOptions) -> String {
    // Rule ids in the report, sorted, each with the first finding that uses
    // it (the source of metadata for ids that are not in the registry).
    let mut first_use: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in report.findings() {
        first_use.entry(f.id.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = first_use
        .keys()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let rules = first_use
        .iter()
        .map(|(id, first)| descriptor(id, first, opts))
        .collect();
    let results = report
        .findings()
        .map(|f| SarifResult {
            rule_id: &f.id,
            rule_index: index.get(f.id.as_str()).copied().unwrap_or_default(),
            level: level(f.severity),
            message: Text {
                text: f.message.as_str().into(),
            },
            locations: location(f).into_iter().collect(),
            partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint(f))]),
            properties: ResultProperties {
                severity: f.severity,
                kind: f.kind,
            },
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: SARIF_VERSION,
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL_NAME,
                    version: &report.version,
                    information_uri: TOOL_URI,
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    to_pretty_json(&log)
}

fn descriptor<'a>(id: &'a str, first: &'a Finding, opts: &RenderOptions<'a>) -> Descriptor<'a> {
    match opts.rule(id) {
        Some(meta) => {
            let summary = meta.summary();
            let has_equivalents = !(meta.equivalents.hadolint.is_empty()
                && meta.equivalents.cis.is_empty()
                && meta.equivalents.dockle.is_empty()
                && meta.equivalents.trivy.is_empty());
            Descriptor {
                id,
                name: Some(meta.name),
                short_description: Text {
                    text: meta.title.into(),
                },
                full_description: (!summary.is_empty()).then_some(Text {
                    text: summary.into(),
                }),
                help: (!meta.doc.trim().is_empty()).then_some(Help {
                    text: meta.doc,
                    markdown: meta.doc,
                }),
                help_uri: Some(rule_doc_uri(id)),
                default_configuration: Configuration {
                    level: level(meta.severity),
                },
                properties: RuleProperties {
                    security_severity: security_severity(meta.severity),
                    tags: vec![meta.category, "security"],
                    equivalents: has_equivalents.then_some(meta.equivalents),
                },
            }
        }
        // Not in the registry (an advisory, or a rule the caller did not
        // pass): describe it from the finding itself.
        None => Descriptor {
            id,
            name: None,
            short_description: Text {
                text: if first.title.is_empty() {
                    id.into()
                } else {
                    first.title.as_str().into()
                },
            },
            full_description: None,
            help: None,
            help_uri: None,
            default_configuration: Configuration {
                level: level(first.severity),
            },
            properties: RuleProperties {
                security_severity: security_severity(first.severity),
                tags: vec![kind_name(first.kind), "security"],
                equivalents: None,
            },
        },
    }
}

/// SARIF has three levels of problem; severities map onto them.
fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's scale: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium,
/// 0.1–3.9 low.
fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn kind_name(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Misconfiguration => "misconfiguration",
        FindingKind::Vulnerability => "vulnerability",
        FindingKind::Secret => "secret",
        FindingKind::License => "license",
        FindingKind::Trust => "trust",
        FindingKind::Error => "error",
    }
}

fn location(f: &Finding) -> Option<SarifLocation> {
    let path = finding_path(f);
    if path.is_empty() {
        return None;
    }
    let loc = &f.location;
    let positive = |n: Option<u32>| n.filter(|&n| n >= 1);
    // SARIF needs a start line of at least 1 for a region to exist at all;
    // end positions before the start are dropped rather than made up.
    let region = positive(loc.line).map(|start_line| {
        let start_column = positive(loc.column);
        let end_line = positive(loc.end_line).filter(|&l| l >= start_line);
        let end_column = positive(loc.end_column).filter(|&c| {
            let same_line = end_line.is_none_or(|l| l == start_line);
            !same_line || c >= start_column.unwrap_or(1)
        });
        Region {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    });
    Some(SarifLocation {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: path_to_uri(path),
            },
            region,
        },
    })
}

/// A file path as a URI reference: relative paths stay relative (SARIF
/// viewers resolve them against the repository), absolute ones become
/// `file:` URIs. Backslashes become slashes; every byte that may not appear
/// literally in a URI path is percent-encoded (including `:`, which would
/// otherwise read as a scheme, and `%` itself).
pub(crate) fn path_to_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let (prefix, rest) = if path.starts_with('/') {
        ("file://", path.as_str())
    } else if bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/'
    {
        // A Windows drive path: `C:/x` → `file:///C:/x`.
        ("file:///", path.as_str())
    } else {
        ("", path.as_str())
    };
    let mut out = String::from(prefix);
    let keep_drive_colon = prefix == "file:///";
    for (i, &b) in rest.as_bytes().iter().enumerate() {
        let literal = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            )
            || (keep_drive_colon && i == 1 && b == b':');
        if literal {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stable identity for a finding across runs: FNV-1a (64-bit) over the rule
/// id, path, line and message, separated by a byte that cannot occur in them.
fn fingerprint(f: &Finding) -> String {
    let line = f.location.line.map(|l| l.to_string()).unwrap_or_default();
    let mut h = Fnv1a::new();
    for (i, part) in [
        f.id.as_str(),
        finding_path(f),
        line.as_str(),
        f.message.as_str(),
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            h.write(&[0x1f]);
        }
        h.write(part.as_bytes());
    }
    format!("{:016x}", h.finish())
}

/// The 64-bit Fowler–Noll–Vo 1a hash: tiny, fast, and stable across Rust
/// versions and platforms (unlike `std`'s `DefaultHasher`).
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv1a(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fnv(s: &str) -> u64 {
        let mut h = Fnv1a::new();
        h.write(s.as_bytes());
        h.finish()
    }

    #[test]
    fn fnv1a_matches_reference_vectors() {
        // From the reference test suite of the FNV authors.
        assert_eq!(fnv(""), 0xcbf29ce484222325);
        assert_eq!(fnv("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv("foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn uris_are_encoded() {
        assert_eq!(path_to_uri("Dockerfile"), "Dockerfile");
        assert_eq!(path_to_uri("./app/Dockerfile"), "./app/Dockerfile");
        assert_eq!(
            path_to_uri("build dir/Dockerfile"),
            "build%20dir/Dockerfile"
        );
        assert_eq!(path_to_uri("a\\b#c?d%e"), "a/b%23c%3Fd%25e");
        assert_eq!(path_to_uri("img:latest"), "img%3Alatest");
        assert_eq!(path_to_uri("é"), "%C3%A9");
        assert_eq!(
            path_to_uri("/srv/app/Dockerfile"),
            "file:///srv/app/Dockerfile"
        );
        assert_eq!(
            path_to_uri("C:\\src\\Dockerfile"),
            "file:///C:/src/Dockerfile"
        );
    }
}
