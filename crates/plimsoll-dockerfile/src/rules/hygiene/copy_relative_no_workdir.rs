
use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{drop_quotes, is_windows_absolute};
use crate::parser::{Args, Instruction, Keyword};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-609",
        name: "copy-relative-no-workdir",
        title: "COPY to a relative destination before any WORKDIR",
        severity: Severity::Low,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3045"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `COPY` whose destination is relative (`.`, `app/`, `config.yml`) in a
stage where no `WORKDIR` has been set yet, counting `WORKDIR`s of the build
stage it is based on (`FROM build AS test`). Absolute paths, Windows paths
with a drive (`C:\app`, `c:/app`) and destinations starting with a variable
are fine. An `ONBUILD COPY` is fine when the stage (which the child image
inherits) or an earlier `ONBUILD` sets a `WORKDIR`.

## Why it matters
A relative destination is resolved against the working directory of the
base image, which the Dockerfile does not show and which changes when the
base image does: files land in `/` or in a directory picked by the base
image's author, and the `CMD` does not find them.

## Example
```dockerfile
FROM python:3.12-slim
COPY . .
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
```

## How to fix
Set `WORKDIR` before the `COPY`, or copy to an absolute path.
"#,
    },
    check,
};

fn relative(dest: &str) -> bool {
    let d = drop_quotes(dest.trim());
    !(d.starts_with('/') || d.starts_with('$') || is_windows_absolute(d))
}

fn flag(inst: &Instruction, onbuild: bool, out: &mut Vec<Violation>) {
    let Args::Copy { dest, .. } = &inst.args else { return };
    if !relative(&dest.value) {
        return;
    }
    let kw = if onbuild { "ONBUILD COPY" } else { "COPY" };
    out.push(
        Violation::new(
            dest.span,
            format!("{kw} to the relative destination {} without a WORKDIR: it lands wherever the base image's working directory is; set WORKDIR first or use an absolute path", dest.value),
        )
        .with_evidence(dest.raw.clone()),
    );
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let df = cx.df;
    // Whether a stage sets WORKDIR (by its end), for stages built on it.
    let mut set_at_end: Vec<bool> = Vec::with_capacity(df.stages.len());
    let mut any_in_chain: Vec<bool> = Vec::with_capacity(df.stages.len());
    for stage in &df.stages {
        let parent = cx.parent_stage(stage.index);
        let mut set = parent.is_some_and(|p| set_at_end[p]);
        let insts = df.stage_instructions(stage.index);
        let chain_has = parent.is_some_and(|p| any_in_chain[p])
            || insts.iter().any(|i| i.keyword == Keyword::Workdir);
        let mut onbuild_set = false;
        for inst in insts {
            match &inst.args {
                Args::Workdir(_) => set = true,
                Args::Copy { .. } if inst.keyword == Keyword::Copy && !set => flag(inst, false, out),
                Args::Onbuild(inner) => match inner.keyword {
                    Keyword::Workdir => onbuild_set = true,
                    Keyword::Copy if !(onbuild_set || chain_has) => flag(inner, true, out),
                    _ => {}
                },
                _ => {}
            }
        }
        set_at_end.push(set);
        any_in_chain.push(chain_has);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_relative_without_workdir() {
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY . .\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY a app/\nWORKDIR /app\nCOPY b .\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1 AS x\nWORKDIR /app\nFROM b:1\nCOPY --from=x /a b\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY \\\n  # sources\n  src \\\n  \"app\"\n"), [5]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD COPY . .\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY <<EOF conf.ini\nx\nEOF\n"), [2]);
    }

    #[test]
    fn accepts_workdir_absolute_and_inherited() {
        assert!(lines(&RULE, "FROM a:1\nWORKDIR /app\nCOPY . .\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY . /app\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY . $APP\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY . 'C:\\app'\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY . c:/app\n").is_empty());
        assert!(lines(&RULE, "# escape=`\nFROM a:1\nCOPY . C:\\app\\\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS base\nWORKDIR /app\nFROM base\nCOPY . .\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nADD . .\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nONBUILD COPY . .\nWORKDIR /app\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nONBUILD WORKDIR /app\nONBUILD COPY . .\n").is_empty());
    }
}
