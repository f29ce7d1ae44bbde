//! Secrets rules: credentials written into the Dockerfile or baked into
//! image layers and metadata.

use std::sync::LazyLock;

use regex::Regex;

use crate::parser::{Args, Dockerfile, Instruction};

crate::rules::group! {
    secret_in_arg_env,
    sensitive_arg_env_name,
    secret_value,
    copy_key_material,
    secret_without_mount,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[];

/// Shows the first four characters of a secret and hides the rest.
pub(crate) fn redact(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}…")
}

/// Whether a variable name says it holds a secret value itself (not a path
/// to one, an id, a user name, a switch or a public key fingerprint).
///
/// Stricter than hadolint's DL3064 list: words are matched as `_`-separated
/// tokens (`SECRETARY_VERSION` is not a secret), and names ending in what
/// describes or locates a secret (`*_FILE`, `*_PATH`, `*_URL`, `*_ID`,
/// `*_USER`, `*_LENGTH`…) are left out.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let Some(last) = tokens.last() else {
        return false;
    };
    const DESCRIBES: &[&str] = &[
        "file",
        "files",
        "path",
        "paths",
        "dir",
        "directory",
        "url",
        "uri",
        "id",
        "ids",
        "name",
        "user",
        "username",
        "login",
        "email",
        "version",
        "ver",
        "length",
        "len",
        "size",
        "type",
        "header",
        "enabled",
        "enable",
        "disabled",
        "disable",
        "required",
        "mode",
        "method",
        "policy",
        "expiry",
        "expires",
        "expiration",
        "ttl",
        "timeout",
        "lifetime",
        "prefix",
        "suffix",
        "location",
        "endpoint",
        "host",
        "hostname",
        "port",
        "server",
        "format",
        "algorithm",
        "algo",
        "rounds",
        "min",
        "max",
        "fingerprint",
        "fingerprints",
        "fpr",
        "keyring",
        "keyserver",
        "keys",
        "count",
        "hash",
        "provider",
        "backend",
        "store",
        "source",
        "command",
        "cmd",
        "helper",
        "field",
        "param",
        "env",
        "var",
        "vars",
        "template",
        "regex",
        "pattern",
        "strength",
        "complexity",
        "reset",
        "changed",
        "set",
        "name",
    ];
    const NOT_SECRET: &[&str] = &[
        "gpg",
        "pgp",
        "gnupg",
        "public",
        "pub",
        "allow",
        "empty",
        "no",
        "skip",
        "use",
        "require",
        "tokenizers",
        "tokenizer",
    ];
    if DESCRIBES.contains(last) || tokens.iter().any(|t| NOT_SECRET.contains(t)) {
        return false;
    }
    const KEY_KINDS: &[&str] = &[
        "api",
        "access",
        "secret",
        "private",
        "app",
        "application",
        "client",
        "signing",
        "sign",
        "encryption",
        "encrypt",
        "master",
        "ssh",
        "auth",
        "session",
        "license",
        "licence",
        "account",
        "service",
        "jwt",
        "hmac",
        "aes",
        "deploy",
        "storage",
        "root",
        "admin",
        "consumer",
        "cookie",
        "crypt",
        "cipher",
        "subscription",
    ];
    tokens.iter().enumerate().any(|(i, t)| {
        t.contains("password")
            || t.contains("passwd")
            || matches!(*t, "pass" | "pwd" | "pw" | "pat" | "creds" | "apikey")
            // `NPM_CONFIG__AUTH`, `BASIC_AUTH`; not `AUTH_MYSQL_SHA1`.
            || (*t == "auth" && i + 1 == tokens.len())
            || t.ends_with("secret")
            || *t == "secrets"
            || t.ends_with("token")
            || t.starts_with("credential")
            || matches!(*t, "privatekey" | "secretkey" | "accesskey" | "apitoken")
            || (*t == "key" && i > 0 && KEY_KINDS.contains(&tokens[i - 1]))
    })
}

/// Whether a value assigned to a secret-named variable is a literal that
/// could be a real secret (not empty, a variable reference, a path, a
/// boolean or an obvious placeholder).
pub(crate) fn is_literal_secret(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.contains('$') {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    const PLACEHOLDERS: &[&str] = &[
        "none",
        "**none**",
        "null",
        "nil",
        "false",
        "true",
        "yes",
        "no",
        "on",
        "off",
        "-",
        "undefined",
        "unset",
        "empty",
        "\"\"",
        "''",
        "todo",
        "tbd",
        "n/a",
    ];
    if PLACEHOLDERS.contains(&lower.as_str())
        || (v.len() < 3 && v.parse::<u32>().is_ok())
        || (v.len() > 4 && v.starts_with("**") && v.ends_with("**"))
    {
        return false;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") || v.starts_with("file:") {
        return false;
    }
    if (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with("{{") && v.ends_with("}}"))
        || (v.starts_with('%') && v.ends_with('%'))
    {
        return false;
    }
    // One character repeated: `XXXXXXXX`, `********`, `00000000`.
    let mut chars = v.chars();
    if let Some(c) = chars.next() {
        if v.len() > 2 && chars.all(|d| d == c) {
            return false;
        }
    }
    true
}

/// A secret found by its shape.
pub(crate) struct SecretMatch {
    pub kind: &'static str,
    /// Byte range of the secret itself in the scanned text.
    pub start: usize,
    pub end: usize,
}

use crate::rules::regex as re;

static PATTERNS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    vec![
        ("an AWS access key id", re(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
        (
            "a GitHub token",
            re(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b"),
        ),
        ("a GitHub token", re(r"\bgithub_pat_[A-Za-z0-9_]{50,}")),
        ("a GitLab token", re(r"\bglpat-[A-Za-z0-9_-]{20,}")),
        ("a Slack token", re(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
        (
            "a Slack webhook URL",
            re(
                r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]{8,}",
            ),
        ),
        ("a Stripe live key", re(r"\b[sr]k_live_[A-Za-z0-9]{20,}")),
        ("a Google API key", re(r"\bAIza[0-9A-Za-z_-]{35}")),
        ("an npm token", re(r"\bnpm_[A-Za-z0-9]{36}\b")),
        (
            "a JSON Web Token",
            re(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
        ),
    ]
});

static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:\\n|\\|\s|')*([A-Za-z0-9+/=]{16}|Proc-Type:)",
    )
});

static AWS_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)aws_?secret_?(?:access_?)?key["']?\s*[=:]?\s*["']?([A-Za-z0-9/+]{40})\b"#)
});

static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| re(r#"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'"$]*:([^/\s@'"]+)@[^\s/'"@]"#));

static NPM_AUTH: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?:_authToken|_auth|_password)\s*=\s*["']?([^\s"'$]{8,})"#));

/// Whether the password of `scheme://user:PASSWORD@host` is a literal.
fn literal_url_password(p: &str) -> bool {
    let lower = p.to_ascii_lowercase();
    is_literal_secret(p)
        && !p.contains('{')
        && !p.contains('%')
        && !matches!(
            lower.as_str(),
            "password" | "pass" | "passwd" | "pwd" | "secret" | "token" | "pw" | "x-oauth-basic"
        )
}

/// Secrets recognisable by their shape in `text`.
pub(crate) fn find_secret_values(text: &str) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    for (kind, re) in PATTERNS.iter() {
        for m in re.find_iter(text) {
            if m.as_str().contains("EXAMPLE") {
                continue;
            }
            out.push(SecretMatch {
                kind,
                start: m.start(),
                end: m.end(),
            });
        }
    }
    for c in PRIVATE_KEY.captures_iter(text) {
        if let (Some(all), Some(body)) = (c.get(0), c.get(1)) {
            out.push(SecretMatch {
                kind: "a private key",
                start: all.start(),
                end: body.end(),
            });
        }
    }
    for c in AWS_SECRET.captures_iter(text) {
        if let Some(k) = c.get(1) {
            if !k.as_str().contains("EXAMPLE") {
                out.push(SecretMatch {
                    kind: "an AWS secret access key",
                    start: k.start(),
                    end: k.end(),
                });
            }
        }
    }
    for c in URL_PASSWORD.captures_iter(text) {
        if let Some(p) = c.get(1) {
            if literal_url_password(p.as_str()) {
                out.push(SecretMatch {
                    kind: "a password in a URL",
                    start: p.start(),
                    end: p.end(),
                });
            }
        }
    }
    for c in NPM_AUTH.captures_iter(text) {
        if let Some(p) = c.get(1) {
            if is_literal_secret(p.as_str()) {
                out.push(SecretMatch {
                    kind: "an npm registry credential",
                    start: p.start(),
                    end: p.end(),
                });
            }
        }
    }
    out.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    // Keep the first of overlapping matches.
    let mut kept: Vec<SecretMatch> = Vec::new();
    for m in out {
        if kept.last().is_some_and(|k| m.start < k.end) {
            continue;
        }
        kept.push(m);
    }
    kept
}

/// ARG and ENV names declared in the stage of instruction `index`, before it
/// (ONBUILD triggers excluded).
pub(crate) fn declared_in_stage(df: &Dockerfile, index: usize) -> Vec<(&str, &Instruction)> {
    let Some(stage) = df.instructions.get(index).and_then(|i| i.stage) else {
        return Vec::new();
    };
    let Some(st) = df.stages.get(stage) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for inst in df.instructions.get(st.start..index).unwrap_or(&[]) {
        match &inst.args {
            Args::Arg(decls) => out.extend(decls.iter().map(|d| (d.name.as_str(), inst))),
            Args::Env(kvs) => out.extend(kvs.iter().map(|kv| (kv.key.as_str(), inst))),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "PASSWORD",
            "DB_PASSWORD",
            "PGPASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "apiKey",
            "GITHUB_TOKEN",
            "NPM_AUTH_TOKEN",
            "CLIENT_SECRET",
            "SECRET_KEY_BASE",
            "PRIVATE_KEY",
            "GOOGLE_CREDENTIALS",
            "GH_PAT",
            "NPM_CONFIG__AUTH",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "GPG_KEY",
            "GPG_KEYS",
            "AWS_ACCESS_KEY_ID",
            "PASSWORD_FILE",
            "POSTGRES_PASSWORD_FILE",
            "TOKEN_URL",
            "SECRETARY_VERSION",
            "PRIVATE",
            "ALLOW_EMPTY_PASSWORD",
            "DB_USER",
            "KEY",
            "PASSWORD_MIN_LENGTH",
            "TOKENIZERS_PARALLELISM",
            "SSH_KEY_PATH",
            "KEYSTONE_HOST",
            "PASSENGER_VERSION",
            "GUACAMOLE_AUTH_MYSQL_SHA1",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn literal_values() {
        for v in ["hunter2", "p@ssw0rd", "changeme", "root"] {
            assert!(is_literal_secret(v), "{v}");
        }
        for v in [
            "",
            "$SECRET",
            "${X}",
            "**None**",
            "/run/secrets/db",
            "XXXXXXXX",
            "false",
            "<token>",
            "0",
            "**ChangeMe**",
        ] {
            assert!(!is_literal_secret(v), "{v}");
        }
    }

    fn kinds(t: &str) -> Vec<&'static str> {
        find_secret_values(t).into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn value_patterns() {
        assert_eq!(kinds("AKIAZ7VRSQ5TJN2QXWTD"), ["an AWS access key id"]);
        assert!(kinds("AKIAIOSFODNN7EXAMPLE").is_empty());
        assert_eq!(
            kinds("ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            ["a GitHub token"]
        );
        assert_eq!(kinds("glpat-abcdefghij0123456789"), ["a GitLab token"]);
        assert_eq!(kinds("xoxb-1234567890-abcdef"), ["a Slack token"]);
        assert_eq!(
            kinds("sk_live_0123456789abcdefghijklmn"),
            ["a Stripe live key"]
        );
        assert_eq!(
            kinds("AIzaSyA0123456789abcdefghijklmnopqrstuv"),
            ["a Google API key"]
        );
        assert_eq!(
            kinds("echo '-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAx5'"),
            ["a private key"]
        );
        assert!(kinds("sed -n '/-----BEGIN PRIVATE KEY-----/,/END/p' x").is_empty());
        assert_eq!(
            kinds(
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
            ),
            ["a JSON Web Token"]
        );
        assert_eq!(
            kinds("https://bob:hunter2@example.com/x"),
            ["a password in a URL"]
        );
        assert_eq!(kinds("redis://:s3cr3t@cache:6379"), ["a password in a URL"]);
        assert!(kinds("https://bob:${PASS}@example.com/x").is_empty());
        assert!(kinds("https://bob:$PASS@example.com/x").is_empty());
        assert!(kinds("https://user:password@example.com").is_empty());
        assert!(kinds("https://example.com:8443/x@y").is_empty());
        assert_eq!(
            kinds("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz12345678"),
            ["an AWS secret access key"]
        );
        assert_eq!(
            kinds("//registry.npmjs.org/:_authToken=abcdef0123456789"),
            ["an npm registry credential"]
        );
        assert!(kinds("//registry.npmjs.org/:_authToken=${NPM_TOKEN}").is_empty());
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("ghp_abcdef"), "ghp_…");
        assert_eq!(redact("ab"), "ab…");
    }
}
