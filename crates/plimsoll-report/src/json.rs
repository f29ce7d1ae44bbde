//! `json`: the report as it is, plus its summary. The schema is documented in
//! `JSON-SCHEMA.md`; keep the two in step.

use plimsoll_core::{Report, Summary, TargetReport};
use serde::Serialize;

/// The document: the fields of [`Report`] with the summary inserted before
/// the targets, so a reader sees the counts first.
#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: &'a str,
    tool: &'a str,
    version: &'a str,
    summary: Summary,
    targets: &'a [TargetReport],
}

pub(crate) fn render(report: &Report) -> String {
    let doc = JsonReport {
        schema_version: &report.schema_version,
        tool: &report.tool,
        version: &report.version,
        summary: report.summary(),
        targets: &report.targets,
    };
    to_pretty_json(&doc)
}

/// Pretty JSON with a final newline. Serializing plain structs with string
/// keys cannot fail; should it ever, the document says so rather than being
/// silently empty.
pub(crate) fn to_pretty_json<T: Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!(
            "{{\n  \"error\": {}\n}}\n",
            serde_json::Value::String(format!("could not serialize the report: {e}"))
        ),
    }
}
