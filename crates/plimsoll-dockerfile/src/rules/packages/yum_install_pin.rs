use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, operands, report_packages, rpm_version_like};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-406",
        name: "yum-install-unpinned",
        title: "yum install without versions",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3033"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`yum install` of packages named without a version (`NAME-VERSION`), and
`yum module install` of modules without a stream (`NAME:STREAM`). Local
`.rpm` files are exempt. A package counts as versioned when a dash-separated
part after the name starts with a digit (`httpd-2.4.57`, `openssl-1:1.1.1k`).

## Why it matters
Unpinned packages make builds unreproducible: each rebuild installs whatever
the repositories serve that day, and a compromised or broken repository
reaches the image unnoticed.

## Example
```dockerfile
RUN yum install -y httpd && yum clean all
```

## Use instead
```dockerfile
RUN yum install -y httpd-2.4.57 && yum clean all
```

## How to fix
Pin each package as `NAME-VERSION` (see `yum list --showduplicates NAME`)
and module installs as `NAME:STREAM`.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !has_arg(cmd, "yum", &["install"]) {
                continue;
            }
            let module = has_arg(cmd, "yum", &["module"]);
            let unpinned: Vec<_> = operands(cmd, &[])
                .into_iter()
                .filter(|w| w.text != "install" && w.text != "module")
                .filter(|w| {
                    let p = w.text.as_str();
                    if module {
                        !p.contains(':')
                    } else {
                        !rpm_version_like(p)
                    }
                })
                .collect();
            report_packages(out, &run, script, &unpinned, |names| {
                if module {
                    format!("yum module install without streams: {names}; pin them as NAME:STREAM")
                } else {
                    format!("yum install without versions: {names}; pin them as NAME-VERSION")
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
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum install -y httpd && yum clean all\n"), [2]);
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum install -y epel-release gcc-c++\n"), [2]);
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum module install -y nodejs\n"), [2]);
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum -y install \\\n  # web\n  nginx\n"), [4]);
    }

    #[test]
    fn accepts_pinned() {
        for ok in [
            "yum install -y httpd-2.4.57 openssl-1:1.1.1k /tmp/x.rpm",
            "yum module install -y nodejs:18",
            "yum update -y",
            "yum remove -y httpd",
        ] {
            assert!(lines(&RULE, &format!("FROM c:7\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
