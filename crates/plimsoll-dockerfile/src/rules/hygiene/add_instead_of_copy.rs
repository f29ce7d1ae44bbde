use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{drop_quotes, instructions, is_archive, is_url, keyword_label};
use crate::parser::{Args, Keyword};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-554",
        name: "add-instead-of-copy",
        title: "ADD used where COPY suffices",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3020"],
            cis: &["4.9"],
            dockle: &["CIS-DI-0009"],
            trivy: &["DS005"],
        },
        doc: r#"
## What it checks
An `ADD` (also in `ONBUILD`) with a source that is neither a URL
(`http://`, `https://`), a Git repository (`git@…`, `git://…`) nor a
compressed or tar archive (`.tar`, `.tar.gz`, `.tgz`, `.xz`, …): plain local
files and directories, and heredocs.

## Why it matters
`ADD` has hidden behaviour: a local tar archive is unpacked instead of
copied, and a URL is downloaded. A reviewer reading `ADD conf/ /etc/app/`
has to check that none of the files is an archive that would be expanded
(zip-slip style paths included) into the image. `COPY` does exactly one
thing; CIS Docker Benchmark 4.9 asks for it.

## Example
```dockerfile
ADD app.jar /opt/app/app.jar
```

## Use instead
```dockerfile
COPY app.jar /opt/app/app.jar
```

## How to fix
Replace `ADD` by `COPY` for local files and directories. Keep `ADD` only
where its extra behaviour is wanted (unpacking a local tar archive, or a
checked download with `--checksum`).
"#,
    },
    check,
};

fn is_git(src: &str) -> bool {
    let s = drop_quotes(src);
    s.starts_with("git@") || s.starts_with("git://") || s.starts_with("ssh://")
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (_, inst, onbuild) in instructions(cx.df) {
        if inst.keyword != Keyword::Add {
            continue;
        }
        let Args::Copy { sources, .. } = &inst.args else {
            continue;
        };
        let plain: Vec<_> = sources
            .iter()
            .filter(|s| !(is_archive(&s.value) || is_url(&s.value) || is_git(&s.value)))
            .collect();
        let (Some(first), Some(last)) = (plain.first(), plain.last()) else {
            continue;
        };
        let names: Vec<&str> = plain.iter().map(|s| s.value.as_str()).collect();
        out.push(
            Violation::new(
                first.span.to(last.span),
                format!(
                    "{} of {}: ADD may unpack or download instead of copying; use COPY for local files and directories",
                    keyword_label(inst, onbuild),
                    names.join(", ")
                ),
            )
            .with_evidence(names.join(" ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_local_sources() {
        assert_eq!(lines(&RULE, "FROM a:1\nADD app.jar /opt/\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nADD x.tar.gz conf/ /opt/\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nADD [\"a b\", \"/opt/\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD ADD . /app\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nADD --chown=1:1 \\\n  # the app\n  app.zip /opt/\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nADD <<EOF /etc/x\nhello\nEOF\n"), [2]);
    }

    #[test]
    fn accepts_archives_urls_and_copy() {
        assert!(lines(&RULE, "FROM a:1\nADD rootfs.tar.xz /\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nADD https://example.com/x.bin /opt/\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nADD --checksum=sha256:0 https://e.com/x /x\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nADD git@github.com:o/r.git /src\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY app.jar /opt/\n").is_empty());
    }
}
