use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::stage_env::{effective_user, expand_at, is_root_user};
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-201",
        name: "user-root",
        title: "The final stage runs as root",
        severity: Severity::High,
        category: "privilege",
        equivalents: Equivalents {
            hadolint: &["DL3002"],
            cis: &["4.1"],
            dockle: &["CIS-DI-0001"],
            trivy: &["DS002"],
        },
        doc: r#"
## What it checks
The last `USER` of the final build stage names root: `root` or UID `0`,
with or without a group (`root:root`, `0:0`, `root:staff`). A USER switched
back to root after a non-root USER counts; a non-root USER after it clears
the finding. When the final stage has no USER of its own but builds on an
earlier stage (`FROM base`), that stage's last USER applies. Variables in
USER are expanded from the stage's ARG and ENV defaults; values that depend
on unknown variables are not judged.

Only the final stage matters: the users of intermediate build stages do not
reach the image. (hadolint's DL3002 also reports builder stages.) A final
stage without any USER is reported by `user-missing` (PL-DF-202).

## Why it matters
A process running as root inside the container is root on the host's
kernel: any container-escape bug, writable host mount or excessive
capability turns a compromised application into a compromised host. Many
clusters (Kubernetes `runAsNonRoot`, OpenShift) refuse to run such images.

## Example
```dockerfile
FROM debian:12
RUN useradd --uid 10001 --no-log-init app
USER app
RUN ./configure
USER root
CMD ["/usr/local/bin/server"]
```

## Use instead
```dockerfile
FROM debian:12
RUN useradd --uid 10001 --no-log-init app
USER root
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
USER 10001
CMD ["/usr/local/bin/server"]
```

## How to fix
Do the steps that need root first, then end the final stage with
`USER <non-root UID>`. If the entrypoint must start as root (to fix volume
permissions, bind low ports), drop privileges in the entrypoint with
`gosu`/`su-exec`/`setpriv` and document why.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let Some(final_stage) = cx.df.stages.len().checked_sub(1) else {
        return;
    };
    let Some(index) = effective_user(cx, final_stage) else {
        return;
    };
    let inst = &cx.df.instructions[index];
    let Args::User(word) = &inst.args else {
        return;
    };
    let Some(value) = expand_at(cx, index, &word.value) else {
        return;
    };
    if !is_root_user(&value) {
        return;
    }
    let shown = if value == word.value {
        value.clone()
    } else {
        format!("{} (= {value})", word.value)
    };
    let inherited = if inst.stage == Some(final_stage) {
        String::new()
    } else {
        " (inherited by the final stage from the stage it builds on)".to_string()
    };
    out.push(
        Violation::new(
            word.span,
            format!(
                "USER {shown} is the last USER{inherited}, so the image runs as root; end the final stage with USER <non-root UID>"
            ),
        )
        .with_evidence(format!("USER {}", word.raw)),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_root_as_last_user() {
        assert_eq!(lines(&RULE, "FROM scratch\nUSER root\n"), [2]);
        assert_eq!(lines(&RULE, "FROM scratch\nUSER 0\n"), [2]);
        assert_eq!(lines(&RULE, "FROM scratch\nUSER root:root\n"), [2]);
        assert_eq!(lines(&RULE, "FROM scratch\nUSER 0:0\n"), [2]);
        // Reset to root after a non-root USER.
        assert_eq!(lines(&RULE, "FROM d:1\nUSER app\nRUN make\nUSER root\nCMD [\"x\"]\n"), [4]);
        // Through a variable default.
        assert_eq!(lines(&RULE, "FROM d:1\nARG RUN_AS=root\nUSER ${RUN_AS}\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nENV U=0\nUSER $U:0\n"), [3]);
    }

    #[test]
    fn transitive_root_through_stages() {
        let src = "FROM debian:12 AS base\nUSER root\nRUN something\nFROM base\nRUN something else\n";
        assert_eq!(lines(&RULE, src), [2]);
        // Stage names are case-insensitive.
        let src = "FROM debian:12 AS Base\nUSER 0\nFROM BASE\n";
        assert_eq!(lines(&RULE, src), [2]);
    }

    #[test]
    fn only_the_final_stage_counts() {
        let src = "FROM debian:12 AS build\nUSER root\nRUN make\nFROM scratch\nUSER 10001\n";
        assert!(lines(&RULE, src).is_empty());
        let src = "FROM debian:12 AS base\nUSER root\nRUN x\nUSER foo\nFROM base\nRUN y\n";
        assert!(lines(&RULE, src).is_empty());
        // Not inherited from an unrelated stage.
        let src = "FROM debian:12 AS base\nUSER root\nFROM alpine:3\n";
        assert!(lines(&RULE, src).is_empty());
    }

    #[test]
    fn accepts_non_root_and_unknowns() {
        assert!(lines(&RULE, "FROM scratch\nUSER foo\n").is_empty());
        assert!(lines(&RULE, "FROM scratch\nUSER root\nRUN x\nUSER foo\n").is_empty());
        assert!(lines(&RULE, "FROM scratch\nUSER 1000:0\n").is_empty());
        assert!(lines(&RULE, "FROM scratch\nUSER rooty\n").is_empty());
        assert!(lines(&RULE, "FROM scratch\nUSER $UNKNOWN\n").is_empty());
        // ONBUILD USER applies to child images, not this one.
        assert!(lines(&RULE, "FROM scratch\nUSER app\nONBUILD USER root\n").is_empty());
        // No USER at all is another rule's finding.
        assert!(lines(&RULE, "FROM debian:12\nRUN x\n").is_empty());
    }
}
