use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{instructions, keyword_label};
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-610",
        name: "label-key-invalid",
        title: "LABEL key does not follow the label key format",
        severity: Severity::Info,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3048"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `LABEL` key (also in `ONBUILD`) that is not in Docker's recommended
format: lower-case letters, digits, `.`, `-` and `_` only, starting with a
letter and ending with a letter or digit, without `..` or `--`, and outside
the namespaces Docker reserves (`com.docker.`, `io.docker.`,
`org.dockerproject.`).

## Why it matters
Tools that read labels (registries, scanners, SBOM generators, policy
engines) look for exact reverse-DNS keys such as
`org.opencontainers.image.source`. A key like `Maintainer`, `Build-Date` or
`"app name"` is not found by them, so provenance and ownership metadata is
effectively missing; keys in Docker's namespaces may be overwritten.

## Example
```dockerfile
LABEL Version="1.2" Build-Date="2024-05-01"
```

## Use instead
```dockerfile
LABEL org.opencontainers.image.version="1.2" \
      org.opencontainers.image.created="2024-05-01T00:00:00Z"
```

## How to fix
Use lower-case reverse-DNS keys, preferably the OCI
`org.opencontainers.image.*` ones.
"#,
    },
    check,
};

/// Why a key is invalid, if it is.
fn problem(key: &str) -> Option<&'static str> {
    let first = key.chars().next()?;
    let last = key.chars().last()?;
    if !first.is_ascii_lowercase() {
        return Some("it must start with a lower-case letter");
    }
    if !(last.is_ascii_lowercase() || last.is_ascii_digit()) {
        return Some("it must end with a lower-case letter or digit");
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        return Some("only lower-case letters, digits, '.', '-' and '_' are allowed");
    }
    if ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|p| key.starts_with(p))
    {
        return Some("the namespace is reserved by Docker");
    }
    if key.contains("..") || key.contains("--") {
        return Some("it must not contain '..' or '--'");
    }
    None
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (_, inst, onbuild) in instructions(cx.df) {
        let Args::Label(pairs) = &inst.args else {
            continue;
        };
        for p in pairs {
            let Some(why) = problem(&p.key) else { continue };
            out.push(
                Violation::new(
                    p.key_span,
                    format!(
                        "{} key {:?} is not a valid label key: {why}; use lower-case reverse-DNS keys such as org.opencontainers.image.*",
                        keyword_label(inst, onbuild),
                        p.key
                    ),
                )
                .with_evidence(p.key.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_invalid_keys() {
        assert_eq!(lines(&RULE, "FROM a:1\nLABEL Version=1\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nLABEL build.Date=x\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nLABEL com.docker.x=1\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nLABEL a..b=1 c- =2\n".replace(" =2", "=2").as_str()), [2, 2]);
        assert_eq!(lines(&RULE, "FROM a:1\nLABEL a=1 \\\n  # the name\n  \"app name\"=x\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nLABEL maintainer jane doe\nLABEL Maintainer jane\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD LABEL X=1\n"), [2]);
    }

    #[test]
    fn accepts_valid_keys() {
        assert!(lines(&RULE, "FROM a:1\nLABEL org.opencontainers.image.source=x maintainer=y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nLABEL \"com.example.vendor\"=\"ACME\" version-2=1 build_date=x\n").is_empty());
    }
}
