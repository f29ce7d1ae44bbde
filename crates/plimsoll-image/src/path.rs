//! Normalisation of entry names: `./` stripped, `..` resolved lexically and
//! clamped at the root (as containerd's applier does), absolute names made
//! relative, non-UTF-8 bytes escaped. The result never leaves the root and
//! has no leading slash (`etc/passwd`); the root itself is `""`.

/// What normalisation had to change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PathFlags {
    pub absolute: bool,
    pub escaped: bool,
    pub non_utf8: bool,
}

/// Decodes a name: valid UTF-8 as is; otherwise `\` becomes `\\` and each
/// invalid byte `\xNN`, so distinct byte names stay distinct.
pub(crate) fn decode(raw: &[u8]) -> (String, bool) {
    match std::str::from_utf8(raw) {
        Ok(s) => (s.to_owned(), false),
        Err(_) => {
            let mut out = String::with_capacity(raw.len() + 8);
            for chunk in raw.utf8_chunks() {
                for c in chunk.valid().chars() {
                    if c == '\\' {
                        out.push_str("\\\\");
                    } else {
                        out.push(c);
                    }
                }
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            (out, true)
        }
    }
}

/// Normalises an entry name or hard-link target.
pub(crate) fn normalize(raw: &[u8]) -> (String, PathFlags) {
    let (s, non_utf8) = decode(raw);
    let mut flags = PathFlags {
        absolute: s.starts_with('/'),
        escaped: false,
        non_utf8,
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in s.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    flags.escaped = true;
                }
            }
            c => parts.push(c),
        }
    }
    (parts.join("/"), flags)
}

/// The parent directory of a normalised path (`""` for top-level names).
pub(crate) fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

/// Joins a normalised directory and a name.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(normalize(b"./etc/passwd").0, "etc/passwd");
        assert_eq!(normalize(b"etc//./x/").0, "etc/x");
        let (p, f) = normalize(b"../../etc/shadow");
        assert_eq!(p, "etc/shadow");
        assert!(f.escaped);
        let (p, f) = normalize(b"/abs/file");
        assert_eq!(p, "abs/file");
        assert!(f.absolute);
        let (p, f) = normalize(b"a/b/../../../c");
        assert_eq!(p, "c");
        assert!(f.escaped);
        assert_eq!(normalize(b"./").0, "");
        let (p, f) = normalize(b"dir/caf\xe9\\x");
        assert_eq!(p, "dir/caf\\xe9\\\\x");
        assert!(f.non_utf8);
        assert_ne!(normalize(b"a\xff").0, normalize(b"a\xfe").0);
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("a"), "");
        assert_eq!(join("", "a"), "a");
    }
}
