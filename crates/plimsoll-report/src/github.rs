//! `github`: GitHub Actions workflow commands, one line per finding, which
//! the runner turns into annotations on the pull request's diff:
//!
//! ```text
//! ::error file=Dockerfile,line=3,col=1,endLine=3,endColumn=12,title=PL-DF-001 Title::message
//! ```
//!
//! Critical and high findings are errors, medium ones warnings, the rest
//! notices. Nothing else is printed, so the output can be appended to a log
//! as is.

use std::fmt::Write as _;

use plimsoll_core::{Report, Severity};

use crate::finding_path;

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in report.findings() {
        let command = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let loc = &f.location;
        let mut props = vec![format!("file={}", escape_property(finding_path(f)))];
        // Positions are only meaningful from the start line on.
        if let Some(line) = loc.line {
            props.push(format!("line={line}"));
            if let Some(col) = loc.column {
                props.push(format!("col={col}"));
            }
            if let Some(end_line) = loc.end_line {
                props.push(format!("endLine={end_line}"));
            }
            if let Some(end_column) = loc.end_column {
                props.push(format!("endColumn={end_column}"));
            }
        }
        let title = if f.title.is_empty() {
            f.id.clone()
        } else {
            format!("{} {}", f.id, f.title)
        };
        props.push(format!("title={}", escape_property(&title)));
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&f.message)
        );
    }
    out
}

/// Escapes a command's message (the part after `::`).
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value (`file=…`, `title=…`): as data, plus the
/// separators of the property list.
fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
    }
}
