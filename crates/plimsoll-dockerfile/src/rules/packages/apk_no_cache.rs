use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, report_missing_flag};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-506",
        name: "apk-add-cache",
        title: "apk add without --no-cache",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3019"],
            dockle: &["DKL-DI-0004"],
            trivy: &["DS025"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`apk add` without `--no-cache`.

## Why it matters
Without `--no-cache`, apk keeps the package index it downloaded (with
`--update`) in `/var/cache/apk`, and it stays in the layer: a larger image
holding stale index data. `--no-cache` fetches the index on the fly and
stores nothing.

## Example
```dockerfile
RUN apk update && apk add curl
```

## Use instead
```dockerfile
RUN apk add --no-cache curl=8.5.0-r0
```

## How to fix
Use `apk add --no-cache …` and drop the separate `apk update` and
`rm -rf /var/cache/apk/*`.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_flag(
        cx,
        out,
        |c| has_arg(c, "apk", &["add"]),
        &["no-cache"],
        |_| "apk add without --no-cache leaves the package index in the image; add --no-cache".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_cache() {
        assert_eq!(lines(&RULE, "FROM a:3\nRUN apk update && apk add curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:3\nRUN apk --update add curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:3\nRUN [\"/sbin/apk\", \"add\", \"curl\"]\n"), [2]);
    }

    #[test]
    fn accepts_no_cache() {
        for ok in ["apk add --no-cache curl", "apk --no-cache add curl", "apk del curl", "echo apk add"] {
            assert!(lines(&RULE, &format!("FROM a:3\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
