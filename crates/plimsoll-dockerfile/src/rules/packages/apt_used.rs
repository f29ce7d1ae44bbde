use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::report_command;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-507",
        name: "apt-in-scripts",
        title: "apt used instead of apt-get",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3027"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
Any `apt` command in a RUN (`apt install`, `apt update`, …).

## Why it matters
`apt` is the interactive front end: its output and behaviour are not a
stable interface (it warns so itself when piped), and defaults may change
between releases. `apt-get` and `apt-cache` are the tools meant for scripts.

## Example
```dockerfile
RUN apt update && apt install -y curl
```

## Use instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## How to fix
Replace `apt` with `apt-get` (or `apt-cache` for searches).
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if cmd.is("apt") {
                let what = match cmd.subcommand(&["-o", "-c", "-t"]) {
                    Some(sub) => format!("apt {sub}"),
                    None => "apt".to_string(),
                };
                report_command(
                    out,
                    &run,
                    script,
                    cmd,
                    format!("`{what}` in a build script: apt is for interactive use; use apt-get (or apt-cache)"),
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
    fn flags_apt() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt update && apt install -y curl\n"), [2, 2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN set -e; \\\n  /usr/bin/apt install -y x\n"), [3]);
    }

    #[test]
    fn accepts_apt_get() {
        for ok in ["apt-get install -y curl", "apt-cache policy curl", "echo apt", "apt-key add k"] {
            assert!(lines(&RULE, &format!("FROM d:1\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
