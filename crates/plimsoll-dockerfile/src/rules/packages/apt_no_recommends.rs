use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, has_flag_named, report_command};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-505",
        name: "apt-get-install-recommends",
        title: "apt-get install without --no-install-recommends",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3015"],
            trivy: &["DS029"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`apt-get install` without `--no-install-recommends` (or
`-o APT::Install-Recommends=false`).

## Why it matters
By default apt also installs every "recommended" package: often dozens of
extras (documentation tools, X libraries, daemons) the image never uses.
They make the image larger and add code that vulnerability scanners will
report and that an attacker could use.

## Example
```dockerfile
RUN apt-get update && apt-get install -y curl
```

## Use instead
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \
 && rm -rf /var/lib/apt/lists/*
```

## How to fix
Add `--no-install-recommends` and list the packages you really need.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if has_arg(cmd, "apt-get", &["install"])
                && !has_flag_named(cmd, &["no-install-recommends"])
                && !cmd
                    .arg_texts()
                    .any(|a| a == "APT::Install-Recommends=false" || a == "APT::Install-Recommends=0")
            {
                report_command(
                    out,
                    &run,
                    script,
                    cmd,
                    "apt-get install pulls in recommended packages; add --no-install-recommends".to_string(),
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
    fn flags_recommends() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update && apt-get install -y curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nONBUILD RUN apt-get install -y curl\n"), [2]);
    }

    #[test]
    fn accepts_no_recommends() {
        for ok in [
            "apt-get install -y --no-install-recommends curl",
            "apt-get --no-install-recommends -y install curl",
            "apt-get -o APT::Install-Recommends=false install -y curl",
            "apt-get update",
        ] {
            assert!(lines(&RULE, &format!("FROM d:1\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
