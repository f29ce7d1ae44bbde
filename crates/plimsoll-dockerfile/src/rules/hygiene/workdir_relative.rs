use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{drop_quotes, instructions, is_windows_absolute, keyword_label};
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-551",
        name: "workdir-relative",
        title: "WORKDIR is a relative path",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3000"],
            trivy: &["DS009"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `WORKDIR` (also in `ONBUILD`) whose path is relative. Paths starting with
`/`, Windows paths with a drive (`C:\app`, `c:/app`) and paths starting with
a variable (`$HOME/app`) count as absolute.

## Why it matters
A relative `WORKDIR` is resolved against the previous working directory,
which may come from the base image and change when the base image does.
Later `COPY`, `RUN` and the container's start directory then land somewhere
nobody reviewed.

## Example
```dockerfile
WORKDIR app
```

## Use instead
```dockerfile
WORKDIR /app
```

## How to fix
Write the full path the stage should work in.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (_, inst, onbuild) in instructions(cx.df) {
        let Args::Workdir(w) = &inst.args else {
            continue;
        };
        let path = drop_quotes(w.raw.trim());
        if path.is_empty()
            || path.starts_with(['/', '$', '\\'])
            || is_windows_absolute(path)
        {
            continue;
        }
        out.push(
            Violation::new(
                w.span,
                format!(
                    "{} {path} is relative: it depends on the previous working directory (perhaps the base image's); write an absolute path such as /{path}",
                    keyword_label(inst, onbuild)
                ),
            )
            .with_evidence(w.raw.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_relative() {
        assert_eq!(lines(&RULE, "FROM a:1\nWORKDIR app\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nWORKDIR \"src/app\"\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD WORKDIR app\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nWORKDIR \\\n  ./build\n"), [3]);
    }

    #[test]
    fn accepts_absolute_variables_and_windows() {
        assert!(lines(&RULE, "FROM a:1\nWORKDIR /app\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nWORKDIR '/app'\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nWORKDIR $HOME/app\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nWORKDIR ${APP_DIR}\n").is_empty());
        assert!(lines(&RULE, "# escape=`\nFROM a:1\nWORKDIR C:\\app\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nWORKDIR c:/app\n").is_empty());
    }
}
