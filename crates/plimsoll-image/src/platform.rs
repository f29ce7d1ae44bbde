//! Platforms (`os/arch[/variant]`) and matching against index entries.

use std::fmt;

use crate::error::ImageError;
use crate::spec;

/// A platform selector, as given by `--platform`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// Operating system (`linux`).
    pub os: String,
    /// Architecture in Go's naming (`amd64`, `arm64`).
    pub architecture: String,
    /// Variant (`v7`, `v8`), if required.
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`; `x86_64` and `aarch64` are accepted as
    /// aliases of `amd64` and `arm64`.
    pub fn parse(input: &str) -> Result<Self, ImageError> {
        let err = |reason: &str| ImageError::Platform {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let parts: Vec<&str> = input.split('/').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(err("expected two or three parts"));
        }
        let ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        };
        if !parts.iter().all(|p| ok(p)) {
            return Err(err("each part must be non-empty [A-Za-z0-9_.-]"));
        }
        Ok(Self {
            os: parts[0].to_ascii_lowercase(),
            architecture: normalize_arch(&parts[1].to_ascii_lowercase()).to_owned(),
            variant: parts.get(2).map(|v| v.to_ascii_lowercase()),
        })
    }

    /// The platform this program runs on (`linux/amd64` on x86-64 Linux).
    pub fn host() -> Self {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            "loongarch64" => "loong64",
            other => other,
        };
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            other => other,
        };
        Self {
            os: os.to_owned(),
            architecture: architecture.to_owned(),
            variant: None,
        }
    }

    /// Whether an index entry's platform satisfies this selector. A missing
    /// variant in the selector accepts any variant; `arm64` without variant
    /// equals `arm64/v8`.
    pub fn matches(&self, p: &spec::Platform) -> bool {
        if !p.os.eq_ignore_ascii_case(&self.os)
            || normalize_arch(&p.architecture.to_ascii_lowercase()) != self.architecture
        {
            return false;
        }
        match &self.variant {
            None => true,
            Some(want) => {
                let have = p
                    .variant
                    .as_deref()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let default = if self.architecture == "arm64" {
                    "v8"
                } else {
                    ""
                };
                let have = if have.is_empty() { default } else { &have };
                have == want.as_str()
            }
        }
    }
}

fn normalize_arch(a: &str) -> &str {
    match a {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        other => other,
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Display of an index entry's platform.
pub(crate) fn describe(p: &spec::Platform) -> String {
    match &p.variant {
        Some(v) if !v.is_empty() => format!("{}/{}/{}", p.os, p.architecture, v),
        _ => format!("{}/{}", p.os, p.architecture),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(os: &str, arch: &str, variant: Option<&str>) -> spec::Platform {
        spec::Platform {
            os: os.into(),
            architecture: arch.into(),
            variant: variant.map(Into::into),
            os_version: None,
        }
    }

    #[test]
    fn parse_and_match() {
        let p = Platform::parse("linux/arm64").unwrap();
        assert!(p.matches(&sp("linux", "arm64", Some("v8"))));
        assert!(!p.matches(&sp("linux", "amd64", None)));
        let p = Platform::parse("linux/arm/v7").unwrap();
        assert!(p.matches(&sp("linux", "arm", Some("v7"))));
        assert!(!p.matches(&sp("linux", "arm", Some("v6"))));
        let p = Platform::parse("linux/arm64/v8").unwrap();
        assert!(p.matches(&sp("linux", "arm64", None)));
        assert_eq!(
            Platform::parse("linux/x86_64").unwrap().architecture,
            "amd64"
        );
        for bad in ["linux", "a/b/c/d", "linux/", "li nux/amd64"] {
            assert!(Platform::parse(bad).is_err());
        }
        assert!(!Platform::host().architecture.is_empty());
    }
}
