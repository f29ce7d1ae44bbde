use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::stage_env::expand_at;
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::{Command, ShWord};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-212",
        name: "useradd-no-log-init",
        title: "useradd with a high UID and without --no-log-init",
        severity: Severity::Low,
        category: "hygiene",
        equivalents: Equivalents {
            hadolint: &["DL3046"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`useradd` in a `RUN` that sets a UID of 100000 or more (`-u`, `--uid`,
`--uid=`, `-u100000`, clusters like `-mu`) without `-l` /
`--no-log-init`. The UID may come from the stage's ARG or ENV defaults. A
UID that depends on a variable without a default (`-u $UID` given by
`--build-arg`) is reported too, because nothing keeps it small, and `-l`
costs nothing. The threshold matches hadolint's DL3046 (UIDs longer than
five digits); unlike hadolint, a variable whose default is a small UID
(`ARG UID=1000`) is not reported.

## Why it matters
`useradd` records the new user in `/var/log/lastlog` and
`/var/log/faillog`, sparse files indexed by UID. Docker does not keep files
sparse when it stores a layer, so a UID of 100000 adds about 29 MB of zeros
to the image and a UID near 2^31 about 600 GB, which fills the build disk.

## Example
```dockerfile
RUN useradd -u 1000000 app
```

## Use instead
```dockerfile
RUN useradd --no-log-init -u 1000000 app
```

## How to fix
Add `-l` (`--no-log-init`) to `useradd`, or use a UID below 100000.
"#,
    },
    check,
};

/// The word holding the `-u`/`--uid` value and the value text.
fn uid_value(cmd: &Command) -> Option<(&ShWord, &str)> {
    let args = cmd.args();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].text.as_str();
        if a == "--" {
            return None;
        }
        if a == "--uid" {
            return args.get(i + 1).map(|w| (w, w.text.as_str()));
        }
        if let Some(v) = a.strip_prefix("--uid=") {
            return Some((&args[i], v));
        }
        if let Some(cluster) = a.strip_prefix('-').filter(|c| !c.starts_with('-')) {
            if let Some(pos) = cluster.find('u') {
                let attached = &cluster[pos + 1..];
                return if attached.is_empty() {
                    args.get(i + 1).map(|w| (w, w.text.as_str()))
                } else {
                    Some((&args[i], attached))
                };
            }
        }
        i += 1;
    }
    None
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            if !cmd.is("useradd") || cmd.has_any_flag(&["-l", "--no-log-init"]) {
                continue;
            }
            let Some((word, value)) = uid_value(cmd) else {
                continue;
            };
            let span = run.span_in(script, word.start, word.end);
            let Some(uid) = expand_at(cx, run.index, value) else {
                out.push(
                    Violation::new(
                        span,
                        format!(
                            "useradd -u {value} without --no-log-init: the UID is only known at build time and a high one bloats the layer through lastlog/faillog; add -l (--no-log-init)"
                        ),
                    )
                    .with_evidence(format!("useradd -u {value}")),
                );
                continue;
            };
            let high = uid.len() > 5 && uid.chars().all(|c| c.is_ascii_digit());
            if !high {
                continue;
            }
            let shown = if uid == value {
                uid.clone()
            } else {
                format!("{value} (= {uid})")
            };
            out.push(
                Violation::new(
                    span,
                    format!(
                        "useradd with UID {shown} and without --no-log-init fills the sparse lastlog/faillog files, bloating the layer; add -l (--no-log-init)"
                    ),
                )
                .with_evidence(format!("useradd -u {uid}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_high_uid_without_l() {
        for body in [
            "useradd -u 123456 app",
            "useradd -m -u 1000000 app",
            "useradd -mu 1000000 app",
            "useradd --uid 1000000 app",
            "useradd --uid=1000000 app",
            "useradd -u1000000 app",
            "/usr/sbin/useradd -u 100000 app",
        ] {
            assert_eq!(lines(&RULE, &format!("FROM d:1\nRUN {body}\n")), [2], "{body}");
        }
        assert_eq!(lines(&RULE, "FROM d:1\nARG UID=1000000\nRUN useradd -u ${UID} app\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN groupadd g && \\\n  useradd -g g -u 200000 app\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN <<EOF\nuseradd -u 999999 app\nEOF\n"), [3]);
        // Unknown at lint time (a --build-arg): nothing keeps it small.
        assert_eq!(lines(&RULE, "FROM d:1\nARG UID\nRUN useradd -u $UID app\n"), [3]);
        assert_eq!(lines(&RULE, "FROM d:1\nRUN useradd -u \"${NB_UID}\" app\n"), [2]);
    }

    #[test]
    fn accepts_low_uid_or_no_log_init() {
        for body in [
            "useradd -u 1000 app",
            "useradd -u 99999 app",
            "useradd -l -u 1000000 app",
            "useradd --no-log-init -u 1000000 app",
            "useradd -lmu 1000000 app",
            "useradd app",
            "adduser -u 1000000 app",
            "echo useradd -u 1000000 app",
        ] {
            assert!(lines(&RULE, &format!("FROM d:1\nRUN {body}\n")).is_empty(), "{body}");
        }
        assert!(lines(&RULE, "FROM d:1\nARG UID=1001\nRUN useradd -u ${UID} app\n").is_empty());
        assert!(lines(&RULE, "FROM d:1\nARG UID\nRUN useradd -l -u $UID app\n").is_empty());
    }
}
