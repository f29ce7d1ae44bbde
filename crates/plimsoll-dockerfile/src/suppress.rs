//! Inline suppressions:
//!
//! - `# plimsoll ignore=PL-DF-101,from-latest reason…` on the line(s) above
//!   an instruction silences those rules for that instruction;
//! - `# plimsoll ignore-file=ID[,ID] reason…` anywhere silences them for the
//!   whole file;
//! - hadolint's pragmas `# hadolint ignore=DL3008` and
//!   `# hadolint global ignore=DL3008` are honoured too, mapped through each
//!   rule's hadolint equivalents, so existing Dockerfiles keep working.
//!
//! Ids may be rule ids, rule names or hadolint ids; `all` matches every rule.

use plimsoll_core::RuleMeta;

use crate::parser::Dockerfile;

#[derive(Debug, Default)]
pub struct Suppressions {
    file: Vec<String>,
    /// (line of the instruction the pragma applies to, ids)
    lines: Vec<(u32, Vec<String>)>,
}

fn ids(list: &str) -> Vec<String> {
    list.split_whitespace()
        .next()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Suppressions {
    pub fn from_file(df: &Dockerfile) -> Self {
        let mut s = Suppressions::default();
        for c in &df.comments {
            let text = c.text.trim();
            let (tool_rest, _hadolint) = if let Some(r) = text.strip_prefix("plimsoll") {
                (r, false)
            } else if let Some(r) = text.strip_prefix("hadolint") {
                (r, true)
            } else {
                continue;
            };
            let rest = tool_rest.trim_start();
            if let Some(list) = rest
                .strip_prefix("ignore-file=")
                .or_else(|| rest.strip_prefix("global ignore="))
            {
                s.file.extend(ids(list));
            } else if let Some(list) = rest.strip_prefix("ignore=") {
                // Applies to the first instruction starting after the comment.
                if let Some(inst) = df.instructions.iter().find(|i| i.pos.line > c.line) {
                    s.lines.push((inst.pos.line, ids(list)));
                }
            }
        }
        s
    }

    fn matches(meta: &RuleMeta, id: &str) -> bool {
        id == "all"
            || meta.id.eq_ignore_ascii_case(id)
            || meta.name.eq_ignore_ascii_case(id)
            || meta
                .equivalents
                .hadolint
                .iter()
                .any(|h| h.eq_ignore_ascii_case(id))
    }

    /// Whether `meta` is silenced at source offset `offset`.
    pub fn suppressed(&self, meta: &RuleMeta, df: &Dockerfile, offset: u32) -> bool {
        if self.file.iter().any(|id| Self::matches(meta, id)) {
            return true;
        }
        if self.lines.is_empty() {
            return false;
        }
        let Some(inst) = df
            .instructions
            .iter()
            .find(|i| i.span.start <= offset && offset <= i.span.end)
        else {
            return false;
        };
        self.lines.iter().any(|(line, ids)| {
            *line == inst.pos.line && ids.iter().any(|id| Self::matches(meta, id))
        })
    }
}
