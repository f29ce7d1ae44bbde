use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::stage_env::expand_at;
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-213",
        name: "user-non-numeric",
        title: "USER names a user instead of a numeric UID",
        severity: Severity::Info,
        category: "privilege",
        equivalents: Equivalents {
            hadolint: &["DL3066"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `USER` whose user part (before any `:group`) is not a number: `USER app`,
`USER root`, `USER www-data:www-data`. Variables are expanded from the
stage's ARG and ENV defaults; a value built from variables that are not
known at lint time (`USER $NB_USER`, typically set by the base image) is
reported too, because it cannot be shown to be numeric. Like hadolint's
DL3066, every USER of every stage is checked.

## Why it matters
A user name is resolved inside the container from its `/etc/passwd`. The
host, the runtime and admission controllers only see the name: Kubernetes'
`runAsNonRoot` cannot verify that `app` is not UID 0 and refuses to start
the pod, and security policies, volume ownership and audit logs work on
UIDs. A numeric UID (`USER 10001:10001`) is unambiguous everywhere.

## Example
```dockerfile
RUN useradd --uid 10001 --no-log-init app
USER app
```

## Use instead
```dockerfile
RUN useradd --uid 10001 --no-log-init app
USER 10001:10001
```

## How to fix
Create the user with a fixed UID (and GID) and refer to it by number in
USER. Keep the name for readability in a comment.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (index, inst) in cx.df.instructions.iter().enumerate() {
        let Args::User(word) = &inst.args else {
            continue;
        };
        let expanded = expand_at(cx, index, &word.value);
        let value = expanded.as_deref().unwrap_or(&word.value);
        let user = value.split(':').next().unwrap_or(value);
        if user.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let message = match &expanded {
            Some(v) if *v != word.value => format!(
                "USER {} (= {v}) names user {user:?}, not a numeric UID: runtimes cannot verify it is non-root; use USER <UID>[:<GID>]",
                word.value
            ),
            Some(_) => format!(
                "USER {} names user {user:?}, not a numeric UID: runtimes cannot verify it is non-root; use USER <UID>[:<GID>]",
                word.value
            ),
            None => format!(
                "USER {} depends on variables unknown at lint time and is not known to be a numeric UID; use USER <UID>[:<GID>]",
                word.value
            ),
        };
        out.push(Violation::new(word.span, message).with_evidence(format!("USER {}", word.raw)));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_names() {
        for v in ["app", "root", "www-data:www-data", "app:1000", "$NB_USER", "${UID}"] {
            assert_eq!(lines(&RULE, &format!("FROM d:1\nUSER {v}\n")), [2], "{v}");
        }
        assert_eq!(lines(&RULE, "FROM d:1\nENV U=app\nUSER $U\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1 AS b\nUSER app\nFROM b\nUSER 1000\n"), [2]);
    }

    #[test]
    fn accepts_numbers() {
        for v in ["1000", "0", "10001:10001", "65534:65534", "1000:app"] {
            assert!(lines(&RULE, &format!("FROM d:1\nUSER {v}\n")).is_empty(), "{v}");
        }
        assert!(lines(&RULE, "FROM d:1\nARG UID=1001\nUSER ${UID}\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nENV UID=1001 GID=1001\nUSER ${UID}:${GID}\n").is_empty());
        // ONBUILD USER is for child images.
        assert!(lines(&RULE, "FROM d:1\nONBUILD USER app\n").is_empty());
    }
}
