use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-302",
        name: "sensitive-arg-env-name",
        title: "ARG or ENV name suggests sensitive data",
        severity: Severity::Low,
        category: "secrets",
        equivalents: Equivalents {
            hadolint: &["DL3064"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
hadolint's DL3064 heuristic, by name only: an `ARG` or `ENV` whose name is a
well-known credential variable (`GITHUB_TOKEN`, `NPM_TOKEN`,
`POSTGRES_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, `DOCKER_USERNAME`…) or contains
`password`, `secret`, `token`, `private`, `api_key`, `client_key` or
`username`, whatever its value (also empty or absent).

This is the broad, name-only signal, reported at low severity so teams that
follow hadolint see the same places. `secret-in-arg-env` (PL-DF-301) is the
precise check: it reports literal secret values at high severity.

## Why it matters
A variable named like a credential in `ARG` or `ENV` invites passing the
credential through it, and then it ends up in the build history or the image
configuration, readable by anyone who pulls the image.

## Example
```dockerfile
ARG GITHUB_TOKEN
ENV DB_PASSWORD=
```

## Use instead
```dockerfile
RUN --mount=type=secret,id=github_token,env=GITHUB_TOKEN ./fetch-deps.sh
ENV DB_PASSWORD_FILE=/run/secrets/db_password
```

## How to fix
Pass build-time secrets with `RUN --mount=type=secret` and runtime secrets
with the orchestrator. If the variable is harmless (a user name, a switch),
suppress the finding on that line.
"#,
    },
    check,
};

/// hadolint's list of well-known credential variable names.
const KNOWN: &[&str] = &[
    "ACCESS_TOKEN",
    "APPLICATION_KEY",
    "APP_SECRET",
    "AUTH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BITTREX_API_KEY",
    "BITTREX_API_SECRET",
    "CF_PASSWORD",
    "CF_USERNAME",
    "CIRCLE_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPLOY_USER",
    "DOCKERHUB_PASSWORD",
    "DOCKER_EMAIL",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "FACEBOOK_ACCESS_TOKEN",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "FIREBASE_API_TOKEN",
    "FIREBASE_TOKEN",
    "FOSSA_API_KEY",
    "GH_ENTERPRISE_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_TOKEN",
    "HEROKU_API_KEY",
    "HEROKU_API_USER",
    "NPM_AUTH_TOKEN",
    "NPM_TOKEN",
    "OKTA_AUTHN_GROUPID",
    "OKTA_CLIENT_ORGURL",
    "OKTA_CLIENT_TOKEN",
    "OKTA_OAUTH2_CLIENTID",
    "OKTA_OAUTH2_CLIENTSECRET",
    "OPENAI_API_KEY",
    "OS_PASSWORD",
    "OS_USERNAME",
    "POSTGRES_PASSWORD",
    "SLACK_TOKEN",
    "STRIPE_API_KEY",
    "STRIPE_DEVICE_NAME",
    "TRAVIS_OS_NAME",
    "TRAVIS_SECURE_ENV_VARS",
    "TRAVIS_SUDO",
    "VAULT_CLIENT_KEY",
    "VAULT_TOKEN",
];

const WORDS: &[&str] = &[
    "api_key",
    "client_key",
    "password",
    "private",
    "secret",
    "token",
    "username",
];

fn sensitive(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let lower = name.to_ascii_lowercase();
    KNOWN.contains(&upper.as_str()) || WORDS.iter().any(|w| lower.contains(w))
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for outer in &cx.df.instructions {
        let inst = match &outer.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => outer,
        };
        let hit = match &inst.args {
            Args::Env(kvs) => kvs
                .iter()
                .find(|kv| sensitive(&kv.key))
                .map(|kv| (kv.key.as_str(), kv.key_span)),
            Args::Arg(decls) => decls
                .iter()
                .find(|d| sensitive(&d.name))
                .map(|d| (d.name.as_str(), d.span)),
            _ => None,
        };
        if let Some((name, span)) = hit {
            out.push(
                Violation::new(
                    span,
                    format!(
                        "{} {name} looks like it carries sensitive data: ARG and ENV values are kept \
                         in the image history and configuration; use a secret mount or a runtime secret",
                        inst.keyword
                    ),
                )
                .with_evidence(name.to_string()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_like_hadolint() {
        assert_eq!(lines(&RULE, "FROM a:1\nARG GITHUB_TOKEN\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nENV PASSWORD=\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nENV A=1 \\\n  DB_PASSWORD=x\n"), [3]);
        assert_eq!(lines(&RULE, "FROM a:1\nENV aws_secret_access_key x\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD ARG DOCKER_EMAIL\n"), [2]);
        // Substring match, as hadolint does.
        assert_eq!(lines(&RULE, "FROM a:1\nENV SECRETARY_VERSION=1\n"), [2]);
    }

    #[test]
    fn ignores_other_names() {
        assert!(lines(&RULE, "FROM a:1\nENV GPG_KEY=ABCD PATH=/x\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nARG PASS\nLABEL password=x\n").is_empty());
        assert!(lines(&RULE, "FROM a:1\nRUN echo $PASSWORD\n").is_empty());
    }
}
