use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, report_missing_flag};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-503",
        name: "zypper-non-interactive-missing",
        title: "zypper without a non-interactive switch",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3034"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`zypper install`/`in`, `remove`/`rm`, `source-install`/`si` and `patch`
without `-y`/`--no-confirm` or the global `-n`/`--non-interactive`.

## Why it matters
A build has no terminal to answer zypper's confirmation prompt: the command
waits for input that never comes and the build fails.

## Example
```dockerfile
RUN zypper install curl
```

## Use instead
```dockerfile
RUN zypper --non-interactive install curl=8.6.0 && zypper clean --all
```

## How to fix
Add `-y` after the subcommand, or `-n` before it.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_flag(
        cx,
        out,
        |c| has_arg(c, "zypper", &["install", "in", "remove", "rm", "source-install", "si", "patch"]),
        &["y", "no-confirm", "n", "non-interactive"],
        |_| "zypper without -y/--non-interactive: the build cannot answer its prompt; add -n".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_yes() {
        assert_eq!(lines(&RULE, "FROM o:15\nRUN zypper install curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM o:15\nRUN zypper refresh && zypper rm vim\n"), [2]);
    }

    #[test]
    fn accepts_yes() {
        for ok in [
            "zypper install -y curl",
            "zypper -n in curl",
            "zypper --non-interactive install curl",
            "zypper in --no-confirm curl",
            "zypper refresh",
        ] {
            assert!(lines(&RULE, &format!("FROM o:15\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
