//! OCI image layouts (directory or archive) and the containers-image `dir:`
//! layout: index selection by ref name and platform, manifest and config
//! verification.

use std::sync::Arc;

use super::{Artifact, BlobStore, Layer, OpenOptions};
use crate::digest::Digest;
use crate::error::ImageError;
use crate::files::{Files, read_small};
use crate::platform::{self, Platform};
use crate::spec::{self, Descriptor, ImageConfig, ImageIndex, ImageManifest};

/// How blobs are named in a layout.
#[derive(Clone, Copy)]
enum BlobNaming {
    /// `blobs/sha256/<hex>` (OCI).
    Oci,
    /// `<hex>` (containers-image `dir:`).
    Dir,
    /// `manifests/<digest>` and `blobs/<digest>` (a registry repository).
    Registry,
}

impl BlobNaming {
    /// Where the blob `d` is; `what` is `manifest` for manifests and
    /// indexes (a registry serves those from their own endpoint).
    fn path(self, d: &Digest, what: &str) -> String {
        match self {
            BlobNaming::Oci => format!("blobs/sha256/{}", d.hex()),
            BlobNaming::Dir => d.hex().to_owned(),
            BlobNaming::Registry if what == "manifest" => format!("manifests/{d}"),
            BlobNaming::Registry => format!("blobs/{d}"),
        }
    }
}

/// The most index levels followed (index → index → manifest).
const MAX_DEPTH: usize = 8;

fn parse_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &str,
    location: &str,
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|source| ImageError::Json {
        what: what.to_owned(),
        location: location.to_owned(),
        source,
    })
}

/// Reads a blob named by a descriptor and checks its digest and size.
fn read_verified(
    files: &dyn Files,
    naming: BlobNaming,
    desc: &Descriptor,
    what: &str,
) -> Result<(Digest, Vec<u8>, String), ImageError> {
    let digest = Digest::parse(
        &desc.digest,
        &format!("{what} descriptor in {}", files.name()),
    )?;
    let path = naming.path(&digest, what);
    if !files.exists(&path) {
        return Err(ImageError::Missing {
            source_name: files.name().to_owned(),
            what: format!("{what} blob"),
            path,
        });
    }
    let bytes = read_small(files, &path, what)?;
    let location = format!("{}:{path}", files.name());
    let actual = Digest::of_bytes(&bytes);
    if actual != digest {
        return Err(ImageError::DigestMismatch {
            what: what.to_owned(),
            location,
            expected: digest.to_string(),
            actual: actual.to_string(),
        });
    }
    if let Some(size) = desc.size {
        if size != bytes.len() as u64 {
            return Err(ImageError::Invalid {
                what: what.to_owned(),
                location,
                reason: format!("descriptor says {size} bytes, blob has {}", bytes.len()),
            });
        }
    }
    Ok((digest, bytes, location))
}

fn ref_name(d: &Descriptor) -> Option<&str> {
    d.annotations.get(spec::REF_NAME).map(String::as_str)
}

fn label(d: &Descriptor) -> String {
    match (ref_name(d), &d.platform) {
        (Some(n), _) => n.to_owned(),
        (None, Some(p)) => format!("{} ({})", d.digest, platform::describe(p)),
        (None, None) => d.digest.clone(),
    }
}

/// Picks one descriptor of an index by platform.
fn by_platform<'a>(
    source: &str,
    manifests: &'a [Descriptor],
    options: &OpenOptions,
) -> Result<&'a Descriptor, ImageError> {
    let want = options.platform.clone().unwrap_or_else(Platform::host);
    let unplatformed: Vec<&Descriptor> =
        manifests.iter().filter(|d| d.platform.is_none()).collect();
    manifests
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(|p| want.matches(p)))
        // An index with a single entry that names no platform (e.g. an
        // index of indexes) leads to that entry.
        .or(match unplatformed.as_slice() {
            [only] => Some(*only),
            _ => None,
        })
        .ok_or_else(|| ImageError::NoPlatform {
            source_name: source.to_owned(),
            wanted: want.to_string(),
            available: manifests
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .filter(|p| p.os != "unknown")
                .map(platform::describe)
                .collect(),
        })
}

/// Whether a document is an index (by media type, else by shape).
fn is_index(desc_media: Option<&str>, bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        layers: Option<serde::de::IgnoredAny>,
    }
    let probe: Option<Probe> = serde_json::from_slice(bytes).ok();
    let media = probe
        .as_ref()
        .and_then(|p| p.media_type.as_deref())
        .or(desc_media);
    match media {
        Some(spec::OCI_INDEX | spec::DOCKER_LIST) => true,
        Some(spec::OCI_MANIFEST | spec::DOCKER_MANIFEST) => false,
        _ => probe.is_some_and(|p| p.manifests.is_some() && p.layers.is_none()),
    }
}

/// Follows a descriptor through nested indexes down to an image manifest.
fn resolve_descriptor(
    files: &dyn Files,
    naming: BlobNaming,
    mut desc: Descriptor,
    options: &OpenOptions,
    blobs: Arc<dyn BlobStore>,
) -> Result<Artifact, ImageError> {
    for _ in 0..MAX_DEPTH {
        let (digest, bytes, location) = read_verified(files, naming, &desc, "manifest")?;
        if is_index(desc.media_type.as_deref(), &bytes) {
            let index: ImageIndex = parse_json(&bytes, "image index", &location)?;
            desc = by_platform(&location, &index.manifests, options)?.clone();
            continue;
        }
        return from_manifest(files, naming, Some(digest), &bytes, &location, blobs);
    }
    Err(ImageError::Invalid {
        what: "image index".into(),
        location: files.name().to_owned(),
        reason: format!("indexes nested deeper than {MAX_DEPTH} levels"),
    })
}

fn from_manifest(
    files: &dyn Files,
    naming: BlobNaming,
    manifest_digest: Option<Digest>,
    bytes: &[u8],
    location: &str,
    blobs: Arc<dyn BlobStore>,
) -> Result<Artifact, ImageError> {
    let schema1 = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .is_some_and(|v| v.get("fsLayers").is_some());
    if schema1 {
        return Err(ImageError::Unsupported {
            what: format!("Docker schema 1 manifest in {location}"),
            reason: "convert the image (e.g. `skopeo copy`) to an OCI or schema 2 manifest".into(),
        });
    }
    let manifest: ImageManifest = parse_json(bytes, "image manifest", location)?;
    let (config_digest, raw_config, config_location) =
        read_verified(files, naming, &manifest.config, "config")?;
    let config: ImageConfig = parse_json(&raw_config, "image config", &config_location)?;
    let diff_ids = diff_ids(&config, &config_location)?;
    if diff_ids.len() != manifest.layers.len() {
        return Err(ImageError::Invalid {
            what: "image".into(),
            location: location.to_owned(),
            reason: format!(
                "manifest lists {} layers but the config has {} diff_ids",
                manifest.layers.len(),
                diff_ids.len()
            ),
        });
    }
    let mut layers = Vec::with_capacity(diff_ids.len());
    for (index, (d, diff_id)) in manifest.layers.iter().zip(diff_ids).enumerate() {
        let digest = Digest::parse(&d.digest, &format!("layer {index} of {location}"))?;
        layers.push(Layer {
            index,
            location: naming.path(&digest, "layer"),
            digest: Some(digest),
            diff_id,
            media_type: d.media_type.clone(),
            size: d.size,
            history: None,
            created_by: None,
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
    a.manifest_digest = manifest_digest;
    a.manifest = Some(manifest);
    Ok(a)
}

/// The config's diff_ids, parsed.
pub(super) fn diff_ids(config: &ImageConfig, location: &str) -> Result<Vec<Digest>, ImageError> {
    config
        .rootfs
        .diff_ids
        .iter()
        .enumerate()
        .map(|(i, d)| Digest::parse(d, &format!("rootfs.diff_ids[{i}] of {location}")))
        .collect()
}

/// Resolves an image of an OCI layout.
pub(super) fn resolve_layout(
    files: &dyn Files,
    reference: Option<&str>,
    options: &OpenOptions,
    blobs: Arc<dyn BlobStore>,
) -> Result<Artifact, ImageError> {
    if !files.exists("index.json") {
        return Err(ImageError::Missing {
            source_name: files.name().to_owned(),
            what: "index.json (not an OCI image layout)".into(),
            path: "index.json".into(),
        });
    }
    let location = format!("{}:index.json", files.name());
    let bytes = read_small(files, "index.json", "index.json")?;
    let index: ImageIndex = parse_json(&bytes, "index.json", &location)?;
    if index.manifests.is_empty() {
        return Err(ImageError::Invalid {
            what: "index.json".into(),
            location,
            reason: "lists no images".into(),
        });
    }
    let candidates: Vec<&Descriptor> = match reference {
        Some(r) => index
            .manifests
            .iter()
            .filter(|d| ref_name(d) == Some(r) || d.digest == r)
            .collect(),
        None => index.manifests.iter().collect(),
    };
    let desc = match candidates.as_slice() {
        [] => {
            return Err(ImageError::NoSuchImage {
                source_name: files.name().to_owned(),
                wanted: reference.unwrap_or_default().to_owned(),
                available: index.manifests.iter().map(label).collect(),
            });
        }
        [one] => (*one).clone(),
        many if many.iter().all(|d| d.platform.is_some()) => {
            let owned: Vec<Descriptor> = many.iter().map(|d| (*d).clone()).collect();
            by_platform(&location, &owned, options)?.clone()
        }
        many => {
            return Err(ImageError::AmbiguousImage {
                source_name: files.name().to_owned(),
                available: many.iter().map(|d| label(d)).collect(),
            });
        }
    };
    let name = ref_name(&desc).map(str::to_owned);
    let mut artifact = resolve_descriptor(files, BlobNaming::Oci, desc, options, blobs)?;
    artifact.name = name.or_else(|| reference.map(str::to_owned));
    Ok(artifact)
}

/// Resolves the image of a containers-image `dir:` layout.
pub(super) fn resolve_dir(
    files: &dyn Files,
    options: &OpenOptions,
    blobs: Arc<dyn BlobStore>,
) -> Result<Artifact, ImageError> {
    let location = format!("{}:manifest.json", files.name());
    let bytes = read_small(files, "manifest.json", "manifest.json")?;
    let digest = Digest::of_bytes(&bytes);
    if is_index(None, &bytes) {
        let index: ImageIndex = parse_json(&bytes, "image index", &location)?;
        let desc = by_platform(&location, &index.manifests, options)?.clone();
        return resolve_descriptor(files, BlobNaming::Dir, desc, options, blobs);
    }
    from_manifest(
        files,
        BlobNaming::Dir,
        Some(digest),
        &bytes,
        &location,
        blobs,
    )
}

/// Resolves a registry's top-level manifest (already fetched and verified)
/// down to an image: an index is resolved by platform, its manifests and
/// the config fetched and verified like a layout's blobs.
pub(super) fn resolve_registry(
    files: &dyn Files,
    digest: Digest,
    bytes: &[u8],
    options: &OpenOptions,
    blobs: Arc<dyn BlobStore>,
) -> Result<Artifact, ImageError> {
    let location = format!("{}:manifests/{digest}", files.name());
    if is_index(None, bytes) {
        let index: ImageIndex = parse_json(bytes, "image index", &location)?;
        let desc = by_platform(&location, &index.manifests, options)?.clone();
        return resolve_descriptor(files, BlobNaming::Registry, desc, options, blobs);
    }
    from_manifest(
        files,
        BlobNaming::Registry,
        Some(digest),
        bytes,
        &location,
        blobs,
    )
}
