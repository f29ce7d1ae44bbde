//! Reading a package URL back into a [`Purl`] (the encoder lives in
//! [`crate::purl`]). Needed to recover the ecosystem, version parts and
//! qualifiers of packages in SBOMs written by other tools.

use crate::purl::Purl;

/// Longest purl accepted, in bytes (real ones are well under 1 KiB).
pub const MAX_PURL_LEN: usize = 8 * 1024;

impl Purl {
    /// Parse a package URL, following the purl specification's parsing
    /// steps: subpath after the last `#`, qualifiers after the last `?`, the
    /// scheme `pkg:` (slashes after it tolerated), the type up to the first
    /// `/`, the version after the last `@`, the name as the last segment and
    /// the namespace as the segments before it. Components are
    /// percent-decoded; the type and qualifier keys are lowercased.
    ///
    /// Returns `None` when `s` is not a purl: no `pkg:` scheme, no type or
    /// name, a qualifier without `=` or with a key outside `[A-Za-z0-9._-]`,
    /// a bad percent escape or non-UTF-8 decoded bytes, or longer than
    /// [`MAX_PURL_LEN`].
    ///
    /// ```
    /// use plimsoll_sbom::Purl;
    /// let p = Purl::parse("pkg:deb/debian/curl@7.88.1-10%2Bdeb12u8?arch=amd64&distro=debian-12").unwrap();
    /// assert_eq!((p.ty.as_str(), p.name.as_str()), ("deb", "curl"));
    /// assert_eq!(p.version.as_deref(), Some("7.88.1-10+deb12u8"));
    /// assert_eq!(p.qualifiers["distro"], "debian-12");
    /// assert_eq!(p.to_string(), "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u8?arch=amd64&distro=debian-12");
    /// ```
    pub fn parse(s: &str) -> Option<Purl> {
        if s.len() > MAX_PURL_LEN {
            return None;
        }
        let (rest, subpath) = match s.rsplit_once('#') {
            Some((r, sp)) => (r, Some(sp)),
            None => (s, None),
        };
        let (rest, qualifiers) = match rest.rsplit_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let scheme = rest.get(..4)?;
        if !scheme.eq_ignore_ascii_case("pkg:") {
            return None;
        }
        let rest = rest.get(4..)?.trim_start_matches('/');
        let (ty, rest) = rest.split_once('/')?;
        if ty.is_empty()
            || !ty
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'))
        {
            return None;
        }
        let rest = rest.trim_end_matches('/');
        let (path, version) = match rest.rsplit_once('@') {
            Some((p, v)) => (p, Some(percent_decode(v)?)),
            None => (rest, None),
        };
        let mut segments = path.split('/').filter(|seg| !seg.is_empty());
        let name_raw = segments.next_back()?;
        let name = percent_decode(name_raw)?;
        if name.is_empty() {
            return None;
        }
        let namespace = segments.map(percent_decode).collect::<Option<Vec<_>>>()?;
        let mut purl = Purl::new(&ty.to_ascii_lowercase(), &name);
        purl.namespace = namespace;
        purl.version = version.filter(|v| !v.is_empty());
        if let Some(q) = qualifiers {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=')?;
                // Keys are ASCII letters, digits, `.`, `-` and `_` (the spec).
                if k.is_empty()
                    || !k
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
                {
                    return None;
                }
                let v = percent_decode(v)?;
                if !v.is_empty() {
                    purl.qualifiers.insert(k.to_ascii_lowercase(), v);
                }
            }
        }
        if let Some(sp) = subpath {
            let segments = sp
                .split('/')
                .map(percent_decode)
                .collect::<Option<Vec<_>>>()?;
            purl.subpath = segments
                .into_iter()
                .filter(|seg| !seg.is_empty() && seg != "." && seg != "..")
                .collect();
        }
        Some(purl)
    }
}

/// Decode `%XX` escapes; `None` on a malformed escape or non-UTF-8 result.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = hex(*b.get(i + 1)?)?;
            let lo = hex(*b.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_purls_round_trip() {
        for s in [
            "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12&upstream=util-linux%402.38.1-5%2Bdeb12u3",
            "pkg:rpm/centos/bash@4.2.46-30.el7?arch=x86_64&distro=centos-7&epoch=1",
            "pkg:apk/alpine/busybox@1.31.1-r10?arch=x86_64&distro=alpine-3.11.13",
            "pkg:golang/github.com/zricethezav/gitleaks/v8@v8.30.1",
            "pkg:maven/org.springframework.boot.loader.JarLauncher/app@0.0.1-SNAPSHOT",
            "pkg:npm/%40babel/core@7.0.0",
            "pkg:pypi/certifi@2018.4.16",
            "pkg:generic/x#a/b%20c",
        ] {
            let p = Purl::parse(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(p.to_string(), s);
        }
        let p = Purl::parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(p.namespace, vec!["@babel".to_owned()]);
        let p = Purl::parse("pkg:golang/github.com/zricethezav/gitleaks/v8@v8.30.1").unwrap();
        assert_eq!(p.namespace, ["github.com", "zricethezav", "gitleaks"]);
        assert_eq!(p.name, "v8");
    }

    #[test]
    fn lenient_forms() {
        let p = Purl::parse("PKG://Deb/debian/curl/?Arch=amd64&empty=").unwrap();
        assert_eq!(p.ty, "deb");
        assert_eq!(p.version, None);
        assert_eq!(p.qualifiers.len(), 1);
        assert_eq!(p.qualifiers["arch"], "amd64");
    }

    #[test]
    fn rejects() {
        for s in [
            "",
            "deb/debian/curl",
            "pkg:",
            "pkg:deb",
            "pkg:deb/",
            "pkg:/curl",
            "pkg:d b/curl",
            "pkg:deb/curl%",
            "pkg:deb/curl%4",
            "pkg:deb/curl%zz",
            "pkg:deb/curl%ff",
            "pkg:deb/curl?novalue",
            "pkg:deb/curl?=v",
            "pkg:deb/curl?a b=v",
            "pkg:deb/curl?a/b=v",
        ] {
            assert_eq!(Purl::parse(s), None, "{s}");
        }
        assert_eq!(
            Purl::parse(&format!("pkg:deb/{}", "a".repeat(MAX_PURL_LEN))),
            None
        );
    }
}
