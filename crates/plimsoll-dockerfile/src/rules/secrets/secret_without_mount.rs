use std::sync::LazyLock;

use plimsoll_core::{Equivalents, RuleMeta, Severity};
use regex::Regex;

use super::copy_key_material::key_material;
use super::{declared_in_stage, is_secret_name};
use crate::parser::{Args, Instruction, Keyword};
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;
use crate::span::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-305",
        name: "secret-without-mount",
        title: "RUN handles a secret without a secret mount",
        severity: Severity::High,
        category: "secrets",
        equivalents: Equivalents {
            cis: &["4.10"],
            trivy: &["DS031"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
A `RUN` without `--mount=type=secret` that

- expands a secret-named build argument declared in its stage
  (`ARG NPM_TOKEN` … `RUN npm ci --token $NPM_TOKEN`), or
- stores credentials in the image: `aws configure set aws_secret_access_key`,
  `gcloud auth activate-service-account`, `az login`, `docker login`,
  `npm`/`yarn`/`pnpm config set …_authToken`, `composer config
  github-oauth…`, `poetry config http-basic…`, `git config
  credential.helper store`, or a redirect into `.npmrc`, `.netrc`,
  `.git-credentials`, `.pypirc`, `.docker/config.json`, `.aws/credentials`
  that is not removed again in the same `RUN`.

## Why it matters
Build arguments used by a `RUN` are recorded in the image history
(`docker history --no-trunc` shows them), and files written by a `RUN` stay
in its layer. A secret mount exists only while that one `RUN` executes and
is never stored.

## Example
```dockerfile
ARG NPM_TOKEN
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc && npm ci
```

## Use instead
```dockerfile
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
# docker build --secret id=npmrc,src=$HOME/.npmrc .
```

## How to fix
Remove the `ARG`, pass the secret with `docker build --secret id=NAME,…`,
and read it in the `RUN` that needs it through `--mount=type=secret`
(as a file under `/run/secrets/`, or with `env=NAME`).
"#,
    },
    check,
};

static VAR_REF: LazyLock<Regex> = LazyLock::new(|| crate::rules::regex(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)"));

pub(crate) fn has_secret_mount(inst: &Instruction) -> bool {
    inst.flags_named("mount").any(|f| {
        f.value.as_deref().is_some_and(|v| {
            v.split(',')
                .any(|kv| kv.trim().eq_ignore_ascii_case("type=secret"))
        })
    })
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for run in cx.runs() {
        if has_secret_mount(run.inst) {
            continue;
        }
        // Build arguments with secret names used by the command.
        let Args::Run(form) = &run.inst.args else {
            continue;
        };
        let start = form.span().start as usize;
        // (The outer instruction's span: an ONBUILD trigger has none of its own.)
        let end = cx.df.instructions.get(run.index).map_or(start, |i| i.span.end as usize);
        let text = cx.df.source.get(start..end).unwrap_or("");
        let args: Vec<&str> = declared_in_stage(cx.df, run.index)
            .into_iter()
            .filter(|(n, i)| i.keyword == Keyword::Arg && is_secret_name(n))
            .map(|(n, _)| n)
            .collect();
        let mut used: Vec<&str> = Vec::new();
        let mut first: Option<Span> = None;
        for c in VAR_REF.captures_iter(text) {
            if let (Some(all), Some(name)) = (c.get(0), c.get(1)) {
                if let Some(a) = args.iter().find(|a| **a == name.as_str()) {
                    first.get_or_insert(Span::new(start + all.start(), start + all.end()));
                    if !used.contains(a) {
                        used.push(a);
                    }
                }
            }
        }
        if let Some(span) = first {
            out.push(
                Violation::new(
                    span,
                    format!(
                        "RUN uses the build argument{} {}: build arguments are recorded in the image history; \
                         pass {} with RUN --mount=type=secret instead",
                        if used.len() > 1 { "s" } else { "" },
                        used.join(", "),
                        if used.len() > 1 { "them" } else { "it" },
                    ),
                )
                .with_evidence(used.join(", ")),
            );
        }
        // Commands that store credentials in the layer.
        let cmds: Vec<&Command> = run.commands().collect();
        for (script, cmd) in run.commands_with_script() {
            if let Some(what) = stores_credentials(cmd, &cmds) {
                out.push(
                    Violation::new(
                        run.span_in(script, cmd.start, cmd.end),
                        format!(
                            "{what}: the credentials stay in this RUN's layer; \
                             mount them with RUN --mount=type=secret instead"
                        ),
                    )
                    .with_evidence(cmd.name().unwrap_or("").to_string()),
                );
            }
        }
    }
}

fn lower_args(cmd: &Command) -> Vec<String> {
    cmd.arg_texts().map(str::to_ascii_lowercase).collect()
}

/// What `cmd` does that stores credentials, if anything.
fn stores_credentials(cmd: &Command, all: &[&Command]) -> Option<String> {
    let name = cmd.name()?;
    let pos: Vec<String> = cmd
        .positionals(&[])
        .iter()
        .map(|w| w.text.to_ascii_lowercase())
        .collect();
    let p = |i: usize| pos.get(i).map_or("", String::as_str);
    let args = lower_args(cmd);
    let any_arg = |f: &dyn Fn(&str) -> bool| args.iter().any(|a| f(a));
    let found = match name {
        "aws" if p(0) == "configure" && p(1) == "set" => {
            let k = p(2);
            (k.contains("secret") || k.contains("access_key") || k.contains("session_token"))
                .then(|| format!("aws configure set {k} writes ~/.aws/credentials"))
        }
        "gcloud" if p(0) == "auth" && p(1) == "activate-service-account" => {
            Some("gcloud auth activate-service-account stores a service account key".to_string())
        }
        "az" if p(0) == "login" => Some("az login stores Azure credentials".to_string()),
        "docker" | "podman" | "buildah" | "skopeo" | "helm" | "crane" | "oras"
            if pos.iter().take(2).any(|a| a == "login") =>
        {
            Some(format!("{name} login stores registry credentials"))
        }
        "npm" | "yarn" | "pnpm"
            if (p(0) == "config" && p(1) == "set") || p(0) == "set" =>
        {
            any_arg(&|a| a.contains("_auth") || a.contains("authtoken") || a.contains("_password"))
                .then(|| format!("{name} config set stores a registry token"))
        }
        "composer" if p(0) == "config" => any_arg(&|a| {
            a.starts_with("github-oauth")
                || a.starts_with("http-basic")
                || a.starts_with("gitlab-token")
                || a.starts_with("gitlab-oauth")
                || a.starts_with("bearer")
        })
        .then(|| "composer config stores an auth token in auth.json".to_string()),
        "poetry" if p(0) == "config" => any_arg(&|a| {
            a.starts_with("http-basic.") || a.starts_with("pypi-token.")
        })
        .then(|| "poetry config stores repository credentials".to_string()),
        "git" if p(0) == "config" => {
            (any_arg(&|a| a == "credential.helper") && any_arg(&|a| a.starts_with("store")))
                .then(|| "git config credential.helper store saves passwords in ~/.git-credentials".to_string())
        }
        _ => None,
    };
    if found.is_some() {
        return found;
    }
    // Redirects (and tee) into credential files not removed later.
    let mut targets: Vec<&str> = cmd
        .redirects
        .iter()
        .filter(|r| r.op == ">" || r.op == ">>" || r.op == ">|")
        .map(|r| r.target.as_str())
        .collect();
    if name == "tee" {
        targets.extend(cmd.positionals(&[]).iter().map(|w| w.text.as_str()));
    }
    for t in targets {
        let Some(why) = key_material(t) else {
            continue;
        };
        if !(why.contains("credentials") || why.contains(".netrc")) {
            continue;
        }
        let base = t.rsplit('/').next().unwrap_or(t);
        let removed = all.iter().any(|c| {
            c.start > cmd.start
                && c.is("rm")
                && c.positionals(&[])
                    .iter()
                    .any(|w| w.text.rsplit('/').next() == Some(base))
        });
        if !removed {
            return Some(format!("writes {why} to {t}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_secret_build_args_in_run() {
        assert_eq!(lines(&RULE, "FROM a:1\nARG NPM_TOKEN\nRUN npm ci --token=$NPM_TOKEN\n"), [3]);
        assert_eq!(
            lines(&RULE, "FROM a:1\nARG GITHUB_TOKEN\nRUN set -e; \\\n  git clone https://x:${GITHUB_TOKEN}@github.com/o/r\n"),
            [4]
        );
        assert_eq!(
            lines(&RULE, "FROM a:1\nARG NPM_TOKEN\nRUN <<EOF\ncat > /tmp/x <<EOT\n//r/:_authToken=${NPM_TOKEN}\nEOT\nEOF\n"),
            [5]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nARG API_KEY\nONBUILD RUN fetch \"$API_KEY\"\n"), [3]);
    }

    #[test]
    fn flags_credential_stores() {
        for src in [
            "FROM a:1\nRUN aws configure set aws_secret_access_key \"$K\"\n",
            "FROM a:1\nRUN gcloud auth activate-service-account --key-file=k.json\n",
            "FROM a:1\nRUN echo \"//registry.npmjs.org/:_authToken=x\" > ~/.npmrc\n",
            "FROM a:1\nRUN npm config set //registry.npmjs.org/:_authToken \"$T\"\n",
            "FROM a:1\nRUN git config --global credential.helper store\n",
            "FROM a:1\nRUN echo \"$P\" | docker login -u me --password-stdin\n",
            "FROM a:1\nRUN composer config -g github-oauth.github.com \"$T\"\n",
            "FROM a:1\nRUN printf 'machine h login u password p' | tee /root/.netrc\n",
        ] {
            assert_eq!(lines(&RULE, src), [2], "{src}");
        }
    }

    #[test]
    fn accepts_secret_mounts_and_cleanups() {
        for src in [
            "FROM a:1\nARG NPM_TOKEN\nRUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci --token=$NPM_TOKEN\n",
            "FROM a:1\nRUN --mount=type=secret,id=aws aws configure set aws_secret_access_key x\n",
            "FROM a:1\nRUN echo x > .npmrc && npm ci && rm -f .npmrc\n",
            // Not a build argument of this stage.
            "ARG NPM_TOKEN\nFROM a:1\nRUN npm ci --token=$NPM_TOKEN\n",
            "FROM a:1\nARG NPM_VERSION\nRUN npm i -g npm@$NPM_VERSION\n",
            "FROM a:1\nARG GPG_KEY\nRUN gpg --recv-keys $GPG_KEY\n",
            "FROM a:1\nRUN aws configure set region eu-west-1\n",
            "FROM a:1\nRUN git config --global user.name x\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
