use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, report_missing_flag};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-501",
        name: "apt-get-install-no-yes",
        title: "apt-get install without -y",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3014"],
            trivy: &["DS021"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`apt-get install` without `-y`/`--yes`/`--assume-yes` (or `-q`, which
hadolint also accepts since `-qq` implies `-y`).

## Why it matters
A build has no terminal to answer apt's "Do you want to continue?" prompt.
Without `-y` the install aborts as soon as it needs to ask, so the build
fails or depends on apt's mood (it only asks when extra packages are pulled
in).

## Example
```dockerfile
RUN apt-get update && apt-get install curl
```

## Use instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## How to fix
Add `-y` to every `apt-get install`.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    report_missing_flag(
        cx,
        out,
        |c| has_arg(c, "apt-get", &["install"]),
        &["y", "yes", "q", "assume-yes"],
        |_| "apt-get install without -y: the build cannot answer apt's prompt; add -y".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing_yes() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update && apt-get install curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update \\\n  # curl\n  && apt-get install \\\n  curl\n"), [4]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\napt-get install curl\nEOF\n"), [3]);
    }

    #[test]
    fn accepts_yes() {
        for ok in [
            "apt-get install -y curl",
            "apt-get -qqy install curl",
            "apt-get install --yes curl",
            "apt-get --assume-yes install curl",
            "apt-get -q install curl",
            "apt-get update",
            "apt-get remove curl",
        ] {
            assert!(lines(&RULE, &format!("FROM d:1\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
