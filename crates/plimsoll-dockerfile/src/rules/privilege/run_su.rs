use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-204",
        name: "run-su",
        title: "RUN switches users with su",
        severity: Severity::Low,
        category: "privilege",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
A `su` command in a `RUN` (including `su -c …`, `su - user -c …`, heredoc
scripts and `ONBUILD RUN`). `su` as an argument (`apk add su-exec`) is not
reported.

## Why it matters
`su` is an interactive login tool: it goes through PAM, may ask for a
password or a TTY, resets or keeps the environment depending on flags and
distribution, and hides which user a build step really runs as. Switching
to root with it requires a root password or a setuid binary in the image;
switching away from root is better expressed with `USER`, which Docker
records in the image metadata and reviewers can see.

## Example
```dockerfile
RUN su - app -c "npm ci"
```

## Use instead
```dockerfile
USER app
RUN npm ci
USER root
```

## How to fix
Use the `USER` instruction around the steps that must run as another user.
For privilege dropping at container start, use `gosu`, `su-exec` or
`setpriv` in the entrypoint.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !cmd.is("su") {
                continue;
            }
            let Some(w) = cmd.words.first() else {
                continue;
            };
            let target = cmd
                .positionals(&["-c", "--command", "-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment"])
                .into_iter()
                .find(|w| w.text != "-" && w.text != "--login")
                .map_or("root", |w| w.text.as_str())
                .to_string();
            out.push(
                Violation::new(
                    run.span_in(script, w.start, w.end),
                    format!("su in RUN switches to user {target} inside the step; use the USER instruction instead"),
                )
                .with_evidence(w.text.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::RuleConfig;
    use crate::rules::testing::{lines, messages_with};

    #[test]
    fn flags_su() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN su - app -c 'npm ci'\n"), [2]);
        let m = messages_with(&RULE, "FROM d:1\nRUN su - app -c 'npm ci'\n", &RuleConfig::default());
        assert!(m[0].1.contains("user app"), "{}", m[0].1);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN set -e; \\\n  su -c 'make install'\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\nsu postgres -c initdb\nEOF\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN [\"su\", \"-c\", \"id\", \"app\"]\n"), [2]);
        let m = messages_with(&RULE, "FROM d:1\nRUN su -s /bin/sh -c id app\n", &RuleConfig::default());
        assert!(m[0].1.contains("user app"), "{}", m[0].1);
        let m = messages_with(&RULE, "FROM d:1\nRUN su -c id\n", &RuleConfig::default());
        assert!(m[0].1.contains("user root"), "{}", m[0].1);
    }

    #[test]
    fn ignores_other_uses() {
        assert!(lines(&RULE, "FROM d:1\nRUN apk add --no-cache su-exec\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nRUN gosu app true && su-exec app true\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nRUN echo su\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nCMD su app -c server\n").is_empty());
    }
}
