//! A small, synchronous client for the Docker Engine API.
//!
//! [`Engine::connect`] reaches the engine that `DOCKER_HOST` names
//! (`unix:///path/to/docker.sock`, default `/var/run/docker.sock`, or
//! `tcp://host:port` in plain HTTP), pings it, and speaks the newest API
//! version both sides know: every later request goes to a versioned path
//! (`/v1.41/images/…/json`), capped at the daemon's version. Then
//! [`Engine::get_json`] returns an answer as a `serde_json::Value` or any
//! typed struct, [`Engine::get_stream`] a streamed body as `impl Read`, and
//! typed helpers wrap what Plimsoll reads today ([`Engine::image_inspect`],
//! [`Engine::image_history`], [`Engine::image_export`]). A non-2xx answer is
//! an [`EngineError::Api`] carrying the daemon's `{"message": …}`.
//!
//! # Why not bollard
//!
//! The design notes suggest `bollard`. It is async (tokio + hyper), while
//! Plimsoll's image pipeline is synchronous and consumes layers as
//! `std::io::Read` streams on its own threads: using bollard would mean a
//! tokio runtime in every command that touches the engine and a bridge from
//! an async byte stream back to `Read` for the export, for a handful of GET
//! requests. The protocol needed here is small — one request per
//! connection (`Connection: close`), a response head, and a body framed by
//! `Content-Length`, chunked transfer coding or the end of the connection —
//! so this crate writes it over `UnixStream`/`TcpStream`, with the head
//! parsed by the `httparse` crate and a bounded chunked decoder of its own
//! (see `http.rs`). The whole client is a few hundred lines with no runtime.
//!
//! Not supported yet, each with a clear error: TLS (`DOCKER_TLS_VERIFY`,
//! `https://`), `ssh://` and `npipe://` hosts, and Docker contexts (only
//! `DOCKER_HOST` is read).

mod error;
mod http;
mod types;

use std::fmt;
use std::io::{self, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

pub use error::EngineError;
pub use types::{HistoryItem, ImageInspect, Ping, RootFs, Version};

use http::{BodyReader, Head, HttpError};

/// The socket the engine listens on when `DOCKER_HOST` is unset.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The oldest API version this client speaks (Docker 1.12).
pub const MIN_API: ApiVersion = ApiVersion::new(1, 24);

/// The newest API version this client speaks; a newer daemon is spoken to
/// in this version.
pub const MAX_API: ApiVersion = ApiVersion::new(1, 47);

/// Largest JSON answer accepted.
const MAX_JSON: u64 = 64 << 20;
/// Largest error body read for its message.
const MAX_ERROR_BODY: u64 = 64 << 10;
/// Most interim (1xx) responses skipped before the final one.
const MAX_INTERIM: usize = 8;
/// Sent as `Host` on a unix socket (the daemon does not look at it).
const UNIX_HOST_HEADER: &str = "api.moby.localhost";

/// An API version, `MAJOR.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
}

impl ApiVersion {
    /// `major.minor`.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// Parses `1.41` (surrounding whitespace allowed).
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.trim().split_once('.')?;
        let num = |x: &str| {
            (!x.is_empty() && x.len() <= 6 && x.bytes().all(|c| c.is_ascii_digit()))
                .then(|| x.parse().ok())
                .flatten()
        };
        Some(Self::new(num(a)?, num(b)?))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Where the engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A unix socket.
    Unix(PathBuf),
    /// Plain HTTP over TCP.
    Tcp {
        /// `host:port`.
        authority: String,
        /// A path prefix before the API paths (usually empty).
        base_path: String,
    },
}

impl Host {
    /// The host `DOCKER_HOST` names (default: [`DEFAULT_SOCKET`]). A TCP
    /// host with `DOCKER_TLS_VERIFY` set is refused: TLS is not supported
    /// yet.
    pub fn from_env() -> Result<Self, EngineError> {
        let host = std::env::var("DOCKER_HOST").ok();
        let tls = std::env::var("DOCKER_TLS_VERIFY").ok();
        Self::from_vars(host.as_deref(), tls.as_deref())
    }

    /// [`Host::from_env`] on given values of `DOCKER_HOST` and
    /// `DOCKER_TLS_VERIFY` (like the docker CLI, any non-empty value of the
    /// latter asks for TLS).
    pub fn from_vars(
        docker_host: Option<&str>,
        tls_verify: Option<&str>,
    ) -> Result<Self, EngineError> {
        let value = docker_host.unwrap_or_default().trim();
        let host = if value.is_empty() {
            Host::Unix(PathBuf::from(DEFAULT_SOCKET))
        } else {
            Host::parse(value)?
        };
        let tls = tls_verify.is_some_and(|v| !v.is_empty());
        if tls && matches!(host, Host::Tcp { .. }) {
            return Err(EngineError::Unsupported {
                what: "TLS to the Docker Engine (DOCKER_TLS_VERIFY is set)".into(),
                reason: format!(
                    "Plimsoll speaks plain HTTP over TCP only for now; unset DOCKER_TLS_VERIFY to use {}, reach the engine through its unix socket, or forward a local socket to it (e.g. `ssh -L /tmp/docker.sock:/var/run/docker.sock HOST` and DOCKER_HOST=unix:///tmp/docker.sock)",
                    host.endpoint()
                ),
            });
        }
        Ok(host)
    }

    /// Parses `unix:///path`, `tcp://host[:port][/base]` (port 2375 when
    /// omitted) or `http://…` (the same).
    pub fn parse(value: &str) -> Result<Self, EngineError> {
        let bad = |reason: &str| EngineError::Host {
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let unsupported = |what: &str, reason: &str| EngineError::Unsupported {
            what: format!("{what} (`{value}`)"),
            reason: reason.to_owned(),
        };
        let Some((scheme, rest)) = value.split_once("://") else {
            return Err(bad("no scheme"));
        };
        if value.chars().any(char::is_control) {
            return Err(bad("contains control characters"));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "unix" => {
                if rest.is_empty() {
                    return Err(bad("no socket path"));
                }
                Ok(Host::Unix(PathBuf::from(rest)))
            }
            "tcp" | "http" => {
                let (authority, path) = match rest.find('/') {
                    Some(i) => (&rest[..i], &rest[i..]),
                    None => (rest, ""),
                };
                if authority.is_empty() {
                    return Err(bad("no host"));
                }
                if authority.contains(['@', '?', '#', ' ']) || path.contains(['?', '#', ' ']) {
                    return Err(bad("user info, queries and fragments are not allowed"));
                }
                let has_port = match authority.rsplit_once(':') {
                    // `[::1]` has colons but no port.
                    Some((h, p)) => !h.is_empty() && !p.contains(']'),
                    None => false,
                };
                let authority = if has_port {
                    let port = authority.rsplit_once(':').map_or("", |(_, p)| p);
                    if port.is_empty() || port.parse::<u16>().is_err() {
                        return Err(bad("the port must be a number from 1 to 65535"));
                    }
                    authority.to_owned()
                } else {
                    format!("{authority}:2375")
                };
                Ok(Host::Tcp {
                    authority,
                    base_path: path.trim_end_matches('/').to_owned(),
                })
            }
            "https" => Err(unsupported(
                "TLS to the Docker Engine",
                "Plimsoll speaks plain HTTP over TCP only for now; use tcp:// on a trusted network or the engine's unix socket",
            )),
            "ssh" => Err(unsupported(
                "ssh:// Docker hosts",
                "forward the remote socket instead: `ssh -L /tmp/docker.sock:/var/run/docker.sock HOST`, then DOCKER_HOST=unix:///tmp/docker.sock",
            )),
            "npipe" => Err(unsupported(
                "Windows named pipes",
                "Plimsoll reaches the engine through a unix socket or tcp://",
            )),
            _ => Err(bad("unknown scheme")),
        }
    }

    /// The host as a URL, for messages (`unix:///var/run/docker.sock`).
    pub fn endpoint(&self) -> String {
        match self {
            Host::Unix(p) => format!("unix://{}", p.display()),
            Host::Tcp {
                authority,
                base_path,
            } => format!("tcp://{authority}{base_path}"),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.endpoint())
    }
}

/// A connection to the engine.
#[derive(Debug)]
enum Conn {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Conn {
    fn set_timeouts(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Conn::Unix(s) => {
                s.set_read_timeout(t)?;
                s.set_write_timeout(t)
            }
            Conn::Tcp(s) => {
                s.set_read_timeout(t)?;
                s.set_write_timeout(t)
            }
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => s.read(buf),
            Conn::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => s.write(buf),
            Conn::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Unix(s) => s.flush(),
            Conn::Tcp(s) => s.flush(),
        }
    }
}

/// A streamed response body (its connection is closed when dropped).
/// Truncation and framing errors surface as `io::Error`s that say where
/// the stream stopped; once failed, it keeps failing.
pub struct Body {
    inner: BodyReader<BufReader<Conn>>,
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body").finish_non_exhaustive()
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// Percent-encodes a name for use in a request path: unreserved
/// characters and `/ : @` are kept (a repository's slashes are part of the
/// route, as Docker's own client sends them), everything else becomes
/// `%XX`.
pub fn escape_path(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Refuses request paths that would break the request line.
fn check_path(path: &str) -> Result<(), EngineError> {
    let bad = |reason: &str| EngineError::Path {
        path: http::preview(path.as_bytes()),
        reason: reason.to_owned(),
    };
    if !path.starts_with('/') {
        return Err(bad("must start with /"));
    }
    if path.len() > 8192 {
        return Err(bad("longer than 8192 bytes"));
    }
    if path
        .bytes()
        .any(|b| b <= b' ' || b == 0x7f || b == b'#' || b >= 0x80)
    {
        return Err(bad(
            "spaces, control characters, # and non-ASCII bytes must be percent-encoded",
        ));
    }
    Ok(())
}

/// Escapes an image or container name for a path, refusing names that
/// would change the route (`..`, empty segments).
fn escape_name(name: &str) -> Result<String, EngineError> {
    let bad = |reason: &str| EngineError::Path {
        path: http::preview(name.as_bytes()),
        reason: reason.to_owned(),
    };
    if name.is_empty() || name.len() > 4096 {
        return Err(bad("a name must have 1 to 4096 bytes"));
    }
    if name
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(bad("a name must not have empty, `.` or `..` path segments"));
    }
    Ok(escape_path(name))
}

/// A client for one Docker Engine.
#[derive(Debug, Clone)]
pub struct Engine {
    host: Host,
    api: ApiVersion,
    daemon_api: ApiVersion,
    timeout: Option<Duration>,
    connect_timeout: Duration,
}

impl Engine {
    /// Connects to the engine `DOCKER_HOST` names (see [`Host::from_env`])
    /// and negotiates the API version.
    pub fn connect() -> Result<Self, EngineError> {
        Self::connect_to(Host::from_env()?)
    }

    /// Connects to `host`: pings it (falling back to `GET /version` when the
    /// ping does not say the API version) and speaks
    /// `min(daemon, MAX_API)`; a daemon older than [`MIN_API`] is refused.
    pub fn connect_to(host: Host) -> Result<Self, EngineError> {
        let mut engine = Self {
            host,
            api: MAX_API,
            daemon_api: MAX_API,
            timeout: Some(Duration::from_secs(120)),
            connect_timeout: Duration::from_secs(10),
        };
        let ping = engine.ping()?;
        let daemon = match ping.api_version.as_deref().and_then(ApiVersion::parse) {
            Some(v) => v,
            None => {
                let (head, body) = engine.request("/version", false, engine.timeout)?;
                let request = engine.describe("/version", false);
                let v: Version = engine.json(&request, head, body)?;
                ApiVersion::parse(&v.api_version).ok_or_else(|| EngineError::Protocol {
                    endpoint: engine.endpoint(),
                    request,
                    reason: format!("no API version in the answer (`{}`)", v.api_version),
                })?
            }
        };
        if daemon < MIN_API {
            return Err(EngineError::TooOld {
                endpoint: engine.endpoint(),
                version: daemon.to_string(),
                minimum: MIN_API.to_string(),
            });
        }
        engine.daemon_api = daemon;
        engine.api = daemon.min(MAX_API);
        Ok(engine)
    }

    /// Sets the read/write timeout of JSON requests (default 120 s; `None`
    /// waits forever). Streams never time out: the engine starts sending an
    /// export only once it has prepared all of it, which can take minutes.
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The engine as a URL, for messages.
    pub fn endpoint(&self) -> String {
        self.host.endpoint()
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The API version requests use.
    pub fn api_version(&self) -> ApiVersion {
        self.api
    }

    /// The newest API version the daemon speaks.
    pub fn daemon_api_version(&self) -> ApiVersion {
        self.daemon_api
    }

    /// `GET /_ping` (unversioned).
    pub fn ping(&self) -> Result<Ping, EngineError> {
        let (head, mut body) = self.request("/_ping", false, self.timeout)?;
        let request = self.describe("/_ping", false);
        let head = self.check(&request, head, &mut body)?;
        Ok(Ping {
            api_version: head.value("api-version").map(str::to_owned),
            os_type: head.value("ostype").map(str::to_owned),
            experimental: head.value("docker-experimental") == Some("true"),
            server: head.value("server").map(str::to_owned),
        })
    }

    /// `GET /version`.
    pub fn version(&self) -> Result<Version, EngineError> {
        self.get_json("/version")
    }

    /// `GET /v{api}{path}` as JSON: a `serde_json::Value` or any type that
    /// deserializes from the answer. `path` starts with `/` and may carry a
    /// query (`/containers/json?all=1`); names inside it must already be
    /// escaped ([`escape_path`]).
    pub fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, EngineError> {
        check_path(path)?;
        let (head, body) = self.request(path, true, self.timeout)?;
        self.json(&self.describe(path, true), head, body)
    }

    /// `GET /v{api}{path}` as a stream (no timeout).
    pub fn get_stream(&self, path: &str) -> Result<Body, EngineError> {
        check_path(path)?;
        let (head, mut body) = self.request(path, true, None)?;
        self.check(&self.describe(path, true), head, &mut body)?;
        Ok(Body { inner: body })
    }

    /// `GET /images/{name}/json`: an image by name (`debian:12`,
    /// `org/app@sha256:…`) or ID.
    pub fn image_inspect(&self, name: &str) -> Result<ImageInspect, EngineError> {
        self.get_json(&format!("/images/{}/json", escape_name(name)?))
    }

    /// `GET /images/{name}/history`, newest step first.
    pub fn image_history(&self, name: &str) -> Result<Vec<HistoryItem>, EngineError> {
        self.get_json(&format!("/images/{}/history", escape_name(name)?))
    }

    /// `GET /images/{name}/get`: the image as `docker save` writes it, a tar
    /// stream. Export by ID to get exactly the image inspected (a tag can
    /// move between two requests).
    pub fn image_export(&self, name: &str) -> Result<Body, EngineError> {
        self.get_stream(&format!("/images/{}/get", escape_name(name)?))
    }

    fn describe(&self, path: &str, versioned: bool) -> String {
        format!("GET {}", self.target(path, versioned))
    }

    fn target(&self, path: &str, versioned: bool) -> String {
        let base = match &self.host {
            Host::Unix(_) => "",
            Host::Tcp { base_path, .. } => base_path.as_str(),
        };
        if versioned {
            format!("{base}/v{}{path}", self.api)
        } else {
            format!("{base}{path}")
        }
    }

    fn open(&self, request: &str) -> Result<Conn, EngineError> {
        let connect_err = |source| EngineError::Connect {
            endpoint: self.endpoint(),
            source,
        };
        match &self.host {
            Host::Unix(path) => UnixStream::connect(path)
                .map(Conn::Unix)
                .map_err(connect_err),
            Host::Tcp { authority, .. } => {
                let addrs = authority.to_socket_addrs().map_err(connect_err)?;
                let mut last = io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("`{authority}` resolves to no address"),
                );
                for addr in addrs {
                    match TcpStream::connect_timeout(&addr, self.connect_timeout) {
                        Ok(s) => {
                            // Small requests: do not wait for Nagle.
                            s.set_nodelay(true).map_err(|source| EngineError::Io {
                                endpoint: self.endpoint(),
                                request: request.to_owned(),
                                source,
                            })?;
                            return Ok(Conn::Tcp(s));
                        }
                        Err(e) => last = e,
                    }
                }
                Err(connect_err(last))
            }
        }
    }

    /// Sends one GET on a fresh connection and reads the final response head.
    fn request(
        &self,
        path: &str,
        versioned: bool,
        timeout: Option<Duration>,
    ) -> Result<(Head, BodyReader<BufReader<Conn>>), EngineError> {
        let request = self.describe(path, versioned);
        let io_err = |source| EngineError::Io {
            endpoint: self.endpoint(),
            request: request.clone(),
            source,
        };
        let mut conn = self.open(&request)?;
        // A stream (no timeout) waits for its head as long as it takes: the
        // engine sends the head of an export only once it has prepared it.
        conn.set_timeouts(timeout).map_err(io_err)?;
        let host = match &self.host {
            Host::Unix(_) => UNIX_HOST_HEADER,
            Host::Tcp { authority, .. } => authority.as_str(),
        };
        let text = format!(
            "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: plimsoll/{}\r\nAccept: application/json, application/x-tar, */*\r\nConnection: close\r\n\r\n",
            self.target(path, versioned),
            env!("CARGO_PKG_VERSION"),
        );
        conn.write_all(text.as_bytes()).map_err(io_err)?;
        conn.flush().map_err(io_err)?;
        let mut reader = BufReader::with_capacity(64 * 1024, conn);
        let protocol = |reason: String| EngineError::Protocol {
            endpoint: self.endpoint(),
            request: request.clone(),
            reason,
        };
        let mut interim = 0;
        let head = loop {
            let head = match http::read_head(&mut reader) {
                Ok(h) => h,
                Err(HttpError::Io(e)) => return Err(io_err(e)),
                Err(HttpError::Protocol(m)) => return Err(protocol(m)),
            };
            if (100..200).contains(&head.status) {
                interim += 1;
                if head.status == 101 || interim > MAX_INTERIM {
                    return Err(protocol(format!(
                        "unexpected interim response {} {}",
                        head.status, head.reason
                    )));
                }
                continue;
            }
            break head;
        };
        let framing = http::framing(&head).map_err(protocol)?;
        Ok((head, BodyReader::new(reader, framing)))
    }

    /// Turns a non-2xx answer into [`EngineError::Api`] with the daemon's
    /// message.
    fn check(
        &self,
        request: &str,
        head: Head,
        body: &mut BodyReader<BufReader<Conn>>,
    ) -> Result<Head, EngineError> {
        if (200..300).contains(&head.status) {
            return Ok(head);
        }
        let mut bytes = Vec::new();
        // The message is best effort: a body that fails still leaves the status.
        let _ = body.by_ref().take(MAX_ERROR_BODY).read_to_end(&mut bytes);
        let message = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| {
                let text = String::from_utf8_lossy(&bytes).trim().to_owned();
                if text.is_empty() {
                    head.reason.clone()
                } else {
                    http::preview(text.as_bytes())
                }
            });
        Err(EngineError::Api {
            endpoint: self.endpoint(),
            request: request.to_owned(),
            status: head.status,
            message,
        })
    }

    fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: &str,
        head: Head,
        mut body: BodyReader<BufReader<Conn>>,
    ) -> Result<T, EngineError> {
        self.check(request, head, &mut body)?;
        let mut bytes = Vec::new();
        (&mut body)
            .take(MAX_JSON + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| EngineError::Io {
                endpoint: self.endpoint(),
                request: request.to_owned(),
                source,
            })?;
        if bytes.len() as u64 > MAX_JSON {
            return Err(EngineError::TooLarge {
                endpoint: self.endpoint(),
                request: request.to_owned(),
                limit: MAX_JSON,
            });
        }
        serde_json::from_slice(&bytes).map_err(|source| EngineError::Json {
            endpoint: self.endpoint(),
            request: request.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_parse() {
        assert_eq!(
            Host::parse("unix:///var/run/docker.sock").unwrap(),
            Host::Unix(PathBuf::from("/var/run/docker.sock"))
        );
        assert_eq!(
            Host::parse("tcp://127.0.0.1:2375").unwrap(),
            Host::Tcp {
                authority: "127.0.0.1:2375".into(),
                base_path: String::new()
            }
        );
        assert_eq!(
            Host::parse("tcp://docker.local").unwrap().endpoint(),
            "tcp://docker.local:2375"
        );
        assert_eq!(
            Host::parse("tcp://[::1]").unwrap().endpoint(),
            "tcp://[::1]:2375"
        );
        assert_eq!(
            Host::parse("http://h:1/base/").unwrap(),
            Host::Tcp {
                authority: "h:1".into(),
                base_path: "/base".into()
            }
        );
        for (bad, needle) in [
            ("/var/run/docker.sock", "no scheme"),
            ("unix://", "no socket path"),
            ("tcp://", "no host"),
            ("tcp://h:99999", "port"),
            ("tcp://h:", "port"),
            ("tcp://user@h:1", "user info"),
            ("gopher://h", "unknown scheme"),
            ("https://h:2376", "not supported yet"),
            ("ssh://me@h", "ssh -L"),
            ("npipe:////./pipe/docker_engine", "named pipes"),
        ] {
            let e = Host::parse(bad).unwrap_err().to_string();
            assert!(e.contains(needle), "{bad}: {e}");
            assert!(e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn environment() {
        assert_eq!(
            Host::from_vars(None, None).unwrap(),
            Host::Unix(PathBuf::from(DEFAULT_SOCKET))
        );
        assert_eq!(
            Host::from_vars(Some("  "), Some("")).unwrap(),
            Host::Unix(PathBuf::from(DEFAULT_SOCKET))
        );
        // TLS only matters over TCP.
        assert!(Host::from_vars(Some("unix:///x.sock"), Some("1")).is_ok());
        assert!(Host::from_vars(Some("tcp://h:2375"), None).is_ok());
        let e = Host::from_vars(Some("tcp://h:2376"), Some("1")).unwrap_err();
        assert!(matches!(e, EngineError::Unsupported { .. }));
        assert!(e.to_string().contains("DOCKER_TLS_VERIFY"), "{e}");
    }

    #[test]
    fn versions_compare() {
        let v = ApiVersion::parse(" 1.41 ").unwrap();
        assert_eq!(v, ApiVersion::new(1, 41));
        assert!(ApiVersion::new(1, 9) < ApiVersion::new(1, 10));
        assert_eq!(v.min(MAX_API).to_string(), "1.41");
        for bad in ["", "1", "1.", ".1", "1.x", "v1.41", "1.41.0", "-1.2"] {
            assert!(ApiVersion::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(
            escape_path("ghcr.io/org/app:1.0@sha256:ab"),
            "ghcr.io/org/app:1.0@sha256:ab"
        );
        assert_eq!(escape_path("a b?c#d%e"), "a%20b%3Fc%23d%25e");
        assert_eq!(escape_path("é"), "%C3%A9");
        assert!(escape_name("../../containers/x").is_err());
        assert!(escape_name("a//b").is_err());
        assert!(escape_name("").is_err());
        assert!(check_path("/images/a b/json").is_err());
        assert!(check_path("images/json").is_err());
        assert!(check_path("/info\r\nX-Injected: 1").is_err());
        assert!(check_path("/containers/json?all=1").is_ok());
    }
}

/// Entry points for the fuzz targets (not part of the API).
#[doc(hidden)]
pub mod fuzzing {
    use std::io::Read;

    /// Reads one HTTP response from `data` as the client would: the head,
    /// then the body by its framing, at most `cap` body bytes. Returns the
    /// status and the body, or the error's text.
    pub fn read_response(data: &[u8], cap: u64) -> Result<(u16, Vec<u8>), String> {
        let mut r = std::io::BufReader::new(data);
        let head = crate::http::read_head(&mut r).map_err(|e| format!("{e:?}"))?;
        let framing = crate::http::framing(&head)?;
        let mut body = Vec::new();
        crate::http::BodyReader::new(r, framing)
            .take(cap)
            .read_to_end(&mut body)
            .map_err(|e| e.to_string())?;
        Ok((head.status, body))
    }
}
