use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_any_arg, report_missing_flag};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-504",
        name: "dnf-install-no-yes",
        title: "dnf install without -y",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3038"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`dnf`/`microdnf` `install`, `groupinstall` and `localinstall` without `-y`
or `--assumeyes`.

## Why it matters
A build has no terminal to answer dnf's confirmation prompt: without `-y`
the transaction is aborted and the build fails.

## Example
```dockerfile
RUN dnf install httpd
```

## Use instead
```dockerfile
RUN dnf install -y httpd-2.4.57 && dnf clean all
```

## How to fix
Add `-y` to every dnf install.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_flag(
        cx,
        out,
        |c| has_any_arg(c, &["dnf", "microdnf"], &["install", "groupinstall", "localinstall"]),
        &["y", "assumeyes"],
        |name| format!("{name} install without -y: the build cannot answer its prompt; add -y"),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_yes() {
        assert_eq!(lines(&RULE, "FROM f:40\nRUN dnf install httpd\n"), [2]);
        assert_eq!(lines(&RULE, "FROM f:40\nRUN microdnf install tar\n"), [2]);
    }

    #[test]
    fn accepts_yes() {
        for ok in ["dnf install -y httpd", "dnf -y groupinstall x", "microdnf --assumeyes install x", "dnf clean all"] {
            assert!(lines(&RULE, &format!("FROM f:40\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
