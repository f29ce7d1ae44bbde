use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{drop_quotes, instructions, keyword_label};
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-604",
        name: "copy-multi-source-dest",
        title: "COPY/ADD with several sources to a destination not ending in /",
        severity: Severity::Medium,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3021"],
            trivy: &["DS011"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `COPY` or `ADD` (also in `ONBUILD`) with more than one source (files,
heredocs) whose destination does not end in `/` (or `\` on Windows).
Destinations built from variables are not judged: their value is only known
at build time.

## Why it matters
With several sources the destination must be a directory, and Docker
requires it to be written with a trailing slash: the build fails with
"When using COPY with more than one source file, the destination must be a
directory and end with a /". Hitting that in CI after a long build, or in a
rarely built variant, wastes time.

## Example
```dockerfile
COPY package.json package-lock.json /app
```

## Use instead
```dockerfile
COPY package.json package-lock.json /app/
```

## How to fix
Add the trailing slash to the destination.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (_, inst, onbuild) in instructions(cx.df) {
        let Args::Copy { sources, dest, .. } = &inst.args else {
            continue;
        };
        if sources.len() < 2 {
            continue;
        }
        let d = drop_quotes(dest.value.trim());
        if d.ends_with('/') || d.ends_with('\\') || d.contains('$') {
            continue;
        }
        out.push(
            Violation::new(
                dest.span,
                format!(
                    "{} has {} sources but its destination {d} does not end with /: the build fails; write {d}/",
                    keyword_label(inst, onbuild),
                    sources.len()
                ),
            )
            .with_evidence(dest.raw.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_slash() {
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY a b /app\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nADD a b /app\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY [\"a\", \"b\", \"/app\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY a \\\n  # second\n  b \\\n  /app\n"), [5]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY <<one <<two /app\n1\none\n2\ntwo\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD COPY a b .\n"), [2]);
    }

    #[test]
    fn accepts_directories_single_sources_and_variables() {
        assert!(lines(&RULE, "FROM a:1\nCOPY a b /app/\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY a b ./\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY a /app\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY --from=b /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY a b $APP_DIR\n").is_empty());
        assert!(lines(&RULE, "# escape=`\nFROM a:1\nCOPY a b C:\\app\\\n").is_empty());
    }
}
