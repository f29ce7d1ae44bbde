use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, report_missing_flag};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-502",
        name: "yum-install-no-yes",
        title: "yum install without -y",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3030"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`yum install`, `yum groupinstall` and `yum localinstall` without `-y` or
`--assumeyes`.

## Why it matters
A build has no terminal to answer yum's confirmation prompt: without `-y`
the transaction is aborted and the build fails.

## Example
```dockerfile
RUN yum install httpd
```

## Use instead
```dockerfile
RUN yum install -y httpd-2.4.57 && yum clean all
```

## How to fix
Add `-y` to every yum install.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_flag(
        cx,
        out,
        |c| has_arg(c, "yum", &["install", "groupinstall", "localinstall"]),
        &["y", "assumeyes"],
        |_| "yum install without -y: the build cannot answer yum's prompt; add -y".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_yes() {
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum install httpd\n"), [2]);
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum groupinstall 'Development Tools'\n"), [2]);
    }

    #[test]
    fn accepts_yes() {
        for ok in ["yum install -y httpd", "yum -y localinstall x.rpm", "yum --assumeyes install x", "yum clean all"] {
            assert!(lines(&RULE, &format!("FROM c:7\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
