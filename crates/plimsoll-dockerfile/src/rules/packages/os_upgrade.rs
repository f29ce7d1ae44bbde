use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_any_arg, has_arg, operands, report_command};
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-410",
        name: "os-packages-upgraded",
        title: "Upgrade of all OS packages during the build",
        severity: Severity::Info,
        category: "supply-chain",
        equivalents: Equivalents {
            dockle: &["DKL-DI-0003"],
            trivy: &["DS024"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
Commands that upgrade every installed package: `apt-get`/`apt`
`upgrade`, `dist-upgrade`, `full-upgrade`; `aptitude` `upgrade`,
`safe-upgrade`, `full-upgrade`; `apk upgrade`; and `yum`/`dnf`/`microdnf`
`upgrade`, `update` or `distro-sync` without package names. (`zypper
dist-upgrade` has its own rule.)

## Why it matters
The image then contains whatever versions the mirrors served on the day of
the build, not what the base image was tested with: two builds of the same
Dockerfile differ, and a broken or malicious update reaches the image
without review. Some "essential" packages also cannot be upgraded properly
inside an unprivileged build. Getting security fixes is right, but the
reproducible way is a newer (digest-pinned) base image.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get -y upgrade
```

## Use instead
```dockerfile
FROM debian:12.8-slim@sha256:…   # rebuilt regularly with fixes
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## How to fix
Move to a newer base image tag or digest instead of upgrading in place; if
a single package needs a fix, install that package at a pinned version.
Suppress this rule where an in-place upgrade is a deliberate policy.
"#,
    },
    check,
};

fn upgrades_everything(cmd: &Command) -> bool {
    if has_any_arg(cmd, &["apt-get", "apt"], &["upgrade", "dist-upgrade", "full-upgrade"])
        || has_arg(cmd, "aptitude", &["upgrade", "safe-upgrade", "full-upgrade"])
        || has_arg(cmd, "apk", &["upgrade"])
    {
        return true;
    }
    const RPM: &[&str] = &["yum", "dnf", "microdnf"];
    if has_any_arg(cmd, RPM, &["upgrade", "update", "distro-sync"]) {
        // `yum update` alone upgrades everything; `yum update foo` one package.
        let ops = operands(cmd, &["x", "exclude", "setopt", "enablerepo", "disablerepo", "c", "config"]);
        return ops.len() <= 1;
    }
    false
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if upgrades_everything(cmd) {
                let text: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
                report_command(
                    out,
                    &run,
                    script,
                    cmd,
                    format!(
                        "`{}` upgrades every package to whatever the mirror serves at build time; use a newer base image instead",
                        text.join(" ")
                    ),
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
    fn flags_upgrades() {
        for bad in [
            "apt-get update && apt-get -y upgrade",
            "apt-get -y dist-upgrade",
            "apt full-upgrade -y",
            "apk upgrade --no-cache",
            "yum -y update",
            "dnf upgrade -y --refresh",
            "microdnf update",
        ] {
            assert_eq!(lines(&RULE, &format!("FROM x:1\nRUN {bad}\n")), [2], "{bad}");
        }
        assert_eq!(lines(&RULE, "FROM x:1\nRUN apt-get update \\\n  # all of it\n  && apt-get upgrade -y\n"), [4]);
    }

    #[test]
    fn accepts_targeted() {
        for ok in [
            "apt-get install -y --only-upgrade openssl",
            "yum update -y openssl",
            "apk add --no-cache curl=8.5.0-r0",
            "apt-get update",
            "echo apt-get upgrade",
        ] {
            assert!(lines(&RULE, &format!("FROM x:1\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
