use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_any_arg, removes_dir, report_missing_cleanup};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-510",
        name: "dnf-cache-not-cleaned",
        title: "dnf install without dnf clean all",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3040"],
            trivy: &["DS019", "DS027"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A RUN with `dnf install` or `microdnf install` and no `dnf clean all` /
`microdnf clean all` (or `rm -rf /var/cache/dnf`, `/var/cache/yum`) after
it in the same RUN, unless the cache directory is a cache mount.

## Why it matters
dnf keeps repository metadata and downloaded packages in `/var/cache/dnf`.
Left in the layer they add tens to hundreds of megabytes that nothing at run
time uses; cleaning in a later RUN does not shrink the earlier layer.

## Example
```dockerfile
RUN dnf install -y httpd-2.4.57
```

## Use instead
```dockerfile
RUN dnf install -y httpd-2.4.57 && dnf clean all
```

## How to fix
End the RUN with `dnf clean all` (`microdnf clean all`).
"#,
    },
    check,
};

const DNF: &[&str] = &["dnf", "microdnf"];

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_cleanup(
        cx,
        false,
        out,
        |c| has_any_arg(c, DNF, &["install"]),
        |c| {
            has_any_arg(c, DNF, &["clean"])
                || removes_dir(c, "/var/cache/dnf")
                || removes_dir(c, "/var/cache/yum")
        },
        &["/var/cache/dnf", "/var/cache/yum"],
        |c| {
            let name = c.name().unwrap_or("dnf");
            format!("{name} install without `{name} clean all` in the same RUN leaves the package cache in the image")
        },
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_clean() {
        assert_eq!(lines(&RULE, "FROM f:40\nRUN dnf install -y httpd\n"), [2]);
        assert_eq!(lines(&RULE, "FROM f:40\nRUN microdnf install -y tar && \\\n  microdnf update\n"), [2]);
    }

    #[test]
    fn accepts_clean() {
        for ok in [
            "dnf install -y httpd && dnf clean all",
            "microdnf install -y tar && microdnf clean all",
            "dnf install -y x && rm -rf /var/cache/dnf/*",
            "--mount=type=cache,target=/var/cache/dnf dnf install -y x",
        ] {
            assert!(lines(&RULE, &format!("FROM f:40\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
