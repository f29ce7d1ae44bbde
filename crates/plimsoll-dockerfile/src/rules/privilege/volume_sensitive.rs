use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::stage_env::expand_at;
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-211",
        name: "volume-sensitive",
        title: "VOLUME on a system directory or the Docker socket",
        severity: Severity::High,
        category: "privilege",
        equivalents: Equivalents {
            dockle: &["DKL-DI-0002"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `VOLUME` (shell or JSON form, also in `ONBUILD`) on a path that belongs
to the operating system or the container engine:

- `/`, `/etc`, `/usr`, `/lib`, `/lib64`, `/bin`, `/sbin`, `/root` and
  `/var/lib/docker` themselves;
- `/proc`, `/sys`, `/dev`, `/boot` and anything under them;
- the Docker socket, `/var/run/docker.sock` or `/run/docker.sock`.

Paths are normalised (`/etc/` and `//etc` are `/etc`) and variables are
expanded from the stage's ARG and ENV defaults; paths with unknown
variables and relative paths are skipped. Subdirectories of `/etc` or
`/usr` used for application data (`/etc/nginx`) are not reported. Dockle's
DKL-DI-0002 checks `/sys`, `/dev` and `/proc` in the built image.

## Why it matters
A VOLUME tells every `docker run` to mount storage there. On system
directories that either shadows the image's own files with stale copies
from an earlier container (security updates of the image then never reach
`/etc` or `/usr`), or invites mounting the host's directory of the same
name, which exposes or lets the container modify the host. A volume for the
Docker socket or `/var/lib/docker` signals that the container expects
control of the host's engine, which is root on the host.

## Example
```dockerfile
VOLUME ["/etc", "/var/run/docker.sock"]
```

## Use instead
```dockerfile
VOLUME ["/etc/myapp/conf.d", "/var/lib/myapp"]
```

## How to fix
Declare volumes only for application data directories. If a tool really
needs the Docker engine, grant it at run time deliberately (and prefer a
rootless engine or a restricted API proxy), not through the image.
"#,
    },
    check,
};

/// Sensitive as exact paths.
const EXACT: &[&str] = &[
    "/",
    "/etc",
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
    "/root",
    "/var/lib/docker",
];

/// Sensitive with everything below them.
const TREES: &[&str] = &[
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/var/run/docker.sock",
    "/run/docker.sock",
];

fn normalise(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

fn sensitive(path: &str) -> bool {
    EXACT.contains(&path)
        || TREES.iter().any(|t| {
            path == *t
                || path
                    .strip_prefix(t)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (index, outer) in cx.df.instructions.iter().enumerate() {
        let inst = match &outer.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => outer,
        };
        let Args::Volume(words) = &inst.args else {
            continue;
        };
        for w in words {
            let Some(expanded) = expand_at(cx, index, &w.value) else {
                continue;
            };
            for raw_path in expanded.split_whitespace() {
                if !raw_path.starts_with('/') {
                    continue;
                }
                let path = normalise(raw_path);
                if !sensitive(&path) {
                    continue;
                }
                let why = if path.ends_with("docker.sock") || path == "/var/lib/docker" {
                    "it hands the container control of the Docker engine, which is root on the host"
                } else {
                    "it shadows system files with stale volume copies or invites mounting the host's directory"
                };
                out.push(
                    Violation::new(
                        w.span,
                        format!("VOLUME {path} is a system path: {why}; declare volumes only for application data"),
                    )
                    .with_evidence(path.clone()),
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
    fn flags_system_paths() {
        for v in [
            "/", "/etc", "/etc/", "//etc", "/usr", "/root", "/proc", "/sys/fs/cgroup", "/dev/shm", "/boot",
            "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker", "/lib",
        ] {
            assert_eq!(lines(&RULE, &format!("FROM d:1\nVOLUME {v}\n")), [2], "{v}");
        }
        assert_eq!(lines(&RULE, "FROM d:1\nVOLUME [\"/data\", \"/var/run/docker.sock\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nVOLUME /data \\\n  /etc\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nENV SOCK=/var/run/docker.sock\nVOLUME $SOCK\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nONBUILD VOLUME /etc\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nVOLUME \"/etc\" '/usr'\n"), [2, 2]);
    }

    #[test]
    fn accepts_application_paths() {
        for v in [
            "/data", "/etc/nginx", "/etc/ldap/", "/usr/local/share/app", "/root/.cache", "/var/lib/mysql",
            "/var/run", "/tmp", "/var/lib/docker-registry", "/devices", "$UNKNOWN", "data", "~/.config",
        ] {
            assert!(lines(&RULE, &format!("FROM d:1\nVOLUME {v}\n")).is_empty(), "{v}");
        }
        assert!(lines(&RULE, "FROM d:1\nRUN echo VOLUME /etc\n").is_empty());
    }
}
