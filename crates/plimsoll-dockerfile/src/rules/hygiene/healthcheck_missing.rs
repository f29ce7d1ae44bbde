use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::image_ref::ImageRef;
use crate::parser::{Args, Keyword};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-561",
        name: "healthcheck-missing",
        title: "Final image has no HEALTHCHECK",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            cis: &["4.6"],
            dockle: &["CIS-DI-0006"],
            trivy: &["DS026"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
The final stage, together with the build stages it is based on
(`FROM build AS final`), has no `HEALTHCHECK` instruction. `HEALTHCHECK NONE`
counts as a deliberate choice. A final stage `FROM scratch` without `CMD` or
`ENTRYPOINT` is an artifact image that is never run, and is not checked.
A health check inherited from an external base image cannot be seen here.

## Why it matters
Without a health check, Docker and orchestrators only know whether the main
process exists, not whether it works: a deadlocked or wedged service keeps
receiving traffic and is never restarted. CIS Docker Benchmark 4.6 asks for
a `HEALTHCHECK` in every image.

## Example
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
```

## Use instead
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost/ || exit 1
```

## How to fix
Add a `HEALTHCHECK` that exercises the service cheaply (an HTTP health
endpoint, a client ping), or `HEALTHCHECK NONE` when the orchestrator does
the probing (Kubernetes ignores `HEALTHCHECK` and uses its own probes).
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let chain = cx.final_chain();
    let mut has_health = false;
    let mut has_start = false;
    for &s in &chain {
        for inst in cx.df.stage_instructions(s) {
            match inst.keyword {
                Keyword::Healthcheck => has_health = true,
                Keyword::Cmd | Keyword::Entrypoint => has_start = true,
                _ => {}
            }
        }
    }
    if has_health {
        return;
    }
    let Some(&root) = chain.last() else { return };
    let Some(from) = cx.df.stages.get(root).map(|s| &cx.df.instructions[s.from]) else {
        return;
    };
    let Args::From { image, .. } = &from.args else {
        return;
    };
    let resolved = cx.resolve_image(&image.value);
    let scratch = resolved.as_deref().is_some_and(|r| ImageRef::parse(r).is_scratch());
    if scratch && !has_start {
        return;
    }
    let Some(last) = cx.df.stages.last() else { return };
    let final_from = &cx.df.instructions[last.from];
    let span = match &final_from.args {
        Args::From { image, .. } => image.span,
        _ => final_from.span,
    };
    out.push(
        Violation::new(
            span,
            format!(
                "the final image (FROM {}) has no HEALTHCHECK: a hung service is not detected; add HEALTHCHECK CMD … (or HEALTHCHECK NONE if the orchestrator probes it)",
                last.image
            ),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_missing() {
        assert_eq!(lines(&RULE, "FROM nginx:1\nCOPY x /y\n"), [1]);
        assert_eq!(lines(&RULE, "FROM a:1 AS b\nHEALTHCHECK CMD true\nFROM c:1\nCMD [\"x\"]\n"), [3]);
        assert_eq!(lines(&RULE, "FROM scratch\nCOPY app /\nENTRYPOINT [\"/app\"]\n"), [1]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD HEALTHCHECK CMD true\n"), [1]);
    }

    #[test]
    fn accepts_present_inherited_none_and_artifacts() {
        assert!(lines(&RULE, "FROM a:1\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nHEALTHCHECK NONE\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS base\nHEALTHCHECK CMD true\nFROM base\nCMD [\"x\"]\n").is_empty());
        assert!(lines(&RULE, "ARG B=base\nFROM a:1 AS base\nHEALTHCHECK CMD true\nFROM ${B}\n").is_empty());
        assert!(lines(&RULE, "FROM a:1 AS build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n").is_empty());
    }
}
