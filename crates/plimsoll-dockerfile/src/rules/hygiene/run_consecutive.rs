use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::command_name;
use crate::parser::{Args, Instruction, Keyword};
use crate::rules::{Ctx, Rule, Run, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-556",
        name: "run-consecutive",
        title: "Consecutive single-command RUN instructions",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3059"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `RUN` that directly follows another `RUN` (only comments between them),
when both run a single command and use the same flags (`--mount`,
`--network`, `--security`). `RUN`s that already chain several commands are
left alone: splitting those is usually deliberate (cache boundaries). The
same applies to consecutive `ONBUILD RUN` triggers.

## Why it matters
Every `RUN` adds a layer. Files deleted in a later layer still ship in the
earlier one (package caches, build tools, downloaded archives), so cleanup
only works inside the `RUN` that created the files.

## Example
```dockerfile
RUN apt-get update
RUN apt-get install -y curl
```

## Use instead
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

## How to fix
Join the commands with `&&` (or use a heredoc) in one `RUN`.
"#,
    },
    check,
};

/// Commands of a RUN as hadolint counts them: ShellCheck's simple commands
/// with a literal name (`[ … ]` and `[[ … ]]` are conditions, not commands).
fn command_count(run: &Run<'_>) -> usize {
    run.commands()
        .filter(|c| command_name(c).is_some_and(|n| n != "[" && n != "[["))
        .count()
}

/// The flags of a RUN, for comparing two RUNs.
type FlagsKey = Vec<(String, Option<String>)>;

fn flags_key(inst: &Instruction) -> FlagsKey {
    inst.flags
        .iter()
        .map(|f| (f.name.to_ascii_lowercase(), f.value.clone()))
        .collect()
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    // Top-level instructions, and ONBUILD triggers as their own sequence.
    for onbuild in [false, true] {
        let mut prev: Option<(FlagsKey, usize, u32)> = None;
        for (i, inst) in cx.df.instructions.iter().enumerate() {
            let inner = match (&inst.args, onbuild) {
                (Args::Onbuild(inner), true) => inner.as_ref(),
                (_, true) => continue,
                (_, false) => inst,
            };
            if inner.keyword != Keyword::Run {
                prev = None;
                continue;
            }
            let Some(run) = cx.run_at(i) else {
                prev = None;
                continue;
            };
            let key = flags_key(inner);
            let count = command_count(&run);
            match &prev {
                Some((pkey, pcount, pline)) if *pkey == key && count <= 1 && *pcount <= 1 => {
                    out.push(Violation::new(
                        inst.span,
                        format!("RUN directly after the RUN at line {pline}: each RUN adds a layer; join them with && in one RUN"),
                    ));
                }
                _ => prev = Some((key, count, inst.pos.line)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_consecutive_single_commands() {
        assert_eq!(lines(&RULE, "FROM a:1\nRUN apt-get update\nRUN apt-get install -y x\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN a\n# note\n\nRUN b\nRUN c\n"), [5, 6]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD RUN a\nONBUILD RUN b\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN a\nRUN [ -e f ] && b\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN --mount=type=cache,target=/c a\nRUN --mount=type=cache,target=/c b\n"), [3]);
    }

    #[test]
    fn accepts_chains_breaks_and_different_flags() {
        assert!(lines(&RULE, "FROM a:1\nRUN a && b\nRUN c\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN a\nRUN b $(c)\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN a\nENV X=1\nRUN b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN a\nRUN --mount=type=secret,id=x b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN a\nFROM b:1\nRUN b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN <<EOF\na\nb\nEOF\nRUN c\n").is_empty());
    }
}
