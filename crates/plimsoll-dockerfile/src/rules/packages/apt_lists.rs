use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{cache_mount_targets, has_any_arg, has_arg, report_command, stage_ships};
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-508",
        name: "apt-lists-not-removed",
        title: "apt lists left in the image",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3009"],
            dockle: &["DKL-DI-0005"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A RUN that runs `apt-get update` (or `apt update`, `aptitude update`) but
does not remove `/var/lib/apt/lists` in the same RUN (`rm -rf
/var/lib/apt/lists/*`, removing a parent directory, or `apt-get
dist-clean`), unless the lists live on a cache or tmpfs mount
(`RUN --mount=type=cache,target=/var/lib/apt/lists`).
Only stages that end up in an image are judged: the final stage and stages
used as the base of another stage (`FROM builder`). A build stage that other
stages only `COPY --from` is not reported.

## Why it matters
The package lists are tens of megabytes of index data that nothing at run
time needs. Left in a layer they bloat every pull of the image, and deleting
them in a later RUN does not shrink the earlier layer.

## Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \
 && rm -rf /var/lib/apt/lists/*
```

## How to fix
End the RUN that calls `apt-get update` with `rm -rf /var/lib/apt/lists/*`,
or mount the lists as a BuildKit cache.
"#,
    },
    check,
};

/// `/var/lib/{apt,dpkg}` → `/var/lib/apt`, `/var/lib/dpkg` (one brace group).
fn expand_braces(path: &str) -> Vec<String> {
    if let (Some(open), Some(close)) = (path.find('{'), path.find('}')) {
        if open < close {
            let (head, tail) = (&path[..open], &path[close + 1..]);
            return path[open + 1..close]
                .split(',')
                .map(|alt| format!("{head}{alt}{tail}"))
                .collect();
        }
    }
    vec![path.to_string()]
}

/// `rm` of the lists or a directory above them, or `apt-get dist-clean`.
fn removes_lists(cmd: &Command) -> bool {
    const LISTS: &str = "/var/lib/apt/lists";
    if has_arg(cmd, "apt-get", &["dist-clean"]) {
        return true;
    }
    cmd.is("rm")
        && cmd.arg_texts().flat_map(expand_braces).any(|p| {
            let p = p.trim_end_matches(['*', '/']);
            p.len() >= "/var/lib/apt".len()
                && (p == LISTS || LISTS.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
        })
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        if !stage_ships(cx, run.index) || run.commands().any(removes_lists) {
            continue;
        }
        let mounts = cache_mount_targets(run.inst);
        if mounts.iter().any(|t| t == "/var/lib/apt" || t.starts_with("/var/lib/apt/lists")) {
            continue;
        }
        let update = run
            .commands_with_script()
            .find(|(_, c)| has_any_arg(c, &["apt-get", "apt", "aptitude"], &["update"]));
        if let Some((script, cmd)) = update {
            report_command(
                out,
                &run,
                script,
                cmd,
                format!(
                    "`{} update` without `rm -rf /var/lib/apt/lists/*` in the same RUN leaves the package lists in the image",
                    cmd.name().unwrap_or("apt-get")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_lists_left() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update && apt-get install -y curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\napt-get update\napt-get install -y x\nEOF\n"), [3]);
        // A stage used as the base of the final stage.
        assert_eq!(
            lines(&RULE, "FROM d:1 AS base\nRUN apt-get update && apt-get install -y x\nFROM base\nRUN true\n"),
            [2]
        );
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt update && apt install -y x\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update && rm -rf /var/lib/apt/list/*\n"), [2]);
        // Removing something else is not removing the lists.
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update && apt-get install -y x && rm -rf /tmp/*\n"), [2]);
    }

    #[test]
    fn accepts_cleanup() {
        for ok in [
            "apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*",
            "apt-get update \\\n  && apt-get install -y x \\\n  # clean up\n  && rm -fr /var/lib/apt/lists",
            "--mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y x",
            "apt-get install -y ./x.deb",
            "apt-get update && apt-get install -y x && rm -r /var/cache/apt /var/lib/apt/lists",
            "apt-get update && apt-get install -y x && rm -rf /var/lib/{apt,dpkg,cache,log}/",
            "apt-get update && apt-get install -y x && apt-get dist-clean",
        ] {
            assert!(lines(&RULE, &format!("FROM d:1\nRUN {ok}\n")).is_empty(), "{ok}");
        }
        // Only a build stage that is copied from: its layers are not shipped.
        assert!(lines(
            &RULE,
            "FROM d:1 AS build\nRUN apt-get update && apt-get install -y gcc\nFROM d:1\nCOPY --from=build /out /out\n"
        )
        .is_empty());
    }
}
