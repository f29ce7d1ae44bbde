use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{has_arg, operands, report_packages};
use crate::rules::{Ctx, Rule, RunScript, Violation};
use crate::shell::{Command, ShWord};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-409",
        name: "go-install-unpinned",
        title: "go install/get/run of a module without a version",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3062"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`go install`, `go get` and `go run` of a module path without `@VERSION`,
or with the moving versions `@latest` and `@none`. Local packages (`.`,
`./cmd/x`, `/src/tool`) are fine.

## Why it matters
`go install example.com/tool@latest` (or without a version, inside a
module) builds whatever the module's newest tag is on the day of the build.
Builds stop being reproducible, and a compromised upstream tag reaches the
image without review.

## Example
```dockerfile
RUN go install golang.org/x/tools/gopls@latest
```

## Use instead
```dockerfile
RUN go install golang.org/x/tools/gopls@v0.16.1
```

## How to fix
Give every module an exact version (`@vX.Y.Z` or a commit hash), or add the
tool to `go.mod` and build it from there.
"#,
    },
    check,
};

fn pinned(p: &str) -> bool {
    let local = p == "." || p.starts_with('/') || p.starts_with('.');
    local || (p.contains('@') && !p.ends_with("@latest") && !p.ends_with("@none"))
}

/// The package of `go run PKG args…` (the program's own arguments are not packages).
fn run_packages(cmd: &Command) -> Vec<&ShWord> {
    operands(cmd, &[])
        .into_iter()
        .take(2)
        .filter(|w| w.text != "run")
        .collect()
}

fn install_packages(cmd: &Command) -> Vec<&ShWord> {
    operands(cmd, &[])
        .into_iter()
        .filter(|w| !matches!(w.text.as_str(), "install" | "get" | "tool"))
        .collect()
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        // Like hadolint: when a RUN has `go run`, only its package is judged.
        let runs: Vec<(&RunScript, &Command)> = run
            .commands_with_script()
            .filter(|(_, c)| has_arg(c, "go", &["run"]))
            .collect();
        let judged: Vec<(&RunScript, Vec<&ShWord>)> = if runs.iter().any(|(_, c)| !run_packages(c).is_empty()) {
            runs.iter().map(|(s, c)| (*s, run_packages(c))).collect()
        } else {
            run.commands_with_script()
                .filter(|(_, c)| has_arg(c, "go", &["install", "get"]))
                .map(|(s, c)| (s, install_packages(c)))
                .collect()
        };
        for (script, pkgs) in judged {
            let unpinned: Vec<_> = pkgs.into_iter().filter(|w| !pinned(&w.text)).collect();
            report_packages(out, &run, script, &unpinned, |names| {
                format!("go module without a fixed version: {names}; use MODULE@vX.Y.Z")
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_unpinned() {
        assert_eq!(lines(&RULE, "FROM g:1\nRUN go install golang.org/x/tools/gopls@latest\n"), [2]);
        assert_eq!(lines(&RULE, "FROM g:1\nRUN go get -u github.com/a/b\n"), [2]);
        assert_eq!(lines(&RULE, "FROM g:1\nRUN go run example.com/gen arg1\n"), [2]);
    }

    #[test]
    fn accepts_pinned() {
        for ok in [
            "go install golang.org/x/tools/gopls@v0.16.1",
            "go install ./cmd/...",
            "go install .",
            "go run ./cmd/gen example.com/not-a-package",
            "go build -o /app .",
            "go mod download",
        ] {
            assert!(lines(&RULE, &format!("FROM g:1\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
