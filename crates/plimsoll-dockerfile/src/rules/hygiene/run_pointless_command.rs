use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::command_base;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-552",
        name: "run-pointless-command",
        title: "RUN uses a command that makes no sense while building an image",
        severity: Severity::Info,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3001"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `RUN` (also in `ONBUILD`, heredocs and `sh -c` strings) that calls one of
`ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill` or `mount`
(also behind `busybox`, `command` or `exec`).

## Why it matters
A `RUN` executes once, at build time, in a throw-away container without a
terminal or an init system. Interactive tools hang or fail, process and
memory listings describe the build container and are lost, services started
with `service` die when the step ends, and mounts do not persist into the
image. Such commands usually mean a step copied from a VM setup script that
does not do what its author expected, and `ssh` at build time often drags
credentials into the build.

## Example
```dockerfile
RUN service mysql start && mysql < /schema.sql
```

## Use instead
```dockerfile
# run the service from CMD/ENTRYPOINT (one per container); seed data in an
# entrypoint script or an init container
COPY schema.sql /docker-entrypoint-initdb.d/
```

## How to fix
Remove the command, or move what it was meant to do to the container's
start-up (`ENTRYPOINT`) or to the orchestrator.
"#,
    },
    check,
};

/// hadolint's list (DL3001) with what is wrong with each.
const POINTLESS: &[(&str, &str)] = &[
    ("free", "shows the memory of the short-lived build container"),
    ("kill", "can only signal processes of this build step"),
    ("mount", "needs privileges a build lacks, and mounts are not saved in the image"),
    ("ps", "lists the processes of the short-lived build container"),
    ("service", "starts a service that dies when this build step ends"),
    ("shutdown", "there is no system to shut down in a build container"),
    ("ssh", "a build has no terminal, and ssh at build time tends to pull credentials into the image"),
    ("top", "is interactive and shows only the build container"),
    ("vim", "is an interactive editor; a build has no terminal"),
];

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            let Some(name) = command_base(cmd) else {
                continue;
            };
            let Some((_, why)) = POINTLESS.iter().find(|(n, _)| *n == name) else {
                continue;
            };
            out.push(
                Violation::new(
                    run.span_in(script, cmd.start, cmd.end),
                    format!("`{name}` in RUN makes no sense in an image build: it {why}; remove it or move it to the container's start-up"),
                )
                .with_evidence(name.to_string()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_commands() {
        assert_eq!(lines(&RULE, "FROM a:1\nRUN service mysql start && mysql -e 'x'\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN apt-get install -y x \\\n  # comment\n  && ps aux\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\nset -e\nkill -9 1\nEOF\n"), [4]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD RUN busybox top\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN [\"/bin/sh\", \"-c\", \"mount -t tmpfs x /y\"]\n"), [2]);
    }

    #[test]
    fn accepts_other_commands() {
        assert!(lines(&RULE, "FROM a:1\nRUN apt-get install -y vim procps openssh-client\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN echo service\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nCMD service nginx start\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\n# RUN vim x\nRUN true\n").is_empty());
    }
}
