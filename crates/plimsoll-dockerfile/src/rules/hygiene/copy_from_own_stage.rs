use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::{Args, Keyword};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-606",
        name: "copy-from-own-stage",
        title: "COPY --from names the stage it is in",
        severity: Severity::Medium,
        category: "correctness",
        equivalents: Equivalents {
            hadolint: &["DL3023"],
            trivy: &["DS006"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `COPY --from=NAME` inside the stage called `NAME` (names compare without
case, as BuildKit does), or `--from=N` where `N` is the stage's own number.

## Why it matters
A stage cannot copy from itself: BuildKit rejects the file with a
dependency cycle, so the build breaks. It usually means a stage was renamed
or a `FROM` line was moved.

## Example
```dockerfile
FROM golang:1.22 AS build
COPY --from=build /go/bin/app /app
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /go/bin/app
FROM gcr.io/distroless/static
COPY --from=build /go/bin/app /app
```

## How to fix
Copy from the earlier stage that produces the files, or use a plain path
within the stage.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let df = cx.df;
    for inst in &df.instructions {
        if inst.keyword != Keyword::Copy || !matches!(inst.args, Args::Copy { .. }) {
            continue;
        }
        let (Some(flag), Some(cur)) = (inst.flag("from"), inst.stage) else {
            continue;
        };
        let Some(v) = flag.value.as_deref() else { continue };
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        let stage = &df.stages[cur];
        let own_name = stage.name.as_deref() == Some(v.to_ascii_lowercase().as_str());
        let own_index = v.parse::<usize>().ok() == Some(cur);
        if own_name || own_index {
            out.push(
                Violation::new(
                    flag.span,
                    format!("COPY --from={v} is inside stage {v} itself: a stage cannot copy from itself; copy from an earlier stage"),
                )
                .with_evidence(format!("--from={v}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_self_reference() {
        assert_eq!(lines(&RULE, "FROM a:1 AS build\nCOPY --from=build /x /y\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1 AS Build\nCOPY --from=build /x /y\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nFROM b:1\nCOPY --from=1 /x /y\n"), [3]);
    }

    #[test]
    fn accepts_other_stages() {
        assert!(lines(&RULE, "FROM a:1 AS build\nFROM b:1\nCOPY --from=build /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nFROM b:1\nCOPY --from=0 /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS x\nCOPY /x /y\n").is_empty());
    }
}
