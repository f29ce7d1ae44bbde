use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, removes_dir, report_missing_cleanup};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-509",
        name: "yum-cache-not-cleaned",
        title: "yum install without yum clean all",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3032"],
            trivy: &["DS015"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A RUN with `yum install` and no `yum clean` (or `rm -rf /var/cache/yum`)
after it in the same RUN, unless `/var/cache/yum` is a cache mount.

## Why it matters
yum keeps downloaded metadata and packages in `/var/cache/yum`. Left in the
layer they add tens to hundreds of megabytes that nothing at run time uses;
cleaning in a later RUN does not shrink the earlier layer.

## Example
```dockerfile
RUN yum install -y httpd-2.4.57
```

## Use instead
```dockerfile
RUN yum install -y httpd-2.4.57 && yum clean all && rm -rf /var/cache/yum
```

## How to fix
End the RUN with `yum clean all`.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_cleanup(
        cx,
        false,
        out,
        |c| has_arg(c, "yum", &["install"]),
        |c| has_arg(c, "yum", &["clean"]) || removes_dir(c, "/var/cache/yum"),
        &["/var/cache/yum"],
        |_| "yum install without `yum clean all` in the same RUN leaves the yum cache in the image".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_clean() {
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum install -y httpd\n"), [2]);
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum clean all && yum install -y httpd\n"), [2]);
        assert_eq!(lines(&RULE, "FROM c:7\nRUN yum install -y a\nRUN yum clean all\n"), [2]);
    }

    #[test]
    fn accepts_clean() {
        for ok in [
            "yum install -y httpd && yum clean all",
            "yum install -y httpd \\\n  # tidy\n  && rm -rf /var/cache/yum",
            "--mount=type=cache,target=/var/cache/yum yum install -y httpd",
            "yum update -y",
        ] {
            assert!(lines(&RULE, &format!("FROM c:7\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
