use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, removes_dir, report_missing_cleanup};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-511",
        name: "zypper-cache-not-cleaned",
        title: "zypper install without zypper clean",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3036"],
            trivy: &["DS020"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A RUN with `zypper install`/`in` and no `zypper clean`/`cc` (or
`rm -rf /var/cache/zypp`) after it in the same RUN, unless
`/var/cache/zypp` is a cache mount.

## Why it matters
zypper keeps repository metadata and downloaded packages in
`/var/cache/zypp`; left in the layer they enlarge the image for nothing.

## Example
```dockerfile
RUN zypper -n install curl=8.6.0
```

## Use instead
```dockerfile
RUN zypper -n install curl=8.6.0 && zypper clean --all
```

## How to fix
End the RUN with `zypper clean --all`.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_cleanup(
        cx,
        false,
        out,
        |c| has_arg(c, "zypper", &["install", "in"]),
        |c| has_arg(c, "zypper", &["clean", "cc"]) || removes_dir(c, "/var/cache/zypp"),
        &["/var/cache/zypp"],
        |_| "zypper install without `zypper clean` in the same RUN leaves the zypper cache in the image".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_clean() {
        assert_eq!(lines(&RULE, "FROM o:15\nRUN zypper -n in curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM o:15\nRUN zypper cc && zypper -n install curl\n"), [2]);
    }

    #[test]
    fn accepts_clean() {
        for ok in ["zypper -n in curl && zypper clean --all", "zypper -n install x; zypper cc -a", "zypper refresh"] {
            assert!(lines(&RULE, &format!("FROM o:15\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
