use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::report_later_duplicates;
use crate::parser::Keyword;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-601",
        name: "cmd-multiple",
        title: "Several CMD instructions in one stage",
        severity: Severity::Low,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL4003"],
            trivy: &["DS016"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A build stage with more than one `CMD`; the second and later ones are
reported. `ONBUILD CMD` triggers are counted separately from the stage's own
instructions.

## Why it matters
Only the last `CMD` of a stage is used. Earlier ones are dead code that misleads
readers (and reviewers) about what the container runs.

## Example
```dockerfile
CMD ["nginx"]
RUN make
CMD ["app", "--serve"]
```

## Use instead
```dockerfile
RUN make
CMD ["app", "--serve"]
```

## How to fix
Keep the one `CMD` that should apply, at the end of the stage, and delete the
others.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_later_duplicates(cx, Keyword::Cmd, out);
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_duplicates() {
        assert_eq!(lines(&RULE, "FROM a:1\nCMD [\"x\"]\nRUN x\nCMD [\"x\"]\nCMD [\"x\"]\n"), [4, 5]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD CMD [\"x\"]\nONBUILD CMD [\"x\"]\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nCMD \\\n  # c\n  [\"x\"]\nCMD [\"x\"]\n"), [5]);
    }

    #[test]
    fn accepts_one_per_stage() {
        assert!(lines(&RULE, "FROM a:1\nCMD [\"x\"]\nFROM b:1\nCMD [\"x\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCMD [\"x\"]\nONBUILD CMD [\"x\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN x\n").is_empty());
    }
}
