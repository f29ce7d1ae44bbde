//! Registry credentials the way the Docker CLI stores them: the `auths`
//! map of `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`, or the
//! containers `auth.json` named by `REGISTRY_AUTH_FILE`), per-registry
//! `credHelpers` and the default `credsStore` (both run
//! `docker-credential-<helper> get`), and `PLIMSOLL_REGISTRY_USERNAME` /
//! `PLIMSOLL_REGISTRY_PASSWORD` for pipelines that have no config file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use crate::error::ImageError;

/// A credential for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// User name and password (or personal access token).
    Basic {
        /// User name.
        username: String,
        /// Password or token.
        password: String,
    },
    /// An OAuth2 refresh token (`identitytoken`), exchanged at the token
    /// endpoint.
    IdentityToken(String),
}

impl std::fmt::Debug for Credential {
    // Secrets never reach logs or error messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credential::IdentityToken(_) => f.write_str("IdentityToken(***)"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "identitytoken")]
    identity_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct HelperReply {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// The host part of an `auths` key (`https://index.docker.io/v1/` →
/// `index.docker.io`, `localhost:5000` → `localhost:5000`).
fn key_host(key: &str) -> &str {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

/// Every spelling Docker Hub goes by.
fn same_registry(a: &str, b: &str) -> bool {
    const HUB: [&str; 3] = ["docker.io", "index.docker.io", "registry-1.docker.io"];
    a.eq_ignore_ascii_case(b) || (HUB.contains(&a) && HUB.contains(&b))
}

/// The server name a credential helper is asked about.
fn helper_server(domain: &str) -> String {
    if same_registry(domain, "docker.io") {
        "https://index.docker.io/v1/".to_owned()
    } else {
        domain.to_owned()
    }
}

/// Where the auth file is, by the conventions of Docker and containers.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REGISTRY_AUTH_FILE") {
        return Some(PathBuf::from(p));
    }
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(Path::new(&dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker").join("config.json"))
}

/// Finds the credential for `domain`: environment first, then the auth
/// file (`config` overrides its location). A missing file means no
/// credential; a malformed one is an error naming it.
pub fn lookup(domain: &str, config: Option<&Path>) -> Result<Option<Credential>, ImageError> {
    if let (Ok(username), Ok(password)) = (
        std::env::var("PLIMSOLL_REGISTRY_USERNAME"),
        std::env::var("PLIMSOLL_REGISTRY_PASSWORD"),
    ) {
        return Ok(Some(Credential::Basic { username, password }));
    }
    let path = match config {
        Some(p) => p.to_owned(),
        None => match config_path() {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && config.is_none() => return Ok(None),
        Err(source) => return Err(ImageError::Io { path, source }),
    };
    let file: ConfigFile = serde_json::from_slice(&bytes).map_err(|source| ImageError::Json {
        what: "registry auth file".into(),
        location: path.display().to_string(),
        source,
    })?;
    from_config(&file, domain, &path)
}

/// Parses an auth file and picks the credential for `domain` from its
/// `auths` map only (helpers are not run): what the fuzz target drives.
pub fn from_auths(bytes: &[u8], domain: &str) -> Result<Option<Credential>, ImageError> {
    let path = Path::new("auth file");
    let file: ConfigFile = serde_json::from_slice(bytes).map_err(|source| ImageError::Json {
        what: "registry auth file".into(),
        location: path.display().to_string(),
        source,
    })?;
    match file
        .auths
        .iter()
        .find(|(k, _)| same_registry(key_host(k), domain))
    {
        Some((_, entry)) => from_entry(entry, path, domain),
        None => Ok(None),
    }
}

fn from_config(
    file: &ConfigFile,
    domain: &str,
    path: &Path,
) -> Result<Option<Credential>, ImageError> {
    if let Some(helper) = file
        .cred_helpers
        .iter()
        .find(|(k, _)| same_registry(key_host(k), domain))
        .map(|(_, v)| v)
    {
        return run_helper(helper, domain);
    }
    if let Some(entry) = file
        .auths
        .iter()
        .find(|(k, _)| same_registry(key_host(k), domain))
        .map(|(_, v)| v)
    {
        if let Some(c) = from_entry(entry, path, domain)? {
            return Ok(Some(c));
        }
    }
    match &file.creds_store {
        Some(store) if !store.is_empty() => run_helper(store, domain),
        _ => Ok(None),
    }
}

fn from_entry(
    entry: &AuthEntry,
    path: &Path,
    domain: &str,
) -> Result<Option<Credential>, ImageError> {
    if let Some(token) = entry.identity_token.as_ref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credential::IdentityToken(token.clone())));
    }
    if let Some(auth) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
        let invalid = |reason: &str| ImageError::Invalid {
            what: "registry auth file".into(),
            location: format!("{} (auths entry for {domain})", path.display()),
            reason: reason.to_owned(),
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| invalid("`auth` is not base64"))?;
        let text = String::from_utf8(decoded).map_err(|_| invalid("`auth` is not UTF-8"))?;
        let (username, password) = text
            .split_once(':')
            .ok_or_else(|| invalid("`auth` must encode `user:password`"))?;
        return Ok(Some(Credential::Basic {
            username: username.to_owned(),
            password: password.to_owned(),
        }));
    }
    if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
        return Ok(Some(Credential::Basic {
            username: u.clone(),
            password: p.clone(),
        }));
    }
    Ok(None)
}

/// Runs `docker-credential-<helper> get`. "Not found" answers (non-zero
/// exit) mean no credential; a helper that is not installed is an error
/// that says which program is missing.
fn run_helper(helper: &str, domain: &str) -> Result<Option<Credential>, ImageError> {
    if helper.is_empty()
        || !helper
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(ImageError::Invalid {
            what: "credential helper name".into(),
            location: "registry auth file".into(),
            reason: format!("`{helper}` is not a helper name"),
        });
    }
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| ImageError::Registry {
            location: domain.to_owned(),
            reason: format!(
                "cannot run credential helper `{program}` named in the auth file: {e} (install it or remove it from the auth file)"
            ),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading is answered below.
        let _ = writeln!(stdin, "{}", helper_server(domain));
    }
    let out = child.wait_with_output().map_err(|e| ImageError::Registry {
        location: domain.to_owned(),
        reason: format!("credential helper `{program}` failed: {e}"),
    })?;
    if !out.status.success() {
        return Ok(None);
    }
    let reply: HelperReply =
        serde_json::from_slice(&out.stdout).map_err(|source| ImageError::Json {
            what: format!("answer of credential helper `{program}`"),
            location: domain.to_owned(),
            source,
        })?;
    if reply.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(if reply.username == "<token>" {
        Credential::IdentityToken(reply.secret)
    } else {
        Credential::Basic {
            username: reply.username,
            password: reply.secret,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ConfigFile {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn auth_field_is_base64_user_colon_password() {
        let f = parse(r#"{"auths":{"localhost:5000":{"auth":"dXNlcjpwYTpzcw=="}}}"#);
        let c = from_config(&f, "localhost:5000", Path::new("x")).unwrap();
        assert_eq!(
            c,
            Some(Credential::Basic {
                username: "user".into(),
                password: "pa:ss".into()
            })
        );
        assert_eq!(
            from_config(&f, "localhost:5001", Path::new("x")).unwrap(),
            None
        );
    }

    #[test]
    fn docker_hub_keys_match_every_spelling() {
        let f =
            parse(r#"{"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p"}}}"#);
        for d in ["docker.io", "index.docker.io", "registry-1.docker.io"] {
            assert!(from_config(&f, d, Path::new("x")).unwrap().is_some(), "{d}");
        }
        assert!(
            from_config(&f, "ghcr.io", Path::new("x"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn identity_token_wins_and_secrets_are_not_printed() {
        let f = parse(
            r#"{"auths":{"https://r.example:443/v2/":{"auth":"dTpw","identitytoken":"refresh"}}}"#,
        );
        let c = from_config(&f, "r.example:443", Path::new("x"))
            .unwrap()
            .unwrap();
        assert_eq!(c, Credential::IdentityToken("refresh".into()));
        assert!(!format!("{c:?}").contains("refresh"));
        let b = Credential::Basic {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{b:?}").contains("hunter2"));
    }

    #[test]
    fn malformed_auth_is_an_error_naming_the_file() {
        let f = parse(r#"{"auths":{"h":{"auth":"%%%"}}}"#);
        let e = from_config(&f, "h", Path::new("/conf.json")).unwrap_err();
        assert!(e.to_string().contains("/conf.json"), "{e}");
        let f = parse(r#"{"auths":{"h":{"auth":"bm9jb2xvbg=="}}}"#);
        assert!(from_config(&f, "h", Path::new("x")).is_err());
    }

    #[test]
    fn helper_names_are_checked_and_missing_helpers_named() {
        let f = parse(r#"{"credHelpers":{"h":"../../bin/sh"}}"#);
        assert!(from_config(&f, "h", Path::new("x")).is_err());
        let f = parse(r#"{"credsStore":"plimsoll-test-no-such-helper"}"#);
        let e = from_config(&f, "h", Path::new("x")).unwrap_err();
        assert!(
            e.to_string()
                .contains("docker-credential-plimsoll-test-no-such-helper"),
            "{e}"
        );
    }
}
