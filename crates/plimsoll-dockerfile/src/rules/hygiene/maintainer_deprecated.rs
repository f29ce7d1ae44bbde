use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-557",
        name: "maintainer-deprecated",
        title: "MAINTAINER is deprecated",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL4000"],
            trivy: &["DS022"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `MAINTAINER` instruction.

## Why it matters
`MAINTAINER` has been deprecated since Docker 1.13: it sets a legacy image
field that current tooling does not read. The OCI label
`org.opencontainers.image.authors` is where scanners, registries and SBOM
tools look for the owner of an image.

## Example
```dockerfile
MAINTAINER Jane Doe <jane@example.com>
```

## Use instead
```dockerfile
LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
```

## How to fix
Replace the instruction by the label.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for inst in &cx.df.instructions {
        let Args::Maintainer(who) = &inst.args else {
            continue;
        };
        out.push(
            Violation::new(
                inst.span,
                format!("MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors={:?}", who.trim_matches('"')),
            )
            .with_evidence(who.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_maintainer() {
        assert_eq!(lines(&RULE, "FROM a:1\nMAINTAINER Jane <j@x.org>\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nmaintainer \\\n  jane\n"), [2]);
    }

    #[test]
    fn accepts_label() {
        assert!(lines(&RULE, "FROM a:1\nLABEL org.opencontainers.image.authors=jane\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\n# MAINTAINER jane\n").is_empty());
    }
}
