use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::cmdargs::{after_install, has_flag_named, is_pip_install, operands, report_packages};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-403",
        name: "pip-install-unpinned",
        title: "pip install without version pins",
        severity: Severity::Low,
        category: "supply-chain",
        equivalents: Equivalents {
            hadolint: &["DL3013"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`pip install` (also `pip3`, `python -m pip`) of packages named without a
version specifier (`==`, `>=`, `~=`, `<`, `!=`, …). Not reported: installs
from requirements files (`-r`, `--requirement`), installs constrained by
`-c`/`--constraint`, the current project (`.`), local paths and archives
(`./pkg`, `*.whl`, `*.tar.gz`), VCS URLs pinned with `@REF`, and the values
of options such as `--index-url`, `--target` or `-e`.

## Why it matters
An unpinned package resolves to the newest release on every build. That
makes builds unreproducible and lets a hijacked or typo-squatted release on
PyPI flow straight into the image.

## Example
```dockerfile
RUN pip install --no-cache-dir flask requests
```

## Use instead
```dockerfile
RUN pip install --no-cache-dir flask==3.0.3 requests==2.32.3
# or, better, with hashes:
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
```

## How to fix
Pin each package with `name==version`, or move the list to a requirements
or constraints file (ideally with `--require-hashes`).
"#,
    },
    check,
};

/// pip options whose value is the next word.
const WITH_VALUE: &[&str] = &[
    "abi", "b", "build", "e", "editable", "extra-index-url", "f", "find-links", "i", "index-url",
    "implementation", "no-binary", "only-binary", "platform", "prefix", "progress-bar", "proxy",
    "python-version", "root", "src", "t", "target", "trusted-host", "upgrade-strategy",
];

const VCS: &[&str] = &[
    "git+file", "git+https", "git+ssh", "git+http", "git+git", "git", "hg+file", "hg+http",
    "hg+https", "hg+ssh", "hg+static-http", "svn", "svn+svn", "svn+http", "svn+https", "svn+ssh",
    "bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp",
];

fn pinned(p: &str) -> bool {
    let vcs = VCS.iter().any(|s| p.starts_with(s));
    ["==", ">=", "<=", ">", "<", "!=", "~=", "==="].iter().any(|s| p.contains(s))
        || (vcs && p.contains('@'))
        || p.ends_with(".whl")
        || p.ends_with(".tar.gz")
        || (!vcs && p.contains('/'))
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !is_pip_install(cmd)
                || has_flag_named(cmd, &["constraint", "c"])
                || cmd.arg_texts().any(|a| a == "-r" || a == "--requirement" || a == ".")
            {
                continue;
            }
            let unpinned: Vec<_> = after_install(&operands(cmd, WITH_VALUE))
                .into_iter()
                .filter(|w| !pinned(&w.text))
                .collect();
            report_packages(out, &run, script, &unpinned, |names| {
                format!("pip install without versions: {names}; pin them as NAME==VERSION or use a requirements file")
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
        assert_eq!(lines(&RULE, "FROM p:3\nRUN pip install flask\n"), [2]);
        assert_eq!(lines(&RULE, "FROM p:3\nRUN python3 -m pip install --upgrade pip\n"), [2]);
        assert_eq!(lines(&RULE, "FROM p:3\nRUN pip3 install --no-cache-dir \\\n  # web\n  flask==3 \\\n  gunicorn\n"), [5]);
        assert_eq!(lines(&RULE, "FROM p:3\nRUN pip install -i https://pypi.example/simple requests\n"), [2]);
        assert_eq!(lines(&RULE, "FROM p:3\nRUN pip install git+https://github.com/a/b\n"), [2]);
        assert_eq!(lines(&RULE, "FROM p:3\nRUN <<EOF\npip install flask\nEOF\n"), [3]);
        assert_eq!(lines(&RULE, "FROM p:3\nONBUILD RUN pip install flask\n"), [2]);
    }

    #[test]
    fn accepts_pinned_and_files() {
        for ok in [
            "pip install flask==3.0.3 'requests>=2,<3' 'attrs~=23.1'",
            "pip install -r requirements.txt",
            "pip install --requirement requirements.txt",
            "pip install -c constraints.txt flask",
            "pip install --constraint=c.txt flask",
            "pip install .",
            "pip install -e . ",
            "pip install ./dist/app.whl /tmp/x.tar.gz ./src/pkg",
            "pip install git+https://github.com/a/b@v1.2",
            "pip install --target /opt/lib --index-url https://x/simple a==1",
            "pip download flask",
            "echo pip install flask",
        ] {
            assert!(lines(&RULE, &format!("FROM p:3\nRUN {ok}\n")).is_empty(), "{ok}");
        }
    }
}
