//! Sources know where an image's bytes come from and hand over an
//! [`Artifact`]: manifest, config and layer descriptors, plus a way to open
//! each layer blob as a stream. Local sources (OCI layout, oci-archive,
//! docker-archive, `dir:`) and registries ([`registry`]) share the
//! index → manifest → config resolution. The Docker Engine exports
//! an image only as one tar stream whose layers come before its manifest,
//! so [`docker`] reads it with its own driver ([`save_stream`]) and hands
//! over an artifact whose layers cannot be opened again.

pub mod credentials;
pub mod docker;
mod docker_archive;
mod oci;
pub mod registry;
pub mod save_stream;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::digest::Digest;
use crate::error::ImageError;
use crate::files::{BlobReader, DirFiles, Files, TarFiles};
use crate::platform::Platform;
use crate::spec::{History, ImageConfig, ImageManifest};
use crate::target::Target;

/// Options for opening a target.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Platform to pick from a multi-platform index (default: the host's).
    pub platform: Option<Platform>,
    /// Registries: allow plain HTTP and unverified TLS for any host (plain
    /// HTTP is always allowed for loopback registries).
    pub insecure: bool,
    /// Registries: the auth file to read credentials from instead of
    /// `~/.docker/config.json` (or `$DOCKER_CONFIG`, `$REGISTRY_AUTH_FILE`).
    pub auth_file: Option<std::path::PathBuf>,
    /// Registries: a directory of TLS files for the registry (`*.crt`: CAs
    /// to trust; `NAME.cert` + `NAME.key`: a client certificate), used
    /// instead of `/etc/docker/certs.d/HOST`, `/etc/containers/certs.d/HOST`
    /// and `~/.config/containers/certs.d/HOST`.
    pub cert_dir: Option<std::path::PathBuf>,
}

/// Where an image comes from. A source resolves the image once
/// ([`Source::artifact`]); the artifact then opens layer blobs on demand,
/// possibly from several threads at once.
pub trait Source: Send + Sync + fmt::Debug {
    /// The source as the user would write it (`oci-archive:/tmp/x.tar:tag`).
    fn name(&self) -> &str;
    /// Resolves manifest, config and layers.
    fn artifact(&self) -> Result<Artifact, ImageError>;
}

/// Opens layer blobs. Each call returns an independent stream of the blob
/// exactly as stored (compressed or not); callers verify digests.
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Opens the blob of `layer`.
    fn open_layer(&self, layer: &Layer) -> Result<BlobReader, ImageError>;
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Position in the manifest, base layer first (0).
    pub index: usize,
    /// Digest of the blob as stored, when the source knows it (OCI layouts,
    /// registries; docker-archives only when they name blobs by digest).
    pub digest: Option<Digest>,
    /// Digest of the uncompressed tar, from the config's `rootfs.diff_ids`.
    pub diff_id: Digest,
    /// Media type from the manifest (a hint only: compression is detected
    /// from the bytes).
    pub media_type: Option<String>,
    /// Size of the blob from the manifest.
    pub size: Option<u64>,
    /// Index into `config.history` of the step that produced this layer.
    pub history: Option<usize>,
    /// That step's `created_by`.
    pub created_by: Option<String>,
    /// Where the blob is inside the source (a path for local sources).
    pub location: String,
}

impl Layer {
    /// The blob digest if known, else the location: for messages.
    pub fn label(&self) -> String {
        self.digest
            .as_ref()
            .map_or_else(|| self.location.clone(), ToString::to_string)
    }
}

/// A resolved image.
#[derive(Clone)]
pub struct Artifact {
    /// The source's name.
    pub source: String,
    /// The name the image was picked by (ref name or tag), if any.
    pub name: Option<String>,
    /// Tags the source lists for the image (docker-archive `RepoTags`).
    pub repo_tags: Vec<String>,
    /// Digest of the manifest, when there is one.
    pub manifest_digest: Option<Digest>,
    /// The image manifest (OCI or Docker v2 schema 2); docker-archives have
    /// none, only their `manifest.json` entry.
    pub manifest: Option<ImageManifest>,
    /// Digest of the config blob (the image ID).
    pub config_digest: Digest,
    /// The parsed config.
    pub config: ImageConfig,
    /// The config as stored, for fields this crate does not model.
    pub raw_config: Vec<u8>,
    /// The layers, base first.
    pub layers: Vec<Layer>,
    blobs: Arc<dyn BlobStore>,
}

impl fmt::Debug for Artifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Artifact")
            .field("source", &self.source)
            .field("name", &self.name)
            .field("config_digest", &self.config_digest)
            .field("layers", &self.layers)
            .finish_non_exhaustive()
    }
}

impl Artifact {
    /// Builds an artifact; `layers[i].history`/`created_by` are filled from
    /// the config when `None`.
    pub fn new(
        source: String,
        config_digest: Digest,
        config: ImageConfig,
        raw_config: Vec<u8>,
        mut layers: Vec<Layer>,
        blobs: Arc<dyn BlobStore>,
    ) -> Self {
        let map = crate::spec::layer_history(&config.history, layers.len());
        for (layer, h) in layers.iter_mut().zip(map) {
            if layer.history.is_none() {
                layer.history = h;
            }
            if layer.created_by.is_none() {
                layer.created_by = layer
                    .history
                    .and_then(|i| config.history.get(i))
                    .and_then(|h| h.created_by.clone());
            }
        }
        Self {
            source,
            name: None,
            repo_tags: Vec::new(),
            manifest_digest: None,
            manifest: None,
            config_digest,
            config,
            raw_config,
            layers,
            blobs,
        }
    }

    /// Opens the blob of layer `index` as stored.
    pub fn open_layer(&self, index: usize) -> Result<BlobReader, ImageError> {
        let layer = self.layers.get(index).ok_or_else(|| ImageError::Invalid {
            what: "layer index".into(),
            location: self.source.clone(),
            reason: format!("no layer {index} (image has {})", self.layers.len()),
        })?;
        self.blobs.open_layer(layer)
    }

    /// The history entry that produced layer `index`.
    pub fn history_of(&self, index: usize) -> Option<&History> {
        self.layers
            .get(index)
            .and_then(|l| l.history)
            .and_then(|h| self.config.history.get(h))
    }
}

/// Layer blobs of a local source, by path.
#[derive(Debug)]
struct LocalBlobs(Arc<dyn Files>);

impl BlobStore for LocalBlobs {
    fn open_layer(&self, layer: &Layer) -> Result<BlobReader, ImageError> {
        self.0.open(&layer.location).map(|(r, _)| r)
    }
}

/// A local source: a layout or archive on disk.
#[derive(Debug)]
pub struct LocalSource {
    name: String,
    kind: LocalKind,
    files: Arc<dyn Files>,
    options: OpenOptions,
}

#[derive(Debug, Clone)]
enum LocalKind {
    Oci(Option<String>),
    DockerArchive(Option<crate::target::ArchiveImage>),
    Dir,
}

impl LocalSource {
    /// Opens the files of a local target (indexes an archive once).
    pub fn new(target: &Target, options: OpenOptions) -> Result<Self, ImageError> {
        let name = describe(target);
        let (kind, files): (LocalKind, Arc<dyn Files>) = match target {
            Target::Oci { path, reference } => (
                LocalKind::Oci(reference.clone()),
                Arc::new(DirFiles::new(path, name.clone())?),
            ),
            Target::OciArchive { path, reference } => (
                LocalKind::Oci(reference.clone()),
                Arc::new(TarFiles::index(path, name.clone())?),
            ),
            Target::DockerArchive { path, image } => (
                LocalKind::DockerArchive(image.clone()),
                if Path::new(path).is_dir() {
                    Arc::new(DirFiles::new(path, name.clone())?)
                } else {
                    Arc::new(TarFiles::index(path, name.clone())?)
                },
            ),
            Target::Dir { path } => (LocalKind::Dir, Arc::new(DirFiles::new(path, name.clone())?)),
            Target::Reference(r) => {
                return Err(ImageError::Unsupported {
                    what: format!("image `{}` from a registry", r.familiar()),
                    reason: "it is not in the local Docker Engine (or the engine cannot be reached), and this version does not pull from registries; pull it with `docker pull` and scan it again, or name a file (docker-archive:, oci:, oci-archive:, dir:)".into(),
                });
            }
            other => {
                return Err(ImageError::Unsupported {
                    what: format!("target `{}`", describe(other)),
                    reason: "only docker-archive:, oci:, oci-archive:, dir: and docker: images can be read by this version".into(),
                });
            }
        };
        Ok(Self {
            name,
            kind,
            files,
            options,
        })
    }
}

impl Source for LocalSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn artifact(&self) -> Result<Artifact, ImageError> {
        let blobs: Arc<dyn BlobStore> = Arc::new(LocalBlobs(Arc::clone(&self.files)));
        match &self.kind {
            LocalKind::Oci(reference) => oci::resolve_layout(
                self.files.as_ref(),
                reference.as_deref(),
                &self.options,
                blobs,
            ),
            LocalKind::Dir => oci::resolve_dir(self.files.as_ref(), &self.options, blobs),
            LocalKind::DockerArchive(image) => {
                docker_archive::resolve(self.files.as_ref(), image.as_ref(), blobs)
            }
        }
    }
}

/// Opens a target (a local one, or a registry's) and resolves its image.
pub fn open(target: &Target, options: &OpenOptions) -> Result<Artifact, ImageError> {
    match target {
        Target::Registry(r) | Target::Reference(r) => {
            registry::resolve(r, describe(target), options)
        }
        _ => LocalSource::new(target, options.clone())?.artifact(),
    }
}

/// The canonical spelling of a target, for messages.
pub fn describe(target: &Target) -> String {
    use crate::target::{ArchiveImage, DockerImage};
    let p = |p: &Path| p.display().to_string();
    match target {
        Target::DockerArchive { path, image } => match image {
            None => format!("docker-archive:{}", p(path)),
            Some(ArchiveImage::Index(i)) => format!("docker-archive:{}:@{i}", p(path)),
            Some(ArchiveImage::Reference(r)) => {
                format!("docker-archive:{}:{}", p(path), r.familiar())
            }
        },
        Target::Oci { path, reference } | Target::OciArchive { path, reference } => {
            let t = if matches!(target, Target::Oci { .. }) {
                "oci"
            } else {
                "oci-archive"
            };
            match reference {
                Some(r) => format!("{t}:{}:{r}", p(path)),
                None => format!("{t}:{}", p(path)),
            }
        }
        Target::Dir { path } => format!("dir:{}", p(path)),
        Target::Fs { path } => format!("fs:{}", p(path)),
        Target::Sbom { path } => format!("sbom:{}", p(path)),
        Target::Docker(DockerImage::Reference(r)) => format!("docker:{}", r.familiar()),
        Target::Docker(DockerImage::Id(d)) => format!("docker:{d}"),
        Target::Registry(r) => format!("registry:{r}"),
        Target::Reference(r) => r.familiar(),
    }
}
