use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-401",
        name: "apt-get-unpinned",
        title: "apt-get install without version pins",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3008"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`apt-get install` of packages given without `=VERSION`. Local `.deb` files
and paths are exempt, as are packages chosen by release (`pkg/bookworm`).

## Why it matters
Unpinned packages make builds unreproducible: rebuilding the same Dockerfile
installs whatever the mirror has that day, which may be a regression or, if
the mirror is compromised, something worse. Pins make changes reviewable.

## Example
```dockerfile
RUN apt-get update && apt-get install -y curl
```

## Use instead
```dockerfile
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8
```

## How to fix
Pin each package with `name=version` (find versions with `apt-cache policy
NAME`), and update the pins deliberately.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !cmd.is("apt-get") {
                continue;
            }
            let pos = cmd.positionals(&["-t", "--target-release", "-o", "-c"]);
            if pos.first().map(|w| w.text.as_str()) != Some("install") {
                continue;
            }
            let unpinned: Vec<_> = pos[1..]
                .iter()
                .filter(|w| {
                    let p = w.text.as_str();
                    !(p.contains('=') || p.contains('/') || p.ends_with(".deb"))
                })
                .collect();
            if let (Some(first), Some(last)) = (unpinned.first(), unpinned.last()) {
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                out.push(
                    Violation::new(
                        run.span_in(script, first.start, last.end),
                        format!("apt-get install without versions: {}; pin them as NAME=VERSION", names.join(", ")),
                    )
                    .with_evidence(names.join(" ")),
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
    fn flags_unpinned() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update && apt-get install -y curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update \\\n  && apt-get install -y \\\n    curl=1 wget\n"), [4]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\napt-get install -y vim\nEOF\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nONBUILD RUN apt-get install -y vim\n"), [2]);
    }

    #[test]
    fn accepts_pinned() {
        assert!(lines(&RULE, "FROM d:1\nRUN apt-get install -y curl=7.88 ./x.deb foo/bookworm\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nRUN apt-get -t bookworm-backports install -y curl=1\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nRUN echo apt-get install curl\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\n# apt-get install curl\nRUN true\n").is_empty());
    }
}
