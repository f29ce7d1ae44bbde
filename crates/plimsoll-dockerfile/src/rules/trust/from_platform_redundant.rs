use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::Keyword;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-106",
        name: "from-platform-redundant",
        title: "FROM --platform=$TARGETPLATFORM is redundant",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3065"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`): the flag
restates BuildKit's default.

## Why it matters
Every stage is already built for the target platform. The flag adds noise
and suggests to readers that the stage is special when it is not; the stage
that *is* special (`--platform=$BUILDPLATFORM`) becomes harder to spot.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
```

## How to fix
Remove the flag.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for inst in cx.df.instructions.iter().filter(|i| i.keyword == Keyword::From) {
        for f in inst.flags_named("platform") {
            if matches!(f.value.as_deref(), Some("$TARGETPLATFORM" | "${TARGETPLATFORM}")) {
                out.push(Violation::new(
                    f.span,
                    "--platform=$TARGETPLATFORM is the default for every stage; remove the flag",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_target_platform() {
        assert_eq!(lines(&RULE, "FROM --platform=$TARGETPLATFORM alpine:3\n"), [1]);
        assert_eq!(lines(&RULE, "FROM a:1 AS x\nFROM --platform=${TARGETPLATFORM} x\n"), [2]);
    }

    #[test]
    fn accepts_other_platforms() {
        assert!(lines(&RULE, "FROM --platform=$BUILDPLATFORM golang:1 AS b\n").is_empty());
        assert!(lines(&RULE, "FROM alpine:3\n").is_empty());
        assert!(lines(&RULE, "FROM --platform=linux/amd64 alpine:3\n").is_empty());
    }
}
