use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_any_arg, report_command};
use crate::rules::{Ctx, Rule, RunScript, Violation};
use crate::shell::Command;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-412",
        name: "package-index-update-alone",
        title: "Package index updated without installing in the same RUN",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            cis: &["4.7"],
            dockle: &["CIS-DI-0007"],
            trivy: &["DS017"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A RUN that refreshes a package index (`apt-get update`, `apt update`,
`aptitude update`, `apk update`, `zypper refresh`, `yum`/`dnf makecache`)
but installs or upgrades nothing with the same package manager after it in
that RUN.

## Why it matters
Docker caches each RUN. An `apt-get update` in its own RUN is cached once
and reused by later builds, so the `apt-get install` in the next RUN works
from a stale index: it installs outdated, possibly vulnerable versions, or
fails when the mirror has dropped them. This is CIS Docker Benchmark 4.7.

## Example
```dockerfile
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \
 && rm -rf /var/lib/apt/lists/*
```

## How to fix
Refresh the index in the same RUN as the install that needs it.
"#,
    },
    check,
};

/// Package-manager families: (commands, index refreshes, installs/upgrades).
const FAMILIES: &[(&[&str], &[&str], &[&str])] = &[
    (
        &["apt-get", "apt", "aptitude"],
        &["update"],
        &["install", "upgrade", "dist-upgrade", "full-upgrade", "safe-upgrade", "reinstall", "build-dep", "source"],
    ),
    (&["apk"], &["update"], &["add", "upgrade", "fix"]),
    (
        &["zypper"],
        &["refresh", "ref"],
        &["install", "in", "update", "up", "dist-upgrade", "dup", "patch", "source-install", "si"],
    ),
    (
        &["yum", "dnf", "microdnf"],
        &["makecache"],
        &["install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "distro-sync"],
    ),
];

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        let cmds: Vec<(&RunScript, &Command)> = run.commands_with_script().collect();
        for (i, (script, cmd)) in cmds.iter().enumerate() {
            let Some((names, _, installs)) = FAMILIES
                .iter()
                .find(|(names, updates, _)| has_any_arg(cmd, names, updates))
            else {
                continue;
            };
            if cmds[i + 1..].iter().any(|(_, c)| has_any_arg(c, names, installs)) {
                continue;
            }
            let text: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
            report_command(
                out,
                &run,
                script,
                cmd,
                format!(
                    "`{}` without an install after it in the same RUN: later RUNs reuse a cached, stale index; update and install together",
                    text.join(" ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_update_alone() {
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get update\nRUN apt-get install -y curl\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:3\nRUN apk update\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN apt-get install -y x && apt-get update\n"), [2]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\napt-get update\necho done\nEOF\n"), [3]);
        assert_eq!(lines(&RULE, "FROM o:1\nRUN zypper --gpg-auto-import-keys ref\n"), [2]);
    }

    #[test]
    fn accepts_update_with_install() {
        for ok in [
            "apt-get update && apt-get install -y curl",
            "apt-get update \\\n  # upgrade too\n  && apt-get -y upgrade",
            "apk update && apk add curl",
            "[\"/bin/sh\", \"-c\", \"apt-get update && apt-get install -y x\"]",
            "zypper ref && zypper -n in curl",
            "yum update -y",
        ] {
            assert!(lines(&RULE, &format!("FROM d:1\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
