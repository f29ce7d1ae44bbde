use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, report_command};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-411",
        name: "zypper-dist-upgrade",
        title: "zypper dist-upgrade during the build",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3035"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`zypper dist-upgrade` (or `zypper dup`) in a RUN.

## Why it matters
A distribution upgrade may move the whole system to the packages of another
release: vendor changes, downgrades and removals included. The image no
longer matches its base, two builds of the same Dockerfile can differ
widely, and nothing of it is reviewed.

## Example
```dockerfile
FROM opensuse/tumbleweed
RUN zypper -n dup
```

## Use instead
```dockerfile
FROM opensuse/tumbleweed@sha256:…   # a newer snapshot
RUN zypper -n install curl=8.6.0 && zypper clean --all
```

## How to fix
Use a newer base image instead of upgrading the distribution inside the
build.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if has_arg(cmd, "zypper", &["dist-upgrade", "dup"]) {
                report_command(
                    out,
                    &run,
                    script,
                    cmd,
                    "`zypper dist-upgrade` upgrades the distribution inside the build; use a newer base image".to_string(),
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
    fn flags_dup() {
        assert_eq!(lines(&RULE, "FROM o:1\nRUN zypper -n dup\n"), [2]);
        assert_eq!(lines(&RULE, "FROM o:1\nRUN zypper ref && \\\n  zypper --non-interactive dist-upgrade\n"), [3]);
    }

    #[test]
    fn accepts_others() {
        for ok in ["zypper -n install curl=8", "zypper -n update", "echo zypper dup"] {
            assert!(lines(&RULE, &format!("FROM o:1\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
