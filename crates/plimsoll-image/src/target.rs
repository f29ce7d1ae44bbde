//! Target strings, in the containers-transports convention
//! (`transport:details`), plus Plimsoll's `docker:`, `registry:`, `sbom:`
//! and `fs:` and a bare image reference.

use std::path::PathBuf;

use crate::digest::Digest;
use crate::error::ImageError;
use crate::reference::ImageReference;

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `docker-archive:FILE[:NAME[:TAG]|:@INDEX]` — a `docker save` tarball.
    DockerArchive {
        /// The tarball.
        path: PathBuf,
        /// Which image of the archive, when it holds several.
        image: Option<ArchiveImage>,
    },
    /// `oci:DIR[:REF]` (alias `oci-dir:`) — an OCI image layout directory.
    Oci {
        /// The layout directory.
        path: PathBuf,
        /// The `org.opencontainers.image.ref.name` to pick.
        reference: Option<String>,
    },
    /// `oci-archive:FILE[:REF]` — a tar of an OCI image layout.
    OciArchive {
        /// The tarball.
        path: PathBuf,
        /// The `org.opencontainers.image.ref.name` to pick.
        reference: Option<String>,
    },
    /// `dir:PATH` — the containers-image `dir` layout (manifest.json and
    /// blobs named by their hex digest).
    Dir {
        /// The directory.
        path: PathBuf,
    },
    /// `fs:PATH` — a root filesystem directory (not an image).
    Fs {
        /// The root directory.
        path: PathBuf,
    },
    /// `sbom:FILE` — a CycloneDX or SPDX document to re-match.
    Sbom {
        /// The document.
        path: PathBuf,
    },
    /// `docker:NAME[:TAG]`, `docker:ID` (alias `docker-daemon:`) — an image
    /// in the local Docker Engine.
    Docker(DockerImage),
    /// `registry:REF` (alias `docker://REF`) — an image in a registry.
    Registry(ImageReference),
    /// A bare `name:tag`, `name@sha256:…` or `host:port/name:tag`: the
    /// caller decides between the Engine and a registry.
    Reference(ImageReference),
}

/// Which image of a docker-archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveImage {
    /// By `NAME:TAG` (tag `latest` if omitted).
    Reference(ImageReference),
    /// By position in `manifest.json` (`@0`).
    Index(usize),
}

/// An image in the Docker Engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerImage {
    /// By name.
    Reference(ImageReference),
    /// By full image ID (`sha256:…` or 64 hex digits).
    Id(Digest),
}

const TRANSPORTS: &str = "docker-archive:FILE[:NAME:TAG], oci:DIR[:REF], oci-archive:FILE[:REF], dir:PATH, fs:PATH, sbom:FILE, docker:NAME[:TAG], registry:REF, or a bare NAME[:TAG]";

impl Target {
    /// Parses a target string.
    pub fn parse(input: &str) -> Result<Self, ImageError> {
        let err = |reason: String| ImageError::Target {
            input: input.to_owned(),
            reason,
        };
        if input.trim().is_empty() {
            return Err(err(format!("empty target; expected {TRANSPORTS}")));
        }
        if let Some(rest) = input.strip_prefix("docker://") {
            return Ok(Target::Registry(reference(input, rest)?));
        }
        let Some((transport, rest)) = input.split_once(':') else {
            return Ok(Target::Reference(bare(input)?));
        };
        let need_path = |rest: &str| -> Result<PathBuf, ImageError> {
            if rest.is_empty() {
                Err(err(format!("`{transport}:` needs a path")))
            } else {
                Ok(PathBuf::from(rest))
            }
        };
        Ok(match transport {
            "docker-archive" => {
                let (path, sel) = split_path(rest);
                let image = match sel {
                    None => None,
                    Some(s) if s.starts_with('@') => {
                        let n = s[1..].parse::<usize>().map_err(|_| {
                            err(format!("`{s}`: @INDEX must be a non-negative integer"))
                        })?;
                        Some(ArchiveImage::Index(n))
                    }
                    Some(s) => {
                        let r = reference(input, s)?;
                        if r.digest.is_some() {
                            return Err(err(
                                "docker-archive images are chosen by NAME:TAG, not by digest"
                                    .into(),
                            ));
                        }
                        Some(ArchiveImage::Reference(r.with_default_tag()))
                    }
                };
                Target::DockerArchive {
                    path: need_path(path)?,
                    image,
                }
            }
            "oci" | "oci-dir" | "oci-archive" => {
                let (path, sel) = split_path(rest);
                if let Some(r) = sel {
                    if !valid_ref_name(r) {
                        return Err(err(format!(
                            "`{r}` is not a valid OCI ref name (letters, digits and -._:@+/)"
                        )));
                    }
                }
                let path = need_path(path)?;
                let reference = sel.map(str::to_owned);
                if transport == "oci-archive" {
                    Target::OciArchive { path, reference }
                } else {
                    Target::Oci { path, reference }
                }
            }
            "dir" => Target::Dir {
                path: need_path(rest)?,
            },
            "fs" => Target::Fs {
                path: need_path(rest)?,
            },
            "sbom" => Target::Sbom {
                path: need_path(rest)?,
            },
            "docker" | "docker-daemon" => {
                if rest.is_empty() {
                    return Err(err("`docker:` needs an image name or ID".into()));
                }
                let hex = rest.strip_prefix("sha256:").unwrap_or(rest);
                match Digest::from_hex(hex) {
                    Some(d) => Target::Docker(DockerImage::Id(d)),
                    None => Target::Docker(DockerImage::Reference(reference(input, rest)?)),
                }
            }
            "registry" => Target::Registry(reference(input, rest)?),
            _ => Target::Reference(bare(input)?),
        })
    }

    /// Whether this target is read from local files (and can be opened by
    /// [`crate::open`] now).
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Target::DockerArchive { .. }
                | Target::Oci { .. }
                | Target::OciArchive { .. }
                | Target::Dir { .. }
        )
    }
}

/// `PATH[:SELECTOR]`, split at the first colon as containers-image does.
fn split_path(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once(':') {
        Some((p, s)) => (p, Some(s)),
        None => (rest, None),
    }
}

fn reference(input: &str, s: &str) -> Result<ImageReference, ImageError> {
    ImageReference::parse(s).map_err(|e| ImageError::Target {
        input: input.to_owned(),
        reason: e.to_string(),
    })
}

fn bare(input: &str) -> Result<ImageReference, ImageError> {
    ImageReference::parse(input).map_err(|e| ImageError::Target {
        input: input.to_owned(),
        reason: format!(
            "not a known transport nor an image reference ({e}); expected {TRANSPORTS}"
        ),
    })
}

fn valid_ref_name(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 1024
        && r.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:@+/".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    #[test]
    fn transports() {
        assert_eq!(
            p("docker-archive:/tmp/x.tar:multilayer:latest"),
            Target::DockerArchive {
                path: "/tmp/x.tar".into(),
                image: Some(ArchiveImage::Reference(
                    ImageReference::parse("multilayer:latest").unwrap()
                ))
            }
        );
        assert_eq!(
            p("docker-archive:x.tar:app"),
            Target::DockerArchive {
                path: "x.tar".into(),
                image: Some(ArchiveImage::Reference(
                    ImageReference::parse("app:latest").unwrap()
                ))
            }
        );
        assert_eq!(
            p("docker-archive:x.tar:@1"),
            Target::DockerArchive {
                path: "x.tar".into(),
                image: Some(ArchiveImage::Index(1))
            }
        );
        assert_eq!(
            p("oci:../img:multilayer"),
            Target::Oci {
                path: "../img".into(),
                reference: Some("multilayer".into())
            }
        );
        assert_eq!(
            p("oci-dir:img"),
            Target::Oci {
                path: "img".into(),
                reference: None
            }
        );
        assert_eq!(
            p("oci-archive:a.tar:v1.0"),
            Target::OciArchive {
                path: "a.tar".into(),
                reference: Some("v1.0".into())
            }
        );
        assert_eq!(
            p("dir:/x:y"),
            Target::Dir {
                path: "/x:y".into()
            }
        );
        assert_eq!(
            p("sbom:bom.json"),
            Target::Sbom {
                path: "bom.json".into()
            }
        );
        assert_eq!(p("fs:/"), Target::Fs { path: "/".into() });
        assert!(matches!(
            p("docker:debian:12"),
            Target::Docker(DockerImage::Reference(_))
        ));
        let id = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert!(matches!(
            p(&format!("docker:{id}")),
            Target::Docker(DockerImage::Id(_))
        ));
        assert!(matches!(
            p(&format!("docker:sha256:{id}")),
            Target::Docker(DockerImage::Id(_))
        ));
        assert!(matches!(p("registry:ghcr.io/a/b:1"), Target::Registry(_)));
        assert!(matches!(p("docker://quay.io/a/b"), Target::Registry(_)));
    }

    #[test]
    fn bare_references() {
        for s in [
            "debian",
            "debian:bookworm",
            "localhost:5000/app:1",
            "ghcr.io/org/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert!(matches!(p(s), Target::Reference(_)), "{s}");
        }
        let Target::Reference(r) = p("localhost:5000/app:1") else {
            panic!()
        };
        assert_eq!(r.domain, "localhost:5000");
    }

    #[test]
    fn errors_are_clear() {
        for (bad, needle) in [
            ("", "empty target"),
            ("oci:", "needs a path"),
            ("docker-archive:x.tar:@x", "@INDEX"),
            (
                "docker-archive:x.tar:a@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "not by digest",
            ),
            ("oci:dir:bad ref", "OCI ref name"),
            ("./image.tar", "not a known transport"),
            ("Foo:bar:baz", "not a known transport"),
            ("docker:", "needs an image"),
            ("registry:UP", "invalid"),
        ] {
            let e = Target::parse(bad).unwrap_err().to_string();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }
}
