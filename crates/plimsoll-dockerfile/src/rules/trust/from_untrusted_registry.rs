use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-104",
        name: "from-untrusted-registry",
        title: "FROM image comes from a registry that is not trusted",
        severity: Severity::High,
        category: "trust",
        equivalents: Equivalents {
            hadolint: &["DL3026"],
            cis: &["4.2"],
            dockle: &["CIS-DI-0002"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `FROM` image whose registry is not in the configured
`trusted_registries` list, after expanding global `ARG` defaults. The rule
is silent while the list is empty. Entries are compared case-insensitively
and may be:

- a host, with its port if it has one: `ghcr.io`, `registry.example.com:5000`
  (a port must match exactly);
- a wildcard for subdomains: `*.example.com` matches `a.example.com` and
  `a.b.example.com` but not `example.com`;
- a host with a repository prefix: `ghcr.io/acme` allows `ghcr.io/acme/…`
  only, `docker.io/library` allows only Docker Official Images;
- `*`, which allows everything.

Images without a registry come from Docker Hub; `docker.io`,
`index.docker.io`, `registry-1.docker.io` and `hub.docker.com` all name it.
`scratch`, earlier build stages and references that depend on an ARG
without a default are exempt.

## Why it matters
A base image runs with full control over everything built on it. Pulling
from registries the organisation has not vetted (personal namespaces,
typo-squatted hosts, mirrors without scanning or retention guarantees)
bypasses the review, scanning and signing that the trusted registries
provide.

## Example
```dockerfile
# trusted_registries = ["ghcr.io/acme", "docker.io/library"]
FROM quay.io/someone/toolbox:1.0
```

## Use instead
```dockerfile
FROM ghcr.io/acme/toolbox:1.0
```

## How to fix
Mirror the image into a trusted registry (after reviewing and scanning it)
and reference the mirror, or add the registry to `trusted_registries` if it
is meant to be trusted.
"#,
    },
    check,
};

const HUB_ALIASES: &[&str] = &[
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "hub.docker.com",
];

fn canonical_host(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    if HUB_ALIASES.contains(&h.as_str()) {
        "docker.io".to_string()
    } else {
        h
    }
}

/// A `trusted_registries` entry, normalised.
struct Entry {
    /// Lower-case host (with port), Hub aliases mapped to `docker.io`; may start with `*.`.
    host: String,
    /// Repository prefix (`acme`, `library`), empty for "any".
    prefix: String,
}

impl Entry {
    fn parse(raw: &str) -> Option<Entry> {
        let t = raw.trim();
        let t = t
            .strip_prefix("https://")
            .or_else(|| t.strip_prefix("http://"))
            .unwrap_or(t)
            .trim_end_matches('/');
        if t.is_empty() {
            return None;
        }
        let (host, prefix) = t.split_once('/').unwrap_or((t, ""));
        Some(Entry {
            host: canonical_host(host),
            prefix: prefix.trim_matches('/').to_ascii_lowercase(),
        })
    }

    fn allows(&self, host: &str, repository: &str) -> bool {
        let host_ok = if self.host == "*" {
            return true;
        } else if let Some(domain) = self.host.strip_prefix("*.") {
            host.strip_suffix(domain)
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            self.host == host
        };
        host_ok
            && (self.prefix.is_empty()
                || repository == self.prefix
                || repository
                    .strip_prefix(self.prefix.as_str())
                    .is_some_and(|r| r.starts_with('/')))
    }
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let entries: Vec<Entry> = cx
        .config
        .trusted_registries
        .iter()
        .filter_map(|e| Entry::parse(e))
        .collect();
    if entries.is_empty() {
        return;
    }
    for f in super::from_images(cx) {
        if f.resolved.is_some() {
            let r = f.reference();
            if !f.is_stage && !r.is_scratch() {
                let host = canonical_host(r.registry_or_hub());
                let mut repository = r.repository.to_ascii_lowercase();
                if host == "docker.io" && !repository.contains('/') {
                    repository = format!("library/{repository}");
                }
                if !entries.iter().any(|e| e.allows(&host, &repository)) {
                    let (image, shown) = (f.image, f.shown());
                    out.push(
                        Violation::new(
                            image.span,
                            format!(
                                "image {shown} comes from {host}, which is not in trusted_registries; use a mirror in a trusted registry"
                            ),
                        )
                        .with_evidence(image.raw.clone()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::RuleConfig;
    use crate::rules::testing::{lines, lines_with};

    fn trusting(entries: &[&str]) -> RuleConfig {
        RuleConfig {
            trusted_registries: entries.iter().map(|s| s.to_string()).collect(),
            ..RuleConfig::default()
        }
    }

    #[test]
    fn silent_without_configuration() {
        assert!(lines(&RULE, "FROM random.com/debian:12\n").is_empty());
    }

    #[test]
    fn flags_untrusted_registries() {
        let c = trusting(&["docker.io"]);
        assert_eq!(lines_with(&RULE, "FROM random.com/debian:12\n", &c), [1]);
        assert_eq!(lines_with(&RULE, "FROM localhost:5000/app:1\n", &c), [1]);
        let c = trusting(&["registry.example.com:5000"]);
        assert_eq!(lines_with(&RULE, "FROM registry.example.com/app:1\n", &c), [1]);
        assert_eq!(lines_with(&RULE, "FROM debian:12\n", &c), [1]);
        let c = trusting(&["*.random.com"]);
        assert_eq!(lines_with(&RULE, "FROM x.com/debian\n", &c), [1]);
        assert_eq!(lines_with(&RULE, "FROM random.com/debian\n", &c), [1]);
        assert_eq!(lines_with(&RULE, "FROM evilrandom.com/debian\n", &c), [1]);
        // Global ARG defaults are expanded.
        assert_eq!(
            lines_with(&RULE, "ARG REG=quay.io\nFROM ${REG}/app:1\n", &c),
            [2]
        );
    }

    #[test]
    fn hub_aliases_are_equivalent() {
        let src = "FROM ubuntu:18.04 AS b1\nFROM zemanlx/ubuntu:18.04 AS b2\nFROM docker.io/zemanlx/ubuntu:18.04\nFROM index.docker.io/library/debian:12\nFROM registry-1.docker.io/x/y:1\n";
        for e in ["docker.io", "hub.docker.com", "INDEX.DOCKER.IO", "https://registry-1.docker.io/"] {
            assert!(lines_with(&RULE, src, &trusting(&[e])).is_empty(), "{e}");
        }
    }

    #[test]
    fn prefixes_wildcards_and_exemptions() {
        let c = trusting(&["ghcr.io/acme", "docker.io/library"]);
        assert!(lines_with(&RULE, "FROM ghcr.io/acme/app:1\nFROM debian:12\nFROM library/node:22\n", &c).is_empty());
        assert_eq!(
            lines_with(&RULE, "FROM ghcr.io/acmecorp/app:1\nFROM ghcr.io/other/app:1\nFROM bitnami/redis:7\n", &c),
            [1, 2, 3]
        );
        let c = trusting(&["x.com", "*.random.com"]);
        assert!(lines_with(&RULE, "FROM foo.random.com/debian\nFROM a.b.random.com/x:1\n", &c).is_empty());
        let c = trusting(&["random.com"]);
        assert!(
            lines_with(&RULE, "FROM random.com/foo AS builder1\nFROM builder1 AS builder2\nFROM scratch\n", &c)
                .is_empty()
        );
        // Unknown at lint time: not judged.
        assert!(lines_with(&RULE, "ARG REG\nFROM ${REG}/app:1\n", &c).is_empty());
        assert!(lines_with(&RULE, "FROM anything.io/x:1\n", &trusting(&["*"])).is_empty());
    }
}
