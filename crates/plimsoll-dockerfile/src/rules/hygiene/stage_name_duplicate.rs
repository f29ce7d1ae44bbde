use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-607",
        name: "stage-name-duplicate",
        title: "Two build stages have the same name",
        severity: Severity::Medium,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3024"],
            trivy: &["DS012"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `FROM … AS NAME` whose name (compared without case, as BuildKit does) was
already used by an earlier stage.

## Why it matters
BuildKit refuses the file ("duplicate stage name"), and older builders
silently resolve `COPY --from=NAME` and `--target NAME` to one of the two,
so the image may contain files from the wrong stage.

## Example
```dockerfile
FROM node:22 AS build
FROM golang:1.22 AS build
```

## Use instead
```dockerfile
FROM node:22 AS build-web
FROM golang:1.22 AS build-api
```

## How to fix
Give every stage a unique name and update the references.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let mut seen: Vec<(String, u32)> = Vec::new();
    for inst in &cx.df.instructions {
        let Args::From { alias: Some(alias), .. } = &inst.args else {
            continue;
        };
        let lower = alias.value.to_ascii_lowercase();
        if let Some((_, line)) = seen.iter().find(|(n, _)| *n == lower) {
            out.push(
                Violation::new(
                    alias.span,
                    format!("stage name {} is already used by the stage at line {line}: stage names must be unique; rename one", alias.value),
                )
                .with_evidence(alias.value.clone()),
            );
        } else {
            seen.push((lower, inst.pos.line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_duplicates() {
        assert_eq!(lines(&RULE, "FROM a:1 AS build\nFROM b:1 AS build\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1 AS build\nFROM b:1 as BUILD\nFROM c:1 AS build\n"), [2, 3]);
    }

    #[test]
    fn accepts_unique() {
        assert!(lines(&RULE, "FROM a:1 AS build\nFROM b:1 AS test\nFROM c:1\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nFROM a:1\n").is_empty());
    }
}
