//! `plimsoll rules`, `plimsoll explain` and the generated rule documentation
//! (README table and docs/rules/*.md), all from the rule registry.

use comfy_table::{
    Attribute, Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED,
};
use plimsoll_core::{RuleMeta, Severity};
use plimsoll_dockerfile::RULES;
use serde::Serialize;

pub fn all_rules() -> Vec<RuleMeta> {
    RULES.iter().map(|r| r.meta).collect()
}

fn lookup(key: &str) -> Option<RuleMeta> {
    plimsoll_dockerfile::rules::find(key)
        .first()
        .map(|r| r.meta)
}

fn join(v: &[&str]) -> String {
    v.join(", ")
}

pub fn rules_table(color: bool) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header([
            "id", "severity", "category", "title", "hadolint", "CIS", "dockle", "trivy",
        ]);
    for m in all_rules() {
        let mut sev = Cell::new(m.severity);
        if color {
            sev = match m.severity {
                Severity::Critical => sev.fg(Color::Red).add_attribute(Attribute::Bold),
                Severity::High => sev.fg(Color::DarkRed),
                Severity::Medium => sev.fg(Color::DarkYellow),
                Severity::Low => sev.fg(Color::DarkBlue),
                Severity::Info => sev.add_attribute(Attribute::Dim),
            };
        }
        t.add_row([
            Cell::new(m.id),
            sev,
            Cell::new(m.category),
            Cell::new(m.title),
            Cell::new(join(m.equivalents.hadolint)),
            Cell::new(join(m.equivalents.cis)),
            Cell::new(join(m.equivalents.dockle)),
            Cell::new(join(m.equivalents.trivy)),
        ]);
    }
    format!(
        "{t}\n{} rules. `plimsoll explain ID` shows one.\n",
        RULES.len()
    )
}

#[derive(Serialize)]
struct RuleJson {
    id: &'static str,
    name: &'static str,
    severity: plimsoll_core::Severity,
    category: &'static str,
    title: &'static str,
    equivalents: EquivJson,
    doc: &'static str,
}

#[derive(Serialize)]
struct EquivJson {
    hadolint: &'static [&'static str],
    cis: &'static [&'static str],
    dockle: &'static [&'static str],
    trivy: &'static [&'static str],
}

pub fn rules_json() -> anyhow::Result<String> {
    let v: Vec<RuleJson> = all_rules()
        .into_iter()
        .map(|m| RuleJson {
            id: m.id,
            name: m.name,
            severity: m.severity,
            category: m.category,
            title: m.title,
            equivalents: EquivJson {
                hadolint: m.equivalents.hadolint,
                cis: m.equivalents.cis,
                dockle: m.equivalents.dockle,
                trivy: m.equivalents.trivy,
            },
            doc: m.doc.trim(),
        })
        .collect();
    Ok(serde_json::to_string_pretty(&v)? + "\n")
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The rules as a Markdown table (README section and `--format markdown`).
pub fn rules_markdown() -> String {
    let mut s = String::from(
        "| id | name | severity | title | hadolint | CIS Docker | Dockle | Trivy |\n|---|---|---|---|---|---|---|---|\n",
    );
    for m in all_rules() {
        s.push_str(&format!(
            "| [{id}](docs/rules/{id}.md) | `{}` | {} | {} | {} | {} | {} | {} |\n",
            m.name,
            m.severity,
            md_cell(m.title),
            join(m.equivalents.hadolint),
            join(m.equivalents.cis),
            join(m.equivalents.dockle),
            join(m.equivalents.trivy),
            id = m.id,
        ));
    }
    s
}

fn header(m: &RuleMeta) -> String {
    let mut eq = Vec::new();
    for (name, v) in [
        ("hadolint", m.equivalents.hadolint),
        ("CIS Docker Benchmark", m.equivalents.cis),
        ("Dockle", m.equivalents.dockle),
        ("Trivy", m.equivalents.trivy),
    ] {
        if !v.is_empty() {
            eq.push(format!("{name} {}", v.join(", ")));
        }
    }
    format!(
        "# {} {}: {}\n\nSeverity: **{}** · Category: {} · Equivalents: {}\n",
        m.id,
        m.name,
        m.title,
        m.severity,
        m.category,
        if eq.is_empty() {
            "none".to_string()
        } else {
            eq.join("; ")
        }
    )
}

/// The page of one rule (`docs/rules/ID.md` and `plimsoll explain`).
pub fn rule_page(m: &RuleMeta) -> String {
    format!("{}\n{}\n", header(m), m.doc.trim())
}

pub fn explain(key: &str) -> Option<String> {
    lookup(key).map(|m| rule_page(&m))
}
