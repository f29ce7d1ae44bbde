//! The little HTTP/1.1 the Engine API needs, over any byte stream: a
//! response head parsed by `httparse` under a size cap, and the body framed
//! by `Content-Length`, chunked transfer coding, or the end of the
//! connection. Every limit is fixed and small, every truncation is an error
//! that says where the stream stopped, and a body that failed once keeps
//! failing (so a caller that retries a read cannot resynchronise on garbage).

use std::io::{self, BufRead, Read};

/// Largest response head (status line and headers).
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// Most header fields in a head.
const MAX_HEADERS: usize = 128;
/// Longest chunk-size line or trailer line.
pub(crate) const MAX_LINE: usize = 4096;
/// Largest trailer section of a chunked body.
const MAX_TRAILERS: usize = 16 * 1024;

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// Status code.
    pub status: u16,
    /// Reason phrase (may be empty).
    pub reason: String,
    /// Header fields, names lowercased, in order.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Head {
    /// Every value of the header `name` (lowercase).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.as_str() == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of `name` as text, if it is UTF-8.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
            .map(str::trim)
    }
}

/// Why a response could not be read.
#[derive(Debug)]
pub(crate) enum HttpError {
    /// The transport failed.
    Io(io::Error),
    /// The bytes are not a well-formed response.
    Protocol(String),
}

/// Reads one response head from `r`, leaving `r` at the first body byte.
pub(crate) fn read_head<R: BufRead>(r: &mut R) -> Result<Head, HttpError> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let before = buf.len();
        let take = loop {
            match r.fill_buf() {
                Ok(chunk) => {
                    let take = chunk.len().min(MAX_HEAD + 1 - before);
                    buf.extend_from_slice(&chunk[..take]);
                    break take;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(HttpError::Io(e)),
            }
        };
        if take == 0 {
            return Err(HttpError::Protocol(if before == 0 {
                "the connection closed before any response".to_owned()
            } else {
                format!("the connection closed inside the response head, after {before} bytes")
            }));
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(end)) => {
                let used = end
                    .checked_sub(before)
                    .filter(|u| *u <= take)
                    .ok_or_else(|| HttpError::Protocol("inconsistent response head".into()))?;
                let status = response
                    .code
                    .ok_or_else(|| HttpError::Protocol("no status code".into()))?;
                let head = Head {
                    status,
                    reason: response.reason.unwrap_or_default().to_owned(),
                    headers: response
                        .headers
                        .iter()
                        .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                        .collect(),
                };
                r.consume(used);
                return Ok(head);
            }
            Ok(httparse::Status::Partial) => {
                r.consume(take);
                if buf.len() > MAX_HEAD {
                    return Err(HttpError::Protocol(format!(
                        "response head larger than {MAX_HEAD} bytes"
                    )));
                }
            }
            Err(e) => {
                return Err(HttpError::Protocol(format!(
                    "{e} in the response head (starts with {:?})",
                    preview(&buf)
                )));
            }
        }
    }
}

/// The first bytes of `b`, as text, for messages.
pub(crate) fn preview(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(80)]).into_owned();
    if b.len() > 80 { format!("{s}…") } else { s }
}

/// How a body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Until the server closes the connection.
    Close,
}

/// The body framing of a response to a GET (RFC 9112 §6.3): no body for
/// 1xx, 204 and 304; chunked when it is the final transfer coding (a
/// `Content-Length` beside it is ignored); else `Content-Length`, whose
/// repeated values must agree; else until the connection closes.
pub(crate) fn framing(head: &Head) -> Result<Framing, String> {
    if (100..200).contains(&head.status) || head.status == 204 || head.status == 304 {
        return Ok(Framing::Length(0));
    }
    let mut codings: Vec<String> = Vec::new();
    for v in head.values("transfer-encoding") {
        let v = std::str::from_utf8(v).map_err(|_| "Transfer-Encoding is not text".to_owned())?;
        codings.extend(
            v.split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .filter(|c| !c.is_empty()),
        );
    }
    if let Some(last) = codings.last() {
        if last != "chunked" {
            return Err(format!(
                "Transfer-Encoding `{}` does not end in chunked",
                codings.join(", ")
            ));
        }
        if let Some(other) = codings.iter().find(|c| *c != "chunked") {
            return Err(format!("transfer coding `{other}` is not supported"));
        }
        if codings.len() > 1 {
            return Err("chunked applied more than once".into());
        }
        return Ok(Framing::Chunked);
    }
    let mut length: Option<u64> = None;
    for v in head.values("content-length") {
        let v = std::str::from_utf8(v).map_err(|_| "Content-Length is not text".to_owned())?;
        for part in v.split(',') {
            let part = part.trim();
            if part.is_empty() || part.len() > 19 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "invalid Content-Length `{}`",
                    preview(v.as_bytes())
                ));
            }
            let n: u64 = part
                .parse()
                .map_err(|_| format!("invalid Content-Length `{part}`"))?;
            match length {
                Some(m) if m != n => {
                    return Err(format!("conflicting Content-Length values {m} and {n}"));
                }
                _ => length = Some(n),
            }
        }
    }
    Ok(length.map_or(Framing::Close, Framing::Length))
}

fn eof(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, msg)
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk's data: bytes left, and the chunk's size.
    Data { left: u64, size: u64 },
    /// Expecting the CRLF after a chunk's data.
    DataEnd { size: u64 },
    /// After the last chunk: trailer lines until an empty one.
    Trailers { read: usize },
    /// The body is complete.
    Done,
}

/// Decodes a chunked body (RFC 9112 §7.1): chunk-size lines of at most
/// [`MAX_LINE`] bytes (hex digits, then optional `;extensions`, which are
/// ignored), data, CRLF; then a zero-size chunk and trailer fields (read
/// and dropped, at most 16 KiB). Bare LF line ends are accepted.
#[derive(Debug)]
pub(crate) struct Chunked<R> {
    inner: R,
    state: ChunkState,
    /// Data bytes delivered so far, for messages.
    delivered: u64,
}

impl<R: BufRead> Chunked<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            state: ChunkState::Size,
            delivered: 0,
        }
    }

    /// A line without its CRLF (or LF), at most [`MAX_LINE`] bytes.
    fn line(&mut self, what: &str) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                return Err(eof(format!(
                    "chunked body truncated inside {what}, after {} bytes of data",
                    self.delivered
                )));
            }
            let (piece, used, done) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (&avail[..i], i + 1, true),
                None => (avail, avail.len(), false),
            };
            if line.len() + piece.len() > MAX_LINE {
                return Err(invalid(format!(
                    "{what} longer than {MAX_LINE} bytes in a chunked body"
                )));
            }
            line.extend_from_slice(piece);
            self.inner.consume(used);
            if done {
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
        }
    }

    fn size_line(&mut self) -> io::Result<u64> {
        let line = self.line("a chunk-size line")?;
        let size = match line.iter().position(|&b| b == b';') {
            Some(i) => &line[..i],
            None => &line[..],
        };
        // Whitespace is allowed before the extensions (RFC 9112 BWS).
        let end = size
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |i| i + 1);
        let size = &size[..end];
        if size.is_empty() || !size.iter().all(u8::is_ascii_hexdigit) {
            return Err(invalid(format!(
                "invalid chunk size {:?} after {} bytes of data",
                preview(&line),
                self.delivered
            )));
        }
        let start = size.iter().position(|&b| b != b'0').unwrap_or(size.len());
        let digits = &size[start..];
        if digits.len() > 16 {
            return Err(invalid(format!(
                "chunk size {:?} does not fit in 64 bits",
                preview(size)
            )));
        }
        let mut n: u64 = 0;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                _ => d - b'A' + 10,
            };
            n = (n << 4) | u64::from(v);
        }
        Ok(n)
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state {
                ChunkState::Size => {
                    let size = self.size_line()?;
                    self.state = if size == 0 {
                        ChunkState::Trailers { read: 0 }
                    } else {
                        ChunkState::Data { left: size, size }
                    };
                }
                ChunkState::Data { left, size } => {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = loop {
                        match self.inner.read(&mut buf[..want]) {
                            Ok(n) => break n,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(e),
                        }
                    };
                    if n == 0 {
                        return Err(eof(format!(
                            "chunked body truncated inside a chunk of {size} bytes ({left} missing), after {} bytes of data",
                            self.delivered
                        )));
                    }
                    let left = left - n as u64;
                    self.delivered += n as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd { size }
                    } else {
                        ChunkState::Data { left, size }
                    };
                    return Ok(n);
                }
                ChunkState::DataEnd { size } => {
                    let rest = self.line("the line end after a chunk")?;
                    if !rest.is_empty() {
                        return Err(invalid(format!(
                            "chunk of {size} bytes is longer than its size line says (followed by {:?})",
                            preview(&rest)
                        )));
                    }
                    self.state = ChunkState::Size;
                }
                ChunkState::Trailers { read } => {
                    let line = self.line("the trailer section")?;
                    let read = read + line.len() + 2;
                    if read > MAX_TRAILERS {
                        return Err(invalid(format!(
                            "trailer section larger than {MAX_TRAILERS} bytes"
                        )));
                    }
                    self.state = if line.is_empty() {
                        ChunkState::Done
                    } else {
                        ChunkState::Trailers { read }
                    };
                }
                ChunkState::Done => return Ok(0),
            }
        }
    }
}

/// A response body delimited by its [`Framing`]. Errors are sticky.
#[derive(Debug)]
pub(crate) struct BodyReader<R> {
    kind: BodyKind<R>,
    failed: Option<(io::ErrorKind, String)>,
}

#[derive(Debug)]
enum BodyKind<R> {
    Length { inner: R, left: u64, total: u64 },
    Chunked(Chunked<R>),
    Close(R),
}

impl<R: BufRead> BodyReader<R> {
    pub(crate) fn new(inner: R, framing: Framing) -> Self {
        let kind = match framing {
            Framing::Length(total) => BodyKind::Length {
                inner,
                left: total,
                total,
            },
            Framing::Chunked => BodyKind::Chunked(Chunked::new(inner)),
            Framing::Close => BodyKind::Close(inner),
        };
        Self { kind, failed: None }
    }

    fn read_inner(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.kind {
            BodyKind::Length { inner, left, total } => {
                if *left == 0 || buf.is_empty() {
                    return Ok(0);
                }
                let want = buf.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                let n = inner.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(eof(format!(
                        "body truncated: the connection closed {left} bytes short of the {total} that Content-Length announced"
                    )));
                }
                *left -= n as u64;
                Ok(n)
            }
            BodyKind::Chunked(c) => c.read(buf),
            BodyKind::Close(inner) => inner.read(buf),
        }
    }
}

impl<R: BufRead> Read for BodyReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((kind, msg)) = &self.failed {
            return Err(io::Error::new(*kind, msg.clone()));
        }
        match self.read_inner(buf) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => {
                self.failed = Some((e.kind(), e.to_string()));
                Err(e)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &[u8]) -> Result<(Head, Vec<u8>), HttpError> {
        let mut r = io::BufReader::with_capacity(7, raw);
        let h = read_head(&mut r)?;
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        Ok((h, rest))
    }

    fn protocol(raw: &[u8]) -> String {
        match head(raw) {
            Err(HttpError::Protocol(m)) => m,
            other => panic!("expected a protocol error, got {other:?}"),
        }
    }

    fn chunked(raw: &[u8]) -> io::Result<Vec<u8>> {
        // A tiny buffer so that lines and data straddle fills.
        let mut c = Chunked::new(io::BufReader::with_capacity(3, raw));
        let mut out = Vec::new();
        c.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn head_is_parsed_and_the_body_left_in_place() {
        let (h, rest) = head(
            b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\nX-A: 1\r\nx-a: 2\r\n\r\nOKtrailing",
        )
        .unwrap();
        assert_eq!(h.status, 200);
        assert_eq!(h.reason, "OK");
        assert_eq!(h.value("api-version"), Some("1.41"));
        assert_eq!(h.values("x-a").collect::<Vec<_>>(), [b"1", b"2"]);
        assert_eq!(rest, b"OKtrailing");
        assert_eq!(framing(&h), Ok(Framing::Length(2)));
        // HTTP/1.0 and an empty reason phrase.
        let (h, _) = head(b"HTTP/1.0 404 \r\n\r\n").unwrap();
        assert_eq!((h.status, h.reason.as_str()), (404, ""));
        assert_eq!(framing(&h), Ok(Framing::Close));
    }

    #[test]
    fn hostile_heads_are_refused() {
        assert!(protocol(b"").contains("before any response"));
        assert!(protocol(b"HTTP/1.1 200 OK\r\nA: b\r\n").contains("inside the response head"));
        assert!(protocol(b"SSH-2.0-OpenSSH\r\n\r\n").contains("SSH-2.0"));
        assert!(!protocol(b"HTTP/1.1 2000 OK\r\n\r\n").is_empty());
        assert!(!protocol(b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n").is_empty());
        // An endless head stops at the cap.
        let mut big = b"HTTP/1.1 200 OK\r\n".to_vec();
        while big.len() <= MAX_HEAD + 10 {
            big.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        let m = protocol(&big);
        assert!(m.contains("larger than") || m.contains("headers"), "{m}");
        // Too many header fields.
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..(MAX_HEADERS + 1) {
            many.extend_from_slice(format!("H{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert!(protocol(&many).contains("headers"));
    }

    #[test]
    fn framing_rules() {
        let h = |status: u16, headers: &[(&str, &str)]| Head {
            status,
            reason: String::new(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                .collect(),
        };
        assert_eq!(
            framing(&h(
                200,
                &[("transfer-encoding", "chunked"), ("content-length", "5")]
            )),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            framing(&h(200, &[("transfer-encoding", "Chunked")])),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            framing(&h(204, &[("content-length", "5")])),
            Ok(Framing::Length(0))
        );
        assert_eq!(
            framing(&h(
                200,
                &[("content-length", "7"), ("content-length", "7, 7")]
            )),
            Ok(Framing::Length(7))
        );
        for bad in [
            vec![("transfer-encoding", "gzip")],
            vec![("transfer-encoding", "gzip, chunked")],
            vec![("transfer-encoding", "chunked, chunked")],
            vec![("content-length", "5"), ("content-length", "6")],
            vec![("content-length", "-1")],
            vec![("content-length", "+5")],
            vec![("content-length", "99999999999999999999")],
            vec![("content-length", "")],
        ] {
            assert!(framing(&h(200, &bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn chunked_bodies_decode() {
        assert_eq!(chunked(b"5\r\nhello\r\n0\r\n\r\n").unwrap(), b"hello");
        assert_eq!(
            chunked(b"3;name=value\r\nabc\r\n00A \t;x\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n")
                .unwrap(),
            b"abc0123456789"
        );
        // Bare LF line ends, upper-case hex, leading zeros.
        assert_eq!(
            chunked(b"0000000000000000000B\nhello world\n0\n\n").unwrap(),
            b"hello world"
        );
        assert_eq!(chunked(b"0\r\n\r\n").unwrap(), b"");
        // Bytes after the end of the body are left alone.
        let raw = b"1\r\na\r\n0\r\n\r\nNEXT";
        let mut r = io::BufReader::new(&raw[..]);
        let mut c = Chunked::new(&mut r);
        let mut out = Vec::new();
        c.read_to_end(&mut out).unwrap();
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!((out.as_slice(), rest.as_slice()), (&b"a"[..], &b"NEXT"[..]));
    }

    #[test]
    fn hostile_chunked_bodies_fail_clearly() {
        let err = |raw: &[u8]| chunked(raw).unwrap_err();
        for (raw, kind, needle) in [
            (&b""[..], io::ErrorKind::UnexpectedEof, "chunk-size line"),
            (b"5\r\nhel", io::ErrorKind::UnexpectedEof, "(2 missing)"),
            (b"5\r\nhello", io::ErrorKind::UnexpectedEof, "line end"),
            (
                b"5\r\nhello\r\n",
                io::ErrorKind::UnexpectedEof,
                "after 5 bytes",
            ),
            (
                b"0\r\nTrailer: x\r\n",
                io::ErrorKind::UnexpectedEof,
                "trailer",
            ),
            (
                b"5\r\nhelloXX\r\n0\r\n\r\n",
                io::ErrorKind::InvalidData,
                "longer than its size",
            ),
            (b"zz\r\n", io::ErrorKind::InvalidData, "invalid chunk size"),
            (b"\r\n", io::ErrorKind::InvalidData, "invalid chunk size"),
            (
                b"+5\r\nhello\r\n",
                io::ErrorKind::InvalidData,
                "invalid chunk size",
            ),
            (b"-1\r\n", io::ErrorKind::InvalidData, "invalid chunk size"),
            (b"0x5\r\n", io::ErrorKind::InvalidData, "invalid chunk size"),
            (b" 5\r\n", io::ErrorKind::InvalidData, "invalid chunk size"),
            (
                b"10000000000000000\r\n",
                io::ErrorKind::InvalidData,
                "64 bits",
            ),
        ] {
            let e = err(raw);
            assert_eq!(e.kind(), kind, "{raw:?}: {e}");
            assert!(e.to_string().contains(needle), "{raw:?}: {e}");
        }
        // A size line that never ends is cut at the cap, not buffered.
        let mut long = b"5;".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_LINE * 4));
        let e = err(&long);
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("longer than 4096"), "{e}");
        // Endless trailers are cut too.
        let mut t = b"0\r\n".to_vec();
        for _ in 0..2000 {
            t.extend_from_slice(b"X-T: aaaaaaaaaaaaaaaa\r\n");
        }
        assert!(err(&t).to_string().contains("trailer section larger"));
        // The largest size that fits is accepted as a size (and then truncated).
        let e = err(b"ffffffffffffffff\r\nab");
        assert!(e.to_string().contains("18446744073709551615"), "{e}");
    }

    #[test]
    fn body_errors_are_sticky_and_lengths_enforced() {
        let mut b = BodyReader::new(&b"abc"[..], Framing::Length(5));
        let mut out = Vec::new();
        let e = b.read_to_end(&mut out).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert!(e.to_string().contains("2 bytes short of the 5"), "{e}");
        assert!(b.read(&mut [0u8; 4]).is_err());
        let mut b = BodyReader::new(&b"abcdef"[..], Framing::Length(3));
        let mut out = Vec::new();
        b.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abc");
        let mut b = BodyReader::new(&b"zz\r\n"[..], Framing::Chunked);
        assert!(b.read(&mut [0u8; 4]).is_err());
        assert!(b.read(&mut [0u8; 4]).is_err());
        let mut b = BodyReader::new(&b"all of it"[..], Framing::Close);
        let mut out = String::new();
        b.read_to_string(&mut out).unwrap();
        assert_eq!(out, "all of it");
    }
}
