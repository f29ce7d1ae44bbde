use plimsoll_core::{Equivalents, RuleMeta, Severity};

use super::effective;
use crate::parser::Args;
use crate::rules::{Ctx, Rule, Violation};
use crate::shell::Command;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-454",
        name: "tls-verification-disabled",
        title: "TLS certificate verification disabled",
        severity: Severity::High,
        category: "supply-chain",
        equivalents: Equivalents::NONE,
        doc: r#"
## What it checks
Switches that turn off certificate checking for downloads, in `RUN` or `ENV`:

- `curl -k`/`--insecure`, `wget --no-check-certificate`;
- `pip --trusted-host`, `pip config set global.trusted-host`, `PIP_TRUSTED_HOST`;
- `npm`/`yarn`/`pnpm config set strict-ssl false`, `--strict-ssl=false`,
  `NPM_CONFIG_STRICT_SSL=false`, `yarn config set enableStrictSsl false`;
- `git config http.sslVerify false`, `git -c http.sslVerify=false`,
  `GIT_SSL_NO_VERIFY`;
- `PYTHONHTTPSVERIFY=0`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GOINSECURE`,
  `CONDA_SSL_VERIFY=false`, `BUNDLE_SSL_VERIFY_MODE=0`;
- apt's `Acquire::https::Verify-Peer "false"` / `Verify-Host "false"`;
- `composer config secure-http false` / `disable-tls true`,
  `conda config --set ssl_verify false`;
- `--insecure-skip-tls-verify` (kubectl, helm), `--tls-verify=false`
  (podman, buildah, skopeo).

## Why it matters
Without certificate checks anyone on the network path (a proxy, a hostile
Wi-Fi, a compromised CI network) can answer in place of the real server and
hand the build whatever code or packages they like. In `ENV` the switch also
stays active in every container started from the image.

## Example
```dockerfile
RUN pip install --trusted-host pypi.example.com -r requirements.txt
ENV NODE_TLS_REJECT_UNAUTHORIZED=0
```

## Use instead
```dockerfile
COPY corp-ca.crt /usr/local/share/ca-certificates/
RUN update-ca-certificates \
 && pip install --cert /etc/ssl/certs/ca-certificates.crt -r requirements.txt
```

## How to fix
Keep verification on. If a private registry or proxy uses an internal CA,
install that CA certificate in the image (`update-ca-certificates`) or point
the tool at it (`--cacert`, `PIP_CERT`, `NODE_EXTRA_CA_CERTS`,
`GIT_SSL_CAINFO`) instead of disabling checks.
"#,
    },
    check,
};

fn falsy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "false" | "0" | "no" | "off"
    )
}

/// An environment variable assignment that disables verification.
fn insecure_env(name: &str, value: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    let v = value.trim();
    let bad = match upper.as_str() {
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && !falsy(v),
        "PYTHONHTTPSVERIFY" | "NODE_TLS_REJECT_UNAUTHORIZED" | "BUNDLE_SSL_VERIFY_MODE" => v == "0",
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" | "YARN_ENABLE_STRICT_SSL"
        | "CONDA_SSL_VERIFY" => falsy(v),
        "PIP_TRUSTED_HOST" | "GOINSECURE" => !v.is_empty(),
        _ => false,
    };
    bad.then(|| format!("{name}={v} disables TLS certificate verification"))
}

/// What in `cmd` disables certificate verification.
fn insecure_command(cmd: &Command) -> Option<String> {
    let (name, args) = effective(cmd)?;
    let texts: Vec<String> = args.iter().map(|a| a.text.to_ascii_lowercase()).collect();
    let pos: Vec<&str> = texts
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let followed_by = |key: &str, pred: &dyn Fn(&str) -> bool| {
        texts
            .windows(2)
            .any(|w| w[0].ends_with(key) && pred(&w[1]))
            || texts.iter().any(|t| {
                t.split_once('=')
                    .is_some_and(|(k, v)| k.ends_with(key) && pred(v))
            })
    };
    let found = match name {
        "curl" if cmd.has_any_flag(&["-k", "--insecure", "--proxy-insecure"]) => {
            Some("curl -k/--insecure skips certificate verification".to_string())
        }
        "wget" if cmd.has_flag("--no-check-certificate") => {
            Some("wget --no-check-certificate skips certificate verification".to_string())
        }
        n if n.starts_with("pip") || (n.starts_with("python") && texts.iter().any(|t| t == "pip")) => {
            if cmd.has_flag("--trusted-host") {
                Some(format!("{n} --trusted-host accepts that host without TLS verification"))
            } else if pos.contains(&"config") && texts.iter().any(|t| t.ends_with("trusted-host")) {
                Some(format!("{n} config trusted-host disables TLS verification for that host"))
            } else {
                None
            }
        }
        "npm" | "yarn" | "pnpm" => (followed_by("strict-ssl", &falsy)
            || followed_by("enablestrictssl", &falsy))
        .then(|| format!("{name} strict-ssl false disables certificate verification")),
        "git" => followed_by("sslverify", &falsy)
            .then(|| "git http.sslVerify false disables certificate verification".to_string()),
        "composer" => (followed_by("secure-http", &falsy)
            || followed_by("disable-tls", &|v: &str| matches!(v, "true" | "1")))
        .then(|| "composer secure-http/disable-tls turns off TLS verification".to_string()),
        "conda" | "mamba" | "micromamba" => followed_by("ssl_verify", &falsy)
            .then(|| format!("{name} ssl_verify false disables certificate verification")),
        _ => None,
    };
    if found.is_some() {
        return found;
    }
    let printing = matches!(name, "echo" | "printf" | "cat" | "grep" | "sed" | "awk" | "tee");
    if !printing && cmd.has_any_flag(&["--insecure-skip-tls-verify", "--no-check-certificate"]) {
        return Some(format!("{name} skips TLS certificate verification"));
    }
    if !printing
        && texts
        .iter()
        .any(|t| t == "--tls-verify=false" || t == "--src-tls-verify=false" || t == "--dest-tls-verify=false")
    {
        return Some(format!("{name} --tls-verify=false skips TLS certificate verification"));
    }
    // apt: -o Acquire::https::Verify-Peer=false, or the same written to apt.conf.d.
    if texts
        .iter()
        .any(|t| (t.contains("verify-peer") || t.contains("verify-host")) && (t.contains("false") || t.contains("\"0\"") || t.ends_with("=0")))
    {
        return Some("apt Acquire::https::Verify-Peer/Verify-Host false disables certificate verification".to_string());
    }
    // export NAME=VALUE
    if matches!(name, "export" | "declare" | "typeset") {
        for a in args {
            if let Some((k, v)) = a.text.split_once('=') {
                if let Some(m) = insecure_env(k, v) {
                    return Some(m);
                }
            }
        }
    }
    None
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for outer in &cx.df.instructions {
        let inst = match &outer.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => outer,
        };
        if let Args::Env(kvs) = &inst.args {
            for kv in kvs {
                if let Some(m) = insecure_env(&kv.key, &kv.value) {
                    out.push(
                        Violation::new(
                            kv.span,
                            format!("ENV {m} for the build and every container; install the CA certificate instead"),
                        )
                        .with_evidence(format!("{}={}", kv.key, kv.value)),
                    );
                }
            }
        }
    }
    for run in cx.runs() {
        for (script, cmd) in run.commands_with_script() {
            let from_assignment = cmd.assignments.iter().find_map(|a| {
                let (k, v) = a.text.split_once('=')?;
                insecure_env(k, v).map(|m| (m, a))
            });
            if let Some((m, a)) = from_assignment {
                out.push(
                    Violation::new(
                        run.span_in(script, a.start, a.end),
                        format!("{m}; install the CA certificate instead"),
                    )
                    .with_evidence(a.text.clone()),
                );
            } else if let Some(m) = insecure_command(cmd) {
                let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
                let shown: String = words.join(" ").chars().take(100).collect();
                out.push(
                    Violation::new(
                        run.span_in(script, cmd.start, cmd.end),
                        format!("{m}; keep verification on and trust the needed CA certificate instead"),
                    )
                    .with_evidence(shown),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::lines;

    #[test]
    fn flags_disabled_verification() {
        for src in [
            "FROM a:1\nRUN curl -fsSLk https://x -o y\n",
            "FROM a:1\nRUN curl --insecure https://x\n",
            "FROM a:1\nRUN wget --no-check-certificate https://x\n",
            "FROM a:1\nRUN pip install --trusted-host pypi.example.com foo\n",
            "FROM a:1\nRUN python3 -m pip install --trusted-host=h foo\n",
            "FROM a:1\nRUN pip config set global.trusted-host h\n",
            "FROM a:1\nRUN npm config set strict-ssl false\n",
            "FROM a:1\nRUN yarn config set strict-ssl false\n",
            "FROM a:1\nRUN npm install --strict-ssl=false\n",
            "FROM a:1\nRUN git config --global http.sslVerify false\n",
            "FROM a:1\nRUN git -c http.sslVerify=false clone https://x\n",
            "FROM a:1\nRUN GIT_SSL_NO_VERIFY=1 git clone https://x\n",
            "FROM a:1\nRUN export NODE_TLS_REJECT_UNAUTHORIZED=0 && npm ci\n",
            "FROM a:1\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n",
            "FROM a:1\nENV PYTHONHTTPSVERIFY 0\n",
            "FROM a:1\nENV GIT_SSL_NO_VERIFY=true\n",
            "FROM a:1\nRUN apt-get -o Acquire::https::Verify-Peer=false update\n",
            "FROM a:1\nRUN echo 'Acquire::https::Verify-Peer \"false\";' > /etc/apt/apt.conf.d/99x\n",
            "FROM a:1\nRUN helm repo add --insecure-skip-tls-verify r https://x\n",
            "FROM a:1\nRUN skopeo copy --src-tls-verify=false docker://a docker://b\n",
            "FROM a:1\nRUN composer config -g secure-http false\n",
            "FROM a:1\nRUN sudo curl -k https://x\n",
            "FROM a:1\nONBUILD RUN wget --no-check-certificate https://x\n",
        ] {
            assert_eq!(lines(&RULE, src), [2], "{src}");
        }
        assert_eq!(
            lines(&RULE, "FROM a:1\nRUN set -e; \\\n  # tls\n  curl -k https://x\n"),
            [4]
        );
        assert_eq!(lines(&RULE, "FROM a:1\nRUN <<EOF\ncurl -k https://x\nEOF\n"), [3]);
    }

    #[test]
    fn accepts_verification_on() {
        for src in [
            "FROM a:1\nRUN curl -fsSL https://x -o y\n",
            "FROM a:1\nRUN curl -K /etc/curlrc https://x\n",
            "FROM a:1\nRUN npm config set strict-ssl true\n",
            "FROM a:1\nRUN git config --global http.sslVerify true\n",
            "FROM a:1\nENV GIT_SSL_NO_VERIFY=\n",
            "FROM a:1\nENV NODE_TLS_REJECT_UNAUTHORIZED=1\n",
            "FROM a:1\nRUN echo wget --no-check-certificate\n",
            "FROM a:1\nRUN pip install --cert /etc/ssl/ca.pem foo\n",
            "FROM a:1\nRUN tar -xkf a.tar\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
