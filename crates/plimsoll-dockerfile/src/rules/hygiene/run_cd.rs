use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::command_name;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-553",
        name: "run-cd",
        title: "RUN changes directory with cd instead of WORKDIR",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3003"],
            trivy: &["DS013"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `RUN` (also in `ONBUILD` and heredocs) that calls `cd`, anywhere in its
script.

## Why it matters
`cd` lasts for one `RUN` only, so the next instruction silently works in a
different directory than the reader assumes; `cd` into a directory that does
not exist fails in ways that `set -e`-less scripts ignore (`cd build; make`
builds in the wrong place). `WORKDIR` is explicit, creates the directory,
and applies to every later instruction.

## Example
```dockerfile
RUN cd /src && make install
```

## Use instead
```dockerfile
WORKDIR /src
RUN make install
```

## How to fix
Move the directory change to a `WORKDIR` before the `RUN`. Where the
directory is temporary, `make -C DIR`, `git -C DIR` or a subshell
`(cd DIR && …)` keep the intent visible.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        let found = run
            .commands_with_script()
            .find(|(_, c)| command_name(c) == Some("cd"));
        if let Some((script, cmd)) = found {
            let dir = cmd.args().first().map_or("", |w| w.text.as_str());
            let msg = if dir.is_empty() || dir.starts_with('-') {
                "RUN uses `cd`: it only lasts for this RUN; use WORKDIR to set the directory".to_string()
            } else {
                format!("RUN uses `cd {dir}`: it only lasts for this RUN; use `WORKDIR {dir}` before it")
            };
            out.push(Violation::new(run.span_in(script, cmd.start, cmd.end), msg).with_evidence(format!("cd {dir}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_cd() {
        assert_eq!(lines(&RULE, "FROM a:1\nRUN cd /src && make\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN make && \\\n  # build\n  cd /x && ls\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN (cd /tmp && make)\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\ncd /src\nmake\nEOF\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD RUN cd /x\n"), [2]);
        assert_eq!(lines(&RULE, "# escape=`\nFROM a:1\nRUN make `\n  && cd /x\n"), [4]);
    }

    #[test]
    fn accepts_no_cd() {
        assert!(lines(&RULE, "FROM a:1\nWORKDIR /src\nRUN make -C /src\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN echo 'cd /x'\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN abcd /x\n").is_empty());
    }
}
