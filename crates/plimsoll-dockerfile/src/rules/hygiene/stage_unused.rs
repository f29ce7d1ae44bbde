use std::collections::HashMap;

use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::instructions;
use crate::parser::{Args, Dockerfile, Keyword};
use crate::rules::{Ctx, Rule, Violation};
use crate::vars;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-611",
        name: "stage-unused",
        title: "Build stage is not used by the final image",
        severity: Severity::Info,
        category: "correctness",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
A build stage that the final stage does not need, directly or through other
stages: nothing that leads to the final image refers to it by name or
number with `COPY --from`, `RUN --mount=…,from=…` or `FROM`. When a
reference is built from a variable that cannot be resolved, the rule stays
silent.

## Why it matters
An unused stage is dead code: BuildKit skips it (so its checks, tests or
scans never run, although the file suggests they do), while the legacy
builder builds it for nothing. Often it is a leftover from a refactoring,
or a `COPY --from` that points to the wrong stage.

## Example
```dockerfile
FROM golang:1.22 AS test
RUN go test ./...
FROM golang:1.22 AS build
RUN go build -o /app
FROM gcr.io/distroless/static
COPY --from=build /app /app
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
RUN go test ./... && go build -o /app
FROM gcr.io/distroless/static
COPY --from=build /app /app
```

## How to fix
Delete the stage, or make the final image depend on it. If it is a build
target used with `docker build --target NAME`, suppress this finding for it.
"#,
    },
    check,
};

/// Stage a reference points to (`name` or number), `Err` if it cannot be
/// resolved (variables).
fn resolve(df: &Dockerfile, globals: &HashMap<String, String>, r: &str) -> Result<Option<usize>, ()> {
    let r = r.trim_matches(|c| c == '"' || c == '\'');
    let r = if r.contains('$') {
        let lookup = |k: &str| globals.get(k).cloned();
        match vars::expand(r, df.escape, &lookup) {
            (v, true) => v,
            _ => return Err(()),
        }
    } else {
        r.to_string()
    };
    Ok(df.stage_by_ref(&r).map(|s| s.index))
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let df = cx.df;
    if df.stages.len() < 2 {
        return;
    }
    let globals = &cx.globals;
    // deps[s]: stages that stage s refers to.
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); df.stages.len()];
    for stage in &df.stages {
        match resolve(df, globals, &stage.image) {
            Ok(Some(p)) if p < stage.index => deps[stage.index].push(p),
            Ok(_) => {}
            Err(()) => return,
        }
    }
    for (i, inst, _) in instructions(df) {
        let Some(s) = df.instructions[i].stage else { continue };
        let mut refs: Vec<String> = Vec::new();
        if matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
            refs.extend(inst.flag_value("from").map(str::to_string));
        }
        if inst.keyword == Keyword::Run {
            for m in inst.flags_named("mount") {
                let Some(v) = m.value.as_deref() else { continue };
                for kv in v.split(',') {
                    if let Some(f) = kv.trim().strip_prefix("from=") {
                        refs.push(f.to_string());
                    }
                }
            }
        }
        for r in refs {
            match resolve(df, globals, &r) {
                Ok(Some(t)) => deps[s].push(t),
                Ok(None) => {}
                Err(()) => return,
            }
        }
    }
    let Some(last) = df.stages.len().checked_sub(1) else { return };
    let mut used = vec![false; df.stages.len()];
    let mut todo = vec![last];
    while let Some(s) = todo.pop() {
        if std::mem::replace(&mut used[s], true) {
            continue;
        }
        todo.extend(deps[s].iter().copied());
    }
    for stage in df.stages.iter().filter(|s| !used[s.index]) {
        let from = &df.instructions[stage.from];
        let (span, label) = match &from.args {
            Args::From { alias: Some(a), .. } => (a.span, format!("stage {}", a.value)),
            Args::From { image, .. } => (image.span, format!("stage {} (FROM {})", stage.index, image.value)),
            _ => (from.span, format!("stage {}", stage.index)),
        };
        let target = stage
            .name
            .as_ref()
            .map(|n| format!(" (ignore this if you build it with --target {n})"))
            .unwrap_or_default();
        out.push(Violation::new(
            span,
            format!("{label} is not used by the final image: nothing it leads to copies from it, mounts it or builds on it; delete it or use it{target}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_unused_stages() {
        assert_eq!(lines(&RULE, "FROM a:1 AS test\nRUN t\nFROM b:1\nRUN x\n"), [1]);
        assert_eq!(lines(&RULE, "FROM a:1\nFROM b:1 AS build\nFROM c:1\nCOPY --from=build /x /y\n"), [1]);
        // used only by an unused stage
        assert_eq!(lines(&RULE, "FROM a:1 AS x\nFROM b:1 AS y\nCOPY --from=x /a /b\nFROM c:1\n"), [1, 2]);
    }

    #[test]
    fn accepts_used_stages() {
        assert!(lines(&RULE, "FROM a:1 AS build\nFROM b:1\nCOPY --from=build /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nFROM b:1\nCOPY --from=0 /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS base\nFROM base\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS deps\nFROM b:1\nRUN --mount=type=bind,from=deps,target=/d make\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS b1\nFROM b:1 AS b2\nCOPY --from=b1 /x /y\nFROM b2\n").is_empty());
        assert!(lines(&RULE, "ARG S=build\nFROM a:1 AS build\nFROM b:1\nCOPY --from=${S} /x /y\n").is_empty());
        // unresolvable variable: silent
        assert!(lines(&RULE, "ARG S\nFROM a:1 AS x\nFROM b:1\nCOPY --from=${S} /x /y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS x\nFROM b:1\nONBUILD COPY --from=x /a /b\n").is_empty());
    }
}
