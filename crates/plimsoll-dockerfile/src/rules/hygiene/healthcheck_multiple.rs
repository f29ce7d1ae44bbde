use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::report_later_duplicates;
use crate::parser::Keyword;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-603",
        name: "healthcheck-multiple",
        title: "Several HEALTHCHECK instructions in one stage",
        severity: Severity::Low,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3012"],
            trivy: &["DS023"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A build stage with more than one `HEALTHCHECK`; the second and later ones are
reported. `ONBUILD HEALTHCHECK` triggers are counted separately from the stage's own
instructions.

## Why it matters
Only the last `HEALTHCHECK` of a stage is used. The earlier check, perhaps
the meaningful one, is silently dropped.

## Example
```dockerfile
HEALTHCHECK CMD curl -f http://localhost/
HEALTHCHECK CMD pgrep app
```

## Use instead
```dockerfile
HEALTHCHECK CMD curl -f http://localhost/
```

## How to fix
Keep the one `HEALTHCHECK` that should apply, at the end of the stage, and delete the
others.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_later_duplicates(cx, Keyword::Healthcheck, out);
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_duplicates() {
        assert_eq!(lines(&RULE, "FROM a:1\nHEALTHCHECK CMD true\nRUN x\nHEALTHCHECK CMD true\nHEALTHCHECK CMD true\n"), [4, 5]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD HEALTHCHECK CMD true\nONBUILD HEALTHCHECK CMD true\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nHEALTHCHECK \\\n  # c\n  CMD true\nHEALTHCHECK CMD true\n"), [5]);
    }

    #[test]
    fn accepts_one_per_stage() {
        assert!(lines(&RULE, "FROM a:1\nHEALTHCHECK CMD true\nFROM b:1\nHEALTHCHECK CMD true\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nHEALTHCHECK CMD true\nONBUILD HEALTHCHECK CMD true\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN x\n").is_empty());
    }
}
