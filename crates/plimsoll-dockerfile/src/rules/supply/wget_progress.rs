use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-499",
        name: "wget-progress",
        title: "wget without a progress or quiet option",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3047"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`wget` called in `RUN` without `--progress=…`, `-q`/`--quiet`, `-nv`/
`--no-verbose`, or a log file (`-o`/`--output-file`, `-a`/`--append-output`),
as hadolint's DL3047 does.

## Why it matters
wget's default progress bar writes thousands of lines into non-interactive
build logs, which bloats CI logs and hides the lines that matter.

## Example
```dockerfile
RUN wget https://example.com/a.tgz
```

## Use instead
```dockerfile
RUN wget --progress=dot:giga https://example.com/a.tgz
# or
RUN wget -nv https://example.com/a.tgz
```

## How to fix
Add `--progress=dot:giga` to keep some progress output, or `-nv`/`-q` to
silence it.
"#,
    },
    check,
};

/// Flags as hadolint reads them: `--name[=v]` gives `name`, `-abc` gives
/// `a`, `b`, `c`.
fn flag_names(cmd: &Command) -> Vec<String> {
    let mut out = Vec::new();
    for a in cmd.arg_texts() {
        if a == "-" || a == "--" {
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            out.push(long.split('=').next().unwrap_or("").to_string());
        } else if let Some(short) = a.strip_prefix('-') {
            out.extend(short.chars().map(String::from));
        }
    }
    out
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if super::literal_name(cmd) != Some("wget") {
                continue;
            }
            let flags = flag_names(cmd);
            let quiet = flags.iter().any(|f| {
                matches!(
                    f.as_str(),
                    "progress" | "q" | "quiet" | "o" | "output-file" | "a" | "append-output" | "no-verbose"
                )
            }) || cmd.arg_texts().any(|a| a == "-nv");
            if !quiet {
                out.push(
                    Violation::new(
                        run.span_in(script, cmd.start, cmd.end),
                        "wget without --progress or -nv/-q floods the build log with a progress bar; \
                         add --progress=dot:giga or -nv",
                    )
                    .with_evidence("wget"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_noisy_wget() {
        assert_eq!(lines(&RULE, "# escape=`\nFROM a:1\nRUN wget `\n  https://x\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN wget https://x/a.tgz\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN wget -O a.tgz https://x/a.tgz\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN busybox wget https://x/a.tgz\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN set -e; \\\n  wget -c https://x\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\nwget https://x\nEOF\n"), [3]);
    }

    #[test]
    fn accepts_quiet_wget() {
        for src in [
            "FROM a:1\nRUN wget -q https://x\n",
            "FROM a:1\nRUN wget -qO- https://x | tar xz\n",
            "FROM a:1\nRUN wget -nv https://x\n",
            "FROM a:1\nRUN wget --progress=dot:giga https://x\n",
            "FROM a:1\nRUN wget --no-verbose https://x\n",
            "FROM a:1\nRUN wget -o /tmp/log https://x\n",
            "FROM a:1\nRUN curl -sO https://x\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
