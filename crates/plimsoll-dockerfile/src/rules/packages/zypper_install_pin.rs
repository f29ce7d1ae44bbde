use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, operands, report_packages};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-407",
        name: "zypper-install-unpinned",
        title: "zypper install without versions",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3037"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`zypper install` (or `zypper in`) of packages named without a version
constraint (`=`, `>=`, `<`, …). Local `.rpm` files are exempt.

## Why it matters
Unpinned packages make builds unreproducible: each rebuild installs whatever
the repositories serve that day, and a compromised or broken repository
reaches the image unnoticed.

## Example
```dockerfile
RUN zypper install -y curl
```

## Use instead
```dockerfile
RUN zypper install -y curl=8.6.0-1.1
```

## How to fix
Pin each package as `NAME=VERSION` (see `zypper search -s NAME`).
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !has_arg(cmd, "zypper", &["install", "in"]) {
                continue;
            }
            let unpinned: Vec<_> = operands(cmd, &[])
                .into_iter()
                .filter(|w| w.text != "install" && w.text != "in")
                .filter(|w| {
                    let p = w.text.as_str();
                    !(p.contains('=') || p.contains('>') || p.contains('<') || p.ends_with(".rpm"))
                })
                .collect();
            report_packages(out, &run, script, &unpinned, |names| {
                format!("zypper install without versions: {names}; pin them as NAME=VERSION")
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
        assert_eq!(lines(&RULE, "FROM o:15\nRUN zypper install -y curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM o:15\nRUN zypper -n in vim 'git>=2'\n"), [2]);
    }

    #[test]
    fn accepts_pinned() {
        for ok in [
            "zypper install -y curl=8.6.0 'git>=2.40' /tmp/x.rpm",
            "zypper refresh",
            "zypper rm -y vim",
        ] {
            assert!(lines(&RULE, &format!("FROM o:15\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
