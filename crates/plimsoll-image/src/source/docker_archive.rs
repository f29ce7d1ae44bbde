//! `docker save` archives: `manifest.json` (with or without `RepoTags`),
//! the legacy `repositories` file, several images per archive.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Artifact, BlobStore, Layer};
use crate::digest::Digest;
use crate::error::ImageError;
use crate::files::{Files, clean_relative, read_small};
use crate::reference::ImageReference;
use crate::spec::{DockerArchiveEntry, ImageConfig};
use crate::target::ArchiveImage;

/// `repositories`: name → tag → v1 id of the top layer.
type Repositories = BTreeMap<String, BTreeMap<String, String>>;

fn json<T: serde::de::DeserializeOwned>(files: &dyn Files, path: &str) -> Result<T, ImageError> {
    let bytes = read_small(files, path, path)?;
    serde_json::from_slice(&bytes).map_err(|source| ImageError::Json {
        what: path.to_owned(),
        location: files.name().to_owned(),
        source,
    })
}

/// The config of a `manifest.json` entry, read from `config_path`: checked
/// against the digest its name carries (when it carries one), parsed, and
/// its diff_ids. Shared by docker-archive files and `docker save` streams.
pub(super) fn entry_config(
    config_path: &str,
    raw_config: &[u8],
    location: &str,
) -> Result<(Digest, ImageConfig, Vec<Digest>), ImageError> {
    let config_digest = Digest::of_bytes(raw_config);
    if let Some(named) = digest_in_name(config_path) {
        if named != config_digest {
            return Err(ImageError::DigestMismatch {
                what: "config".into(),
                location: location.to_owned(),
                expected: named.to_string(),
                actual: config_digest.to_string(),
            });
        }
    }
    let config: ImageConfig =
        serde_json::from_slice(raw_config).map_err(|source| ImageError::Json {
            what: "image config".into(),
            location: location.to_owned(),
            source,
        })?;
    let diff_ids = super::oci::diff_ids(&config, location)?;
    Ok((config_digest, config, diff_ids))
}

/// The digest a file name spells (`blobs/sha256/<hex>`, `<hex>.json`,
/// `<hex>.tar`, `<hex>`), if any.
pub(super) fn digest_in_name(path: &str) -> Option<Digest> {
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = base
        .strip_suffix(".json")
        .or_else(|| base.strip_suffix(".tar"))
        .unwrap_or(base);
    Digest::from_hex(stem)
}

fn matches_tag(tag: &str, want: &ImageReference) -> bool {
    ImageReference::parse(tag)
        .map(|t| t.with_default_tag().familiar() == want.familiar())
        .unwrap_or(false)
}

pub(super) fn resolve(
    files: &dyn Files,
    image: Option<&ArchiveImage>,
    blobs: Arc<dyn BlobStore>,
) -> Result<Artifact, ImageError> {
    if !files.exists("manifest.json") {
        return Err(ImageError::Unsupported {
            what: format!("{} (no manifest.json)", files.name()),
            reason: "archives from Docker before 1.10 are not supported; re-save the image with a current Docker or skopeo".into(),
        });
    }
    let entries: Vec<DockerArchiveEntry> = json(files, "manifest.json")?;
    if entries.is_empty() {
        return Err(ImageError::Invalid {
            what: "manifest.json".into(),
            location: files.name().to_owned(),
            reason: "lists no images".into(),
        });
    }
    let repositories: Repositories = if files.exists("repositories") {
        json(files, "repositories")?
    } else {
        Repositories::new()
    };
    let tags: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let mut t = e.repo_tags.clone();
            let top = e
                .layers
                .last()
                .and_then(|l| l.split('/').next())
                .unwrap_or_default();
            for (name, by_tag) in &repositories {
                for (tag, id) in by_tag {
                    let full = format!("{name}:{tag}");
                    if id == top && !t.contains(&full) {
                        t.push(full);
                    }
                }
            }
            t
        })
        .collect();
    let labels = || -> Vec<String> {
        tags.iter()
            .enumerate()
            .map(|(i, t)| {
                if t.is_empty() {
                    format!("@{i}")
                } else {
                    t.join(" ")
                }
            })
            .collect()
    };
    let chosen = match image {
        None if entries.len() == 1 => 0,
        None => {
            return Err(ImageError::AmbiguousImage {
                source_name: files.name().to_owned(),
                available: labels(),
            });
        }
        Some(ArchiveImage::Index(i)) if *i < entries.len() => *i,
        Some(ArchiveImage::Index(i)) => {
            return Err(ImageError::NoSuchImage {
                source_name: files.name().to_owned(),
                wanted: format!("@{i}"),
                available: labels(),
            });
        }
        Some(ArchiveImage::Reference(r)) => tags
            .iter()
            .position(|t| t.iter().any(|tag| matches_tag(tag, r)))
            .ok_or_else(|| ImageError::NoSuchImage {
                source_name: files.name().to_owned(),
                wanted: r.familiar(),
                available: labels(),
            })?,
    };
    let entry = &entries[chosen];
    let config_path = clean_relative(&entry.config, files.name())?;
    let location = format!("{}:{config_path}", files.name());
    let raw_config = read_small(files, &config_path, "config")?;
    let (config_digest, config, diff_ids) = entry_config(&config_path, &raw_config, &location)?;
    if diff_ids.len() != entry.layers.len() {
        return Err(ImageError::Invalid {
            what: "image".into(),
            location: format!("{}:manifest.json", files.name()),
            reason: format!(
                "entry {chosen} lists {} layers but its config has {} diff_ids",
                entry.layers.len(),
                diff_ids.len()
            ),
        });
    }
    let mut layers = Vec::with_capacity(diff_ids.len());
    for (index, (path, diff_id)) in entry.layers.iter().zip(diff_ids).enumerate() {
        let path = clean_relative(path, files.name())?;
        if !files.exists(&path) {
            return Err(ImageError::Missing {
                source_name: files.name().to_owned(),
                what: format!("layer {index}"),
                path,
            });
        }
        let source = entry.layer_sources.get(&diff_id.to_string());
        // Only `blobs/sha256/<hex>` names are content addresses of the blob
        // itself; `<hex>.tar` and `<id>/layer.tar` may name the diff_id or a
        // v1 id, so those blobs are verified by diff_id only.
        let digest = path
            .strip_prefix("blobs/sha256/")
            .and_then(Digest::from_hex);
        layers.push(Layer {
            index,
            digest,
            diff_id,
            media_type: source.and_then(|s| s.media_type.clone()),
            size: None,
            history: None,
            created_by: None,
            location: path,
        });
    }
    let mut a = Artifact::new(
        files.name().to_owned(),
        config_digest,
        config,
        raw_config,
        layers,
        blobs,
    );
    a.repo_tags = tags[chosen].clone();
    a.name = match image {
        Some(ArchiveImage::Reference(r)) => Some(r.familiar()),
        _ => tags[chosen].first().cloned(),
    };
    Ok(a)
}
