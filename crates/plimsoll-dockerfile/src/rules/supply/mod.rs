//! Supply-chain rules: how downloaded code and packages are fetched and
//! whether their integrity is checked.

use crate::shell::{Command, ShWord};

crate::rules::group! {
    pipe_to_shell,
    download_unverified,
    add_remote_unverified,
    tls_verification_disabled,
    package_signature_disabled,
    apt_key,
    wget_and_curl,
    wget_progress,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[];

/// Commands that run the rest of their arguments as a command.
const WRAPPERS: &[&str] = &[
    "sudo", "doas", "env", "exec", "nohup", "time", "command", "nice", "stdbuf",
];

/// The command that actually runs, looking through `sudo`, `env` and
/// similar wrappers: `sudo -E bash -` is `bash` with `-`.
pub(crate) fn effective(cmd: &Command) -> Option<(&str, &[ShWord])> {
    let mut i = 0;
    loop {
        let w = cmd.words.get(i)?;
        let name = w.text.rsplit('/').next().unwrap_or(&w.text);
        if !WRAPPERS.contains(&name) {
            return Some((name, cmd.words.get(i + 1..).unwrap_or(&[])));
        }
        i += 1;
        while let Some(a) = cmd.words.get(i) {
            let t = a.text.as_str();
            if t.starts_with('-') {
                i += 1;
                // sudo -u USER, -g GROUP
                if matches!(t, "-u" | "-g" | "-U" | "-C" | "-p") {
                    i += 1;
                }
            } else if name == "env" && t.contains('=') {
                i += 1;
            } else {
                break;
            }
        }
    }
}

/// The command name as hadolint (ShellCheck) sees it: the first word as
/// written, except that `busybox APPLET` is `APPLET`.
pub(crate) fn literal_name(cmd: &Command) -> Option<&str> {
    let first = cmd.words.first()?.text.as_str();
    if first == "busybox" {
        if let Some(applet) = cmd.words.get(1) {
            return Some(applet.text.as_str());
        }
    }
    Some(first)
}

/// Programs that execute a script read from stdin or given as an argument.
pub(crate) fn is_interpreter(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash"
            | "ash"
            | "dash"
            | "zsh"
            | "ksh"
            | "mksh"
            | "fish"
            | "busybox"
            | "perl"
            | "ruby"
            | "node"
            | "nodejs"
            | "php"
            | "pwsh"
            | "powershell"
            | "lua"
            | "deno"
            | "bun"
    ) || name.starts_with("python")
}

pub(crate) fn is_downloader(name: &str) -> bool {
    matches!(name, "curl" | "wget" | "fetch")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::tokenize;

    #[test]
    fn effective_command() {
        let s = tokenize("sudo -E -u root env A=1 /bin/bash -s -- x");
        let (n, args) = effective(&s.commands[0]).unwrap();
        assert_eq!(n, "bash");
        assert_eq!(args[0].text, "-s");
        assert!(is_interpreter("python3.12"));
        assert!(!is_interpreter("tar"));
    }
}
