use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_any_arg, operands, report_packages, rpm_version_like};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-408",
        name: "dnf-install-unpinned",
        title: "dnf install without versions",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3041"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`dnf install` and `microdnf install` of packages named without a version
(`NAME-VERSION`, where the part after a dash starts with a digit, e.g.
`httpd-2.4.57`), and `dnf module install` of modules without a stream
(`NAME:STREAM`). Local `.rpm` files are exempt; `dnf group install` is not
judged.

## Why it matters
Unpinned packages make builds unreproducible: each rebuild installs whatever
the repositories serve that day, and a compromised or broken repository
reaches the image unnoticed.

## Example
```dockerfile
RUN dnf install -y python3-pip && dnf clean all
```

## Use instead
```dockerfile
RUN dnf install -y python3-pip-21.3.1 && dnf clean all
```

## How to fix
Pin each package as `NAME-VERSION` (see `dnf list --showduplicates NAME`)
and module installs as `NAME:STREAM`.
"#,
    },
    check,
};

const DNF: &[&str] = &["dnf", "microdnf"];

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !has_any_arg(cmd, DNF, &["install"]) {
                continue;
            }
            let module = has_any_arg(cmd, DNF, &["module"]);
            if !module && has_any_arg(cmd, DNF, &["group"]) {
                continue;
            }
            let unpinned: Vec<_> = operands(cmd, &[])
                .into_iter()
                .filter(|w| w.text != "install" && w.text != "module")
                .filter(|w| {
                    if module {
                        !w.text.contains(':')
                    } else {
                        !rpm_version_like(&w.text)
                    }
                })
                .collect();
            report_packages(out, &run, script, &unpinned, |names| {
                if module {
                    format!("dnf module install without streams: {names}; pin them as NAME:STREAM")
                } else {
                    format!("dnf install without versions: {names}; pin them as NAME-VERSION")
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_unpinned() {
        assert_eq!(lines(&RULE, "FROM f:40\nRUN dnf install -y python3-pip\n"), [2]);
        assert_eq!(lines(&RULE, "FROM f:40\nRUN microdnf install -y tar gzip-1.12\n"), [2]);
        assert_eq!(lines(&RULE, "FROM f:40\nRUN dnf module install -y nodejs\n"), [2]);
    }

    #[test]
    fn accepts_pinned() {
        for ok in [
            "dnf install -y python3-pip-21.3.1 gzip-1.12-1.el9 /tmp/x.rpm",
            "dnf module install -y nodejs:18",
            "dnf group install -y 'Development Tools'",
            "dnf upgrade -y",
        ] {
            assert!(lines(&RULE, &format!("FROM f:40\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
