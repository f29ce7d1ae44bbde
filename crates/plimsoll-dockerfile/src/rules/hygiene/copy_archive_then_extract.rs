use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{command_name, drop_quotes, is_archive};
use crate::parser::{Args, Keyword};
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;
use crate::span::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-555",
        name: "copy-archive-then-extract",
        title: "Archive copied with COPY and then extracted in a RUN",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3010"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `COPY` (without `--from`) of an archive (`.tar`, `.tar.gz`, `.tgz`, `.xz`,
…) that a later `RUN` of the same stage unpacks with `tar -x`/`--extract`,
`unzip`, `gunzip`, `unxz`, `zcat` and similar.

## Why it matters
The archive stays in the `COPY` layer forever, even if the `RUN` deletes it:
the image carries the data twice. For local tar archives `ADD` unpacks in a
single layer; otherwise unpack in a build stage and copy the result.

## Example
```dockerfile
COPY vendor.tar.gz /tmp/
RUN tar -xzf /tmp/vendor.tar.gz -C /opt && rm /tmp/vendor.tar.gz
```

## Use instead
```dockerfile
ADD vendor.tar.gz /opt/
```

## How to fix
Use `ADD` for a local tar archive, or unpack it in an earlier build stage
and `COPY --from` the unpacked files.
"#,
    },
    check,
};

fn basename(p: &str) -> &str {
    let p = drop_quotes(p);
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

fn is_extract(cmd: &Command) -> bool {
    let Some(name) = command_name(cmd) else {
        return false;
    };
    match name {
        "tar" => cmd.arg_texts().any(|a| {
            a == "--extract" || a == "--get" || (a.starts_with('-') && a.contains('x'))
        }),
        "unzip" | "gunzip" | "bunzip2" | "unlzma" | "unxz" | "zgz" | "uncompress" | "zcat"
        | "gzcat" => true,
        _ => false,
    }
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for s in 0..cx.df.stages.len() {
        // (archive basename, span of the COPY source, reported?)
        let mut archives: Vec<(String, Span, bool)> = Vec::new();
        let stage = &cx.df.stages[s];
        for idx in stage.start..stage.end {
            let inst = &cx.df.instructions[idx];
            match (&inst.args, inst.keyword) {
                (Args::Copy { sources, dest, .. }, Keyword::Copy) if inst.flag("from").is_none() => {
                    if is_archive(&dest.value) {
                        archives.push((basename(&dest.value).to_string(), dest.span, false));
                    } else {
                        for src in sources.iter().filter(|w| is_archive(&w.value)) {
                            archives.push((basename(&src.value).to_string(), src.span, false));
                        }
                    }
                }
                (Args::Run(_), _) => {
                    let Some(run) = cx.run_at(idx) else { continue };
                    for cmd in run.commands().filter(|c| is_extract(c)) {
                        let args: Vec<&str> = cmd
                            .arg_texts()
                            .filter(|a| !a.starts_with('-'))
                            .map(basename)
                            .collect();
                        for a in archives.iter_mut().filter(|a| !a.2) {
                            if args.contains(&a.0.as_str()) {
                                a.2 = true;
                                let line = cx.df.pos(run.command_span(cmd).start).line;
                                out.push(
                                    Violation::new(
                                        a.1,
                                        format!(
                                            "{} is copied and then extracted by the RUN at line {line}: the archive stays in the COPY layer; use ADD for a local tar archive or unpack it in a build stage",
                                            a.0
                                        ),
                                    )
                                    .with_evidence(a.0.clone()),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_copy_then_extract() {
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY v.tar.gz /tmp/\nRUN tar -xzf /tmp/v.tar.gz -C /opt\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY src/x.tgz /tmp/y.tgz\nRUN cd /tmp \\\n  # unpack\n  && tar --extract -f y.tgz\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY d.xz /tmp/\nRUN <<EOF\nunxz /tmp/d.xz\nEOF\n"), [2]);
    }

    #[test]
    fn accepts_other_cases() {
        // extracted in another stage, or not at all, or copied from a stage
        assert!(lines(&RULE, "FROM a:1\nCOPY v.tar.gz /tmp/\nFROM b:1\nRUN tar -xzf /tmp/v.tar.gz\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY v.tar.gz /tmp/\nRUN ls /tmp/v.tar.gz\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS b\nFROM a:1\nCOPY --from=b /v.tar.gz /tmp/\nRUN tar -xzf /tmp/v.tar.gz\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY v.tar.gz /tmp/\nRUN tar -czf /tmp/v.tar.gz /opt\n").is_empty());
    }
}
