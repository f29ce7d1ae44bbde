use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::Keyword;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-457",
        name: "wget-and-curl",
        title: "Both wget and curl are used",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL4001"],
            trivy: &["DS014"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A build stage whose `RUN` instructions call both `wget` and `curl`. Once both
have appeared in the stage, every further `RUN` that calls either is
reported (as hadolint's DL4001 does). Installing them as packages
(`apt-get install curl wget`) does not count; calling them does. `ONBUILD RUN`
triggers are counted separately from the stage's own `RUN`s.

## Why it matters
Two tools for the same job mean two sets of binaries, libraries and CVEs in
the image and two sets of TLS and proxy behaviour to reason about, for no
gain.

## Example
```dockerfile
RUN wget -q https://example.com/a.tgz
RUN curl -fsSLo b.tgz https://example.com/b.tgz
```

## Use instead
```dockerfile
RUN curl -fsSLO https://example.com/a.tgz \
 && curl -fsSLo b.tgz https://example.com/b.tgz
```

## How to fix
Pick one (usually `curl`, which most base images already ship) and rewrite
the other calls with it.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    // Per stage: (curl seen, wget seen), for the stage's RUNs and its ONBUILD RUNs.
    let mut seen = [[false; 2]; 2];
    let mut runs = cx.runs().peekable();
    for (i, inst) in cx.df.instructions.iter().enumerate() {
        if inst.keyword == Keyword::From {
            seen = [[false; 2]; 2];
        }
        while let Some(run) = runs.next_if(|r| r.index == i) {
            let mut first = None;
            for c in run.commands() {
                let kind = match super::literal_name(c) {
                    Some("curl") => 0,
                    Some("wget") => 1,
                    _ => continue,
                };
                seen[usize::from(run.onbuild)][kind] = true;
                first.get_or_insert(c);
            }
            let s = seen[usize::from(run.onbuild)];
            if let Some(c) = first {
                if s[0] && s[1] {
                    out.push(
                        Violation::new(
                            run.command_span(c),
                            "this stage calls both wget and curl; use one of them",
                        )
                        .with_evidence("wget, curl"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_both_in_a_stage() {
        assert_eq!(lines(&RULE, "FROM a:1\nRUN wget -q https://x && curl -sO https://y\n"), [2]);
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN wget -q https://x\nRUN echo hi\nRUN curl -sO https://y\nRUN wget -q https://z\n"),
            [4, 5]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\nwget -q x\ncurl -sO y\nEOF\n"), [3]);
    }

    #[test]
    fn resets_per_stage_and_ignores_packages() {
        assert!(lines(&RULE, "FROM a:1\nRUN wget -q x\nFROM b:1\nRUN curl -sO y\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN apt-get install -y curl wget\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN curl -sO y\nONBUILD RUN wget -q x\n").is_empty());
    }
}
