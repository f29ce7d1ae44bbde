use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::modes::{known_dirs, mode_command, parse_mode};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-206",
        name: "chmod-setuid",
        title: "RUN sets the setuid or setgid bit",
        severity: Severity::Medium,
        category: "privilege",
        equivalents: Equivalents {
            cis: &["4.8"],
            dockle: &["CIS-DI-0008"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`chmod`, `install -m` and `mkdir -m` in `RUN` that set the setuid or
setgid bit: octal modes with `4` or `2` in the special digit (`4755`,
`2755`, `6755`, `04755`) and symbolic modes adding `s` (`u+s`, `g+s`, `+s`,
`a+s`). Modes applied (not recursively) to known directories are not reported:
`mkdir -m 2775 DIR`, `install -d -m 2775`, targets ending in `/`, and paths
the Dockerfile creates with `mkdir`/`install -d` or names in `WORKDIR`. On
directories setuid is ignored and setgid only makes new files inherit the
group. Removing the bits
(`a-s`, `u-s`) is what the CIS Benchmark recommends and is never reported.

Dockle's CIS-DI-0008 and CIS 4.8 look for setuid/setgid files in the built
image, whatever put them there; this rule catches the Dockerfile step that
adds one.

## Why it matters
A setuid program runs with its owner's privileges (usually root) whatever
user starts it, and a setgid program with its group's. Each one is a
privilege-escalation path out of the non-root user the container is meant
to run as: a bug or an unexpected option in the binary gives root inside the
container.

## Example
```dockerfile
RUN chmod u+s /usr/local/bin/backup
```

## Use instead
```dockerfile
# Grant only the capability the tool needs, or run the step as root at build time.
RUN setcap cap_dac_read_search+ep /usr/local/bin/backup
```

## How to fix
Avoid setuid/setgid binaries in images. Do privileged work at build time or
in a root entrypoint that drops privileges, grant narrow file capabilities
with `setcap` where a runtime privilege is unavoidable, and strip the bits
the base image ships with:
`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let created_dirs = known_dirs(cx);
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            let Some(mc) = mode_command(cmd) else {
                continue;
            };
            let Some(bits) = parse_mode(mc.mode_text) else {
                continue;
            };
            // On directories setuid is ignored and setgid only passes the
            // group on to new files.
            let dirs = mc.dirs
                || (!mc.targets.is_empty()
                    && mc.targets.iter().all(|w| {
                        w.text.ends_with('/')
                            || created_dirs.iter().any(|d| *d == w.text.trim_end_matches('/'))
                    }));
            if dirs && !mc.recursive {
                continue;
            }
            let bit = match (bits.setuid, bits.setgid) {
                (true, true) => "setuid and setgid bits",
                (true, false) => "setuid bit",
                (false, true) => "setgid bit",
                _ => continue,
            };
            let paths: Vec<&str> = mc.targets.iter().map(|w| w.text.as_str()).collect();
            let shown = if paths.is_empty() {
                "its targets".to_string()
            } else {
                paths.join(" ")
            };
            out.push(
                Violation::new(
                    run.span_in(script, mc.mode.start, mc.mode.end),
                    format!(
                        "{} sets the {bit} on {shown}: it runs with its owner's or group's privileges for any user; drop the bit and grant a narrow capability (setcap) if needed",
                        mc.shown()
                    ),
                )
                .with_evidence(mc.shown()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_setuid_and_setgid() {
        for body in [
            "chmod u+s /usr/bin/x",
            "chmod +s /usr/bin/x",
            "chmod a+s /usr/bin/x",
            "chmod 4755 /usr/bin/x",
            "chmod 04755 /usr/bin/x",
            "chmod 6755 /usr/bin/x",
            "chmod 2755 /usr/bin/x",
            "chmod g+s /usr/bin/x",
            "chmod -R g+s /srv",
            "install -m 4755 tool /usr/local/bin/tool",
            "chmod u=rwxs,go=rx /x",
        ] {
            assert_eq!(lines(&RULE, &format!("FROM d:1\nRUN {body}\n")), [2], "{body}");
        }
        assert_eq!(
            lines(&RULE, "FROM d:1\nRUN make \\\n  && chmod 4711 /usr/bin/ping\n"),
            [3]
        );
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\nchmod u+s /bin/x\nEOF\n"), [3]);
        // Recursive on a directory reaches the files inside.
        assert_eq!(lines(&RULE, "FROM d:1\nWORKDIR /srv\nRUN chmod -R g+s /srv\n"), [3]);
        // Only some targets are known directories.
        assert_eq!(lines(&RULE, "FROM d:1\nRUN mkdir /d && chmod 2755 /d /usr/bin/x\n"), [2]);
    }

    #[test]
    fn accepts_removal_plain_modes_and_setgid_dirs() {
        for body in [
            "chmod 755 /usr/bin/x",
            "chmod a-s /usr/bin/x",
            "chmod u-s,g-s /usr/bin/x",
            "find / -xdev -perm /6000 -type f -exec chmod a-s {} +",
            "mkdir -m 2775 /srv/shared",
            "install -d -m 2775 /srv/shared",
            "chmod 2775 /srv/shared/",
            "chmod g+s /srv/a/ /srv/b/",
            "chmod 7777 /tmp/",
            "mkdir -p /var/run/postgresql && chmod 2777 /var/run/postgresql",
            "chmod o+s /x",
            "chmod $MODE /x",
        ] {
            assert!(lines(&RULE, &format!("FROM d:1\nRUN {body}\n")).is_empty(), "{body}");
        }
    }
}
