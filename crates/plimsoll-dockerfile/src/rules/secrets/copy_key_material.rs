use plimsoll_core::{Equivalents, RuleMeta, Severity};

use crate::parser::{Args, Keyword};
use crate::rules::{Ctx, Rule, Violation};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "PL-DF-304",
        name: "copy-key-material",
        title: "COPY or ADD of private keys or credential files",
        severity: Severity::High,
        category: "secrets",
        equivalents: Equivalents {
            cis: &["4.10"],
            dockle: &["CIS-DI-0010"],
            ..Equivalents::NONE
        },
        doc: r#"
## What it checks
`COPY` and `ADD` whose source (or destination file) is key material or a
credential file:

- SSH private keys: `id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519` (not
  `*.pub`), and whole `.ssh/` directories;
- key and keystore files: `*.key`, `*.pem`, `*.p12`, `*.pfx`, `*.jks`,
  `*.keystore`, `*.kdbx`, `*.ppk`;
- credential files: `.env` (not `.env.example`/`.sample`/`.template`),
  `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.dockercfg`,
  `.docker/config.json`, `.aws/` and `.aws/credentials`,
  `credentials.json`, `.htpasswd`, `.pgpass`, `.my.cnf`.

Certificates and public keys are not key material: `*.pem` and `*.key` names
that say `cert`, `ca`, `chain`, `bundle`, `public`, `pub`, `gpg`, `pgp` or
`signing` (`nginx_signing.key` is a public repository key) are left alone.
`COPY . .` is not judged: what it copies depends on `.dockerignore`.

## Why it matters
Every file copied into a layer stays in the image, even if a later `RUN rm`
deletes it: anyone who pulls the image can extract the key or the
credentials from the layer tarball.

## Example
```dockerfile
COPY id_rsa /root/.ssh/id_rsa
COPY .npmrc /app/
```

## Use instead
```dockerfile
RUN --mount=type=ssh git clone git@github.com:org/private.git
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
```

## How to fix
Use `RUN --mount=type=ssh` for SSH access during the build and
`RUN --mount=type=secret` for credential files; mount runtime credentials
into the container instead of baking them in. Add the files to
`.dockerignore`. If a key was already published in an image, rotate it.
"#,
    },
    check,
};

/// Why a path is key material, or `None`.
pub(crate) fn key_material(path: &str) -> Option<&'static str> {
    let p = path.trim_end_matches('/');
    let lower = p.to_ascii_lowercase();
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    if base.is_empty() || base.ends_with(".pub") {
        return None;
    }
    let parts: Vec<&str> = lower.split('/').collect();
    if matches!(base, "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk") {
        return Some("an SSH private key");
    }
    if base == ".ssh" {
        return Some("an SSH directory");
    }
    if parts.iter().rev().skip(1).any(|d| *d == ".ssh")
        && !matches!(base, "known_hosts" | "config" | "authorized_keys" | "ssh_config")
    {
        return Some("a file from an SSH directory");
    }
    if base == ".aws" || (base == "credentials" && parts.contains(&".aws")) {
        return Some("AWS credentials");
    }
    if base == "config.json" && parts.contains(&".docker") {
        return Some("Docker registry credentials");
    }
    let cred_file = match base {
        ".npmrc" => Some("npm credentials (.npmrc)"),
        ".pypirc" => Some("PyPI credentials (.pypirc)"),
        ".netrc" | "_netrc" => Some("a .netrc credential file"),
        ".git-credentials" => Some("Git credentials"),
        ".dockercfg" => Some("Docker registry credentials"),
        ".htpasswd" => Some("a password file (.htpasswd)"),
        ".pgpass" => Some("PostgreSQL credentials (.pgpass)"),
        ".my.cnf" => Some("MySQL credentials (.my.cnf)"),
        "credentials.json" | "client_secret.json" | "client_secrets.json" => {
            Some("a credentials file")
        }
        _ => None,
    };
    if cred_file.is_some() {
        return cred_file;
    }
    if base == ".env"
        || base.strip_prefix(".env.").is_some_and(|rest| {
            !matches!(
                rest,
                "example" | "sample" | "template" | "dist" | "default" | "defaults" | "tmpl" | "in"
            ) && !rest.ends_with("example")
        })
    {
        return Some("an environment file with secrets (.env)");
    }
    let ext = base.rsplit_once('.').map(|(_, e)| e);
    match ext {
        Some("p12" | "pfx" | "jks" | "keystore" | "ppk") => Some("a private key store"),
        Some("kdbx") => Some("a password database"),
        Some("key" | "pem") => {
            let long = [
                "cert", "crt", "chain", "bundle", "public", "gpg", "pgp", "signing", "trust",
                "intermediate", "pubkey",
            ];
            let words: Vec<&str> = base
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let stem_public = words[..words.len().saturating_sub(1)].iter().any(|w| {
                matches!(*w, "ca" | "pub" | "root") || long.iter().any(|p| w.contains(p))
            });
            (!stem_public).then_some("a private key")
        }
        _ => None,
    }
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for outer in &cx.df.instructions {
        let inst = match &outer.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => outer,
        };
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
            continue;
        }
        let Args::Copy { sources, dest, .. } = &inst.args else {
            continue;
        };
        let mut reported = false;
        for src in sources {
            let v = src.value.as_str();
            if v.contains("://") || v.starts_with("<<") {
                continue;
            }
            if let Some(why) = key_material(v) {
                reported = true;
                out.push(
                    Violation::new(
                        src.span,
                        format!(
                            "{} copies {why} ({v}) into the image, where it stays in the layer even if deleted later; \
                             use RUN --mount=type=secret or --mount=type=ssh instead",
                            inst.keyword
                        ),
                    )
                    .with_evidence(v.to_string()),
                );
            }
        }
        // A key written to a key path: `COPY deploy_key /root/.ssh/id_rsa`.
        if !reported && !dest.value.ends_with('/') {
            if let Some(why) = key_material(&dest.value).filter(|w| {
                w.contains("private key") || w.contains("credentials") || w.contains("SSH")
            }) {
                out.push(
                    Violation::new(
                        dest.span,
                        format!(
                            "{} writes {why} to {} in the image; use RUN --mount=type=secret or --mount=type=ssh instead",
                            inst.keyword, dest.value
                        ),
                    )
                    .with_evidence(dest.value.clone()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RULE, key_material};
    use crate::rules::testing::lines;

    #[test]
    fn classifies_paths() {
        for p in [
            "id_rsa",
            "./keys/id_ed25519",
            ".ssh",
            ".ssh/",
            "home/.ssh/deploy",
            "server.key",
            "privkey.pem",
            "tls/key.pem",
            "cert.p12",
            ".env",
            ".env.production",
            ".npmrc",
            ".docker/config.json",
            ".aws/credentials",
            ".aws",
            "credentials.json",
            "db.kdbx",
        ] {
            assert!(key_material(p).is_some(), "{p}");
        }
        for p in [
            "id_rsa.pub",
            ".env.example",
            ".env.sample",
            "nginx_signing.key",
            "cert.pem",
            "ca.pem",
            "fullchain.pem",
            "server.crt",
            "ca-certificates.crt",
            ".ssh/known_hosts",
            ".ssh/config",
            "config.json",
            "package.json",
            "repo.gpg.key",
            "public.key",
            "keys.txt",
        ] {
            assert!(key_material(p).is_none(), "{p}");
        }
    }

    #[test]
    fn flags_copies() {
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY id_rsa /root/.ssh/\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nADD --chown=1:1 .npmrc package.json /app/\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY [\"certs/server.key\", \"/etc/ssl/\"]\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY --from=build /src/.env /app/.env\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY deploy_key /root/.ssh/id_rsa\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nCOPY <<EOF /root/.ssh/id_ed25519\nkey\nEOF\n"), [2]);
        assert_eq!(lines(&RULE, "FROM a:1\nONBUILD COPY .env /app/\n"), [2]);
    }

    #[test]
    fn ignores_other_copies() {
        for src in [
            "FROM a:1\nCOPY . .\n",
            "FROM a:1\nCOPY nginx_signing.key /etc/apt/\n",
            "FROM a:1\nCOPY id_rsa.pub /root/.ssh/authorized_keys\n",
            "FROM a:1\nCOPY ssh_config /root/.ssh/config\n",
            "FROM a:1\nCOPY .env.example /app/.env.example\n",
            "FROM a:1\nADD https://example.com/ca.pem /etc/ssl/\n",
            "FROM a:1\nCOPY ca.pem /usr/local/share/ca-certificates/\n",
        ] {
            assert!(lines(&RULE, src).is_empty(), "{src}");
        }
    }
}
