use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::{Args, Instruction, Keyword};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-612",
        name: "flag-invalid",
        title: "Instruction flag that BuildKit rejects",
        severity: Severity::High,
        category: "correctness",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
Flags of FROM, RUN, COPY, ADD and HEALTHCHECK that the current Dockerfile
syntax does not define (`COPY --form=build`, `RUN --mnt=…`), and flags that
need a value but have none (`COPY --from build`, `--chown` alone).
ONBUILD triggers are checked the same way.

Known flags: FROM `--platform`; RUN `--mount`, `--network`, `--security`,
`--device`; COPY `--from`, `--chown`, `--chmod`, `--link`, `--parents`,
`--exclude`; ADD `--chown`, `--chmod`, `--link`, `--keep-git-dir`,
`--checksum`, `--exclude`, `--parents`, `--unpack`; HEALTHCHECK
`--interval`, `--timeout`, `--start-period`, `--start-interval`,
`--retries`.

## Why it matters
BuildKit stops the build at an unknown flag, and a misspelt flag hides what
was meant: a `COPY --form=build` was meant to copy from a build stage. With
`COPY --from build` the classic builder and BuildKit disagree, and the
stage reference is lost.

## Example
```dockerfile
COPY --form=build /out/app /usr/local/bin/app
```

## Use instead
```dockerfile
COPY --from=build /out/app /usr/local/bin/app
```

## How to fix
Spell the flag as documented and give value flags their value with `=`.
"#,
    },
    check,
};

/// Flags of each instruction, and whether each takes a value.
fn known(keyword: Keyword) -> &'static [(&'static str, bool)] {
    match keyword {
        Keyword::From => &[("platform", true)],
        Keyword::Run => &[("mount", true), ("network", true), ("security", true), ("device", true)],
        Keyword::Copy => &[
            ("from", true),
            ("chown", true),
            ("chmod", true),
            ("link", false),
            ("parents", false),
            ("exclude", true),
        ],
        Keyword::Add => &[
            ("chown", true),
            ("chmod", true),
            ("link", false),
            ("keep-git-dir", false),
            ("checksum", true),
            ("exclude", true),
            ("parents", false),
            ("unpack", false),
        ],
        Keyword::Healthcheck => &[
            ("interval", true),
            ("timeout", true),
            ("start-period", true),
            ("start-interval", true),
            ("retries", true),
        ],
        _ => &[],
    }
}

/// Edit distance, for "did you mean" suggestions (flag names are short).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn check_inst(inst: &Instruction, out: &mut Vec<Violation>, fallback: &Instruction) {
    let flags = known(inst.keyword);
    for f in &inst.flags {
        let span = if f.span.is_empty() { fallback.span } else { f.span };
        let name = f.name.to_ascii_lowercase();
        match flags.iter().find(|(n, _)| *n == name) {
            Some((_, true)) if f.value.is_none() => out.push(Violation::new(
                span,
                format!(
                    "{} --{} needs a value: write --{}=VALUE (BuildKit rejects the flag without one)",
                    inst.keyword, f.name, f.name
                ),
            )),
            Some(_) => {}
            None => {
                let hint = flags
                    .iter()
                    .map(|(n, _)| (distance(&name, n), *n))
                    .filter(|(d, _)| *d <= 2)
                    .min()
                    .map(|(_, n)| format!("; did you mean --{n}?"))
                    .unwrap_or_default();
                out.push(Violation::new(
                    span,
                    format!("{} has no flag --{}: BuildKit stops the build here{hint}", inst.keyword, f.name),
                ));
            }
        }
    }
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for inst in &cx.df.instructions {
        match &inst.args {
            Args::Onbuild(inner) => check_inst(inner, out, inst),
            _ => check_inst(inst, out, inst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{distance, RULE};
    use crate::rules::testing::{lines, messages_with};
    use crate::rules::RuleConfig;

    #[test]
    fn flags_unknown_and_valueless() {
        assert_eq!(lines(&RULE, "FROM a:1 AS b\nFROM c:1\nCOPY --form=b /x /y\n"), [3]);
        let m = messages_with(&RULE, "FROM a:1\nCOPY --form=b /x /y\n", &RuleConfig::default());
        assert!(m[0].1.contains("did you mean --from?"), "{m:?}");
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY --from b /x /y\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN --mnt=type=cache,target=/x true\n"), [2]);
        assert_eq!(lines(&RULE, "FROM --plattform=linux/amd64 a:1\n"), [1]);
        assert_eq!(lines(&RULE, "FROM a:1\nHEALTHCHECK --retry=3 CMD true\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD COPY --chown /a /b\n"), [2]);
    }

    #[test]
    fn accepts_known_flags() {
        let ok = "FROM --platform=$BUILDPLATFORM a:1 AS b\n\
                  RUN --mount=type=cache,target=/root/.cache --network=none --security=insecure true\n\
                  COPY --from=b --chown=1:1 --chmod=755 --link --parents --exclude=*.md /x /y/\n\
                  ADD --checksum=sha256:00 --keep-git-dir --link --unpack https://x/y.tgz /z/\n\
                  HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --start-interval=1s --retries=3 CMD true\n";
        assert!(lines(&RULE, ok).is_empty());
        assert!(lines(&RULE, "FROM a:1\nCOPY --LINK /x /y\n").is_empty());
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("form", "from"), 2);
        assert_eq!(distance("mnt", "mount"), 2);
        assert_eq!(distance("", "ab"), 2);
    }
}
