use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{cache_mount_targets, has_flag_named, is_pip_install, report_command};
use crate::parser::{Args, Instruction};
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-513",
        name: "pip-cache-kept",
        title: "pip install without --no-cache-dir",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3042"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`pip install` (also `pip3`, `python -m pip`) without `--no-cache-dir`,
unless the cache is disabled with `PIP_NO_CACHE_DIR` set to a true value
(`1`, `true`, `yes`, `on`) by an `ENV` of the stage (or of a stage it is
built `FROM`) or in the RUN itself, or pip's cache directory is a cache
mount (`RUN --mount=type=cache,target=/root/.cache/pip`). `pipx` and
`pipenv` are not judged.

## Why it matters
pip stores every downloaded wheel and sdist in `~/.cache/pip`. In an image
that copy is never used again, and it often doubles the size of the
installed packages.

## Example
```dockerfile
RUN pip install -r requirements.txt
```

## Use instead
```dockerfile
RUN pip install --no-cache-dir -r requirements.txt
# or, for every pip call of the stage:
ENV PIP_NO_CACHE_DIR=1
```

## How to fix
Add `--no-cache-dir`, set `ENV PIP_NO_CACHE_DIR=1`, or mount the cache with
BuildKit.
"#,
    },
    check,
};

const TRUTHY: &[&str] = &["1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES"];

/// `ENV PIP_NO_CACHE_DIR=<true>` among these instructions.
fn env_disables_cache(insts: &[Instruction]) -> bool {
    insts.iter().any(|i| match &i.args {
        Args::Env(pairs) => pairs
            .iter()
            .any(|kv| kv.key == "PIP_NO_CACHE_DIR" && TRUTHY.contains(&kv.value.as_str())),
        _ => false,
    })
}

/// Whether an ENV of the stage before `index`, or of a stage it builds on, disables pip's cache.
fn stage_disables_cache(cx: &Ctx<'_>, index: usize) -> bool {
    let df = cx.df;
    let Some(mut stage) = df.instructions.get(index).and_then(|i| i.stage) else {
        return env_disables_cache(&df.instructions[..index.min(df.instructions.len())]);
    };
    let mut end = index;
    // Follow `FROM <earlier stage>` links (bounded: a stage can only build on an earlier one).
    loop {
        let Some(s) = df.stages.get(stage) else {
            return false;
        };
        if env_disables_cache(&df.instructions[s.start..end.min(s.end)]) {
            return true;
        }
        match df.stages[..stage]
            .iter()
            .rposition(|p| p.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&s.image)))
        {
            Some(parent) => {
                stage = parent;
                end = df.stages[parent].end;
            }
            None => return false,
        }
    }
}

fn run_sets_env(text: &str) -> bool {
    text.match_indices("PIP_NO_CACHE_DIR=").any(|(i, m)| {
        let v = text[i + m.len()..].trim_start_matches(['"', '\'']);
        TRUTHY.iter().any(|t| v.starts_with(t))
    })
}

fn is_wrapper(cmd: &Command) -> bool {
    let name = cmd.name().unwrap_or("");
    let args: Vec<&str> = cmd.arg_texts().collect();
    ["pipx", "pipenv"].iter().any(|w| {
        name.contains(w) || (name.starts_with("python") && args.windows(2).any(|p| p == ["-m", *w]))
    })
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        if stage_disables_cache(cx, run.index) {
            continue;
        }
        let text = run.inst.rest.as_str();
        let heredoc_sets = run.inst.heredocs.iter().any(|h| run_sets_env(&h.body));
        if run_sets_env(text) || heredoc_sets {
            continue;
        }
        if cache_mount_targets(run.inst)
            .iter()
            .any(|t| t.ends_with(".cache/pip") || t.ends_with(".cache"))
        {
            continue;
        }
        for (script, cmd) in run.commands_with_script() {
            if is_pip_install(cmd) && !has_flag_named(cmd, &["no-cache-dir"]) && !is_wrapper(cmd) {
                report_command(
                    out,
                    &run,
                    script,
                    cmd,
                    "pip install keeps its download cache in the image; add --no-cache-dir or set PIP_NO_CACHE_DIR=1"
                        .to_string(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_cache() {
        assert_eq!(lines(&RULE, "FROM p:3\nRUN pip install -r requirements.txt\n"), [2]);
        assert_eq!(lines(&RULE, "FROM p:3\nRUN python3 -m pip install \\\n  # deps\n  flask==3\n"), [2]);
        assert_eq!(lines(&RULE, "FROM p:3\nRUN <<EOF\npip3 install x==1\nEOF\n"), [3]);
        // The ENV of another, unrelated stage does not count.
        assert_eq!(
            lines(&RULE, "FROM p:3 AS a\nENV PIP_NO_CACHE_DIR=1\nFROM p:3\nRUN pip install x==1\n"),
            [4]
        );
        assert_eq!(lines(&RULE, "FROM p:3\nENV PIP_NO_CACHE_DIR=0\nRUN pip install x==1\n"), [3]);
    }

    #[test]
    fn accepts_no_cache() {
        for ok in [
            "RUN pip install --no-cache-dir -r requirements.txt",
            "RUN PIP_NO_CACHE_DIR=1 pip install x==1",
            "RUN export PIP_NO_CACHE_DIR=true && pip install x==1",
            "RUN --mount=type=cache,target=/root/.cache/pip pip install x==1",
            "RUN pipx install black",
            "RUN pipenv install --system",
            "RUN python -m pipx install black",
            "ENV PIP_NO_CACHE_DIR=1\nRUN pip install x==1",
            "ENV PIP_NO_CACHE_DIR=yes\nFROM scratch\nRUN true",
        ] {
            assert!(lines(&RULE, &format!("FROM p:3\n{ok}\n")).is_empty(), "{ok}");
        }
        // Inherited from the stage it builds on.
        assert!(lines(&RULE, "FROM p:3 AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install x==1\n").is_empty());
    }
}
