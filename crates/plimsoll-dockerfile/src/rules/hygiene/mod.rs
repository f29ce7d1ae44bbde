//! Hygiene rules (PL-DF-551..599: Dockerfile style that hides mistakes or
//! wastes layers) and correctness rules (PL-DF-601..649: instructions that do
//! not do what they seem to, or break the build).

crate::rules::group! {
    workdir_relative,
    run_pointless_command,
    run_cd,
    add_instead_of_copy,
    copy_archive_then_extract,
    run_consecutive,
    maintainer_deprecated,
    cmd_shell_form,
    pipe_without_pipefail,
    shell_by_symlink,
    healthcheck_missing,
    multiple_services,
    cmd_multiple,
    entrypoint_multiple,
    healthcheck_multiple,
    copy_multi_source_dest,
    copy_from_unknown_stage,
    copy_from_own_stage,
    stage_name_duplicate,
    env_self_reference,
    copy_relative_no_workdir,
    label_key_invalid,
    stage_unused,
    flag_invalid,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[
    (
        "DL3025",
        "HEALTHCHECK CMD in shell form is not reported: the check is not PID 1, so the signal-handling reason does not apply and `|| exit 1` needs a shell (e.g. yinyuanzhang+dockerfiles/data/s/siminn/tv-imagekit-proxy/Dockerfile:38)",
    ),
    (
        "DL3020",
        "ONBUILD ADD is checked too: the trigger runs the same ADD in every child build, hadolint 2.15 skips ONBUILD (e.g. yinyuanzhang+dockerfiles/data/s/shayashibara/docker-consul/Dockerfile:19)",
    ),
    (
        "DL3022",
        "`COPY --from build` (no `=`) is reported: BuildKit rejects the flag without a value, hadolint reads no --from at all (vimagick+dockerfiles/obs-web-arm/Dockerfile:15)",
    ),
    (
        "DL3003",
        "ONBUILD RUN is checked too: the trigger runs the same cd in every child build, hadolint 2.15 skips ONBUILD (e.g. yinyuanzhang+dockerfiles/data/r/rufusmbugua/laravel-mysql/Dockerfile:10)",
    ),
];

use crate::parser::{Args, Dockerfile, Instruction, Keyword};
use crate::rules::{Ctx, Violation};
use crate::shell::Command;

/// Every instruction with the one that takes effect: ONBUILD triggers are
/// unwrapped (`(outer, inner, is_onbuild)`).
fn instructions(df: &Dockerfile) -> impl Iterator<Item = (usize, &Instruction, bool)> {
    df.instructions
        .iter()
        .enumerate()
        .map(|(i, inst)| match &inst.args {
            Args::Onbuild(inner) => (i, inner.as_ref(), true),
            _ => (i, inst, false),
        })
}

/// The command a shell runs for `cmd`, as ShellCheck names it: the literal
/// first word (`None` when it is built from variables or substitutions),
/// looking through `busybox`, `builtin`, `command` and `exec` wrappers.
fn command_name(cmd: &Command) -> Option<&str> {
    let words = &cmd.words;
    let first = words.first()?;
    if !is_literal(&first.text) {
        return None;
    }
    let base = first.text.rsplit('/').next().unwrap_or(&first.text);
    match base {
        "busybox" | "builtin" | "command" => match words.get(1) {
            Some(w) if !w.text.starts_with('-') && is_literal(&w.text) => Some(&w.text),
            Some(_) => None,
            None => Some(&first.text),
        },
        "exec" => {
            let mut i = 1;
            while let Some(w) = words.get(i) {
                if w.text == "-a" {
                    i += 2;
                } else if w.text.starts_with('-') {
                    i += 1;
                } else {
                    break;
                }
            }
            match words.get(i) {
                Some(w) if is_literal(&w.text) => Some(&w.text),
                Some(_) => None,
                None => Some(&first.text),
            }
        }
        _ => Some(&first.text),
    }
}

/// The basename of [`command_name`].
fn command_base(cmd: &Command) -> Option<&str> {
    command_name(cmd).map(|n| n.rsplit('/').next().unwrap_or(n))
}

fn is_literal(s: &str) -> bool {
    !s.is_empty() && !s.contains(['$', '`'])
}

/// Removes surrounding quote characters, as hadolint's `dropQuotes` does.
fn drop_quotes(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '\'')
}

/// Suffixes of archives (tar and compressed files), as hadolint lists them.
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
];

fn is_archive(path: &str) -> bool {
    let p = drop_quotes(path);
    ARCHIVE_SUFFIXES.iter().any(|s| p.ends_with(s))
}

fn is_url(path: &str) -> bool {
    let p = drop_quotes(path);
    p.starts_with("http://") || p.starts_with("https://")
}

/// A Windows absolute path: `C:\x`, `c:/x`, `C:`.
fn is_windows_absolute(p: &str) -> bool {
    let mut c = p.chars();
    matches!((c.next(), c.next()), (Some(d), Some(':')) if d.is_ascii_alphabetic())
}

/// The instruction keyword as written for messages (`COPY`, `ONBUILD COPY`).
fn keyword_label(inst: &Instruction, onbuild: bool) -> String {
    if onbuild {
        format!("ONBUILD {}", inst.keyword)
    } else {
        inst.keyword.to_string()
    }
}

/// Instructions of stage `stage` with keyword `kw`, top level or ONBUILD
/// triggers (each is its own sequence). Returns the instruction as written
/// in the file (the ONBUILD one for triggers: it has the position).
fn stage_keyword(df: &Dockerfile, stage: usize, kw: Keyword, onbuild: bool) -> Vec<&Instruction> {
    df.stage_instructions(stage)
        .iter()
        .filter(|inst| match (&inst.args, onbuild) {
            (Args::Onbuild(inner), true) => inner.keyword == kw,
            (_, false) => inst.keyword == kw,
            _ => false,
        })
        .collect()
}

/// Report every repeat of `kw` in a stage (ONBUILD triggers counted apart):
/// only the last one takes effect, so the earlier ones mislead readers.
fn report_later_duplicates(cx: &Ctx<'_>, kw: Keyword, out: &mut Vec<Violation>) {
    let df = cx.df;
    for s in 0..df.stages.len() {
        for onbuild in [false, true] {
            let found = stage_keyword(df, s, kw, onbuild);
            let Some((first, rest)) = found.split_first() else {
                continue;
            };
            let name = if onbuild {
                format!("ONBUILD {kw}")
            } else {
                kw.to_string()
            };
            for later in rest {
                out.push(Violation::new(
                    later.span,
                    format!(
                        "second {name} in this stage (the first is at line {}): only the last one takes effect; keep one",
                        first.pos.line
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_look_through_wrappers() {
        let s =
            crate::shell::tokenize("busybox ps; command cd /x; exec -a n top; $X y; /bin/kill 1");
        let names: Vec<_> = s.commands.iter().map(command_name).collect();
        assert_eq!(
            names,
            [Some("ps"), Some("cd"), Some("top"), None, Some("/bin/kill")]
        );
    }

    #[test]
    fn paths() {
        assert!(is_windows_absolute("C:\\app"));
        assert!(is_windows_absolute("c:/app"));
        assert!(!is_windows_absolute("app"));
        assert!(is_archive("'x.tar.gz'"));
        assert!(!is_archive("x.zip"));
        assert!(is_url("\"https://x\""));
    }
}
