use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-203",
        name: "run-sudo",
        title: "RUN uses sudo",
        severity: Severity::Medium,
        category: "privilege",
        equivalents: Equivalents {
            hadolint: &["DL3004"],
            dockle: &["DKL-DI-0001"],
            trivy: &["DS010"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `sudo` command in a `RUN` (shell form, exec form, heredoc scripts,
command substitutions and `ONBUILD RUN`). `sudo` as an argument, as in
`apt-get install sudo`, is not reported (installing sudo is a separate
concern).

## Why it matters
RUN already executes as the current `USER`; `sudo` in a build step means the
image contains sudo and a sudoers policy that lets the runtime user become
root, which undoes the point of running as non-root. Its TTY and
environment handling also make build steps behave unpredictably (dropped
variables, `sudo: no tty present`).

## Example
```dockerfile
USER app
RUN sudo apt-get update && sudo apt-get install -y curl
```

## Use instead
```dockerfile
USER root
RUN apt-get update && apt-get install -y --no-install-recommends curl
USER app
```

## How to fix
Switch users with the `USER` instruction around the steps that need root.
If the container must start as root and then drop privileges, use `gosu`,
`su-exec` or `setpriv` in the entrypoint instead of sudo, and do not
install sudo in the final image.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !cmd.is("sudo") {
                continue;
            }
            let Some(w) = cmd.words.first() else {
                continue;
            };
            let what: Vec<&str> = cmd
                .arg_texts()
                .skip_while(|a| a.starts_with('-'))
                .take(3)
                .collect();
            let what = if what.is_empty() {
                String::new()
            } else {
                format!(" ({} …)", what.join(" "))
            };
            out.push(
                Violation::new(
                    run.span_in(script, w.start, w.end),
                    format!("sudo in RUN{what}: RUN already runs as the current USER; switch with USER root before the step and back after it"),
                )
                .with_evidence(w.text.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_sudo_commands() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN sudo apt-get update\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update && \\\n  # comment\n  sudo -E make install\n"), [4]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN [\"sudo\", \"make\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\nset -e\n/usr/bin/sudo make install\nEOF\n"), [4]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN echo $(sudo cat /etc/shadow)\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nONBUILD RUN sudo make\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN if true; then sudo x; fi\n"), [2]);
        assert_eq!(lines(&RULE, "# escape=`\nFROM d:1\nRUN apt-get update `\n  && sudo make\n"), [4]);
    }

    #[test]
    fn sh_c_exec_form_and_span() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN [\"/bin/sh\", \"-c\", \"make && sudo make install\"]\n"), [2]);
        let src = "FROM d:1\nRUN make && \\\n    sudo make install\n";
        let df = crate::parse(src).unwrap();
        let config = crate::rules::RuleConfig::default();
        let cx = crate::rules::Ctx::new(&df, &config);
        let mut v = Vec::new();
        (RULE.check)(&cx, &mut v);
        assert_eq!(v.len(), 1);
        assert_eq!(&src[v[0].span.start as usize..v[0].span.end as usize], "sudo");
    }

    #[test]
    fn ignores_sudo_as_an_argument() {
        assert!(lines(&RULE, "FROM d:1\nRUN apt-get install -y sudo\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nRUN echo 'sudo make'\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nRUN echo \"app ALL=(ALL) NOPASSWD: ALL\" > /etc/sudoers.d/app\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\n# RUN sudo make\nRUN make\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nCOPY <<EOF /x\nsudo make\nEOF\n").is_empty());
    }
}
