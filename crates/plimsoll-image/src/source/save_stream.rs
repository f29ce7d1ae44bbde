//! One sequential pass over a `docker save` tar stream, as the Docker
//! Engine exports an image (`GET /images/{name}/get`). The layer blobs come
//! before `manifest.json` — Docker 20.10 writes the legacy layout
//! (`<id>/layer.tar`, `<config hex>.json`, `manifest.json`, `repositories`,
//! in name order), Docker 25+ an OCI layout (`blobs/sha256/…`, `index.json`,
//! `oci-layout`) with `manifest.json` beside it — so the stream cannot be
//! resolved first and read afterwards, as [`super::BlobStore`] sources are.
//!
//! Instead every entry is classified as it streams by: a blob that looks
//! like a layer (a tar header with a valid checksum, an all-zero block,
//! gzip or zstd magic, or a `layer.tar` name) is run through
//! [`read_layer`] at once with every analyzer, its digests computed on the
//! fly; anything else of at most 16 MiB (manifests, configs, `json` files)
//! is kept in memory. A failure to read a would-be layer is kept too, and
//! reported only if the image turns out to need that blob. When the
//! stream ends, `manifest.json` names the config (whose digest is checked
//! against its name and the expected image ID) and the layer paths
//! (symlinks followed: Docker links a repeated layer to its first copy);
//! each layer's computed diff_id must equal the config's, a layer missing
//! from the stream is an error naming it, and the results go into the layer
//! cache exactly as [`crate::analyze()`] stores them.
//!
//! Memory holds the small documents and every layer's file table and
//! analyzer results (as [`crate::analyze()`] does); layer contents are
//! never kept. The stream is read once, on the calling thread: layers are
//! analysed one after the other, in stream order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Artifact, BlobStore, Layer};
use crate::analyze::{self, AnalyzeOptions, ImageAnalysis};
use crate::analyzer::Analyzer;
use crate::digest::Digest;
use crate::error::{ImageError, LayerError};
use crate::files::{BlobReader, archive_path, clean_relative, lexical};
use crate::layer::{Expected, LayerRead, compression_name, read_layer};
use crate::spec::DockerArchiveEntry;
use crate::tarframe::{EntryKind, FrameLimits, Stream, TarFramer};

/// Largest document (non-layer entry) kept in memory.
const MAX_SMALL: u64 = 16 << 20;
/// Most bytes of documents kept in memory in all.
const MAX_SMALL_TOTAL: u64 = 256 << 20;
/// Most entries in the stream.
const MAX_ENTRIES: u64 = 1_000_000;
/// Most links followed to resolve one path.
const MAX_LINKS: usize = 16;

/// What the caller knows about the image before the stream is read.
#[derive(Debug, Clone, Default)]
pub struct StreamImage {
    /// The source's name, for messages and the artifact (`docker:debian:12`).
    pub source: String,
    /// The image the stream must hold: the digest of its config (the
    /// classic image store's image ID). When no config matches and the
    /// stream holds a single image, that image is taken (the containerd
    /// store's IDs are manifest digests), its diff_ids still checked.
    pub image_id: Option<Digest>,
    /// The diff_ids the engine reported, which the config must repeat.
    /// Layers whose results are all cached are then skipped unread when
    /// the stream names their blob by that digest (OCI-layout exports).
    pub diff_ids: Option<Vec<Digest>>,
}

/// One entry of the stream, after the pass.
#[derive(Debug)]
enum Blob {
    /// A document kept in memory.
    Small(Vec<u8>),
    /// A layer read and analysed.
    Read(Box<LayerRead>),
    /// A would-be layer that could not be read (reported if needed).
    Failed(LayerError),
    /// A layer skipped because its results are cached (named by this diff_id).
    Cached(Digest),
    /// Neither a layer nor a document small enough to keep; why.
    Skipped(String),
}

#[derive(Debug, Default)]
struct Walked {
    /// Entries by clean path, with their size in the stream.
    blobs: HashMap<String, (Blob, u64)>,
    /// Symlinks and hard links: path → target path.
    links: HashMap<String, String>,
}

impl Walked {
    /// The path of the entry `path` names, links followed.
    fn resolve(&self, path: &str) -> Option<String> {
        let mut cur = path.to_owned();
        for _ in 0..MAX_LINKS {
            if self.blobs.contains_key(&cur) {
                return Some(cur);
            }
            cur = self.links.get(&cur)?.clone();
        }
        None
    }

    /// A document kept in memory.
    fn small(&self, path: &str, what: &str, source: &str) -> Result<&[u8], ImageError> {
        let missing = || ImageError::Missing {
            source_name: source.to_owned(),
            what: what.to_owned(),
            path: path.to_owned(),
        };
        let found = self.resolve(path).ok_or_else(missing)?;
        let invalid = |reason: String| ImageError::Invalid {
            what: what.to_owned(),
            location: format!("{source}:{path}"),
            reason,
        };
        match self.blobs.get(&found) {
            Some((Blob::Small(b), _)) => Ok(b),
            Some((Blob::Skipped(reason), _)) => Err(invalid(reason.clone())),
            Some(_) => Err(invalid("is a tar stream, not a JSON document".into())),
            None => Err(missing()),
        }
    }
}

/// Layer blobs of a streamed image: they were read once from the stream
/// and are not kept, so opening one again is an error that says so.
#[derive(Debug)]
pub(crate) struct StreamedBlobs {
    pub(crate) source: String,
}

impl BlobStore for StreamedBlobs {
    fn open_layer(&self, layer: &Layer) -> Result<BlobReader, ImageError> {
        Err(ImageError::Unsupported {
            what: format!(
                "opening layer {} (diff_id {}) of {} a second time",
                layer.index, layer.diff_id, self.source
            ),
            reason: "the layers were read once from the Docker Engine's export stream and not kept; analyse the image again, or save it (`docker save -o FILE`) and read docker-archive:FILE".into(),
        })
    }
}

/// Whether the first bytes of an entry look like a layer blob: gzip, zstd
/// (or another compression, refused later with its name), an all-zero tar
/// block (an empty layer), or a tar header whose checksum is right.
fn looks_like_layer(prefix: &[u8]) -> bool {
    if compression_name(prefix).is_some() {
        return true;
    }
    let Some(block) = prefix.get(..512) else {
        return false;
    };
    if block.iter().all(|&b| b == 0) {
        return true;
    }
    let Ok(stored) = tar::Header::from_byte_slice(block).cksum() else {
        return false;
    };
    let computed: u32 = block[..148]
        .iter()
        .chain(&block[156..])
        .map(|&b| u32::from(b))
        .sum::<u32>()
        + 8 * u32::from(b' ');
    stored == computed
}

/// The one pass: classifies, analyses or keeps every entry.
fn walk<R: Read>(
    stream: R,
    source: &str,
    skip: &HashSet<Digest>,
    analyzers: &[&dyn Analyzer],
    options: &AnalyzeOptions,
) -> Result<Walked, ImageError> {
    let archive_err = |offset: u64, reason: String| ImageError::Archive {
        path: PathBuf::from(source),
        offset,
        reason,
    };
    let mut framer = TarFramer::new(
        Stream(std::io::BufReader::with_capacity(128 << 10, stream)),
        FrameLimits {
            max_extension: 1 << 20,
            max_path: 16 * 1024,
            max_sparse_entries: options.limits.max_sparse_entries,
        },
    );
    let mut walked = Walked::default();
    // Progress counts layer blobs as they stream by (the stream's size is
    // unknown until it ends).
    let mut layers_seen = 0usize;
    let mut layer_done = |from_cache: bool| {
        options.progress.emit(crate::analyze::Progress::LayerDone {
            index: layers_seen,
            from_cache,
            unread: 0,
        });
        layers_seen += 1;
    };
    let mut small_total: u64 = 0;
    let mut count: u64 = 0;
    loop {
        let entry = match framer.next_entry() {
            Ok(Some(e)) => e,
            Ok(None) => break,
            Err(e) => return Err(archive_err(framer.position(), e.to_string())),
        };
        count += 1;
        if count > MAX_ENTRIES {
            return Err(archive_err(
                entry.header_offset,
                format!("more than {MAX_ENTRIES} entries"),
            ));
        }
        let Some(name) = archive_path(&entry.path) else {
            continue;
        };
        match entry.kind {
            EntryKind::File => {}
            EntryKind::Symlink => {
                if let Some(target) = entry.link.as_deref() {
                    let target = String::from_utf8_lossy(target);
                    let joined = match (target.starts_with('/'), name.rsplit_once('/')) {
                        (false, Some((dir, _))) => format!("{dir}/{target}"),
                        _ => target.into_owned(),
                    };
                    if let Some(t) = lexical(&joined) {
                        walked.links.insert(name, t);
                    }
                }
                continue;
            }
            EntryKind::Hardlink => {
                if let Some(t) = entry.link.as_deref().and_then(archive_path) {
                    walked.links.insert(name, t);
                }
                continue;
            }
            _ => continue,
        }
        let size = entry.size;
        let read_err = |e: std::io::Error, framer: &TarFramer<_>| {
            archive_err(framer.position(), format!("reading `{name}`: {e}"))
        };
        let mut prefix = Vec::with_capacity(512);
        if let Err(e) = framer.content().take(512).read_to_end(&mut prefix) {
            return Err(read_err(e, &framer));
        }
        let layer_like = name == "layer.tar" || name.ends_with("/layer.tar");
        let blob = if layer_like || looks_like_layer(&prefix) {
            let named = name
                .strip_prefix("blobs/sha256/")
                .and_then(Digest::from_hex);
            match named {
                Some(d) if skip.contains(&d) => {
                    layer_done(true);
                    Blob::Cached(d)
                }
                named => {
                    let content = (&prefix[..]).chain(framer.content());
                    let expected = Expected {
                        digest: named.as_ref(),
                        size: Some(size),
                        diff_id: None,
                    };
                    let blob = match read_layer(content, expected, analyzers, &options.limits) {
                        Ok(read) => Blob::Read(Box::new(read)),
                        Err(e) => Blob::Failed(e),
                    };
                    layer_done(false);
                    blob
                }
            }
        } else if size <= MAX_SMALL {
            small_total += size;
            if small_total > MAX_SMALL_TOTAL {
                return Err(ImageError::TooLarge {
                    what: "documents other than layers".into(),
                    location: source.to_owned(),
                    limit: MAX_SMALL_TOTAL,
                });
            }
            let mut bytes = prefix;
            if let Err(e) = framer.content().read_to_end(&mut bytes) {
                return Err(read_err(e, &framer));
            }
            Blob::Small(bytes)
        } else {
            Blob::Skipped(format!(
                "its {size} bytes are neither a tar layer nor a document of at most {MAX_SMALL} bytes"
            ))
        };
        walked.blobs.insert(name, (blob, size));
    }
    Ok(walked)
}

/// Reads a `docker save` stream once and analyses the image it holds
/// (see the module documentation). Layers whose results the cache holds
/// are still read when the stream does not name them by diff_id; their
/// fresh results replace the cached ones.
pub fn analyze_save_stream<R: Read>(
    stream: R,
    want: &StreamImage,
    analyzers: &[&dyn Analyzer],
    options: &AnalyzeOptions,
) -> Result<(Artifact, ImageAnalysis), ImageError> {
    let source = want.source.as_str();
    let cache = &options.cache;
    let skip: HashSet<Digest> = want
        .diff_ids
        .iter()
        .flatten()
        .filter(|d| analyze::fully_cached(d, analyzers, cache))
        .cloned()
        .collect();
    // The stream's size is unknown until it ends: progress counts layers.
    options.progress.emit(crate::analyze::Progress::Start {
        layers: want.diff_ids.as_ref().map_or(0, Vec::len),
        bytes: 0,
    });
    let mut walked = walk(stream, source, &skip, analyzers, options)?;

    if walked.resolve("manifest.json").is_none() {
        return Err(if walked.resolve("index.json").is_some() {
            ImageError::Unsupported {
                what: format!("{source}: an OCI layout without manifest.json"),
                reason: "only exports that carry Docker's manifest.json (every Docker Engine writes one) can be read from a stream".into(),
            }
        } else {
            ImageError::Missing {
                source_name: source.to_owned(),
                what: "manifest.json (not a `docker save` stream?)".into(),
                path: "manifest.json".into(),
            }
        });
    }
    let manifest = walked.small("manifest.json", "manifest.json", source)?;
    let entries: Vec<DockerArchiveEntry> =
        serde_json::from_slice(manifest).map_err(|e| ImageError::Json {
            what: "manifest.json".into(),
            location: source.to_owned(),
            source: e,
        })?;
    if entries.is_empty() {
        return Err(ImageError::Invalid {
            what: "manifest.json".into(),
            location: source.to_owned(),
            reason: "lists no images".into(),
        });
    }
    // The digest of each entry's config, when it is in the stream.
    let configs: Vec<Option<Digest>> = entries
        .iter()
        .map(|e| {
            let path = clean_relative(&e.config, source).ok()?;
            walked
                .small(&path, "config", source)
                .ok()
                .map(Digest::of_bytes)
        })
        .collect();
    let chosen = match &want.image_id {
        Some(id) => configs
            .iter()
            .position(|c| c.as_ref() == Some(id))
            .or_else(|| (entries.len() == 1).then_some(0))
            .ok_or_else(|| ImageError::NoSuchImage {
                source_name: source.to_owned(),
                wanted: id.to_string(),
                available: configs.iter().flatten().map(ToString::to_string).collect(),
            })?,
        None if entries.len() == 1 => 0,
        None => {
            return Err(ImageError::AmbiguousImage {
                source_name: source.to_owned(),
                available: entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        if e.repo_tags.is_empty() {
                            format!("@{i}")
                        } else {
                            e.repo_tags.join(" ")
                        }
                    })
                    .collect(),
            });
        }
    };
    let entry = &entries[chosen];

    let config_path = clean_relative(&entry.config, source)?;
    let location = format!("{source}:{config_path}");
    let raw_config = walked.small(&config_path, "image config", source)?.to_vec();
    let (config_digest, config, diff_ids) =
        super::docker_archive::entry_config(&config_path, &raw_config, &location)?;
    if let Some(expected) = &want.diff_ids {
        if *expected != diff_ids {
            return Err(ImageError::Invalid {
                what: "image config".into(),
                location,
                reason: format!(
                    "its {} diff_ids differ from the {} layers the Docker Engine reported for the image",
                    diff_ids.len(),
                    expected.len()
                ),
            });
        }
    }
    if entry.layers.len() != diff_ids.len() {
        return Err(ImageError::Invalid {
            what: "image".into(),
            location: format!("{source}:manifest.json"),
            reason: format!(
                "entry {chosen} lists {} layers but its config has {} diff_ids",
                entry.layers.len(),
                diff_ids.len()
            ),
        });
    }

    let mut layers = Vec::with_capacity(diff_ids.len());
    for (index, (path, diff_id)) in entry.layers.iter().zip(diff_ids).enumerate() {
        let path = clean_relative(path, source)?;
        let found = walked.resolve(&path).ok_or_else(|| ImageError::Missing {
            source_name: source.to_owned(),
            what: format!("layer {index} (diff_id {diff_id})"),
            path: path.clone(),
        })?;
        let size = walked.blobs.get(&found).map(|(_, s)| *s);
        layers.push(Layer {
            index,
            digest: found
                .strip_prefix("blobs/sha256/")
                .and_then(Digest::from_hex),
            media_type: entry
                .layer_sources
                .get(&diff_id.to_string())
                .and_then(|s| s.media_type.clone()),
            diff_id,
            size,
            history: None,
            created_by: None,
            location: found,
        });
    }
    let mut artifact = Artifact::new(
        source.to_owned(),
        config_digest,
        config,
        raw_config,
        layers,
        Arc::new(StreamedBlobs {
            source: source.to_owned(),
        }),
    );
    artifact.repo_tags = entry.repo_tags.clone();
    artifact.name = entry.repo_tags.first().cloned();

    // How many layers still need each blob: the last use takes it.
    let mut uses: HashMap<String, usize> = HashMap::new();
    for l in &artifact.layers {
        *uses.entry(l.location.clone()).or_default() += 1;
    }
    let mut warnings = Vec::new();
    let mut analyses = Vec::with_capacity(artifact.layers.len());
    for layer in &artifact.layers {
        let wrap = |e: LayerError| ImageError::Layer {
            index: layer.index,
            digest: layer.label(),
            diff_id: layer.diff_id.to_string(),
            source: e,
        };
        let left = uses.get_mut(&layer.location).map_or(0, |n| {
            *n = n.saturating_sub(1);
            *n
        });
        let Some((blob, size)) = walked.blobs.get_mut(&layer.location) else {
            return Err(ImageError::Missing {
                source_name: source.to_owned(),
                what: format!("layer {} (diff_id {})", layer.index, layer.diff_id),
                path: layer.location.clone(),
            });
        };
        let consumed = || ImageError::Invalid {
            what: format!("layer {}", layer.index),
            location: format!("{source}:{}", layer.location),
            reason: "its blob was consumed twice (a bug in Plimsoll: please report it)".into(),
        };
        let analysis = match blob {
            Blob::Read(read) if read.diff_id != layer.diff_id => {
                return Err(wrap(LayerError::DiffIdMismatch {
                    expected: layer.diff_id.to_string(),
                    actual: read.diff_id.to_string(),
                }));
            }
            // Another layer still needs this blob (a repeated layer).
            Blob::Read(read) if left > 0 => analyze::from_read(
                layer,
                (**read).clone(),
                BTreeMap::new(),
                cache,
                &mut warnings,
            ),
            Blob::Read(_) => match std::mem::replace(blob, Blob::Skipped("already used".into())) {
                Blob::Read(read) => {
                    analyze::from_read(layer, *read, BTreeMap::new(), cache, &mut warnings)
                }
                _ => return Err(consumed()),
            },
            Blob::Small(bytes) => {
                let read = read_layer(
                    &bytes[..],
                    Expected {
                        digest: layer.digest.as_ref(),
                        size: Some(*size),
                        diff_id: Some(&layer.diff_id),
                    },
                    analyzers,
                    &options.limits,
                )
                .map_err(wrap)?;
                analyze::from_read(layer, read, BTreeMap::new(), cache, &mut warnings)
            }
            Blob::Failed(_) => match std::mem::replace(blob, Blob::Skipped("failed".into())) {
                Blob::Failed(e) => return Err(wrap(e)),
                _ => return Err(consumed()),
            },
            Blob::Cached(named) => {
                if *named != layer.diff_id {
                    return Err(wrap(LayerError::DiffIdMismatch {
                        expected: layer.diff_id.to_string(),
                        actual: named.to_string(),
                    }));
                }
                analyze::from_cache(layer, analyzers, cache).ok_or_else(|| {
                    ImageError::Invalid {
                        what: format!("layer {}", layer.index),
                        location: format!("{source}:{}", layer.location),
                        reason: "its cached results vanished during the scan (another process cleaned the cache?); run again".into(),
                    }
                })?
            }
            Blob::Skipped(reason) => {
                return Err(ImageError::Invalid {
                    what: format!("layer {}", layer.index),
                    location: format!("{source}:{}", layer.location),
                    reason: reason.clone(),
                });
            }
        };
        analyses.push(analysis);
    }
    if let Err(e) = cache.store_config(&artifact.config_digest, &artifact.raw_config) {
        warnings.push(e.to_string());
    }
    Ok((artifact, analyze::assemble(analyses, warnings)))
}
