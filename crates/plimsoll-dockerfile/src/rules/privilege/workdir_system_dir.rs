use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-214",
        name: "workdir-system-dir",
        title: "WORKDIR inside a kernel or system directory",
        severity: Severity::High,
        category: "privilege",
        equivalents: Equivalents {
            trivy: &["DS030"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `WORKDIR` at or below `/proc`, `/sys`, `/dev`, `/boot`, `/initrd` or
`/lost+found` (after expanding the stage's ARG and ENV defaults is not
attempted: the path is judged as written, with quotes removed).

## Why it matters
These directories belong to the kernel and the host: at run time they are
pseudo-filesystems or mount points. Working (and writing) there from a
container is either meaningless — the files vanish behind the runtime's
mounts — or, with a privileged container or a bind mount, reaches the host,
which is how container breakouts start.

## Example
```dockerfile
WORKDIR /proc/self
```

## Use instead
```dockerfile
WORKDIR /app
```

## How to fix
Work in an application directory such as `/app` or `/srv/app`, and read
kernel information at run time without making it the working directory.
"#,
    },
    check,
};

const SYSTEM_DIRS: &[&str] = &["/proc", "/sys", "/dev", "/boot", "/initrd", "/lost+found"];

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for inst in &cx.df.instructions {
        let Args::Workdir(w) = &inst.args else { continue };
        let path = w.value.trim_matches('"');
        let normalized = path.trim_end_matches('/');
        if let Some(dir) = SYSTEM_DIRS
            .iter()
            .find(|d| normalized == **d || normalized.starts_with(&format!("{d}/")))
        {
            out.push(
                Violation::new(
                    w.span,
                    format!("WORKDIR {path} is inside {dir}, a kernel/host directory; use an application directory such as /app"),
                )
                .with_evidence(path.to_string()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_system_dirs() {
        assert_eq!(lines(&RULE, "FROM a:1\nWORKDIR /proc/self\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nWORKDIR \"/dev/\"\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nWORKDIR /boot\n"), [2]);
    }

    #[test]
    fn accepts_application_dirs() {
        assert!(lines(&RULE, "FROM a:1\nWORKDIR /app\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nWORKDIR /devices\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nWORKDIR /srv/proc\n").is_empty());
    }
}
