//! Content digests (`sha256:…`) and a hashing reader.

use std::fmt;
use std::io::{self, Read};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::ImageError;

/// A validated content digest. Only `sha256` can be verified; other
/// algorithms are refused at parse time so that nothing passes unverified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest {
    hex: String,
}

impl Digest {
    /// Parses `sha256:<64 lowercase hex>`; `context` names where the string
    /// was found for the error message.
    pub fn parse(input: &str, context: &str) -> Result<Self, ImageError> {
        let err = |reason: &str| ImageError::Digest {
            input: truncate(input),
            context: context.to_owned(),
            reason: reason.to_owned(),
        };
        let (alg, hex) = input
            .split_once(':')
            .ok_or_else(|| err("expected ALGORITHM:HEX"))?;
        if alg != "sha256" {
            return Err(err("only sha256 digests are supported"));
        }
        Self::from_hex(hex).ok_or_else(|| err("expected 64 lowercase hex digits"))
    }

    /// Builds a sha256 digest from its 64 lowercase hex digits.
    pub fn from_hex(hex: &str) -> Option<Self> {
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then(
            || Self {
                hex: hex.to_owned(),
            },
        )
    }

    /// The sha256 of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self::from_hasher(Sha256::new_with_prefix(bytes))
    }

    fn from_hasher(h: Sha256) -> Self {
        Self {
            hex: to_hex(&h.finalize()),
        }
    }

    /// The algorithm (always `sha256`).
    pub fn algorithm(&self) -> &'static str {
        "sha256"
    }

    /// The hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The first 12 hex digits, for short display.
    pub fn short(&self) -> &str {
        &self.hex[..12]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

impl TryFrom<String> for Digest {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Digest::parse(&s, "serialized data").map_err(|e| e.to_string())
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.to_string()
    }
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

fn truncate(s: &str) -> String {
    if s.len() <= 100 {
        s.to_owned()
    } else {
        let mut end = 100;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    }
}

/// The limit a [`HashingReader`] enforces was exceeded.
#[derive(Debug)]
pub(crate) struct LimitExceeded(pub u64);

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stream exceeds the limit of {} bytes", self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// A reader that hashes and counts what passes through it, optionally fails
/// past a byte limit, and remembers its first error (so that a stream broken
/// under an analyzer stays broken for the tar walk).
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Option<Sha256>,
    count: u64,
    limit: Option<u64>,
    failed: Option<(io::ErrorKind, String)>,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R, limit: Option<u64>) -> Self {
        Self {
            inner,
            hasher: Some(Sha256::new()),
            count: 0,
            limit,
            failed: None,
        }
    }

    /// Counts (and caps) without hashing: for a stream whose digest is
    /// already computed elsewhere (an uncompressed layer is its own diff).
    pub(crate) fn counting(inner: R, limit: Option<u64>) -> Self {
        Self {
            hasher: None,
            ..Self::new(inner, limit)
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Reads the rest of the stream (so that the digest covers all of it).
    pub(crate) fn drain(&mut self) -> io::Result<()> {
        io::copy(self, &mut io::sink()).map(|_| ())
    }

    /// The digest (none when only counting), the byte count and the inner
    /// reader.
    pub(crate) fn finish(self) -> (Option<Digest>, u64, R) {
        (self.hasher.map(Digest::from_hasher), self.count, self.inner)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((kind, msg)) = &self.failed {
            return Err(io::Error::new(*kind, msg.clone()));
        }
        match self.inner.read(buf) {
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or_default();
                if let Some(h) = &mut self.hasher {
                    h.update(chunk);
                }
                self.count += n as u64;
                if let Some(limit) = self.limit {
                    if self.count > limit {
                        let e = io::Error::other(LimitExceeded(limit));
                        self.failed = Some((io::ErrorKind::Other, e.to_string()));
                        return Err(e);
                    }
                }
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.failed = Some((e.kind(), e.to_string()));
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let d = Digest::parse(
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "t",
        )
        .unwrap();
        assert_eq!(d, Digest::of_bytes(b""));
        assert_eq!(d.short(), "e3b0c44298fc");
        assert!(Digest::parse("sha512:00", "t").is_err());
        assert!(Digest::parse("sha256:ABC", "t").is_err());
        assert!(Digest::parse("nocolon", "t").is_err());
        assert!(Digest::parse(&format!("sha256:{}", "0".repeat(65)), "t").is_err());
    }

    #[test]
    fn hashing_reader_limits() {
        let mut r = HashingReader::new(&[0u8; 100][..], Some(50));
        let err = r.drain().unwrap_err();
        assert!(err.to_string().contains("limit of 50"));
        // stays failed
        assert!(r.read(&mut [0u8; 4]).is_err());
    }
}
