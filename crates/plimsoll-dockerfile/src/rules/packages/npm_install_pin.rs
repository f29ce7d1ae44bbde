use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{after_install, has_arg, operands, report_packages};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-404",
        name: "npm-install-unpinned",
        title: "npm install of packages without versions",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3016"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`npm install NAME` where a package is named without `@VERSION` (scoped
packages need a second `@`: `@scope/name@1.2.3`), and git URLs without a
`#COMMIT` or `#semver:` fragment. A bare `npm install` or `npm ci` (which
use the lockfile), tarballs (`.tgz`, `.tar`, `.tar.gz`) and local folders
(`./pkg`, `/src`) are fine.

## Why it matters
`npm install NAME` takes the newest release at build time, with its whole
unlocked dependency tree. Hijacked npm releases are a recurring
supply-chain attack; an unpinned install pulls them in on the next build.

## Example
```dockerfile
RUN npm install -g typescript
```

## Use instead
```dockerfile
RUN npm install -g typescript@5.4.5
# for the application itself, use the lockfile:
RUN npm ci
```

## How to fix
Add `@VERSION` to each package, or declare the dependency in
`package.json`/`package-lock.json` and run `npm ci`.
"#,
    },
    check,
};

fn pinned(p: &str) -> bool {
    if ["git://", "git+ssh://", "git+http://", "git+https://"].iter().any(|g| p.starts_with(g)) {
        return p.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s))
        || ["/", "./", "../", "~/"].iter().any(|s| p.starts_with(s))
    {
        return true;
    }
    // `@scope/name@1.0`: the version `@` comes after the scope.
    let name = match p.strip_prefix('@') {
        Some(rest) => rest.split_once('/').map_or("", |(_, n)| n),
        None => p,
    };
    name.contains('@')
}

/// npm options whose value is the next word.
const WITH_VALUE: &[&str] = &[
    "loglevel", "prefix", "registry", "cache", "userconfig", "globalconfig", "omit", "include",
    "workspace", "w",
];

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !has_arg(cmd, "npm", &["install"]) {
                continue;
            }
            let ops = operands(cmd, WITH_VALUE);
            if ops.first().map(|w| w.text.as_str()) != Some("install") {
                continue;
            }
            let unpinned: Vec<_> = after_install(&ops)
                .into_iter()
                .filter(|w| !pinned(&w.text))
                .collect();
            report_packages(out, &run, script, &unpinned, |names| {
                format!("npm install without versions: {names}; pin them as NAME@VERSION")
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
        assert_eq!(lines(&RULE, "FROM n:20\nRUN npm install -g typescript\n"), [2]);
        assert_eq!(lines(&RULE, "FROM n:20\nRUN npm install @angular/cli\n"), [2]);
        assert_eq!(lines(&RULE, "FROM n:20\nRUN npm --prefix /srv install lodash\n"), [2]);
        assert_eq!(lines(&RULE, "FROM n:20\nRUN npm install git+https://github.com/a/b.git\n"), [2]);
        assert_eq!(lines(&RULE, "FROM n:20\nRUN npm ci && \\\n  npm install --save-dev \\\n    jest@29 eslint\n"), [4]);
    }

    #[test]
    fn accepts_pinned() {
        for ok in [
            "npm install",
            "npm ci --omit=dev",
            "npm install -g typescript@5.4.5 @angular/cli@17.3.0 pkg@latest",
            "npm install git+https://github.com/a/b.git#v1.0.0",
            "npm install ./local-pkg /src/pkg ../x ~/y",
            "npm install https://example.com/pkg.tgz",
            "npm run build",
            "npm install --loglevel http",
            "npm --prefix /srv install --registry https://r.example lodash@4.17.21",
        ] {
            assert!(lines(&RULE, &format!("FROM n:20\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
