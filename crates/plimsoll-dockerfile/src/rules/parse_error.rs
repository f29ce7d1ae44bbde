use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-000",
        name: "parse-error",
        title: "Dockerfile cannot be parsed",
        severity: Severity::High,
        category: "parse",
        equivalents: Equivalents {
            hadolint: &["DL1000"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
The file is not a valid Dockerfile: Docker (BuildKit) would refuse to build
it. The finding says where parsing stopped and why. No other rule runs on a
file that cannot be parsed.

## Why it matters
A file that does not build cannot be audited, and a CI pipeline that lints
it has not checked anything.

## Example
```dockerfile
FORM debian:12
```

## Use instead
```dockerfile
FROM debian:12
```

## How to fix
Correct the instruction at the reported line and column: an unknown
instruction, an instruction before the first FROM, a heredoc without its
closing delimiter, SHELL without JSON arguments.
"#,
    },
    // Parse errors are produced by the engine, not by a check.
    check: |_: &Ctx<'_>, _: &mut Vec<Violation>| {},
};
