use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::Keyword;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-105",
        name: "from-platform-fixed",
        title: "FROM --platform names a fixed platform",
        severity: Severity::Low,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3029"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`FROM --platform=VALUE` where the value is written out
(`--platform=linux/amd64`) instead of coming from a build variable such as
`$BUILDPLATFORM` or `$TARGETPLATFORM`. A value that is not a valid platform
(`--platform=`, `linux/amd64/v8/x`, `linx/amd64`) is reported as invalid.
An OS without an architecture (`linux`) is valid: BuildKit completes it with
the architecture of the build host, which is reported as fixed like any
other literal.

Values that reference any variable are not reported: `$BUILDPLATFORM` is
the documented way to run a stage natively while cross-compiling, and
`linux/${TARGETARCH}` or a user ARG leaves the choice to the build command.

Unlike hadolint's DL3029, which reports every `--platform` flag,
`--platform=$BUILDPLATFORM` is accepted.

## Why it matters
A hard-coded platform overrides `docker buildx build --platform`: a
multi-platform build silently produces images of the wrong architecture for
some targets (which then run under emulation or fail with `exec format
error`), and single-platform builds on other hosts pull an unexpected image.

## Example
```dockerfile
FROM --platform=linux/amd64 golang:1.22 AS build
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

## How to fix
Drop the flag and pass `--platform` to `docker buildx build`, or use
`$BUILDPLATFORM` for stages that only produce cross-compiled artefacts.
"#,
    },
    check,
};

const KNOWN_OS: &[&str] = &[
    "linux",
    "windows",
    "darwin",
    "freebsd",
    "netbsd",
    "openbsd",
    "dragonfly",
    "solaris",
    "illumos",
    "aix",
    "android",
    "ios",
    "plan9",
    "js",
    "wasip1",
];

const KNOWN_ARCH: &[&str] = &[
    "amd64", "x86_64", "x86-64", "386", "i386", "arm64", "aarch64", "arm", "armhf", "armel",
    "ppc64le", "ppc64", "s390x", "riscv64", "mips", "mipsle", "mips64", "mips64le", "loong64",
    "wasm",
];

/// Why a platform string is invalid, if it is.
fn invalid_reason(p: &str) -> Option<String> {
    if p.trim().is_empty() {
        return Some("an empty platform".into());
    }
    let parts: Vec<&str> = p.split('/').collect();
    if parts.len() > 3 {
        return Some(format!("{p:?} has more than os/arch/variant"));
    }
    for part in &parts {
        // `windows(10.0.17763)` carries an OS version.
        let base = part.split_once('(').map_or(*part, |(b, _)| b);
        if base.is_empty()
            || !base
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Some(format!("{p:?} has an empty or malformed component"));
        }
    }
    let first = parts[0].split_once('(').map_or(parts[0], |(b, _)| b);
    let first = first.to_ascii_lowercase();
    if parts.len() == 1 {
        if !KNOWN_OS.contains(&first.as_str()) && !KNOWN_ARCH.contains(&first.as_str()) {
            return Some(format!("{p:?} is not a known operating system or architecture"));
        }
        return None;
    }
    if !KNOWN_OS.contains(&first.as_str()) {
        return Some(format!("{p:?} names an unknown operating system {first:?}"));
    }
    let arch = parts[1].to_ascii_lowercase();
    if !KNOWN_ARCH.contains(&arch.as_str()) {
        return Some(format!("{p:?} names an unknown architecture {arch:?}"));
    }
    None
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for inst in &cx.df.instructions {
        if inst.keyword != Keyword::From {
            continue;
        }
        for flag in inst.flags_named("platform") {
            let value = flag.value.as_deref().unwrap_or("");
            if value.contains('$') {
                continue;
            }
            let message = match invalid_reason(value) {
                Some(reason) => format!(
                    "--platform is invalid: {reason}; use --platform=$BUILDPLATFORM or drop the flag and pass --platform to the build"
                ),
                None => format!(
                    "FROM is fixed to platform {value}, overriding the platform requested at build time; use --platform=$BUILDPLATFORM or drop the flag"
                ),
            };
            out.push(Violation::new(flag.span, message).with_evidence(format!("--platform={value}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::RuleConfig;
    use crate::rules::testing::{lines, messages_with};

    #[test]
    fn flags_fixed_platforms() {
        assert_eq!(lines(&RULE, "FROM --platform=linux/amd64 debian:12\n"), [1]);
        assert_eq!(lines(&RULE, "FROM --platform=linux debian:jessie\n"), [1]);
        assert_eq!(
            lines(&RULE, "FROM golang:1.22 AS b\nFROM \\\n  --platform=linux/arm64/v8 \\\n  alpine:3\n"),
            [3]
        );
        assert_eq!(lines(&RULE, "FROM --platform=windows(10.0.17763)/amd64 x:1\n"), [1]);
    }

    #[test]
    fn reports_invalid_platforms() {
        let c = RuleConfig::default();
        for (src, needle) in [
            ("FROM --platform= debian:12\n", "empty"),
            ("FROM --platform=linux/amd64/v8/x debian:12\n", "more than"),
            ("FROM --platform=linx/amd64 debian:12\n", "unknown operating system"),
            ("FROM --platform=linux/amd46 debian:12\n", "unknown architecture"),
            ("FROM --platform=linux//v7 debian:12\n", "malformed"),
        ] {
            let m = messages_with(&RULE, src, &c);
            assert_eq!(m.len(), 1, "{src}");
            assert!(m[0].1.contains("invalid") && m[0].1.contains(needle), "{src}: {}", m[0].1);
        }
    }

    #[test]
    fn accepts_variables_and_no_flag() {
        assert!(lines(&RULE, "FROM debian:jessie\n").is_empty());
        assert!(lines(&RULE, "FROM --platform=$BUILDPLATFORM golang:1.22 AS b\n").is_empty());
        assert!(lines(&RULE, "FROM --platform=${TARGETPLATFORM} alpine:3\n").is_empty());
        assert!(lines(&RULE, "FROM --platform=linux/${TARGETARCH} alpine:3\n").is_empty());
        assert!(lines(&RULE, "ARG P=linux/amd64\nFROM --platform=$P alpine:3\n").is_empty());
        // RUN --platform does not exist, and other instructions are not FROM.
        assert!(lines(&RULE, "FROM alpine:3\nRUN echo --platform=linux/amd64\n").is_empty());
    }
}
