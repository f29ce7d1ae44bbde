//! The client against a scripted server on a unix socket and on TCP:
//! version negotiation, the request it sends, error messages, and hostile
//! or truncated responses.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixListener;
use std::thread::JoinHandle;

use plimsoll_engine::{ApiVersion, Engine, EngineError, Host, MAX_API};

/// Reads a request head (through the blank line).
fn read_request(stream: &mut impl Read) -> String {
    let mut r = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            return head;
        }
        head.push_str(&line);
    }
}

/// Serves `responses` in order, one per connection, on a unix socket;
/// returns the host and a handle that yields the requests received.
fn serve_unix(responses: Vec<Vec<u8>>) -> (Host, tempfile::TempDir, JoinHandle<Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for response in responses {
            let (mut s, _) = listener.accept().unwrap();
            seen.push(read_request(&mut s));
            // The client may have gone away on a hostile answer.
            let _ = s.write_all(&response);
        }
        seen
    });
    (Host::Unix(path), dir, handle)
}

fn ok(headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn ping(version: &str) -> Vec<u8> {
    ok(
        &format!("Api-Version: {version}\r\nOstype: linux\r\nServer: fake\r\n"),
        "OK",
    )
}

#[test]
fn negotiates_down_to_the_daemon_and_sends_a_clean_request() {
    let inspect =
        r#"{"Id":"sha256:abc","RepoTags":null,"RootFS":{"Type":"layers","Layers":["sha256:1"]}}"#;
    let (host, _dir, server) = serve_unix(vec![ping("1.30"), ok("", inspect)]);
    let engine = Engine::connect_to(host).unwrap();
    assert_eq!(engine.api_version(), ApiVersion::new(1, 30));
    let i = engine.image_inspect("org/app:1 x").unwrap();
    assert_eq!(i.id, "sha256:abc");
    assert!(i.repo_tags.is_empty());
    assert_eq!(i.root_fs.unwrap().layers, ["sha256:1"]);
    let seen = server.join().unwrap();
    assert!(
        seen[0].starts_with("GET /_ping HTTP/1.1\r\n"),
        "{}",
        seen[0]
    );
    let req = &seen[1];
    assert!(
        req.starts_with("GET /v1.30/images/org/app:1%20x/json HTTP/1.1\r\n"),
        "{req}"
    );
    assert!(req.contains("\r\nHost: "), "{req}");
    assert!(req.contains("\r\nConnection: close\r\n"), "{req}");
}

#[test]
fn caps_at_its_own_version_and_falls_back_to_version() {
    // No Api-Version header on the ping: GET /version says 1.99.
    let (host, _dir, server) = serve_unix(vec![
        ok("", "OK"),
        ok(
            "",
            r#"{"ApiVersion":"1.99","Version":"99.0","Os":"linux","Arch":"amd64"}"#,
        ),
    ]);
    let engine = Engine::connect_to(host).unwrap();
    assert_eq!(engine.api_version(), MAX_API);
    assert_eq!(engine.daemon_api_version(), ApiVersion::new(1, 99));
    let seen = server.join().unwrap();
    assert!(seen[1].starts_with("GET /version "), "{}", seen[1]);
}

#[test]
fn refuses_an_old_daemon() {
    let (host, _dir, _server) = serve_unix(vec![ping("1.12")]);
    let e = Engine::connect_to(host).unwrap_err();
    assert!(matches!(e, EngineError::TooOld { .. }), "{e}");
    assert!(e.to_string().contains("1.12"), "{e}");
}

#[test]
fn error_answers_carry_the_daemon_message() {
    let not_found = br#"{"message":"No such image: nope:nope"}"#;
    let (host, _dir, _server) = serve_unix(vec![
        ping("1.41"),
        format!(
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            not_found.len()
        )
        .into_bytes()
        .into_iter()
        .chain(not_found.iter().copied())
        .collect(),
        b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n4\r\noops\r\n0\r\n\r\n"
            .to_vec(),
    ]);
    let engine = Engine::connect_to(host.clone()).unwrap();
    let e = engine.image_inspect("nope:nope").unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let text = e.to_string();
    for needle in [
        "No such image: nope:nope",
        "GET /v1.41/images/nope:nope/json",
        "404",
        &host.endpoint(),
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // A non-JSON error body is quoted as text.
    let e = engine.image_export("x").unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert!(e.to_string().contains("oops"), "{e}");
}

#[test]
fn truncated_and_malformed_answers_fail_clearly() {
    let (host, _dir, _server) = serve_unix(vec![
        ping("1.41"),
        // A chunked stream cut inside a chunk.
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123".to_vec(),
        // Content-Length longer than the body.
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":".to_vec(),
        // Not HTTP at all.
        b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec(),
        // Conflicting lengths.
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec(),
        // Nothing.
        Vec::new(),
    ]);
    let engine = Engine::connect_to(host).unwrap();
    let mut body = engine.image_export("x").unwrap();
    let mut out = Vec::new();
    let e = body.read_to_end(&mut out).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
    assert!(
        e.to_string()
            .contains("truncated inside a chunk of 10 bytes"),
        "{e}"
    );
    assert_eq!(out, b"0123");

    let e = engine.version().unwrap_err();
    assert!(matches!(e, EngineError::Io { .. }), "{e}");
    assert!(e.to_string().contains("short of the 100"), "{e}");

    for needle in [
        "SSH-2.0",
        "conflicting Content-Length",
        "before any response",
    ] {
        let e = engine.get_json::<serde_json::Value>("/info").unwrap_err();
        assert!(matches!(e, EngineError::Protocol { .. }), "{e}");
        assert!(e.to_string().contains(needle), "{needle}: {e}");
        assert!(e.to_string().contains("GET /v1.41/info"), "{e}");
    }
}

#[test]
fn speaks_plain_http_over_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for response in [ping("1.41"), ok("", r#"{"ApiVersion":"1.41"}"#)] {
            let (mut s, _) = listener.accept().unwrap();
            seen.push(read_request(&mut s));
            s.write_all(&response).unwrap();
        }
        seen
    });
    let host = Host::parse(&format!("tcp://127.0.0.1:{port}/prefix")).unwrap();
    let engine = Engine::connect_to(host).unwrap();
    let v = engine.version().unwrap();
    assert_eq!(v.api_version, "1.41");
    let seen = server.join().unwrap();
    assert!(
        seen[1].starts_with("GET /prefix/v1.41/version "),
        "{}",
        seen[1]
    );
    assert!(
        seen[1].contains(&format!("Host: 127.0.0.1:{port}\r\n")),
        "{}",
        seen[1]
    );
}

#[test]
fn unreachable_engines_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::connect_to(Host::Unix(dir.path().join("absent.sock"))).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, EngineError::Connect { .. }), "{text}");
    assert!(
        text.contains("absent.sock") && text.contains("DOCKER_HOST"),
        "{text}"
    );
}
