//! File modes set by `chmod`, `mkdir -m` and `install -m` in RUN scripts,
//! for the world-writable and setuid rules.

use crate::shell::{Command, ShWord};

/// What a mode argument grants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModeBits {
    pub world_writable: bool,
    pub sticky: bool,
    pub setuid: bool,
    pub setgid: bool,
}

/// Parse an octal (`777`, `0755`, `04755`) or symbolic (`a+rwX`, `u+s,g-w`)
/// mode. `None` for anything else (variables, `--reference`).
pub fn parse_mode(s: &str) -> Option<ModeBits> {
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        if s.len() > 5 || s.contains(['8', '9']) {
            return None;
        }
        let v = u32::from_str_radix(s, 8).ok()?;
        return Some(ModeBits {
            world_writable: v & 0o002 != 0,
            sticky: v & 0o1000 != 0,
            setuid: v & 0o4000 != 0,
            setgid: v & 0o2000 != 0,
        });
    }
    let mut bits = ModeBits::default();
    for clause in s.split(',') {
        let who_end = clause
            .find(|c: char| !matches!(c, 'u' | 'g' | 'o' | 'a'))
            .unwrap_or(clause.len());
        let who = &clause[..who_end];
        let mut rest = &clause[who_end..];
        if rest.is_empty() {
            return None;
        }
        let others = who.contains(['o', 'a']);
        let user = who.is_empty() || who.contains(['u', 'a']);
        let group = who.is_empty() || who.contains(['g', 'a']);
        while let Some(op) = rest.chars().next() {
            if !matches!(op, '+' | '-' | '=') {
                return None;
            }
            rest = &rest[1..];
            let perm_end = rest.find(['+', '-', '=']).unwrap_or(rest.len());
            let perms = &rest[..perm_end];
            rest = &rest[perm_end..];
            if !perms.chars().all(|c| "rwxXstugo".contains(c)) {
                return None;
            }
            if op == '-' {
                continue;
            }
            // An empty `who` is filtered by the umask for r/w/x (022 in
            // builds), so `+w` does not make a file world-writable.
            if others && perms.contains('w') {
                bits.world_writable = true;
            }
            if perms.contains('s') {
                bits.setuid |= user;
                bits.setgid |= group;
            }
            if perms.contains('t') && (others || who.is_empty()) {
                bits.sticky = true;
            }
        }
    }
    Some(bits)
}

/// A command that sets a mode: the mode word and the paths it applies to.
pub struct ModeCommand<'a> {
    /// The program (`chmod`, `mkdir`, `install`).
    pub program: &'a str,
    pub mode: &'a ShWord,
    /// The mode text (without `--mode=` or `-m`).
    pub mode_text: &'a str,
    pub targets: Vec<&'a ShWord>,
    /// All targets are known to be directories (`mkdir`, `install -d`).
    pub dirs: bool,
    pub recursive: bool,
}

/// Recognise `chmod MODE PATH…`, `mkdir -m MODE DIR…` and
/// `install -m MODE …`.
pub fn mode_command(cmd: &Command) -> Option<ModeCommand<'_>> {
    let program = cmd.name()?;
    match program {
        "chmod" => {
            let mut mode: Option<&ShWord> = None;
            let mut targets = Vec::new();
            let mut recursive = false;
            let mut after_dashdash = false;
            for w in cmd.args() {
                let a = w.text.as_str();
                if mode.is_none() && !after_dashdash {
                    if a == "--" {
                        after_dashdash = true;
                        continue;
                    }
                    if a.starts_with("--reference") {
                        return None;
                    }
                    if a == "--recursive" {
                        recursive = true;
                        continue;
                    }
                    if a.starts_with("--") {
                        continue;
                    }
                    // Option clusters; `-w`, `-x` are modes, not options.
                    if let Some(opts) = a.strip_prefix('-') {
                        if !opts.is_empty() && opts.chars().all(|c| "cfvRHLP".contains(c)) {
                            recursive |= opts.contains('R');
                            continue;
                        }
                    }
                    mode = Some(w);
                    continue;
                }
                if mode.is_some() {
                    if a == "-R" || a == "--recursive" {
                        recursive = true;
                        continue;
                    }
                    targets.push(w);
                } else {
                    mode = Some(w);
                }
            }
            let mode = mode?;
            Some(ModeCommand {
                program: "chmod",
                mode,
                mode_text: mode.text.as_str(),
                targets,
                dirs: false,
                recursive,
            })
        }
        "mkdir" | "install" => {
            let mut mode: Option<(&ShWord, &str)> = None;
            let mut targets = Vec::new();
            let mut dirs = program == "mkdir";
            let mut take_mode = false;
            let mut skip_next = false;
            let mut after_dashdash = false;
            for w in cmd.args() {
                let a = w.text.as_str();
                if take_mode {
                    mode = Some((w, a));
                    take_mode = false;
                    continue;
                }
                if skip_next {
                    skip_next = false;
                    continue;
                }
                if after_dashdash || !a.starts_with('-') || a == "-" {
                    targets.push(w);
                    continue;
                }
                if a == "--" {
                    after_dashdash = true;
                } else if let Some(m) = a.strip_prefix("--mode=") {
                    mode = Some((w, m));
                } else if a == "--mode" {
                    take_mode = true;
                } else if a == "--directory" {
                    dirs = true;
                } else if a.starts_with("--") {
                    // `--owner X`, `--group X`, `--suffix X` take values; `--owner=X` does not.
                    skip_next = matches!(
                        a,
                        "--owner" | "--group" | "--suffix" | "--target-directory" | "--context"
                    );
                } else {
                    let opts = &a[1..];
                    // Short options; `m`, `o`, `g`, `t`, `S` take a value.
                    for (i, c) in opts.char_indices() {
                        if c == 'd' && program == "install" {
                            dirs = true;
                        }
                        if matches!(c, 'm' | 'o' | 'g' | 't' | 'S') {
                            let attached = &opts[i + 1..];
                            if c == 'm' {
                                if attached.is_empty() {
                                    take_mode = true;
                                } else {
                                    mode = Some((w, attached));
                                }
                            } else if attached.is_empty() {
                                skip_next = true;
                            }
                            break;
                        }
                    }
                }
            }
            let (mode, mode_text) = mode?;
            Some(ModeCommand {
                program: if program == "mkdir" {
                    "mkdir"
                } else {
                    "install"
                },
                mode,
                mode_text,
                targets,
                dirs,
                recursive: false,
            })
        }
        _ => None,
    }
}

impl ModeCommand<'_> {
    /// How the mode was given, for messages: `chmod 777`, `mkdir -m 777`.
    pub fn shown(&self) -> String {
        if self.program == "chmod" {
            format!("chmod {}", self.mode_text)
        } else {
            format!("{} -m {}", self.program, self.mode_text)
        }
    }
}

/// Paths a Dockerfile creates as directories: `mkdir` and `install -d`
/// targets in any RUN, and WORKDIR values (trailing `/` removed).
pub fn known_dirs(cx: &crate::rules::Ctx<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for run in cx.runs() {
        for cmd in run.commands() {
            let is_dir_cmd =
                cmd.is("mkdir") || (cmd.is("install") && cmd.has_any_flag(&["-d", "--directory"]));
            if !is_dir_cmd {
                continue;
            }
            for w in cmd.positionals(&[
                "-m",
                "--mode",
                "-o",
                "--owner",
                "-g",
                "--group",
                "-t",
                "--target-directory",
            ]) {
                out.push(w.text.trim_end_matches('/').to_string());
            }
        }
    }
    for inst in &cx.df.instructions {
        if let crate::parser::Args::Workdir(w) = &inst.args {
            out.push(w.value.trim_end_matches('/').to_string());
        }
    }
    out
}

/// A path meant as a shared temporary directory, where a sticky
/// world-writable mode (1777) is the correct setting.
pub fn is_temp_dir(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    if p == "/dev/shm" || p.starts_with("/tmp/") || p.starts_with("/var/tmp/") {
        return true;
    }
    let last = p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
    last.contains("tmp") || last.contains("temp")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::tokenize;

    #[test]
    fn octal_and_symbolic_modes() {
        let m = |s: &str| parse_mode(s).unwrap();
        assert!(m("777").world_writable && !m("777").sticky);
        assert!(m("0777").world_writable);
        assert!(m("1777").world_writable && m("1777").sticky);
        assert!(m("666").world_writable && m("776").world_writable);
        assert!(!m("775").world_writable && !m("0755").world_writable);
        assert!(m("4755").setuid && !m("4755").setgid);
        assert!(m("2755").setgid && !m("2755").setuid);
        assert!(m("6755").setuid && m("6755").setgid);
        assert!(m("04755").setuid);
        assert!(m("a+rwX").world_writable && m("o+w").world_writable);
        assert!(m("ugo=rwx").world_writable && m("u+x,o+rw").world_writable);
        assert!(!m("+w").world_writable && !m("o-w").world_writable && !m("go-w").world_writable);
        assert!(m("u+s").setuid && !m("u+s").setgid);
        assert!(m("g+s").setgid && !m("g+s").setuid);
        assert!(m("+s").setuid && m("+s").setgid);
        assert!(m("a+s").setuid && !m("a-s").setuid && !m("u-s").setuid);
        assert!(m("+t").sticky && m("a+rwxt").sticky && m("a+rwxt").world_writable);
        assert!(!m("u=rw,go=r").world_writable);
        assert!(parse_mode("$MODE").is_none() && parse_mode("799").is_none());
        assert!(parse_mode("--reference=x").is_none() && parse_mode("rw").is_none());
    }

    #[test]
    fn commands() {
        let s = tokenize("chmod -R 777 /a /b");
        let c = mode_command(&s.commands[0]).unwrap();
        assert_eq!(c.mode_text, "777");
        assert!(c.recursive);
        assert_eq!(c.targets.len(), 2);
        let s = tokenize("chmod -w /a");
        assert_eq!(mode_command(&s.commands[0]).unwrap().mode_text, "-w");
        let s = tokenize(
            "mkdir -p -m 1777 /x && install -d -o app -m0775 /y && install --mode=4755 a /usr/bin/a",
        );
        let v: Vec<_> = s
            .commands
            .iter()
            .map(|c| mode_command(c).unwrap())
            .collect();
        assert_eq!((v[0].mode_text, v[0].dirs), ("1777", true));
        assert_eq!(
            (v[1].mode_text, v[1].dirs, v[1].targets.len()),
            ("0775", true, 1)
        );
        assert_eq!(
            (v[2].mode_text, v[2].dirs, v[2].targets.len()),
            ("4755", false, 2)
        );
        let s = tokenize("mkdir -p /x");
        assert!(mode_command(&s.commands[0]).is_none());
        let s = tokenize("chmod --reference=/a /b");
        assert!(mode_command(&s.commands[0]).is_none());
    }

    #[test]
    fn temp_dirs() {
        for p in [
            "/tmp",
            "/tmp/",
            "/var/tmp",
            "/dev/shm",
            "/tmp/.X11-unix",
            "/app/tmp",
            "/data/temp",
        ] {
            assert!(is_temp_dir(p), "{p}");
        }
        for p in ["/app", "/var/www", "/", "/etc/tmpfiles.d/x.conf"] {
            assert!(!is_temp_dir(p), "{p}");
        }
    }
}
