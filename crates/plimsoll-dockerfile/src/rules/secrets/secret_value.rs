use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{find_secret_values, is_literal_secret, redact};
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;
use crate::span::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-303",
        name: "secret-value",
        title: "Credential written in the Dockerfile",
        severity: Severity::Critical,
        category: "secrets",
        equivalents: Equivalents {
            cis: &["4.10"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
Credentials recognisable by their shape anywhere in an instruction (`ENV`,
`ARG`, `LABEL`, `RUN`, heredoc bodies):

- AWS access key ids (`AKIA…`, `ASIA…`) and AWS secret keys next to an
  `aws_secret_access_key` name;
- GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab
  (`glpat-`), npm (`npm_`), Slack (`xoxb-`… and webhook URLs), Stripe live
  (`sk_live_`) and Google API (`AIza…`) tokens;
- private key blocks (`-----BEGIN … PRIVATE KEY-----` followed by key data);
- JSON Web Tokens;
- passwords in URLs (`https://user:PASSWORD@host`, `redis://:PASSWORD@…`) and
  npm `_authToken=`/`_auth=` values;

and literal passwords on RUN command lines: `curl -u user:PASSWORD`,
`--password=…`/`--token …`/`--api-key …` and similar options, `mysql
-pPASSWORD`, `sshpass -p`, `docker login -p`, `htpasswd -b`.

Variable references (`$TOKEN`, `${PASS}`), AWS's documented `…EXAMPLE` keys
and placeholder passwords (`user:password@`) are not reported. Evidence is
redacted to its first four characters.

## Why it matters
The Dockerfile is committed and shared, and `RUN` lines and `ENV`/`ARG`
values are kept in the image history: a credential written here is readable
by everyone with access to the repository or the image, for as long as the
image exists.

## Example
```dockerfile
RUN git clone https://deploy:s3cr3tpw@git.example.com/app.git
ENV GITHUB_TOKEN=ghp_…
```

## Use instead
```dockerfile
RUN --mount=type=secret,id=git_token,env=GIT_TOKEN \
    git clone "https://deploy:${GIT_TOKEN}@git.example.com/app.git"
```

## How to fix
Treat the credential as leaked: revoke and rotate it. Then pass it with
`docker build --secret id=…` and `RUN --mount=type=secret`, or at run time.
"#,
    },
    check,
};

/// Options whose value is a password or token.
const SECRET_OPTIONS: &[&str] = &[
    "--password",
    "--passwd",
    "--pass",
    "--token",
    "--auth-token",
    "--access-token",
    "--api-key",
    "--apikey",
    "--secret",
    "--client-secret",
    "--secret-key",
    "--http-password",
    "--ftp-password",
    "--proxy-password",
];

const MYSQL: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mariadb",
    "mariadb-dump",
    "mariadb-admin",
];

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let mut found: Vec<Violation> = Vec::new();
    for inst in &cx.df.instructions {
        let (s, e) = (inst.span.start as usize, inst.span.end as usize);
        let Some(text) = cx.df.source.get(s..e) else {
            continue;
        };
        for m in find_secret_values(text) {
            let secret = &text[m.start..m.end];
            found.push(
                Violation::new(
                    Span::new(s + m.start, s + m.end),
                    format!(
                        "{} contains {}: it is readable in the Dockerfile and the image history; \
                         revoke it and pass it as a build secret (RUN --mount=type=secret)",
                        inst.keyword, m.kind
                    ),
                )
                .with_evidence(redact(secret)),
            );
        }
    }
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            for (what, start, end, value) in command_secrets(cmd) {
                found.push(
                    Violation::new(
                        run.span_in(script, start, end),
                        format!(
                            "{what} is given on the command line: RUN lines are kept in the image history; \
                             read it from a secret mount (RUN --mount=type=secret) instead"
                        ),
                    )
                    .with_evidence(redact(&value)),
                );
            }
        }
    }
    found.sort_by_key(|v| (v.span.start, std::cmp::Reverse(v.span.end)));
    let mut last_end = 0u32;
    for v in found {
        if v.span.start < last_end {
            continue;
        }
        last_end = v.span.end;
        out.push(v);
    }
}

/// (description, word start, word end, secret) of literal credentials in
/// the arguments of one command.
fn command_secrets(cmd: &Command) -> Vec<(String, usize, usize, String)> {
    let mut out = Vec::new();
    let Some(name) = cmd.name() else {
        return out;
    };
    let args = cmd.args();
    let mut push = |what: String, w: &crate::shell::ShWord, value: &str| {
        if is_literal_secret(value) && !value.starts_with('-') {
            out.push((what, w.start, w.end, value.to_string()));
        }
    };
    let login = cmd.positionals(&["-u", "--username"]).first().map(|w| w.text.as_str())
        == Some("login");
    for (i, w) in args.iter().enumerate() {
        let a = w.text.as_str();
        let next = args.get(i + 1);
        // --option=value / --option value
        for opt in SECRET_OPTIONS {
            if let Some(v) = a.strip_prefix(opt).and_then(|r| r.strip_prefix('=')) {
                push(format!("a password for {name} ({opt})"), w, v);
            } else if a == *opt {
                if let Some(n) = next {
                    push(format!("a password for {name} ({opt})"), n, &n.text);
                }
            }
        }
        // curl/wget user:password
        if matches!(name, "curl" | "wget") {
            let userpass = if a == "-u" || a == "--user" || a == "-U" || a == "--proxy-user" {
                next.map(|n| (n, n.text.as_str()))
            } else if let Some(v) = a.strip_prefix("--user=") {
                Some((w, v))
            } else if name == "curl" && a.starts_with("-u") && a.len() > 2 && !a.starts_with("--") {
                Some((w, &a[2..]))
            } else {
                None
            };
            if let Some((word, v)) = userpass {
                if let Some((_, pass)) = v.split_once(':') {
                    push(format!("a password for {name} (user:password)"), word, pass);
                }
            }
        }
        if MYSQL.contains(&name) && a.starts_with("-p") && a.len() > 2 {
            push(format!("a password for {name} (-p)"), w, &a[2..]);
        }
        if (name == "sshpass" || login) && a.starts_with("-p") && !a.starts_with("--") {
            if a.len() > 2 && name == "sshpass" {
                push(format!("a password for {name} (-p)"), w, &a[2..]);
            } else if a == "-p" {
                if let Some(n) = next {
                    push(format!("a password for {name} (-p)"), n, &n.text);
                }
            }
        }
        if matches!(a, "-passin" | "-passout" | "-pass" | "-password") {
            if let Some(v) = next.and_then(|n| n.text.strip_prefix("pass:")) {
                if let Some(n) = next {
                    push(format!("a password for {name} (pass:)"), n, v);
                }
            }
        }
    }
    if name == "htpasswd" && cmd.has_flag("-b") {
        if let Some(last) = cmd.positionals(&[]).last() {
            push("a password for htpasswd -b".to_string(), last, &last.text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{lines, messages_with};
    use crate::rules::RuleConfig;

    #[test]
    fn flags_tokens_anywhere() {
        assert_eq!(
            lines(&RULE, "# escape=`\nFROM a:1\nRUN git clone `\n  https://me:s3cretpw@h/x.git\n"),
            [4]
        );
        assert_eq!(
            lines(&RULE, "FROM a:1\nENV GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345\n"),
            [2]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nLABEL k=AKIAZ7VRSQ5TJN2QXWTD\n"), [2]);
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN git clone https://me:s3cretpw@git.example.com/x.git\n"),
            [2]
        );
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN set -e; \\\n  # fetch\n  curl -o x https://me:pw123456@h/x\n"),
            [4]
        );
        assert_eq!(
            lines(&RULE, "FROM a:1\nCOPY <<EOF /root/.ssh/id_rsa\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nEOF\n"),
            [3]
        );
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN <<EOF\necho '//registry.npmjs.org/:_authToken=abcdef0123456789' > ~/.npmrc\nEOF\n"),
            [3]
        );
    }

    #[test]
    fn flags_command_line_passwords() {
        for src in [
            "FROM a:1\nRUN curl -u admin:hunter22 https://h/x\n",
            "FROM a:1\nRUN curl -fsSL --user=admin:hunter22 https://h/x\n",
            "FROM a:1\nRUN wget --password=hunter22 https://h/x\n",
            "FROM a:1\nRUN mysql -uroot -phunter22 -e 'select 1'\n",
            "FROM a:1\nRUN docker login -u me -p hunter22 registry\n",
            "FROM a:1\nRUN sshpass -p hunter22 ssh host\n",
            "FROM a:1\nRUN [\"sh\", \"-c\", \"mysqladmin --password hunter22 ping\"]\n",
            "FROM a:1\nRUN htpasswd -cb /etc/nginx/.htpasswd admin hunter22\n",
        ] {
            assert_eq!(lines(&RULE, src), [2], "{src}");
        }
    }

    #[test]
    fn ignores_references_and_placeholders() {
        for src in [
            "FROM a:1\nRUN curl -u \"$USER:$PASS\" https://h/x\n",
            "FROM a:1\nRUN curl -u admin: https://h/x\n",
            "FROM a:1\nRUN mysql -p -e 'select 1'\n",
            "FROM a:1\nRUN mysql -p\"$MYSQL_ROOT_PASSWORD\"\n",
            "FROM a:1\nRUN docker login --password-stdin < /run/secrets/x\n",
            "FROM a:1\nRUN git clone https://x:${TOKEN}@github.com/o/r\n",
            "FROM a:1\nENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
            "FROM a:1\nRUN tar -C /x -xpf y.tar\n",
            "FROM a:1\nRUN ssh-keygen -t rsa -N '' -f /k\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn one_finding_per_secret_and_redacted_message() {
        let m = messages_with(
            &RULE,
            "FROM a:1\nRUN curl -u me:pw12345 https://me:pw12345@h/x\n",
            &RuleConfig::default(),
        );
        assert_eq!(m.len(), 2);
        assert!(!m[0].1.contains("pw12345"));
    }
}
