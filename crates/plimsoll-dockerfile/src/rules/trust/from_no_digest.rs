use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-103",
        name: "from-no-digest",
        title: "FROM image is not pinned by digest",
        severity: Severity::Low,
        category: "trust",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
A `FROM` whose image has a version tag but no `@sha256:` digest, after
expanding global `ARG` defaults. `scratch`, references to earlier build
stages and references that depend on an ARG without a default are exempt.
Images with no tag or with `latest` are reported by `from-untagged`
(PL-DF-101) and `from-latest` (PL-DF-102) instead, so one line does not get
three findings.

The default severity is low so that it does not fail CI on its own; raise it
in the configuration where reproducible, supply-chain-hardened builds are
required.

## Why it matters
A tag is a mutable pointer: the publisher (or anyone who compromises the
publisher's account or registry) can move `python:3.12-slim` to different
content at any time, and tags like `3.12` are moved on purpose for every
patch release. A digest names exact content, so the build pulls what was
reviewed, and a changed base image becomes a visible diff.

## Example
```dockerfile
FROM python:3.12-slim
```

## Use instead
```dockerfile
# the tag for readers, the digest you reviewed for the build
FROM python:3.12-slim@sha256:…
```

## How to fix
Look the digest up (`docker buildx imagetools inspect python:3.12-slim` or
`crane digest python:3.12-slim`), append it as `@sha256:…` and keep the tag
for readability. Let a bot such as Renovate or Dependabot propose digest
updates so that they stay reviewed and current.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for f in super::from_images(cx) {
        if f.resolved.is_some() {
            let r = f.reference();
            let tagged = r.tag.as_deref().is_some_and(|t| t != "latest" && !t.is_empty());
            if tagged && r.digest.is_none() && !f.is_stage && !r.is_scratch() {
                let (image, shown) = (f.image, f.shown());
                out.push(
                    Violation::new(
                        image.span,
                        format!(
                            "image {shown} is pinned by tag only; tags can be moved to other content, append its @sha256: digest"
                        ),
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
    fn flags_tag_without_digest() {
        assert_eq!(lines(&RULE, "FROM python:3.12-slim\n"), [1]);
        assert_eq!(lines(&RULE, "FROM registry.example.com:5000/team/app:1.2\n"), [1]);
        assert_eq!(lines(&RULE, "ARG V=3.20\nFROM alpine:${V} AS base\nFROM base\n"), [2]);
        assert_eq!(
            lines(&RULE, "FROM golang:1.22@sha256:abc AS build\nFROM gcr.io/distroless/static:nonroot\n"),
            [2]
        );
    }

    #[test]
    fn accepts_digests_scratch_stages_and_unknowns() {
        assert!(lines(&RULE, "FROM python:3.12-slim@sha256:0123\n").is_empty());
        assert!(lines(&RULE, "FROM python@sha256:0123\n").is_empty());
        assert!(lines(&RULE, "FROM scratch\n").is_empty());
        assert!(lines(&RULE, "FROM golang:1.22@sha256:0 AS build\nFROM BUILD\n").is_empty());
        assert!(lines(&RULE, "ARG BASE\nFROM ${BASE}\n").is_empty());
        // Untagged and latest belong to other rules.
        assert!(lines(&RULE, "FROM debian\n").is_empty());
        assert!(lines(&RULE, "FROM debian:latest\n").is_empty());
        // Digest supplied through an ARG default.
        assert!(lines(&RULE, "ARG D=sha256:0123\nFROM alpine:3.20@${D}\n").is_empty());
    }
}
