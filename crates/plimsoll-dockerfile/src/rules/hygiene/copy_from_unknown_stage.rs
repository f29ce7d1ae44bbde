use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::{Args, Keyword};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-605",
        name: "copy-from-unknown-stage",
        title: "COPY --from names no earlier build stage",
        severity: Severity::Medium,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3022"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `COPY --from=NAME` where `NAME` is:
- a plain name (no `:`, `/` or `@`) that no earlier `FROM … AS NAME` defines;
- the name of a stage defined further down the file;
- a stage number that is not an earlier stage;
- missing: `COPY --from build …` (without `=`) is a syntax error.

Image references (`--from=nginx:1.27`, `--from=ghcr.io/o/tool`) and values
built from variables are accepted; copying from the current stage is
`copy-from-own-stage`.

## Why it matters
A plain name that is not a stage is taken as an image from Docker Hub: a
typo in a stage name (`--from=biulder`) or a renamed stage silently pulls
whatever image has that name, possibly someone else's, and copies files out
of it into your image. A stage defined later or a wrong number makes the
build fail.

## Example
```dockerfile
FROM golang:1.22 AS builder
RUN go build -o /out/app
FROM gcr.io/distroless/static
COPY --from=build /out/app /app
```

## Use instead
```dockerfile
COPY --from=builder /out/app /app
```

## How to fix
Use the exact name of an earlier stage. To copy from an external image on
purpose, name it with a tag or digest (`--from=alpine:3.20`).
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let df = cx.df;
    for inst in &df.instructions {
        if inst.keyword != Keyword::Copy {
            continue;
        }
        let (Args::Copy { .. }, Some(flag), Some(cur)) = (&inst.args, inst.flag("from"), inst.stage)
        else {
            continue;
        };
        let Some(v) = flag.value.as_deref() else {
            out.push(Violation::new(
                flag.span,
                "COPY --from without a value: the flag needs --from=STAGE (with `=`); the build fails with \"missing a value on flag\"",
            ));
            continue;
        };
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        if v.is_empty() || v.contains('$') {
            continue;
        }
        let lower = v.to_ascii_lowercase();
        let msg = if let Ok(n) = v.parse::<usize>() {
            if n < cur {
                continue;
            }
            format!("COPY --from={v}: stage {n} is not an earlier build stage (stages are numbered from 0, and only earlier ones can be copied from)")
        } else if let Some(s) = df.stages.iter().find(|s| s.name.as_deref() == Some(lower.as_str())) {
            if s.index <= cur {
                // Earlier stage, or the current one (copy-from-own-stage).
                continue;
            }
            format!(
                "COPY --from={v}: stage {v} is defined later (line {}); only earlier stages can be copied from",
                df.instructions[s.from].pos.line
            )
        } else if v.contains([':', '/', '@']) {
            continue;
        } else {
            format!("COPY --from={v}: no earlier stage is named {v}, so Docker pulls an image called {v}; fix the stage name, or tag the image (--from={v}:TAG) if that is what you mean")
        };
        out.push(Violation::new(flag.span, msg).with_evidence(format!("--from={v}")));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_unknown_references() {
        assert_eq!(lines(&RULE, "FROM a:1 AS builder\nFROM b:1\nCOPY --from=build /x /y\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY --from=later /x /y\nFROM b:1 AS later\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nFROM b:1\nCOPY --from=1 /x /y\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY \\\n  # from the builder\n  --from=bilder /x /y\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1 AS build\nFROM b:1\nCOPY --from build /x /y\n"), [3]);
    }

    #[test]
    fn accepts_stages_indices_images_and_variables() {
        assert!(lines(&RULE, "FROM a:1 AS Builder\nFROM b:1\nCOPY --from=builder /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nFROM b:1\nCOPY --from=0 /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY --from=nginx:1.27 /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY --from=r.j3ss.co/wg:install /x /y\n").is_empty());
        assert!(lines(&RULE, "ARG S=x\nFROM a:1\nCOPY --from=${S} /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS me\nCOPY --from=me /x /y\n").is_empty());
    }
}
