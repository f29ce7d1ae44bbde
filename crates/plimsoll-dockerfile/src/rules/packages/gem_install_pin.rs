use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, operands, report_packages};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-405",
        name: "gem-install-unpinned",
        title: "gem install without versions",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3028"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`gem install` (or `gem i`) of gems named without `:VERSION`, unless the
command gives a version with `-v`/`--version`.

## Why it matters
An unpinned gem resolves to the newest release at build time: builds are
not reproducible, and a hijacked release on rubygems.org reaches the image
on the next rebuild.

## Example
```dockerfile
RUN gem install bundler
```

## Use instead
```dockerfile
RUN gem install bundler:2.5.11
# or
RUN gem install bundler -v 2.5.11
```

## How to fix
Pin each gem as `NAME:VERSION` or pass `--version`; for applications,
declare gems in a `Gemfile.lock` and run `bundle install`.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !has_arg(cmd, "gem", &["install", "i"])
                || cmd
                    .arg_texts()
                    .any(|a| a == "-v" || a == "--version" || a.starts_with("--version="))
            {
                continue;
            }
            let unpinned: Vec<_> = operands(cmd, &[])
                .into_iter()
                .filter(|w| !matches!(w.text.as_str(), "install" | "i" | "--"))
                .filter(|w| !w.text.contains(':'))
                .collect();
            report_packages(out, &run, script, &unpinned, |names| {
                format!("gem install without versions: {names}; pin them as NAME:VERSION")
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_unpinned() {
        assert_eq!(lines(&RULE, "FROM r:3\nRUN gem install bundler\n"), [2]);
        assert_eq!(lines(&RULE, "FROM r:3\nRUN gem i --no-document rails:7.1 \\\n  puma\n"), [3]);
    }

    #[test]
    fn accepts_pinned() {
        for ok in [
            "gem install bundler:2.5.11",
            "gem install bundler -v 2.5.11",
            "gem install bundler --version '~> 2.5'",
            "gem install bundler --version=2.5.11",
            "gem update --system",
            "bundle install",
        ] {
            assert!(lines(&RULE, &format!("FROM r:3\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
