use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::command_name;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-560",
        name: "shell-by-symlink",
        title: "Default shell changed by symlinking /bin/sh",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL4005"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `RUN` with an `ln` command that names `/bin/sh`, typically
`ln -sf /bin/bash /bin/sh`.

## Why it matters
Replacing `/bin/sh` changes the shell of every script and package
maintainer script in the image, not just of the Dockerfile's `RUN`s: system
scripts written for a POSIX `sh` may break or behave differently, and the
change is invisible to anyone reading the rest of the Dockerfile. The
`SHELL` instruction changes only what the Dockerfile runs, and says so.

## Example
```dockerfile
RUN ln -sf /bin/bash /bin/sh
```

## Use instead
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
```

## How to fix
Remove the symlink and add a `SHELL` instruction.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if command_name(cmd) != Some("ln") || !cmd.arg_texts().any(|a| a == "/bin/sh") {
                continue;
            }
            out.push(
                Violation::new(
                    run.span_in(script, cmd.start, cmd.end),
                    "RUN replaces /bin/sh with a symlink, changing the shell for every script in the image; use the SHELL instruction instead (e.g. SHELL [\"/bin/bash\", \"-c\"])",
                )
                .with_evidence("ln /bin/sh"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_symlink() {
        assert_eq!(lines(&RULE, "FROM a:1\nRUN ln -sf /bin/bash /bin/sh\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN rm /bin/sh && \\\n  # bash please\n  ln -s /bin/bash /bin/sh\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\nln -sf bash /bin/sh\nEOF\n"), [3]);
    }

    #[test]
    fn accepts_other_links() {
        assert!(lines(&RULE, "FROM a:1\nRUN ln -s /usr/bin/python3 /usr/bin/python\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nSHELL [\"/bin/bash\", \"-c\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN echo ln -s x /bin/sh\n").is_empty());
    }
}
