//! `table`: findings grouped by target, one table each, then a summary.
//!
//! The layout never depends on the terminal: columns are as wide as their
//! content (no wrapping), so the output is the same in a pipe, a narrow
//! terminal and a snapshot test.

use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};
use owo_colors::OwoColorize;
use plimsoll_core::{Finding, Report, Severity, TargetReport};

use crate::{RenderOptions, count_at_or_above, plural, sorted, target_noun};

pub(crate) fn render(report: &Report, opts: &RenderOptions) -> String {
    // Blocks are separated by a blank line; consecutive targets without
    // findings share one block, a line each.
    let mut blocks: Vec<String> = Vec::new();
    let mut clean_run = String::new();
    for target in &report.targets {
        if target.findings.is_empty() {
            let name = sanitize(&target.target);
            let line = if opts.color {
                format!("{} {name} — no findings\n", "✔".green())
            } else {
                format!("✔ {name} — no findings\n")
            };
            clean_run.push_str(&line);
        } else {
            if !clean_run.is_empty() {
                blocks.push(std::mem::take(&mut clean_run));
            }
            blocks.push(target_block(target, opts));
        }
    }
    if !clean_run.is_empty() {
        blocks.push(clean_run);
    }
    blocks.push(summary(report, opts));
    blocks.join("\n")
}

/// Total width of the findings table, in columns.
const TABLE_WIDTH: u16 = 120;

fn target_block(target: &TargetReport, opts: &RenderOptions) -> String {
    let heading = format!(
        "{} — {}",
        sanitize(&target.target),
        plural(target.findings.len(), "finding")
    );
    let heading = if opts.color {
        heading.bold().to_string()
    } else {
        heading
    };

    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        // A fixed width keeps output identical on every terminal and in
        // logs; long messages wrap inside their cell.
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(TABLE_WIDTH)
        .set_header(["Location", "Severity", "Rule", "Message"]);
    if opts.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    for f in sorted(&target.findings) {
        table.add_row(vec![
            Cell::new(location_cell(f, &target.target)),
            severity_cell(f.severity, opts.color),
            Cell::new(sanitize(&f.id)),
            Cell::new(sanitize(&f.message)),
        ]);
    }
    format!("{heading}\n{table}\n")
}

/// `line:col`, prefixed with the path when the finding is in another file
/// than the target (e.g. a path inside an image); `-` for the whole target.
fn location_cell(f: &Finding, target: &str) -> String {
    let loc = &f.location;
    let mut s = String::new();
    if let Some(path) = loc.path.as_deref().filter(|p| *p != target) {
        s.push_str(&sanitize(path));
    }
    if let Some(line) = loc.line {
        if !s.is_empty() {
            s.push(':');
        }
        s.push_str(&line.to_string());
        if let Some(col) = loc.column {
            s.push_str(&format!(":{col}"));
        }
    }
    if s.is_empty() {
        s.push('-');
    }
    s
}

fn severity_cell(sev: Severity, color: bool) -> Cell {
    let cell = Cell::new(sev.as_str());
    if !color {
        return cell;
    }
    match sev {
        // crossterm names the bright colors plainly and the normal ones "Dark".
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::DarkRed),
        Severity::Medium => cell.fg(Color::DarkYellow),
        Severity::Low => cell.fg(Color::DarkBlue),
        Severity::Info => cell.add_attribute(Attribute::Dim),
    }
}

fn summary(report: &Report, opts: &RenderOptions) -> String {
    let s = report.summary();
    let noun = target_noun(report);
    let mut out = if s.findings == 0 {
        format!("no findings in {}\n", plural(s.targets, noun))
    } else {
        let counts = [
            (Severity::Critical, s.critical),
            (Severity::High, s.high),
            (Severity::Medium, s.medium),
            (Severity::Low, s.low),
            (Severity::Info, s.info),
        ]
        .iter()
        .map(|&(sev, n)| {
            let text = format!("{n} {sev}");
            if opts.color && n > 0 {
                paint(sev, &text)
            } else {
                text
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
        format!(
            "{} in {}: {counts}\n",
            plural(s.findings, "finding"),
            plural(s.targets, noun)
        )
    };
    if s.errors > 0 {
        out.push_str(&format!(
            "{} could not be fully analysed\n",
            plural(s.errors, noun)
        ));
    }
    if let Some(threshold) = opts.fail_on {
        let failed = count_at_or_above(report, threshold) > 0;
        let verdict = match (failed, opts.color) {
            (true, true) => "failed".red().bold().to_string(),
            (true, false) => "failed".to_string(),
            (false, true) => "passed".green().to_string(),
            (false, false) => "passed".to_string(),
        };
        out.push_str(&format!("gate: {verdict} (--fail-on {threshold})\n"));
    }
    out
}

/// The same colors as the severity column, for text outside the table.
fn paint(sev: Severity, text: &str) -> String {
    match sev {
        Severity::Critical => text.bright_red().bold().to_string(),
        Severity::High => text.red().to_string(),
        Severity::Medium => text.yellow().to_string(),
        Severity::Low => text.blue().to_string(),
        Severity::Info => text.dimmed().to_string(),
    }
}

/// Makes untrusted text (paths, messages quoting a Dockerfile) safe to print
/// to a terminal: control characters other than newline, and the bidi
/// controls that can reorder what a reader sees, are shown as `\u{…}`
/// escapes instead of being interpreted. Tabs become a space.
pub(crate) fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_neutralises_escape_sequences() {
        assert_eq!(sanitize("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(sanitize("x\ty\r\nz"), "x y\\u{d}\nz");
        assert_eq!(sanitize("abc\u{202e}cba"), "abc\\u{202e}cba");
        assert_eq!(sanitize("héllo ✔"), "héllo ✔");
    }
}
