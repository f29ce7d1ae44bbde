use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-102",
        name: "from-latest",
        title: "FROM image uses the `latest` tag",
        severity: Severity::Medium,
        category: "trust",
        equivalents: Equivalents {
            hadolint: &["DL3007"],
            dockle: &["DKL-DI-0006"],
            trivy: &["DS001"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `FROM` whose image is tagged `latest` (`FROM node:latest`), after
expanding global `ARG` defaults. When the name is built from an ARG without
a default but the tag is written literally (`FROM ${IMAGE}:latest`), the
literal tag is judged. The comparison is exact: Docker tags are
case-sensitive, so `LATEST` is a different tag. A reference that also pins a
digest (`node:latest@sha256:…`) is not reported: the digest decides what is
pulled. Images without any tag are reported by `from-untagged` (PL-DF-101).

## Why it matters
`latest` is just the tag a publisher moved most recently. Builds of the same
Dockerfile pull different base images over time, so a rebuild can pick up a
new major version, a regression or a compromised push without any change
being reviewed.

## Example
```dockerfile
FROM node:latest
```

## Use instead
```dockerfile
FROM node:22.11-bookworm-slim
# or, reproducible:
FROM node:22.11-bookworm-slim@sha256:…
```

## How to fix
Replace `latest` with the version you tested, and pin its digest where
reproducibility matters; update both deliberately (for example with
Renovate or Dependabot).
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for f in super::from_images(cx) {
        // Unknown ARGs: the reference is judged as written, when its tag is literal.
        let r = f.reference();
        let latest = r.tag.as_deref() == Some("latest");
        if latest && r.digest.is_none() && !f.is_stage && !r.is_scratch() {
            let (image, shown) = (f.image, f.shown());
            out.push(
                Violation::new(
                    image.span,
                    format!(
                        "image {shown} uses the `latest` tag, which moves with every upstream push; pin a version tag"
                    ),
                )
                .with_evidence(image.raw.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::RULE;
    use crate::rules::RuleConfig;
    use crate::rules::testing::{lines, lines_with};

    #[test]
    fn flags_latest() {
        assert_eq!(lines(&RULE, "FROM node:latest\n"), [1]);
        assert_eq!(lines(&RULE, "FROM ghcr.io/acme/app:latest AS app\n"), [1]);
        assert_eq!(
            lines(&RULE, "FROM localhost:5000/app:latest\nFROM alpine:3\n"),
            [1]
        );
        // Tag from a global ARG default.
        assert_eq!(lines(&RULE, "ARG TAG=latest\nFROM alpine:${TAG}\n"), [2]);
        // Name unknown, tag literal.
        assert_eq!(lines(&RULE, "ARG REG\nFROM ${REG}/app:latest\n"), [2]);
        // Continuation inside FROM.
        assert_eq!(lines(&RULE, "FROM \\\n  debian:latest\n"), [2]);
    }

    #[test]
    fn accepts_other_tags_digests_and_stages() {
        assert!(lines(&RULE, "FROM node:22\n").is_empty());
        assert!(lines(&RULE, "FROM node\n").is_empty()); // from-untagged's job
        assert!(lines(&RULE, "FROM node:LATEST\n").is_empty());
        assert!(lines(&RULE, "FROM node:latest-alpine\n").is_empty());
        assert!(lines(&RULE, "FROM node:latest@sha256:0123\n").is_empty());
        assert!(lines(&RULE, "FROM scratch\n").is_empty());
        assert!(lines(&RULE, "ARG TAG=3.20\nFROM alpine:${TAG}\n").is_empty());
        assert!(lines(&RULE, "ARG TAG\nFROM alpine:${TAG}\n").is_empty());
        // A registry port is not a tag.
        assert!(lines(&RULE, "FROM registry:5000/latest\n").is_empty());
    }

    #[test]
    fn build_args_override_defaults() {
        let mut build_args = HashMap::new();
        build_args.insert("TAG".to_string(), "latest".to_string());
        let config = RuleConfig {
            build_args,
            ..RuleConfig::default()
        };
        assert_eq!(
            lines_with(&RULE, "ARG TAG=3.20\nFROM alpine:${TAG}\n", &config),
            [2]
        );
    }
}
