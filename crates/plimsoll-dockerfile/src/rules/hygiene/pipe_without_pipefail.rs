use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::command_name;
use crate::parser::{Args, Instruction, Keyword};
use crate::rules::{Ctx, Rule, Run, Violation};
use crate::shell::{self, Command, Connector};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-559",
        name: "pipe-without-pipefail",
        title: "RUN with a pipe but without pipefail",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL4006"],
            trivy: &["DS032"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `RUN` (also in heredocs, command substitutions and `ONBUILD`) containing a
pipe `a | b`, in a stage whose `SHELL` does not set `-o pipefail`. A `RUN`
that itself runs `set -o pipefail` (or `set -eo pipefail`, …) before its
first pipe is fine. Stages whose `SHELL` is PowerShell or `cmd` are not
checked.

## Why it matters
A POSIX shell reports only the exit status of the last command of a
pipeline. In `curl -fsSL https://x/install.sh | sh` or
`wget -O- URL | tar xz`, a failed or truncated download is piped onward and
the step still succeeds: the image is built with a missing or
half-installed component, and nobody notices until it runs.

## Example
```dockerfile
RUN wget -O - https://example.com/tool.tgz | tar xz -C /opt
```

## Use instead
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN wget -O - https://example.com/tool.tgz | tar xz -C /opt
```

## How to fix
Add `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (Alpine: `/bin/ash`) before
the `RUN`, or start the command with `set -o pipefail &&`.
"#,
    },
    check,
};

/// A shell or `set` invocation that turns on pipefail: `-o pipefail`,
/// `-eo pipefail`, `-o errexit -o pipefail`.
fn enables_pipefail(cmd: &Command) -> bool {
    let Some(name) = command_name(cmd) else {
        return false;
    };
    let base = name.rsplit('/').next().unwrap_or(name);
    if !matches!(base, "set" | "bash" | "zsh" | "ash" | "sh" | "ksh" | "mksh" | "dash") {
        return false;
    }
    let args: Vec<&str> = cmd.arg_texts().collect();
    args.windows(2).any(|w| {
        w[1] == "pipefail"
            && w[0].starts_with('-')
            && !w[0].starts_with("--")
            && w[0].ends_with('o')
    })
}

fn is_non_posix(shell: &[String]) -> bool {
    let Some(first) = shell.first() else {
        return false;
    };
    let base = first
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(first)
        .to_ascii_lowercase();
    ["pwsh", "powershell", "cmd"]
        .iter()
        .any(|p| base.starts_with(p))
}

/// What a SHELL instruction means for this rule: `true` when pipes are safe
/// (pipefail set, or not a POSIX shell).
fn shell_is_safe(shell: &[String]) -> bool {
    if is_non_posix(shell) {
        return true;
    }
    let quoted: Vec<String> = shell.iter().map(|a| format!("'{}'", a.replace('\'', ""))).collect();
    let s = shell::tokenize(&quoted.join(" "));
    s.commands.first().is_some_and(enables_pipefail)
}

/// The first pipe of the RUN not preceded by a `set -o pipefail`.
fn unprotected_pipe(run: &Run<'_>) -> Option<crate::span::Span> {
    for script in run.scripts {
        let cmds = &script.script.commands;
        for (i, c) in cmds.iter().enumerate() {
            if enables_pipefail(c) {
                return None;
            }
            if c.next == Connector::Pipe {
                let end = cmds[i..]
                    .iter()
                    .find(|x| x.next != Connector::Pipe)
                    .map_or(c.end, |x| x.end);
                return Some(run.span_in(script, c.start, end));
            }
        }
    }
    None
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for s in 0..cx.df.stages.len() {
        let stage = &cx.df.stages[s];
        for onbuild in [false, true] {
            let mut safe = false;
            for idx in stage.start..stage.end {
                let outer = &cx.df.instructions[idx];
                let inst: &Instruction = match (&outer.args, onbuild) {
                    (Args::Onbuild(inner), true) => inner,
                    (_, true) => continue,
                    (_, false) => outer,
                };
                match &inst.args {
                    Args::Shell(sh) => safe = shell_is_safe(sh),
                    Args::Run(_) if inst.keyword == Keyword::Run && !safe => {
                        let Some(run) = cx.run_at(idx) else { continue };
                        if let Some(span) = unprotected_pipe(&run) {
                            out.push(
                                Violation::new(
                                    span,
                                    "RUN pipes commands without pipefail: if an earlier command of the pipe fails, the step still succeeds; add SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before it or start with `set -o pipefail &&`",
                                )
                                .with_evidence(cx.df.source.get(span.start as usize..span.end as usize).unwrap_or("").to_string()),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_pipes() {
        assert_eq!(lines(&RULE, "FROM a:1\nRUN curl -fsSL https://x | sh\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN apt-get update && \\\n  # fetch\n  wget -O- u | tar x\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN echo $(cat f | wc -l)\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\nset -e\ncat x | grep y\nEOF\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD RUN a | b\n"), [2]);
        assert_eq!(lines(&RULE, "# escape=`\nFROM a:1\nRUN echo x `\n  | tee y\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN { echo a; echo b; } | tee f\n"), [2]);
        // A SHELL in an earlier stage does not carry over; a later SHELL
        // without pipefail resets it.
        assert_eq!(
            lines(&RULE, "FROM a:1\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM b:1\nRUN a | b\n"),
            [4]
        );
        assert_eq!(
            lines(&RULE, "FROM a:1\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a | b\n"),
            [4]
        );
        // pipefail set after the pipe is too late
        assert_eq!(lines(&RULE, "FROM a:1\nRUN a | b; set -o pipefail\n"), [2]);
    }

    #[test]
    fn accepts_pipefail_and_non_posix() {
        assert!(lines(&RULE, "FROM a:1\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nSHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN a | b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nSHELL [\"powershell\", \"-Command\"]\nRUN a | b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN set -euxo pipefail; a | b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN set -o pipefail && a | b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN a || b\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN case \"$(uname -m)\" in \\\n  x86_64|aarch64) a ;; \\\n  *) b ;; \\\n esac\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN echo 'a | b'\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\", \"a | b\"]\n").is_empty());
    }
}
