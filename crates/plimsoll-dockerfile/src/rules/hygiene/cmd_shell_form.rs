use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{instructions, keyword_label};
use crate::parser::{Args, Form};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-558",
        name: "cmd-shell-form",
        title: "CMD or ENTRYPOINT in shell form",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3025"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `CMD` or `ENTRYPOINT` (also in `ONBUILD`) written as a plain string rather
than a JSON array. A string that looks like an array but is not valid JSON
(single quotes, a trailing comma) is shell form too, and is called out.

## Why it matters
Shell form runs the command as `/bin/sh -c "…"`: the shell, not your
process, is PID 1. `docker stop` sends SIGTERM to the shell, which does not
forward it; the application gets no chance to shut down cleanly and is
killed after the timeout. A shell-form `ENTRYPOINT` also ignores `CMD` and
`docker run` arguments.

## Example
```dockerfile
CMD node server.js
```

## Use instead
```dockerfile
CMD ["node", "server.js"]
```

## How to fix
Write the command as a JSON array with double quotes. If shell features are
needed, put them in a script that ends with `exec "$@"`, or use
`["sh", "-c", "exec …"]` so the final process replaces the shell.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (_, inst, onbuild) in instructions(cx.df) {
        let (Args::Cmd(Form::Shell { text, span }) | Args::Entrypoint(Form::Shell { text, span })) =
            &inst.args
        else {
            continue;
        };
        let t = text.trim();
        let kw = keyword_label(inst, onbuild);
        let msg = if t.starts_with('[') {
            format!("{kw} looks like a JSON array but is not valid JSON (use double quotes, no trailing comma), so it runs in shell form under /bin/sh -c")
        } else {
            let words: Vec<String> = t.split_whitespace().map(|w| format!("{w:?}")).collect();
            format!(
                "{kw} in shell form runs under /bin/sh -c: the shell is PID 1 and does not pass on SIGTERM; use JSON form, e.g. {kw} [{}]",
                words.join(", ")
            )
        };
        out.push(Violation::new(*span, msg).with_evidence(t.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_shell_form() {
        assert_eq!(lines(&RULE, "FROM a:1\nCMD node server.js\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nENTRYPOINT /entry.sh\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCMD ['node', 'x']\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD CMD run\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCMD a \\\n  # c\n  b\n"), [2]);
    }

    #[test]
    fn accepts_exec_form() {
        assert!(lines(&RULE, "FROM a:1\nCMD [\"node\", \"server.js\"]\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nENTRYPOINT [\"/entry.sh\"]\nCMD []\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nHEALTHCHECK CMD curl -f http://localhost/\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN make\n").is_empty());
    }
}
