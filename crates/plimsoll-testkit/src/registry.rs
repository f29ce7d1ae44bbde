//! A real `docker-registry` (Debian's build of distribution) on loopback,
//! one per test, with its storage in a temporary directory; and, for
//! token auth, the token service the registry points clients to.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::run;

/// How the registry authenticates clients.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Anyone may pull and push.
    Anonymous,
    /// htpasswd (bcrypt) basic auth.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
    /// Bearer tokens from a token service that checks these credentials.
    Token {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
}

/// A running registry; stopped (and its storage removed) on drop.
pub struct TestRegistry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    auth: Auth,
    tokens: Option<TokenService>,
    mutual_tls: bool,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestRegistry {
    /// Starts a registry (plain HTTP) and waits until it answers.
    pub fn start(auth: Auth) -> Self {
        Self::start_with(auth, false, false)
    }

    /// Starts a registry serving HTTPS with a certificate for 127.0.0.1
    /// issued by a throw-away CA ([`TestRegistry::ca_file`]).
    pub fn start_tls(auth: Auth) -> Self {
        Self::start_with(auth, true, false)
    }

    /// Starts a registry serving HTTPS that also demands a client
    /// certificate issued by its CA (mutual TLS); [`TestRegistry::cert_dir`]
    /// holds one, laid out as in `/etc/docker/certs.d/HOST`.
    pub fn start_mutual_tls(auth: Auth) -> Self {
        Self::start_with(auth, true, true)
    }

    /// A directory laid out as Docker's `/etc/docker/certs.d/HOST`: the CA
    /// (`ca.crt`) and, for a mutual-TLS registry, a client certificate
    /// (`client.cert`, `client.key`).
    pub fn cert_dir(&self) -> PathBuf {
        self.dir.path().join("certs.d")
    }

    /// The CA that issued the TLS registry's certificate (PEM).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn start_with(auth: Auth, tls: bool, mutual_tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tls_yaml = if tls {
            make_server_cert(dir.path());
            let certs_d = dir.path().join("certs.d");
            std::fs::create_dir_all(&certs_d).unwrap();
            std::fs::copy(dir.path().join("ca.pem"), certs_d.join("ca.crt")).unwrap();
            let mut yaml = format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                dir.path().join("server.pem").display(),
                dir.path().join("server.key").display()
            );
            if mutual_tls {
                make_client_cert(dir.path(), &certs_d);
                yaml.push_str(&format!(
                    "    clientcas:\n      - {}\n",
                    dir.path().join("ca.pem").display()
                ));
            }
            yaml
        } else {
            String::new()
        };
        let port = free_port();
        let mut tokens = None;
        let auth_yaml = match &auth {
            Auth::Anonymous => String::new(),
            Auth::Basic { user, password } => {
                let line = run("htpasswd", &["-Bbn", user, password]);
                std::fs::write(dir.path().join("htpasswd"), line).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: plimsoll-test\n    path: {}\n",
                    dir.path().join("htpasswd").display()
                )
            }
            Auth::Token { user, password } => {
                let t = TokenService::start(dir.path(), user, password);
                let yaml = format!(
                    "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: plimsoll-test\n    issuer: plimsoll-test\n    rootcertbundle: {}\n",
                    t.port,
                    dir.path().join("cert.pem").display()
                );
                tokens = Some(t);
                yaml
            }
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: plimsoll-test\n{tls_yaml}{auth_yaml}",
            dir.path().join("storage").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start docker-registry ({e}): `bash scripts/setup` installs it")
            });
        let r = Self {
            child,
            port,
            dir,
            auth,
            tokens,
            mutual_tls,
        };
        r.wait_ready();
        r
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
                let mut buf = [0u8; 12];
                if s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "docker-registry did not start on port {}: {}",
            self.port,
            std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
        );
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Requests the token service answered (0 without token auth).
    pub fn tokens_issued(&self) -> usize {
        self.tokens
            .as_ref()
            .map_or(0, |t| t.issued.load(Ordering::SeqCst))
    }

    /// Copies `source` (a containers-transport name, e.g. `oci:DIR:REF`) to
    /// `REPO:TAG` in this registry with skopeo (`--all` keeps indexes).
    pub fn push(&self, source: &str, repo_tag: &str) {
        let dest = format!("docker://{}/{repo_tag}", self.host());
        let mut args = vec![
            "copy",
            "-q",
            "--all",
            "--dest-tls-verify=false",
            "--preserve-digests",
        ];
        let cert_dir = self.cert_dir().display().to_string();
        if self.mutual_tls {
            args.push("--dest-cert-dir");
            args.push(&cert_dir);
        }
        let creds;
        if let Auth::Basic { user, password } | Auth::Token { user, password } = &self.auth {
            creds = format!("{user}:{password}");
            args.push("--dest-creds");
            args.push(&creds);
        }
        args.push(source);
        args.push(&dest);
        run("skopeo", &args);
    }

    /// Where the registry stores the blob `sha256:HEX`.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// Writes a Docker auth file holding this registry's credentials (the
    /// `auth` field, base64 of `user:password`) and returns its path.
    pub fn auth_file(&self, user: &str, password: &str) -> PathBuf {
        let path = self.dir.path().join("auth.json");
        let auth = STANDARD.encode(format!("{user}:{password}"));
        let doc = serde_json::json!({"auths": {(self.host()): {"auth": auth}}});
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
        path
    }
}

/// A CA and a server certificate for 127.0.0.1 signed by it.
fn make_server_cert(dir: &Path) {
    let p = |name: &str| dir.join(name).display().to_string();
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &p("ca.key"),
            "-out",
            &p("ca.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=plimsoll-test-ca",
        ],
    );
    issue_cert(
        dir,
        "server",
        &dir.join("server.key"),
        &dir.join("server.pem"),
        "/CN=127.0.0.1",
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    );
}

/// A client certificate signed by the CA of [`make_server_cert`], written
/// as `client.cert` and `client.key` into `certs_d`.
fn make_client_cert(dir: &Path, certs_d: &Path) {
    issue_cert(
        dir,
        "client",
        &certs_d.join("client.key"),
        &certs_d.join("client.cert"),
        "/CN=plimsoll-test-client",
        "extendedKeyUsage=clientAuth\n",
    );
}

/// A key (`key`) and a certificate (`cert`) for `subject` with the
/// extensions `ext` (lines of an openssl extension file), issued by the CA
/// in `dir` (`ca.pem`, `ca.key`); `name` names the work files.
fn issue_cert(dir: &Path, name: &str, key: &Path, cert: &Path, subject: &str, ext: &str) {
    let p = |file: &str| dir.join(file).display().to_string();
    let csr = p(&format!("{name}.csr"));
    let ext_file = p(&format!("{name}-ext.cnf"));
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &key.display().to_string(),
            "-out",
            &csr,
            "-subj",
            subject,
        ],
    );
    std::fs::write(
        &ext_file,
        format!("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n{ext}"),
    )
    .unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-out",
            &cert.display().to_string(),
            "-days",
            "2",
            "-extfile",
            &ext_file,
        ],
    );
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The token service: checks basic credentials, answers with a JWT whose
/// `access` grants what the `scope` parameters ask, signed RS256 by a
/// self-signed certificate that the registry trusts (sent in `x5c`).
struct TokenService {
    port: u16,
    issued: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl TokenService {
    fn start(dir: &Path, user: &str, password: &str) -> Self {
        let key = dir.join("key.pem");
        let cert = dir.join("cert.pem");
        run(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.to_str().unwrap(),
                "-out",
                cert.to_str().unwrap(),
                "-days",
                "2",
                "-subj",
                "/CN=plimsoll-test-token",
            ],
        );
        let der = run(
            "openssl",
            &["x509", "-in", cert.to_str().unwrap(), "-outform", "DER"],
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let issued = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let expected = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
        let (i2, s2, user) = (Arc::clone(&issued), Arc::clone(&stop), user.to_owned());
        let x5c = STANDARD.encode(der);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let _ = serve_token(stream, &expected, &user, &key, &x5c, &i2);
            }
        });
        Self { port, issued, stop }
    }
}

impl Drop for TokenService {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn unpct(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve_token(
    stream: TcpStream,
    expected: &str,
    user: &str,
    key: &Path,
    x5c: &str,
    issued: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                authorization = Some(v.trim().to_owned());
            }
        }
    }
    let mut out = stream;
    if authorization.as_deref() != Some(expected) {
        out.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(());
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let mut access = Vec::new();
    for (k, v) in query.split('&').filter_map(|kv| kv.split_once('=')) {
        if k != "scope" {
            continue;
        }
        for scope in unpct(v).split(' ') {
            let parts: Vec<&str> = scope.split(':').collect();
            if let [typ, name @ .., actions] = parts.as_slice() {
                access.push(serde_json::json!({
                    "type": typ, "name": name.join(":"),
                    "actions": actions.split(',').collect::<Vec<_>>()
                }));
            }
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let n = issued.fetch_add(1, Ordering::SeqCst);
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [x5c]});
    let claims = serde_json::json!({
        "iss": "plimsoll-test", "sub": user, "aud": "plimsoll-test",
        "exp": now + 600, "nbf": now - 10, "iat": now - 10, "jti": format!("t{n}"),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap_or_default()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default())
    );
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(signing_input.as_bytes())?;
    }
    let sig = child.wait_with_output()?.stdout;
    let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig));
    let body = serde_json::to_vec(&serde_json::json!({"token": token, "expires_in": 600}))
        .unwrap_or_default();
    write!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(&body)
}

/// A TCP proxy in front of a registry that breaks off the first
/// `cut_connections` connections whose answers run past `cut_after` bytes:
/// a flaky network, for the resume logic.
pub struct FlakyProxy {
    port: u16,
    cuts: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FlakyProxy {
    /// Starts the proxy in front of `upstream` (`127.0.0.1:PORT`).
    pub fn start(upstream: &str, cut_after: u64, cut_connections: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cuts = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (c2, s2, upstream) = (Arc::clone(&cuts), Arc::clone(&stop), upstream.to_owned());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s2.load(Ordering::SeqCst) {
                    break;
                }
                let (Ok(client), Ok(server)) = (client, TcpStream::connect(&upstream)) else {
                    continue;
                };
                let cuts = Arc::clone(&c2);
                let (mut c_in, mut s_out) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_in, &mut s_out);
                    let _ = s_out.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let (mut from, mut to) = (server, client);
                    let copied = std::io::copy(&mut (&mut from).take(cut_after), &mut to);
                    let long = copied.is_ok_and(|c| c == cut_after);
                    if long && cuts.fetch_add(1, Ordering::SeqCst) >= cut_connections {
                        cuts.fetch_sub(1, Ordering::SeqCst);
                        let _ = std::io::copy(&mut from, &mut to);
                    }
                    let _ = to.shutdown(std::net::Shutdown::Both);
                    let _ = from.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Self { port, cuts, stop }
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Connections broken off so far.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
