//! Argument helpers shared by the package-manager rules.
//!
//! Package managers are judged the way hadolint judges them, so that the
//! rules agree with it on real files: a command "has" a subcommand when any
//! argument equals it (`apt-get -y install`, `apk --no-cache add`), flags are
//! named without dashes (`-qy` names `q` and `y`, `--no-cache=1` names
//! `no-cache`), and some flags take the next word as their value.

use crate::parser::Instruction;
use crate::rules::{Ctx, Run, RunScript, Violation};
use crate::shell::{Command, ShWord};

/// The flag names an argument carries: `--foo=bar` → `foo`, `-abc` → `a`,
/// `b`, `c`. `-` and `--` carry none, nor do non-flags.
pub fn flag_names(arg: &str) -> Vec<&str> {
    if arg == "-" || arg == "--" {
        return Vec::new();
    }
    if let Some(long) = arg.strip_prefix("--") {
        return vec![long.split('=').next().unwrap_or(long)];
    }
    if let Some(short) = arg.strip_prefix('-') {
        return short
            .char_indices()
            .map(|(i, c)| &short[i..i + c.len_utf8()])
            .collect();
    }
    Vec::new()
}

fn is_flag(arg: &str) -> bool {
    arg.starts_with('-') && arg != "-" && arg != "--"
}

/// Whether the command is `name` and any argument equals one of `args`.
pub fn has_arg(cmd: &Command, name: &str, args: &[&str]) -> bool {
    cmd.is(name) && cmd.arg_texts().any(|a| args.contains(&a))
}

/// Whether the command is one of `names` and any argument equals one of `args`.
pub fn has_any_arg(cmd: &Command, names: &[&str], args: &[&str]) -> bool {
    names.iter().any(|n| has_arg(cmd, n, args))
}

/// Whether any flag of the command has one of these names (without dashes).
pub fn has_flag_named(cmd: &Command, names: &[&str]) -> bool {
    cmd.arg_texts()
        .any(|a| flag_names(a).iter().any(|f| names.contains(f)))
}

/// The arguments that are not flags, leaving out the value that follows
/// each flag named in `with_value` (`-t .build-deps`, `--index-url URL`).
/// A flag written as `--flag=value` carries its value and takes none.
pub fn operands<'a>(cmd: &'a Command, with_value: &[&str]) -> Vec<&'a ShWord> {
    let mut out = Vec::new();
    let mut skip = false;
    for w in cmd.args() {
        if std::mem::take(&mut skip) {
            continue;
        }
        let a = w.text.as_str();
        if is_flag(a) {
            let names = flag_names(a);
            let inline_value = a.starts_with("--") && a.contains('=');
            skip = !inline_value && names.iter().any(|n| with_value.contains(n));
            continue;
        }
        out.push(w);
    }
    out
}

/// Operands after the first `install` (and any repeated `install`).
pub fn after_install<'a>(ops: &[&'a ShWord]) -> Vec<&'a ShWord> {
    ops.iter()
        .skip_while(|w| w.text != "install")
        .skip_while(|w| w.text == "install")
        .copied()
        .collect()
}

/// `pip install …`, `pip3 install …`, `python3 -m pip install …`.
pub fn is_pip_install(cmd: &Command) -> bool {
    let Some(name) = cmd.name() else {
        return false;
    };
    let args: Vec<&str> = cmd.arg_texts().collect();
    (name.starts_with("pip") && args.contains(&"install"))
        || (name.starts_with("python") && args.windows(3).any(|w| w == ["-m", "pip", "install"]))
}

/// An RPM package given as `NAME-VERSION[-RELEASE]` (the part after a dash
/// starts with a digit: `httpd-2.4.57`, `openssl-1:1.1.1k`), or a `.rpm` file.
pub fn rpm_version_like(package: &str) -> bool {
    if package.ends_with(".rpm") {
        return true;
    }
    let mut parts = package.split('-');
    parts.next();
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        return false;
    }
    rest.iter().all(|p| {
        p.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".~^_:+".contains(c))
    }) && rest
        .iter()
        .any(|p| p.starts_with(|c: char| c.is_ascii_digit()))
}

/// Targets of the `RUN --mount=type=cache|tmpfs,target=DIR` mounts of an
/// instruction: what is written there never reaches the image.
pub fn cache_mount_targets(inst: &Instruction) -> Vec<String> {
    let mut out = Vec::new();
    for f in inst.flags_named("mount") {
        let Some(v) = f.value.as_deref() else {
            continue;
        };
        let mut kind = "bind";
        let mut target = None;
        for kv in v.split(',') {
            match kv.split_once('=') {
                Some(("type", t)) => kind = t,
                Some(("target" | "dst" | "destination", t)) => {
                    target = Some(t.trim_end_matches('/'))
                }
                _ => {}
            }
        }
        if let (true, Some(t)) = (kind == "cache" || kind == "tmpfs", target) {
            out.push(t.to_string());
        }
    }
    out
}

/// Whether the layers of the instruction at `index` end up in an image (see
/// [`Ctx::stage_ships`]).
pub fn stage_ships(cx: &Ctx<'_>, index: usize) -> bool {
    match cx.df.instructions.get(index).and_then(|i| i.stage) {
        Some(stage) => cx.stage_ships(stage),
        None => cx.df.stages.is_empty(),
    }
}

/// Whether `rm` removes `dir` or a directory above it (`rm -rf /var/cache/yum/*`).
pub fn removes_dir(cmd: &Command, dir: &str) -> bool {
    cmd.is("rm")
        && cmd.arg_texts().any(|a| {
            let p = a.trim_end_matches(['*', '/']);
            p.len() > 1 && (p == dir || dir.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
        })
}

/// Report, per RUN, the last command selected by `is_install` when no
/// command selected by `is_clean` follows it in the same RUN and none of
/// `cache_dirs` is a cache/tmpfs mount of the RUN. With `shipped_only`,
/// only stages that reach an image are judged.
pub fn report_missing_cleanup(
    cx: &Ctx<'_>,
    shipped_only: bool,
    out: &mut Vec<Violation>,
    is_install: impl Fn(&Command) -> bool,
    is_clean: impl Fn(&Command) -> bool,
    cache_dirs: &[&str],
    message: impl Fn(&Command) -> String,
) {
    for run in cx.runs() {
        if shipped_only && !stage_ships(cx, run.index) {
            continue;
        }
        let cmds: Vec<(&RunScript, &Command)> = run.commands_with_script().collect();
        let Some(last) = cmds.iter().rposition(|(_, c)| is_install(c)) else {
            continue;
        };
        if cmds[last..].iter().any(|(_, c)| is_clean(c)) {
            continue;
        }
        let mounts = cache_mount_targets(run.inst);
        if mounts
            .iter()
            .any(|m| cache_dirs.iter().any(|d| d.starts_with(m.as_str())))
        {
            continue;
        }
        let (script, cmd) = cmds[last];
        report_command(out, &run, script, cmd, message(cmd));
    }
}

/// Report every command selected by `select` that has none of the flags
/// named in `ok` (names without dashes); `message` gets the command name.
pub fn report_missing_flag(
    cx: &Ctx<'_>,
    out: &mut Vec<Violation>,
    select: impl Fn(&Command) -> bool,
    ok: &[&str],
    message: impl Fn(&str) -> String,
) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if select(cmd) && !has_flag_named(cmd, ok) {
                report_command(out, &run, script, cmd, message(cmd.name().unwrap_or("")));
            }
        }
    }
}

/// Report the unpinned packages of one command as one violation spanning them.
pub fn report_packages(
    out: &mut Vec<Violation>,
    run: &Run<'_>,
    script: &RunScript,
    unpinned: &[&ShWord],
    message: impl FnOnce(&str) -> String,
) {
    if let (Some(first), Some(last)) = (unpinned.first(), unpinned.last()) {
        let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
        out.push(
            Violation::new(
                run.span_in(script, first.start, last.end),
                message(&names.join(", ")),
            )
            .with_evidence(names.join(" ")),
        );
    }
}

/// Report a whole command.
pub fn report_command(
    out: &mut Vec<Violation>,
    run: &Run<'_>,
    script: &RunScript,
    cmd: &Command,
    message: String,
) {
    let text: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
    out.push(
        Violation::new(run.span_in(script, cmd.start, cmd.end), message)
            .with_evidence(text.join(" ")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::tokenize;

    #[test]
    fn flags_and_operands() {
        assert_eq!(flag_names("-qy"), ["q", "y"]);
        assert_eq!(flag_names("--no-cache=1"), ["no-cache"]);
        assert!(flag_names("--").is_empty());
        let s = tokenize("apk add --virtual .deps -t x --repository=http://r curl -- y");
        let ops: Vec<_> = operands(&s.commands[0], &["t", "virtual", "repository"])
            .iter()
            .map(|w| w.text.clone())
            .collect();
        assert_eq!(ops, ["add", "curl", "--", "y"]);
        assert!(has_flag_named(&s.commands[0], &["virtual"]));
        assert!(has_arg(&s.commands[0], "apk", &["add"]));
    }
}
