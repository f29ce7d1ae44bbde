use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::report_later_duplicates;
use crate::parser::Keyword;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-602",
        name: "entrypoint-multiple",
        title: "Several ENTRYPOINT instructions in one stage",
        severity: Severity::Low,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL4004"],
            trivy: &["DS007"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A build stage with more than one `ENTRYPOINT`; the second and later ones are
reported. `ONBUILD ENTRYPOINT` triggers are counted separately from the stage's own
instructions.

## Why it matters
Only the last `ENTRYPOINT` of a stage is used. An earlier one, often a
wrapper that drops privileges or sets up the environment, silently does not
run.

## Example
```dockerfile
ENTRYPOINT ["/docker-entrypoint.sh"]
ENTRYPOINT ["app"]
```

## Use instead
```dockerfile
ENTRYPOINT ["/docker-entrypoint.sh", "app"]
```

## How to fix
Keep the one `ENTRYPOINT` that should apply, at the end of the stage, and delete the
others.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_later_duplicates(cx, Keyword::Entrypoint, out);
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_duplicates() {
        assert_eq!(lines(&RULE, "FROM a:1\nENTRYPOINT [\"x\"]\nRUN x\nENTRYPOINT [\"x\"]\nENTRYPOINT [\"x\"]\n"), [4, 5]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD ENTRYPOINT [\"x\"]\nONBUILD ENTRYPOINT [\"x\"]\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nENTRYPOINT \\\n  # c\n  [\"x\"]\nENTRYPOINT [\"x\"]\n"), [5]);
    }

    #[test]
    fn accepts_one_per_stage() {
        assert!(lines(&RULE, "FROM a:1\nENTRYPOINT [\"x\"]\nFROM b:1\nENTRYPOINT [\"x\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nENTRYPOINT [\"x\"]\nONBUILD ENTRYPOINT [\"x\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN x\n").is_empty());
    }
}
