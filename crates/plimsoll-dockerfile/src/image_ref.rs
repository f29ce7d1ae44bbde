//! Splitting an image reference (`host:port/path/name:tag@sha256:…`) the way
//! Docker's reference grammar does, for the FROM rules.

/// The parts of an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (with port) if the reference names one; `None` means
    /// Docker Hub.
    pub registry: Option<String>,
    /// Repository path without the registry.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(s: &str) -> ImageRef {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => {
                (Some(first.to_string()), path.to_string())
            }
            _ => (None, name.to_string()),
        };
        ImageRef {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// The registry host, Docker Hub's canonical name when none is given.
    pub fn registry_or_hub(&self) -> &str {
        self.registry.as_deref().unwrap_or("docker.io")
    }

    pub fn is_scratch(&self) -> bool {
        self.registry.is_none() && self.repository.eq_ignore_ascii_case("scratch")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references() {
        let r = ImageRef::parse("debian");
        assert_eq!(
            (r.registry, r.repository.as_str(), r.tag, r.digest),
            (None, "debian", None, None)
        );
        let r = ImageRef::parse("localhost:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("library/node:latest");
        assert_eq!(
            (r.registry.as_deref(), r.tag.as_deref()),
            (None, Some("latest"))
        );
        let r = ImageRef::parse("gcr.io/distroless/static");
        assert_eq!(
            (r.registry.as_deref(), r.tag.as_deref()),
            (Some("gcr.io"), None)
        );
        assert_eq!(
            ImageRef::parse("docker.io/library/x").registry_or_hub(),
            "docker.io"
        );
        assert!(ImageRef::parse("SCRATCH").is_scratch());
    }
}
