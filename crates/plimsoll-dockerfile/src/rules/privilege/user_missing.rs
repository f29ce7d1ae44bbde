use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::stage_env::effective_user;
use crate::image_ref::ImageRef;
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-202",
        name: "user-missing",
        title: "The final stage sets no USER",
        severity: Severity::Medium,
        category: "privilege",
        equivalents: Equivalents {
            cis: &["4.1"],
            dockle: &["CIS-DI-0001"],
            trivy: &["DS002"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
The final build stage has no `USER` instruction, neither itself nor in the
earlier stages it builds on (`FROM base`), so the container runs as
whatever user its base image declares, which for almost all base images
(and always for `scratch`) is root. Base images whose tag says they are
non-root (distroless `:nonroot`, `-nonroot` variants) are exempt. `USER`
inside `ONBUILD` does not count: it only applies to child images.

The finding points at the final stage's `FROM`.

## Why it matters
Without an explicit USER the image's privilege depends on a base image
detail nobody reviews, and it is usually root: a compromised process is
then root in the container and one kernel or runtime bug away from root on
the host. Clusters enforcing `runAsNonRoot` reject such images, or accept
them only because the user happens to be non-root today.

## Example
```dockerfile
FROM python:3.12-slim
COPY app /app
CMD ["python", "/app/main.py"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN useradd --uid 10001 --no-log-init --create-home app
COPY --chown=10001:10001 app /app
USER 10001
CMD ["python", "/app/main.py"]
```

## How to fix
Create an unprivileged user (or use one the base image provides, such as
`nobody`, `node` or distroless `nonroot`) and end the final stage with
`USER <UID>`. If the image is meant only as a base for other images,
suppress the finding there and make sure the derived images set USER.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let Some(final_stage) = cx.df.stages.len().checked_sub(1) else {
        return;
    };
    if effective_user(cx, final_stage).is_some() {
        return;
    }
    let Some(from) = cx
        .df
        .stages
        .get(final_stage)
        .and_then(|s| cx.df.instructions.get(s.from))
    else {
        return;
    };
    let Args::From { image, .. } = &from.args else {
        return;
    };
    // The root of the chain of stages decides the base image.
    let mut base_stage = final_stage;
    while let Some(p) = cx.parent_stage(base_stage) {
        base_stage = p;
    }
    let base = cx
        .df
        .stages
        .get(base_stage)
        .and_then(|s| cx.resolve_image(&s.image));
    if let Some(b) = &base {
        let r = ImageRef::parse(b);
        if r.tag.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("nonroot")) {
            return;
        }
    }
    let shown = base.unwrap_or_else(|| image.value.clone());
    out.push(
        Violation::new(
            image.span,
            format!(
                "the final stage (FROM {shown}) sets no USER, so it runs as the base image's user, usually root; add USER <non-root UID>"
            ),
        )
        .with_evidence(format!("FROM {}", image.raw)),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_user() {
        assert_eq!(lines(&RULE, "FROM python:3.12\nCMD [\"python\"]\n"), [1]);
        assert_eq!(lines(&RULE, "FROM scratch\nCOPY app /app\n"), [1]);
        // USER only in a builder stage.
        assert_eq!(
            lines(&RULE, "FROM golang:1.22 AS build\nUSER 1000\nRUN go build\nFROM alpine:3\nCOPY --from=build /x /x\n"),
            [4]
        );
        // ONBUILD USER is not this image's user.
        assert_eq!(lines(&RULE, "FROM debian:12\nONBUILD USER app\n"), [1]);
        // Chained stages without USER anywhere.
        assert_eq!(lines(&RULE, "FROM debian:12 AS a\nFROM a AS b\nFROM b\n"), [3]);
    }

    #[test]
    fn accepts_user_set_or_inherited() {
        assert!(lines(&RULE, "FROM debian:12\nUSER app\n").is_empty());
        // root is user-root's finding, not this rule's.
        assert!(lines(&RULE, "FROM debian:12\nUSER root\n").is_empty());
        assert!(lines(&RULE, "FROM debian:12 AS base\nUSER 1000\nFROM base\nRUN x\n").is_empty());
        assert!(lines(&RULE, "FROM gcr.io/distroless/static:nonroot\nCOPY app /\n").is_empty());
        assert!(lines(&RULE, "FROM gcr.io/distroless/base-debian12:debug-nonroot AS b\nFROM b\n").is_empty());
    }
}
