//! Images in a registry, over the OCI distribution API: manifests and
//! blobs by `GET /v2/<name>/{manifests,blobs}/<reference>`, anonymous,
//! bearer-token (RFC 6750 challenge → token endpoint, with basic
//! credentials or an OAuth2 refresh token) and basic auth, plain HTTP
//! only for loopback registries or with `--insecure`, indexes resolved by
//! platform, and every manifest and blob checked against its digest (the
//! manifests here, the layers by the layer reader as they stream).
//!
//! Why not `oci-client`: it is async (tokio + reqwest) while the whole
//! image pipeline is synchronous and streams blobs into `std::io::Read`;
//! with `ureq` a blob body *is* a `Read`, and the distribution protocol a
//! scanner needs (pull only) is a handful of requests. The local-layout
//! resolution code (index → platform → manifest → config) is shared with
//! OCI layouts through the [`Files`] trait.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;

use super::credentials::{self, Credential};
use super::oci;
use super::{Artifact, BlobStore, OpenOptions};
use crate::digest::Digest;
use crate::error::ImageError;
use crate::files::{BlobReader, Files};
use crate::reference::ImageReference;

/// What a manifest request accepts, most specific first.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Largest manifest, config, token or error body read into memory.
const MAX_DOCUMENT: u64 = 8 << 20;

/// Retries of a transient answer (429, 502–504) per request.
const MAX_TRANSIENT: u32 = 3;

/// Times a blob download broken off mid-way is resumed (`Range`).
const MAX_RESUMES: u32 = 3;

/// Longest wait before a retry.
const MAX_WAIT: Duration = Duration::from_secs(10);

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.min(5))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Https,
    Http,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

/// Whether `domain` (host[:port]) names the local machine.
pub fn is_loopback(domain: &str) -> bool {
    let host = if let Some(rest) = domain.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        domain.rsplit_once(':').map_or(domain, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The registry API host for a reference's domain.
fn api_host(domain: &str) -> &str {
    if domain == crate::reference::DEFAULT_DOMAIN || domain == "index.docker.io" {
        "registry-1.docker.io"
    } else {
        domain
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved kept).
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One auth challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `Bearer`, `Basic`, …
    pub scheme: String,
    /// Parameters in order (`realm`, `service`, `scope`, …).
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// A parameter by name (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `WWW-Authenticate` (RFC 9110 §11.6.1): challenges separated by
/// commas, each a scheme followed by `name=value` or `name="quoted"`
/// parameters. Written by hand because the header's grammar (commas both
/// between challenges and between parameters) is all that is needed and no
/// small crate parses it for clients.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let b = header.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t' || b[*i] == b',') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| -> String {
        let start = *i;
        while *i < b.len() && !matches!(b[*i], b' ' | b'\t' | b',' | b'=' | b'"') {
            *i += 1;
        }
        String::from_utf8_lossy(&b[start..*i]).into_owned()
    };
    loop {
        skip_ws(&mut i);
        if i >= b.len() {
            break;
        }
        let word = token(&mut i);
        if word.is_empty() {
            // A stray `=` or quote: skip it.
            i += 1;
            continue;
        }
        // `word=` is a parameter of the current challenge; a bare word
        // starts a new challenge.
        let mut j = i;
        while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
            j += 1;
        }
        if j < b.len() && b[j] == b'=' {
            i = j + 1;
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            let value = if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut v = Vec::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    v.push(b[i]);
                    i += 1;
                }
                i += 1;
                String::from_utf8_lossy(&v).into_owned()
            } else {
                token(&mut i)
            };
            if let Some(c) = out.last_mut() {
                c.params.push((word, value));
            }
        } else {
            out.push(Challenge {
                scheme: word,
                params: Vec::new(),
            });
        }
    }
    out
}

/// A repository in a registry, as named files: `manifests/<ref>` and
/// `blobs/<digest>`.
pub(crate) struct RegistryFiles {
    name: String,
    domain: String,
    host: String,
    repo: String,
    agent: ureq::Agent,
    plain_http_allowed: bool,
    insecure: bool,
    scheme: Mutex<Scheme>,
    credential: Option<Credential>,
    authorization: Mutex<Option<String>>,
}

impl std::fmt::Debug for RegistryFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryFiles")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("repo", &self.repo)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl RegistryFiles {
    pub(crate) fn new(
        reference: &ImageReference,
        name: String,
        options: &OpenOptions,
    ) -> Result<Self, ImageError> {
        let credential = credentials::lookup(&reference.domain, options.auth_file.as_deref())?;
        let cert_dirs = cert_dirs(&reference.domain, options.cert_dir.as_deref());
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(options.insecure)
            .root_certs(root_certs(&cert_dirs))
            .client_cert(client_cert(&cert_dirs)?)
            .build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            // A connection that stalls (no byte for two minutes) fails, and
            // a blob download then resumes where it stopped.
            .timeout_per_read(Some(Duration::from_secs(120)))
            .timeout_per_write(Some(Duration::from_secs(120)))
            .user_agent(concat!("plimsoll/", env!("CARGO_PKG_VERSION")))
            .max_redirects(8)
            .tls_config(tls)
            .build();
        Ok(Self {
            name,
            domain: reference.domain.clone(),
            host: api_host(&reference.domain).to_owned(),
            repo: reference.path.clone(),
            agent: config.into(),
            plain_http_allowed: options.insecure || is_loopback(&reference.domain),
            insecure: options.insecure,
            scheme: Mutex::new(Scheme::Https),
            credential,
            authorization: Mutex::new(None),
        })
    }

    fn location(&self) -> String {
        format!("{}/{}", self.domain, self.repo)
    }

    fn scheme(&self) -> Scheme {
        self.scheme.lock().map_or(Scheme::Https, |s| *s)
    }

    /// `GET /v2/<repo>/<rest>`, authenticating on a 401 challenge, falling
    /// back to plain HTTP where that is allowed, and retrying what is
    /// transient (429 and 502–504, honouring a short `Retry-After`).
    /// `from` asks for the bytes from that offset on (`Range`).
    fn get(
        &self,
        rest: &str,
        accept: Option<&str>,
        from: Option<u64>,
    ) -> Result<ureq::http::Response<ureq::Body>, ImageError> {
        let mut authenticated_with: Option<String> = None;
        let mut transient = 0u32;
        let mut https_error: Option<String> = None;
        let https_note = |e: &Option<String>| {
            e.as_ref()
                .map(|e| format!(" (after HTTPS failed: {e}; {CERT_HINT}; or --insecure)"))
                .unwrap_or_default()
        };
        for _ in 0..(4 + MAX_TRANSIENT) {
            let scheme = self.scheme();
            let url = format!(
                "{}://{}/v2/{}/{rest}",
                scheme.as_str(),
                self.host,
                self.repo
            );
            let mut req = self.agent.get(&url);
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(n) = from {
                req = req.header("Range", format!("bytes={n}-"));
            }
            let auth = self.authorization.lock().ok().and_then(|a| a.clone());
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            let resp = match req.call() {
                Ok(r) => r,
                Err(e) => {
                    if scheme == Scheme::Https && self.plain_http_allowed {
                        if let Ok(mut s) = self.scheme.lock() {
                            *s = Scheme::Http;
                        }
                        https_error = Some(e.to_string());
                        continue;
                    }
                    let mut err = self.transport_error(&url, &e);
                    if let ImageError::Registry { reason, .. } = &mut err {
                        reason.push_str(&https_note(&https_error));
                    }
                    return Err(err);
                }
            };
            let status = resp.status().as_u16();
            match status {
                200..=299 => return Ok(resp),
                401 => {
                    if authenticated_with.is_some() && authenticated_with == auth {
                        return Err(self.refused());
                    }
                    let header = resp
                        .headers()
                        .get_all("www-authenticate")
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .collect::<Vec<_>>()
                        .join(", ");
                    let value = self.authenticate(&header)?;
                    if let Ok(mut a) = self.authorization.lock() {
                        *a = Some(value.clone());
                    }
                    authenticated_with = Some(value);
                }
                404 => {
                    let detail = error_detail(resp);
                    return Err(ImageError::Missing {
                        source_name: self.name.clone(),
                        what: format!("{} ({detail})", what_of(rest)),
                        path: rest.to_owned(),
                    });
                }
                429 | 502..=504 if transient < MAX_TRANSIENT => {
                    transient += 1;
                    let wait = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map_or_else(|| backoff(transient), Duration::from_secs)
                        .min(MAX_WAIT);
                    std::thread::sleep(wait);
                }
                _ => {
                    let detail = error_detail(resp);
                    return Err(ImageError::Registry {
                        location: url,
                        reason: format!("HTTP {status}: {detail}{}", https_note(&https_error)),
                    });
                }
            }
        }
        Err(ImageError::Registry {
            location: self.location(),
            reason: "no answer after authenticating and retrying several times".into(),
        })
    }

    fn transport_error(&self, url: &str, e: &ureq::Error) -> ImageError {
        let tls = matches!(e, ureq::Error::Tls(_) | ureq::Error::Rustls(_));
        let hint = if tls && !self.plain_http_allowed {
            format!(
                " (a registry without TLS needs --insecure unless it is on loopback; {CERT_HINT})"
            )
        } else {
            String::new()
        };
        ImageError::Registry {
            location: url.to_owned(),
            reason: format!("{e}{hint}"),
        }
    }

    fn refused(&self) -> ImageError {
        let reason = match &self.credential {
            Some(_) => format!(
                "access denied with the credentials found for {} (check `docker login {}`, or that the repository exists and they may pull it)",
                self.domain, self.domain
            ),
            None => format!(
                "access denied anonymously: log in (`docker login {}`) or set PLIMSOLL_REGISTRY_USERNAME and PLIMSOLL_REGISTRY_PASSWORD",
                self.domain
            ),
        };
        ImageError::Unauthorized {
            location: self.location(),
            reason,
        }
    }

    /// Answers a challenge: the `Authorization` value to send next.
    fn authenticate(&self, header: &str) -> Result<String, ImageError> {
        let challenges = parse_challenges(header);
        if let Some(bearer) = challenges
            .iter()
            .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))
        {
            return self.bearer_token(bearer).map(|t| format!("Bearer {t}"));
        }
        if challenges
            .iter()
            .any(|c| c.scheme.eq_ignore_ascii_case("basic"))
        {
            return match &self.credential {
                Some(Credential::Basic { username, password }) => Ok(basic(username, password)),
                Some(Credential::IdentityToken(_)) => Err(ImageError::Unauthorized {
                    location: self.location(),
                    reason: "the registry asks for basic auth but the auth file holds only an identity token".into(),
                }),
                None => Err(ImageError::Unauthorized {
                    location: self.location(),
                    reason: format!(
                        "the registry asks for a user name and password: `docker login {}`, or set PLIMSOLL_REGISTRY_USERNAME and PLIMSOLL_REGISTRY_PASSWORD",
                        self.domain
                    ),
                }),
            };
        }
        Err(ImageError::Unauthorized {
            location: self.location(),
            reason: format!("unsupported authentication challenge `{header}`"),
        })
    }

    /// Fetches a bearer token from the challenge's realm.
    fn bearer_token(&self, c: &Challenge) -> Result<String, ImageError> {
        let realm = c.param("realm").ok_or_else(|| ImageError::Unauthorized {
            location: self.location(),
            reason: "bearer challenge without a realm".into(),
        })?;
        let realm_plain = realm.starts_with("http://");
        if !realm.starts_with("https://") && !realm_plain {
            return Err(ImageError::Unauthorized {
                location: self.location(),
                reason: format!("token realm `{realm}` is not an http(s) URL"),
            });
        }
        if realm_plain {
            let host = realm
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap_or_default();
            if !(self.insecure || is_loopback(host)) {
                return Err(ImageError::Unauthorized {
                    location: self.location(),
                    reason: format!(
                        "token realm `{realm}` is plain HTTP; credentials are only sent over it with --insecure or on loopback"
                    ),
                });
            }
        }
        let own_scope = format!("repository:{}:pull", self.repo);
        let scope = c.param("scope").unwrap_or(&own_scope);
        let service = c.param("service");
        let result = match &self.credential {
            Some(Credential::IdentityToken(refresh)) => {
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.as_str()),
                    ("client_id", "plimsoll"),
                    ("scope", scope),
                ];
                if let Some(s) = service {
                    form.push(("service", s));
                }
                self.agent.post(realm).send_form(form)
            }
            cred => {
                let mut url = format!("{realm}?scope={}", pct(scope));
                if let Some(s) = service {
                    url.push_str(&format!("&service={}", pct(s)));
                }
                let mut req = self.agent.get(&url);
                if let Some(Credential::Basic { username, password }) = cred {
                    req = req.header("Authorization", basic(username, password));
                }
                req.call()
            }
        };
        let resp = result.map_err(|e| ImageError::Registry {
            location: realm.to_owned(),
            reason: format!("token request failed: {e}"),
        })?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(ImageError::Unauthorized {
                location: self.location(),
                reason: format!(
                    "the token service {realm} refused {} (HTTP {status})",
                    if self.credential.is_some() {
                        "the credentials found for this registry"
                    } else {
                        "anonymous access: log in or set PLIMSOLL_REGISTRY_USERNAME and PLIMSOLL_REGISTRY_PASSWORD"
                    }
                ),
            });
        }
        if !(200..300).contains(&status) {
            return Err(ImageError::Registry {
                location: realm.to_owned(),
                reason: format!("token request: HTTP {status}: {}", error_detail(resp)),
            });
        }
        let body = read_body(resp, realm, "token response")?;
        #[derive(serde::Deserialize)]
        struct TokenReply {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let reply: TokenReply =
            serde_json::from_slice(&body).map_err(|source| ImageError::Json {
                what: "token response".into(),
                location: realm.to_owned(),
                source,
            })?;
        reply
            .token
            .or(reply.access_token)
            .filter(|t| !t.is_empty() && !t.contains(['\r', '\n']))
            .ok_or_else(|| ImageError::Unauthorized {
                location: self.location(),
                reason: format!("the token service {realm} returned no usable token"),
            })
    }

    /// The top-level manifest for a tag or digest, verified against the
    /// reference's digest and the registry's `Docker-Content-Digest`.
    pub(crate) fn manifest(&self, reference: &str) -> Result<(Digest, Vec<u8>), ImageError> {
        let rest = format!("manifests/{reference}");
        let resp = self.get(&rest, Some(MANIFEST_ACCEPT), None)?;
        let header = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let location = format!("{}:{rest}", self.name);
        let bytes = read_body(resp, &location, "manifest")?;
        let actual = Digest::of_bytes(&bytes);
        let mut expected: Vec<Digest> = Vec::new();
        if reference.starts_with("sha256:") {
            expected.push(Digest::parse(reference, "image reference")?);
        }
        if let Some(h) = header.filter(|h| h.starts_with("sha256:")) {
            expected.push(Digest::parse(&h, "Docker-Content-Digest header")?);
        }
        for e in expected {
            if e != actual {
                return Err(ImageError::DigestMismatch {
                    what: "manifest".into(),
                    location,
                    expected: e.to_string(),
                    actual: actual.to_string(),
                });
            }
        }
        Ok((actual, bytes))
    }
}

/// What to do about a certificate the TLS handshake refused.
const CERT_HINT: &str = "a registry with a private CA needs SSL_CERT_FILE or --cert-dir, one that \
                         wants a client certificate --cert-dir with NAME.cert and NAME.key";

/// The directories of TLS files for `domain` (`HOST[:PORT]`): `explicit`
/// alone when given, else Docker's `/etc/docker/certs.d/HOST` and the
/// containers tools' `/etc/containers/certs.d/HOST` and
/// `~/.config/containers/certs.d/HOST`, those that exist.
fn cert_dirs(domain: &str, explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(d) = explicit {
        return vec![d.to_owned()];
    }
    let mut dirs = vec![
        Path::new("/etc/docker/certs.d").join(domain),
        Path::new("/etc/containers/certs.d").join(domain),
    ];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(
            PathBuf::from(home)
                .join(".config/containers/certs.d")
                .join(domain),
        );
    }
    dirs.retain(|d| d.is_dir());
    dirs
}

/// Files in `dirs` whose name ends with `.ext`, sorted per directory.
fn files_with(dirs: &[PathBuf], ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .collect();
        found.sort();
        out.extend(found);
    }
    out
}

/// The system's CA bundle where the distribution keeps it (`SSL_CERT_FILE`
/// first), plus the `*.crt` files of the registry's certificate
/// directories; Mozilla's roots (webpki-roots) when no bundle is found.
fn root_certs(cert_dirs: &[PathBuf]) -> ureq::tls::RootCerts {
    const BUNDLES: [&str; 5] = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ];
    let mut files: Vec<PathBuf> = Vec::new();
    match std::env::var_os("SSL_CERT_FILE") {
        Some(f) => files.push(f.into()),
        None => files.extend(BUNDLES.iter().map(PathBuf::from).find(|p| p.is_file())),
    }
    files.extend(files_with(cert_dirs, "crt"));
    let mut certs = Vec::new();
    for f in files {
        let Ok(pem) = std::fs::read(&f) else { continue };
        for item in ureq::tls::parse_pem(&pem).flatten() {
            if let ureq::tls::PemItem::Certificate(c) = item {
                certs.push(c.to_owned());
            }
        }
    }
    if certs.is_empty() {
        ureq::tls::RootCerts::WebPki
    } else {
        ureq::tls::RootCerts::Specific(Arc::new(certs))
    }
}

/// The client certificate of the registry's certificate directories, as
/// Docker and the containers tools find it: `NAME.cert` (the chain) with
/// `NAME.key` (its private key) beside it; the first pair by name. A
/// `.cert` without its key, or files that hold no certificate or key, are
/// errors (a registry that wants a client certificate would refuse us with
/// a less helpful message).
fn client_cert(cert_dirs: &[PathBuf]) -> Result<Option<ureq::tls::ClientCert>, ImageError> {
    let Some(cert_file) = files_with(cert_dirs, "cert").into_iter().next() else {
        return Ok(None);
    };
    let key_file = cert_file.with_extension("key");
    let bad = |file: &Path, what: &str| ImageError::Registry {
        location: file.display().to_string(),
        reason: format!(
            "client certificate: {what} (certificate directories hold NAME.cert with NAME.key, and CA files *.crt)"
        ),
    };
    let read =
        |file: &Path| std::fs::read(file).map_err(|e| bad(file, &format!("cannot read it ({e})")));
    if !key_file.is_file() {
        return Err(bad(
            &cert_file,
            &format!("its key {} is missing", key_file.display()),
        ));
    }
    let chain: Vec<_> = ureq::tls::parse_pem(&read(&cert_file)?)
        .filter_map(|i| match i {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c.to_owned()),
            _ => None,
        })
        .collect();
    if chain.is_empty() {
        return Err(bad(&cert_file, "no PEM certificate in it"));
    }
    let key = ureq::tls::parse_pem(&read(&key_file)?)
        .find_map(|i| match i {
            Ok(ureq::tls::PemItem::PrivateKey(k)) => Some(k.to_owned()),
            _ => None,
        })
        .ok_or_else(|| bad(&key_file, "no PEM private key in it"))?;
    Ok(Some(ureq::tls::ClientCert::new_with_certs(&chain, key)))
}

fn basic(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
    )
}

fn what_of(rest: &str) -> &'static str {
    if rest.starts_with("manifests/") {
        "manifest"
    } else {
        "blob"
    }
}

/// Reads a small response body, capped.
fn read_body(
    resp: ureq::http::Response<ureq::Body>,
    location: &str,
    what: &str,
) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    resp.into_body()
        .into_reader()
        .take(MAX_DOCUMENT + 1)
        .read_to_end(&mut out)
        .map_err(|source| ImageError::Io {
            path: location.into(),
            source,
        })?;
    if out.len() as u64 > MAX_DOCUMENT {
        return Err(ImageError::TooLarge {
            what: what.to_owned(),
            location: location.to_owned(),
            limit: MAX_DOCUMENT,
        });
    }
    Ok(out)
}

/// The registry's error message (`{"errors":[{"code","message"}]}`), or
/// the start of the body.
fn error_detail(resp: ureq::http::Response<ureq::Body>) -> String {
    let mut body = Vec::new();
    let _ = resp
        .into_body()
        .into_reader()
        .take(64 << 10)
        .read_to_end(&mut body);
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<One>,
    }
    #[derive(serde::Deserialize)]
    struct One {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(e) = serde_json::from_slice::<Errors>(&body) {
        if !e.errors.is_empty() {
            return e
                .errors
                .iter()
                .map(|o| format!("{} {}", o.code, o.message).trim().to_owned())
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
    let text = String::from_utf8_lossy(&body);
    let text = text.trim();
    if text.is_empty() {
        "no detail".to_owned()
    } else {
        text.chars().take(200).collect()
    }
}

/// A blob body that, when the connection breaks off, asks again for the
/// rest (`Range: bytes=N-`); a registry that ignores the range gets the
/// first N bytes skipped. Digests are checked downstream on the whole
/// stream, so a resumed blob is verified like any other.
struct ResumingBody {
    client: Arc<RegistryFiles>,
    path: String,
    inner: ureq::BodyReader<'static>,
    offset: u64,
    resumes: u32,
}

impl Read for ResumingBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if self.resumes < MAX_RESUMES => {
                    self.resumes += 1;
                    std::thread::sleep(backoff(self.resumes));
                    let resp = self
                        .client
                        .get(&self.path, None, Some(self.offset))
                        .map_err(|_| e)?;
                    let partial = resp.status().as_u16() == 206;
                    let mut inner = resp.into_body().into_reader();
                    if !partial {
                        let skipped = std::io::copy(
                            &mut (&mut inner).take(self.offset),
                            &mut std::io::sink(),
                        )?;
                        if skipped != self.offset {
                            return Err(std::io::Error::new(
                                std::io::ErrorKind::UnexpectedEof,
                                format!("{}: blob shorter on retry", self.path),
                            ));
                        }
                    }
                    self.inner = inner;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Files for Arc<RegistryFiles> {
    fn open(&self, path: &str) -> Result<(BlobReader, u64), ImageError> {
        let accept = path.starts_with("manifests/").then_some(MANIFEST_ACCEPT);
        let resp = self.get(path, accept, None)?;
        let size = resp.body().content_length().unwrap_or(0);
        let inner = resp.into_body().into_reader();
        if accept.is_some() {
            return Ok((Box::new(inner), size));
        }
        Ok((
            Box::new(ResumingBody {
                client: Arc::clone(self),
                path: path.to_owned(),
                inner,
                offset: 0,
                resumes: 0,
            }),
            size,
        ))
    }

    fn exists(&self, _path: &str) -> bool {
        // Asked by opening: a missing blob answers 404, reported then.
        true
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// Resolves `reference` in its registry to an image for the platform asked.
pub(super) fn resolve(
    reference: &ImageReference,
    name: String,
    options: &OpenOptions,
) -> Result<Artifact, ImageError> {
    let files = Arc::new(RegistryFiles::new(reference, name, options)?);
    let wanted = match (&reference.digest, &reference.tag) {
        (Some(d), _) => d.to_string(),
        (None, Some(t)) => t.clone(),
        (None, None) => "latest".to_owned(),
    };
    let (digest, bytes) = files.manifest(&wanted)?;
    let as_files: Arc<dyn Files> = Arc::new(Arc::clone(&files));
    let blobs: Arc<dyn BlobStore> = Arc::new(super::LocalBlobs(Arc::clone(&as_files)));
    let mut artifact = oci::resolve_registry(as_files.as_ref(), digest, &bytes, options, blobs)?;
    artifact.name = Some(reference.familiar());
    artifact.repo_tags = reference
        .tag
        .as_ref()
        .map(|_| vec![reference.familiar()])
        .unwrap_or_default();
    Ok(artifact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse_quoted_commas_and_several_schemes() {
        let c = parse_challenges(
            r#"Bearer realm="https://auth.example/token",service="reg,istry",scope="repository:a/b:pull,push", Basic realm="x""#,
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].scheme, "Bearer");
        assert_eq!(c[0].param("realm"), Some("https://auth.example/token"));
        assert_eq!(c[0].param("service"), Some("reg,istry"));
        assert_eq!(c[0].param("scope"), Some("repository:a/b:pull,push"));
        assert_eq!(c[1].scheme, "Basic");
        assert_eq!(c[1].param("REALM"), Some("x"));
        let c = parse_challenges(r#"Basic realm=unquoted, charset="UTF-8""#);
        assert_eq!(c[0].param("realm"), Some("unquoted"));
        assert_eq!(c[0].param("charset"), Some("UTF-8"));
    }

    #[test]
    fn hostile_challenges_do_not_panic() {
        for h in [
            "",
            "=",
            "\"",
            "Bearer realm=\"unterminated",
            "Bearer realm=\"a\\",
            ",,,,",
            "=x=y=\"",
            "Bearer ,realm=",
        ] {
            let _ = parse_challenges(h);
        }
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
            "LOCALHOST",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "registry.example:5000",
            "10.0.0.1:5000",
            "[fe80::1]:80",
            "localhost.example",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn docker_hub_api_host_and_query_encoding() {
        assert_eq!(api_host("docker.io"), "registry-1.docker.io");
        assert_eq!(api_host("ghcr.io"), "ghcr.io");
        assert_eq!(pct("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }
}
