//! A small, spec-conformant Package URL (purl) encoder.
//!
//! Follows the purl specification (`scheme:type/namespace/name@version?qualifiers#subpath`):
//! every component is UTF-8 then percent-encoded, leaving unencoded only the
//! alphanumerics, the punctuation `.-_~` and the colon `:`; the type is lowercased;
//! qualifier keys are lowercased and sorted, and qualifiers with an empty value
//! are dropped. Type-specific normalisation (lowercasing a deb or apk name, for
//! instance) is the caller's job; see [`crate::Package::purl_for`].

use std::collections::BTreeMap;
use std::fmt;

/// A package URL, built field by field and rendered in canonical form by `Display`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Purl {
    /// Package type (`deb`, `apk`, `rpm`, …); lowercased when rendered.
    pub ty: String,
    /// Namespace segments (for OS packages: the distribution id, e.g. `debian`).
    pub namespace: Vec<String>,
    /// Package name.
    pub name: String,
    /// Version, as the ecosystem writes it.
    pub version: Option<String>,
    /// Qualifiers; keys are lowercased and sorted when rendered.
    pub qualifiers: BTreeMap<String, String>,
    /// Subpath segments.
    pub subpath: Vec<String>,
}

impl Purl {
    /// A purl of type `ty` for package `name`.
    pub fn new(ty: &str, name: &str) -> Self {
        Purl {
            ty: ty.to_owned(),
            name: name.to_owned(),
            ..Purl::default()
        }
    }

    /// Set the namespace from one segment (ignored when empty).
    #[must_use]
    pub fn with_namespace(mut self, ns: &str) -> Self {
        self.namespace = ns
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        self
    }

    /// Set the version.
    #[must_use]
    pub fn with_version(mut self, version: &str) -> Self {
        self.version = Some(version.to_owned());
        self
    }

    /// Add a qualifier (an empty value is dropped when rendering, per the spec).
    #[must_use]
    pub fn with_qualifier(mut self, key: &str, value: &str) -> Self {
        self.qualifiers
            .insert(key.to_ascii_lowercase(), value.to_owned());
        self
    }
}

/// Percent-encode `s` per the purl rules: keep `A-Z a-z 0-9 . - _ ~ :`, encode every
/// other byte of its UTF-8 form as `%XX` (uppercase hex).
pub fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}", self.ty.to_ascii_lowercase())?;
        for seg in self.namespace.iter().filter(|s| !s.is_empty()) {
            write!(f, "/{}", percent_encode(seg))?;
        }
        write!(f, "/{}", percent_encode(&self.name))?;
        if let Some(v) = self.version.as_deref().filter(|v| !v.is_empty()) {
            write!(f, "@{}", percent_encode(v))?;
        }
        let mut sep = '?';
        for (k, v) in &self.qualifiers {
            if v.is_empty() {
                continue;
            }
            write!(f, "{sep}{}={}", k.to_ascii_lowercase(), percent_encode(v))?;
            sep = '&';
        }
        let sub: Vec<&String> = self
            .subpath
            .iter()
            .filter(|s| !s.is_empty() && *s != "." && *s != "..")
            .collect();
        if !sub.is_empty() {
            f.write_str("#")?;
            for (i, seg) in sub.iter().enumerate() {
                if i > 0 {
                    f.write_str("/")?;
                }
                f.write_str(&percent_encode(seg))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deb_with_plus_in_version() {
        let p = Purl::new("deb", "curl")
            .with_namespace("debian")
            .with_version("7.88.1-10+deb12u8")
            .with_qualifier("distro", "debian-12")
            .with_qualifier("arch", "amd64");
        assert_eq!(
            p.to_string(),
            "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u8?arch=amd64&distro=debian-12"
        );
    }

    #[test]
    fn colon_is_never_encoded_and_tilde_is_kept() {
        let p = Purl::new("deb", "gcc-10-base")
            .with_namespace("ubuntu")
            .with_version("1:10.3.0-1ubuntu1~20.04");
        assert_eq!(
            p.to_string(),
            "pkg:deb/ubuntu/gcc-10-base@1:10.3.0-1ubuntu1~20.04"
        );
    }

    #[test]
    fn qualifiers_sorted_and_empty_dropped() {
        let p = Purl::new("RPM", "bash")
            .with_namespace("centos")
            .with_version("4.2.46-30.el7")
            .with_qualifier("epoch", "1")
            .with_qualifier("distro", "centos-7")
            .with_qualifier("Arch", "x86_64")
            .with_qualifier("upstream", "");
        assert_eq!(
            p.to_string(),
            "pkg:rpm/centos/bash@4.2.46-30.el7?arch=x86_64&distro=centos-7&epoch=1"
        );
    }

    #[test]
    fn separators_spaces_and_unicode_are_encoded() {
        let p = Purl::new("generic", "a b@c?d#e/f&g=h%")
            .with_version("é")
            .with_qualifier("k", "x y&z");
        assert_eq!(
            p.to_string(),
            "pkg:generic/a%20b%40c%3Fd%23e%2Ff%26g%3Dh%25@%C3%A9?k=x%20y%26z"
        );
    }

    #[test]
    fn no_namespace_no_version() {
        assert_eq!(Purl::new("apk", "musl").to_string(), "pkg:apk/musl");
    }

    #[test]
    fn subpath_segments() {
        let mut p = Purl::new("generic", "x");
        p.subpath = vec!["a".into(), ".".into(), "b c".into()];
        assert_eq!(p.to_string(), "pkg:generic/x#a/b%20c");
    }
}
