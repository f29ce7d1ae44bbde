use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::effective;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-456",
        name: "apt-key",
        title: "apt-key adds a globally trusted key",
        severity: Severity::Medium,
        category: "supply-chain",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
`apt-key add` and `apt-key adv` (usually `--recv-keys` from a keyserver) in
`RUN`.

## Why it matters
`apt-key` puts the key into the global keyring, where apt trusts it for
**every** repository: a key meant for one third-party repository can then
sign packages that replace Debian's or Ubuntu's own. `apt-key` is deprecated
(removed after Debian 12 / Ubuntu 24.04), and `adv --recv-keys` from a
keyserver by a short id can fetch a colliding key.

## Example
```dockerfile
RUN curl -fsSL https://repo.example.com/key.gpg | apt-key add - \
 && echo "deb https://repo.example.com/ stable main" > /etc/apt/sources.list.d/x.list
```

## Use instead
```dockerfile
RUN curl -fsSL https://repo.example.com/key.gpg | gpg --dearmor -o /usr/share/keyrings/x.gpg \
 && echo "deb [signed-by=/usr/share/keyrings/x.gpg] https://repo.example.com/ stable main" \
      > /etc/apt/sources.list.d/x.list
```

## How to fix
Store the key as its own keyring file (`gpg --dearmor -o
/usr/share/keyrings/NAME.gpg`, or the `.asc` under `/etc/apt/keyrings/`) and
reference it with `signed-by=` in that repository's source entry only.
Check the key's full fingerprint when fetching it.
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            let Some(("apt-key", args)) = effective(cmd) else {
                continue;
            };
            let Some(sub) = args
                .iter()
                .map(|a| a.text.as_str())
                .find(|a| !a.starts_with('-'))
            else {
                continue;
            };
            if !matches!(sub, "add" | "adv") {
                continue;
            }
            out.push(
                Violation::new(
                    run.span_in(script, cmd.start, cmd.end),
                    format!(
                        "apt-key {sub} trusts the key for every apt repository and is deprecated; \
                         store it as a keyring file and use signed-by= in its source entry"
                    ),
                )
                .with_evidence(format!("apt-key {sub}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_apt_key() {
        assert_eq!(lines(&RULE, "FROM a:1\nRUN curl -fsSL https://x/k | apt-key add -\n"), [2]);
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN apt-key adv --keyserver hkp://keyserver.ubuntu.com:80 --recv-keys ABCD\n"),
            [2]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nRUN set -e; \\\n    sudo apt-key add /tmp/k.asc\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\napt-key add k.asc\nEOF\n"), [3]);
    }

    #[test]
    fn ignores_keyring_files_and_listing() {
        assert!(lines(&RULE, "FROM a:1\nRUN gpg --dearmor -o /usr/share/keyrings/x.gpg k.asc\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN apt-key list\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN echo apt-key add\n").is_empty());
    }
}
