use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::modes::{is_temp_dir, mode_command, parse_mode};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-205",
        name: "chmod-world-writable",
        title: "RUN makes files or directories world-writable",
        severity: Severity::Medium,
        category: "privilege",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
`chmod`, `mkdir -m` and `install -m` in `RUN` with a mode that grants write
permission to others: octal modes whose last digit has the write bit
(`777`, `0777`, `666`, `-R 777`) and symbolic modes that add `w` for `o` or
`a` (`a+rwX`, `o+w`, `ugo=rwx`). `chmod +w` without a who-letter is not
reported: the umask (022 during builds) keeps it from reaching others.

Sticky world-writable directories (`1777`, `a+rwxt`) are the correct mode
for shared temporary directories and are not reported when every target
looks like one (`/tmp`, `/var/tmp`, `/dev/shm`, paths under `/tmp/`, or a
last path component containing `tmp` or `temp`). Sticky modes on other
paths are reported.

## Why it matters
A world-writable file or directory can be changed by every process in the
container, whatever user it runs as. An attacker who gets code execution as
any user can then replace binaries, scripts, configuration or libraries
that a more privileged process (the entrypoint, a cron job, root during a
later `docker exec`) runs or trusts. `777` is usually a shortcut around a
permission problem that `chown` solves properly.

## Example
```dockerfile
RUN mkdir -p /app/data && chmod -R 777 /app
```

## Use instead
```dockerfile
RUN mkdir -p /app/data && chown -R 10001:0 /app/data && chmod -R g=u /app/data
USER 10001
```

## How to fix
Give ownership of the paths that must be writable to the runtime user (or
to group 0 with `g=u` for OpenShift-style arbitrary UIDs) and keep others
read-only: `755` for directories and executables, `644` for files. Use
`COPY --chown`/`--chmod` to set both at copy time.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            let Some(mc) = mode_command(cmd) else {
                continue;
            };
            let Some(bits) = parse_mode(mc.mode_text) else {
                continue;
            };
            if !bits.world_writable {
                continue;
            }
            let paths: Vec<&str> = mc.targets.iter().map(|w| w.text.as_str()).collect();
            if bits.sticky && !paths.is_empty() && paths.iter().all(|p| is_temp_dir(p)) {
                continue;
            }
            let shown = if paths.is_empty() {
                "its targets".to_string()
            } else {
                paths.join(" ")
            };
            let how = if mc.recursive { " recursively" } else { "" };
            let sticky = if bits.sticky {
                " (the sticky bit only suits shared temp directories)"
            } else {
                ""
            };
            out.push(
                Violation::new(
                    run.span_in(script, mc.mode.start, mc.mode.end),
                    format!(
                        "{} makes {shown} world-writable{how}{sticky}: any process in the container can modify it; chown it to the runtime user and use 755/644 or g=u",
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
    fn flags_world_writable_modes() {
        for body in [
            "chmod 777 /app",
            "chmod -R 777 /app",
            "chmod 0777 /app",
            "chmod 666 /etc/app.conf",
            "chmod -R a+rwX /srv",
            "chmod o+w /usr/local/bin/x",
            "chmod ugo=rwx /x",
            "chmod u+x,o+rw /x",
            "chmod --recursive 777 /app",
            "mkdir -p -m 777 /data",
            "install -d -m 0777 /data",
            "chmod 1777 /app/uploads",
            "chmod -R 1777 /tmp /app",
        ] {
            assert_eq!(lines(&RULE, &format!("FROM d:1\nRUN {body}\n")), [2], "{body}");
        }
        assert_eq!(lines(&RULE, "FROM d:1\nRUN set -e \\\n  && mkdir /x \\\n  && chmod 777 /x\n"), [4]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\nmkdir /x\nchmod -R 0777 /x\nEOF\n"), [4]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN [\"chmod\", \"777\", \"/x\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nONBUILD RUN chmod 777 /x\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN [\"sh\", \"-c\", \"chmod -R a+w /srv\"]\n"), [2]);
        assert_eq!(lines(&RULE, "# escape=`\nFROM d:1\nRUN mkdir /x `\n  && chmod 0777 /x\n"), [4]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN find /x -type d | xargs true; chmod 777 /x\n"), [2]);
    }

    #[test]
    fn accepts_safe_modes_and_temp_dirs() {
        for body in [
            "chmod 755 /app",
            "chmod -R 0755 /app",
            "chmod +x /entrypoint.sh",
            "chmod +w /x",
            "chmod o-w /x",
            "chmod -R go-w /app",
            "chmod g=u /app",
            "chmod 1777 /tmp",
            "chmod 1777 /var/tmp /dev/shm",
            "mkdir -m 1777 /tmp/.X11-unix",
            "chmod a+rwxt /app/tmp",
            "chmod $MODE /x",
            "echo chmod 777 /x",
            "mkdir -p /data",
            "chmod --reference=/a /b",
        ] {
            assert!(lines(&RULE, &format!("FROM d:1\nRUN {body}\n")).is_empty(), "{body}");
        }
        assert!(lines(&RULE, "FROM d:1\nCOPY --chmod=777 a /a\n").is_empty());
    }
}
