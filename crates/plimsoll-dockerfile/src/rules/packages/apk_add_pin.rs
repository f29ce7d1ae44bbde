use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, operands, report_packages};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-402",
        name: "apk-add-unpinned",
        title: "apk add without version pins",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3018"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`apk add` of packages given without a version constraint (`=`, `~`, `>`,
`<`). Local `.apk` files are exempt, as are the names given to
`--virtual`/`-t` and the URLs given to `--repository`/`-X`.

## Why it matters
Unpinned packages make builds unreproducible: rebuilding the same Dockerfile
installs whatever the Alpine mirror serves that day, which may be a
regression or, if the mirror is compromised, something worse. Pins make
changes visible in review.

## Example
```dockerfile
RUN apk add --no-cache curl
```

## Use instead
```dockerfile
RUN apk add --no-cache curl=8.5.0-r0
# or allow patch releases of one branch:
RUN apk add --no-cache 'curl~8.5'
```

## How to fix
Pin each package with `name=version` or `name~version` (find versions with
`apk policy NAME` or on pkgs.alpinelinux.org) and update the pins on purpose.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !has_arg(cmd, "apk", &["add"]) {
                continue;
            }
            let ops = operands(cmd, &["t", "virtual", "repository", "X"]);
            let unpinned: Vec<_> = ops
                .into_iter()
                .filter(|w| w.text != "add")
                .filter(|w| {
                    let p = w.text.as_str();
                    !(p.contains('=') || p.contains('~') || p.contains('>') || p.contains('<') || p.ends_with(".apk"))
                })
                .collect();
            report_packages(out, &run, script, &unpinned, |names| {
                format!("apk add without versions: {names}; pin them as NAME=VERSION")
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
        assert_eq!(lines(&RULE, "# escape=`\nFROM a:1\nRUN apk add --no-cache `\n  curl\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN apk add --no-cache curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN apk update && \\\n  # tools\n  apk add git=2 \\\n    bash\n"), [5]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\napk add vim\nEOF\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN [\"apk\", \"add\", \"vim\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN [\"sh\", \"-c\", \"apk add vim\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN apk add $PKGS\n"), [2]);
    }

    #[test]
    fn accepts_pinned() {
        assert!(lines(&RULE, "FROM a:1\nRUN apk add --no-cache curl=8.5.0-r0 'git~2.43' ./x.apk\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN apk add --virtual .build-deps gcc=13 -X http://m/edge musl=1\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN apk del curl && echo apk add x\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN apk add \"curl=${CURL_VERSION}\"\n").is_empty());
    }
}
