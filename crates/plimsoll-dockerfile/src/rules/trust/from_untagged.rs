use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-101",
        name: "from-untagged",
        title: "FROM image has no tag or digest",
        severity: Severity::Medium,
        category: "trust",
        equivalents: Equivalents {
            hadolint: &["DL3006"],
            trivy: &["DS001"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `FROM` whose image has neither a tag nor a digest (`FROM debian`), after
expanding global `ARG` defaults. `scratch` and references to earlier build
stages are exempt. A reference built only from ARGs without defaults is not
judged: its value comes from `--build-arg`.

## Why it matters
An untagged image means `latest`, which moves: the same Dockerfile builds a
different, unreviewed base tomorrow, and a compromised or broken upstream
push reaches you silently.

## Example
```dockerfile
FROM debian
```

## Use instead
```dockerfile
FROM debian:12.8-slim
# or, stronger, a digest:
FROM debian:12.8-slim@sha256:…
```

## How to fix
Name an explicit version tag, and pin a digest where reproducibility matters.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for f in super::from_images(cx) {
        if f.resolved.is_some() {
            let r = f.reference();
            if !r.is_scratch() && !f.is_stage && r.tag.is_none() && r.digest.is_none() {
                let (image, shown) = (f.image, f.shown());
                out.push(
                    Violation::new(
                        image.span,
                        format!("image {shown} has no tag: it means `latest` and changes without notice; pin a version tag"),
                    )
                    .with_evidence(image.raw.clone()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_untagged() {
        assert_eq!(lines(&RULE, "FROM debian\n"), [1]);
        assert_eq!(lines(&RULE, "FROM registry.example.com:5000/team/app\n"), [1]);
        assert_eq!(lines(&RULE, "ARG BASE=alpine\nFROM ${BASE}\n"), [2]);
    }

    #[test]
    fn accepts_tagged_digest_scratch_and_stages() {
        assert!(lines(&RULE, "FROM debian:12\n").is_empty());
        assert!(lines(&RULE, "FROM debian@sha256:0123\n").is_empty());
        assert!(lines(&RULE, "FROM scratch\n").is_empty());
        assert!(lines(&RULE, "FROM golang:1.22 AS build\nFROM build\n").is_empty());
        assert!(lines(&RULE, "FROM localhost:5000/app:1\n").is_empty());
        assert!(lines(&RULE, "ARG TAG=3.19\nFROM alpine:${TAG}\n").is_empty());
        // Comes from --build-arg: not judged.
        assert!(lines(&RULE, "ARG BASE\nFROM ${BASE}\n").is_empty());
    }
}
