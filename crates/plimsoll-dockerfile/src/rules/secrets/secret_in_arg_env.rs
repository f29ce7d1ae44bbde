use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::{declared_in_stage, find_secret_values, is_literal_secret, is_secret_name, redact};
use crate::parser::{Args, Instruction, Keyword};
use crate::rules::{Ctx, Rule, Violation};
use crate::span::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-301",
        name: "secret-in-arg-env",
        title: "Secret value set in ARG or ENV",
        severity: Severity::High,
        category: "secrets",
        equivalents: Equivalents {
            cis: &["4.10"],
            dockle: &["CIS-DI-0010"],
            trivy: &["DS031"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
An `ENV` or `ARG` whose name says it holds a secret (`PASSWORD`, `DB_PASSWD`,
`API_KEY`, `CLIENT_SECRET`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`,
`CREDENTIALS`…) and that is given a literal value: `ENV DB_PASSWORD=hunter2`,
`ARG NPM_TOKEN=abc123`. Also an `ENV` that copies a secret-named build
argument into the environment (`ARG NPM_TOKEN` then `ENV NPM_TOKEN=$NPM_TOKEN`).

Names are matched word by word, so `SECRETARY_VERSION` is not a secret, and
names that describe or locate a secret rather than hold it are ignored:
`*_FILE`, `*_PATH`, `*_URL`, `*_ID` (`AWS_ACCESS_KEY_ID`), `*_USER`,
`*_LENGTH`, and public key names such as `GPG_KEY` (in the official images it
is a key fingerprint). Empty values, variable references, paths, booleans and
placeholders such as `**None**` or `XXXXXXXX` are not reported.

Values that are recognisable tokens (`ghp_…`, `AKIA…`) are reported by
`secret-value` (PL-DF-303) instead, once.

## Why it matters
`ENV` values are stored in the image configuration and `ARG` defaults in the
build history: anyone who can pull the image reads them with `docker inspect`
or `docker history`. The value is also committed with the Dockerfile.

## Example
```dockerfile
ENV DB_PASSWORD=hunter2
ARG NPM_TOKEN
ENV NPM_TOKEN=${NPM_TOKEN}
```

## Use instead
```dockerfile
# at build time: a secret mount, never stored in a layer
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
# at run time: pass it to the container
#   docker run -e DB_PASSWORD_FILE=/run/secrets/db …
```

## How to fix
Remove the value from the Dockerfile and rotate it. Give build-time secrets
to `RUN --mount=type=secret`, and runtime secrets through the orchestrator
(environment at `docker run`, Docker/Kubernetes secrets, a `*_FILE` path).
"#,
    },
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (index, outer) in cx.df.instructions.iter().enumerate() {
        let inst = match &outer.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => outer,
        };
        match &inst.args {
            Args::Env(kvs) => {
                for kv in kvs {
                    if !is_secret_name(&kv.key) {
                        continue;
                    }
                    if let Some(arg) = copied_build_arg(cx, index, &kv.value) {
                        out.push(
                            Violation::new(
                                kv.span,
                                format!(
                                    "ENV {} copies the build argument {arg} into the image environment, \
                                     where `docker inspect` shows it; use RUN --mount=type=secret instead",
                                    kv.key
                                ),
                            )
                            .with_evidence(format!("{}=${arg}", kv.key)),
                        );
                    } else {
                        literal(out, inst, &kv.key, &kv.value, kv.span);
                    }
                }
            }
            Args::Arg(decls) => {
                for d in decls {
                    if let Some(v) = &d.default {
                        if is_secret_name(&d.name) {
                            literal(out, inst, &d.name, v, d.span);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn literal(out: &mut Vec<Violation>, inst: &Instruction, name: &str, value: &str, span: Span) {
    // Tokens with a recognisable shape are PL-DF-303's.
    if !is_literal_secret(value) || !find_secret_values(value).is_empty() {
        return;
    }
    let kw = inst.keyword;
    let (what, hint) = if kw == Keyword::Arg {
        (
            "default",
            "it is kept in the build history; pass secrets with RUN --mount=type=secret",
        )
    } else {
        (
            "value",
            "it is stored in the image and shown by `docker inspect`; supply it at run time or use a secret",
        )
    };
    out.push(
        Violation::new(
            span,
            format!("{kw} {name} has a literal secret {what}: {hint}"),
        )
        .with_evidence(format!("{name}={}", redact(value))),
    );
}

/// `$NAME` / `${NAME}` where NAME is an ARG declared earlier in the stage.
fn copied_build_arg(cx: &Ctx<'_>, index: usize, value: &str) -> Option<String> {
    let v = value.trim();
    let name = v
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| v.strip_prefix('$'))?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    declared_in_stage(cx.df, index)
        .into_iter()
        .any(|(n, i)| n == name && i.keyword == Keyword::Arg)
        .then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_literal_secrets() {
        assert_eq!(
            lines(&RULE, "# escape=`\nFROM a:1\nENV A=1 `\n  DB_PASSWORD=hunter2\n"),
            [4]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nENV DB_PASSWORD=hunter2\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nENV PGPASSWORD app\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nARG API_KEY=abc123def\n"), [2]);
        assert_eq!(
            lines(&RULE, "FROM a:1\nENV A=1 \\\n    CLIENT_SECRET=\"s3cr3t\" \\\n    B=2\n"),
            [3]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD ENV ADMIN_PASSWORD=admin\n"), [2]);
        assert_eq!(lines(&RULE, "ARG GITHUB_TOKEN=abcdef\nFROM a:1\n"), [1]);
    }

    #[test]
    fn flags_build_arg_copied_into_env() {
        assert_eq!(
            lines(&RULE, "FROM a:1\nARG NPM_TOKEN\nENV NPM_TOKEN=${NPM_TOKEN}\n"),
            [3]
        );
        // Not an ARG of this stage: an ENV reference only.
        assert!(lines(&RULE, "ARG NPM_TOKEN\nFROM a:1\nENV NPM_TOKEN=$NPM_TOKEN\n").is_empty());
    }

    #[test]
    fn ignores_non_secrets() {
        for src in [
            "FROM a:1\nENV GPG_KEY=B42F6819007F00F88E364FD4036A9C25BF357DD4\n",
            "FROM a:1\nENV PASSWORD=\n",
            "FROM a:1\nENV PASSWORD \"\"\n",
            "FROM a:1\nENV POSTGRES_PASSWORD_FILE=/run/secrets/pg\n",
            "FROM a:1\nENV POSTGRES_PASSWORD **None**\n",
            "FROM a:1\nENV SECRETARY_VERSION=1.2\n",
            "FROM a:1\nENV ALLOW_EMPTY_PASSWORD=no\n",
            "FROM a:1\nENV AWS_ACCESS_KEY_ID=AKIA_placeholder_x\n",
            "FROM a:1\nARG GITHUB_TOKEN\n",
            "FROM a:1\nENV TOKEN=$TOKEN_FROM_BASE\n",
            "FROM a:1\nENV MTP_SECRET 00000000000000000000000000000000\n",
            "FROM a:1\nLABEL password=hunter2\n",
            // A recognisable token is PL-DF-303's finding.
            "FROM a:1\nENV GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
