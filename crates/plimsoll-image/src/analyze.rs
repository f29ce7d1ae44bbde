//! Runs analyzers over an artifact: every layer in parallel and
//! independently (from the cache when it can), then the squash.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;

use crate::analyzer::{Analyzer, AnalyzerOutput};
use crate::cache::{CachedLayer, CachedLayerRef, LayerCache};
use crate::digest::Digest;
use crate::error::{ImageError, LayerError};
use crate::layer::{Compression, Expected, LayerFiles, LayerRead, Limits, read_layer};
use crate::source::{Artifact, Layer};
use crate::squash::{Squashed, squash};

/// Options for [`analyze`].
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// Caps on hostile input.
    pub limits: Limits,
    /// The layer cache ([`LayerCache::disabled`] for `--no-cache`).
    pub cache: LayerCache,
    /// Threads for layers (default: rayon's global pool).
    pub threads: Option<usize>,
    /// Who hears about progress (nobody by default).
    pub progress: ProgressSink,
}

/// What a progress observer hears while an image is analysed. Sizes are of
/// the blobs as stored (compressed), the figures a download would show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Work starts: `layers` layers, `bytes` stored bytes in all (the sum of
    /// the sizes the manifest declares; 0 when unknown).
    Start {
        /// Number of layers.
        layers: usize,
        /// Total stored bytes, 0 when unknown.
        bytes: u64,
    },
    /// `bytes` more bytes of layer `index` were read.
    Read {
        /// The layer.
        index: usize,
        /// Bytes read since the last report.
        bytes: u64,
    },
    /// Layer `index` is done; `unread` of its declared bytes were never
    /// read (all of them when it came from the cache).
    LayerDone {
        /// The layer.
        index: usize,
        /// Whether it came from the cache.
        from_cache: bool,
        /// Declared bytes not reported through `Read`.
        unread: u64,
    },
}

/// A progress observer (cheap to clone; called from the layer threads).
#[derive(Clone, Default)]
pub struct ProgressSink(Option<Arc<dyn Fn(Progress) + Send + Sync>>);

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProgressSink(..)"
        } else {
            "ProgressSink(none)"
        })
    }
}

impl ProgressSink {
    /// Reports to `f`.
    pub fn new(f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    /// Tells the observer, if any.
    pub fn emit(&self, p: Progress) {
        if let Some(f) = &self.0 {
            f(p);
        }
    }

    fn enabled(&self) -> bool {
        self.0.is_some()
    }
}

/// Reports bytes read, in steps of at least [`REPORT_STEP`].
struct Counting<R> {
    inner: R,
    sink: ProgressSink,
    index: usize,
    pending: u64,
}

const REPORT_STEP: u64 = 256 << 10;

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        if self.pending >= REPORT_STEP || (n == 0 && self.pending > 0) {
            self.sink.emit(Progress::Read {
                index: self.index,
                bytes: std::mem::take(&mut self.pending),
            });
        }
        Ok(n)
    }
}

/// One layer's analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerAnalysis {
    /// Index in the manifest.
    pub index: usize,
    /// diff_id (verified when the layer was read).
    pub diff_id: Digest,
    /// Digest of the blob as read.
    pub blob_digest: Digest,
    /// Size of the blob.
    pub blob_size: u64,
    /// Uncompressed size.
    pub uncompressed_size: u64,
    /// Compression detected.
    pub compression: Compression,
    /// Index of the history entry that produced the layer.
    pub history: Option<usize>,
    /// That entry's `created_by`.
    pub created_by: Option<String>,
    /// Whether everything came from the cache (the blob was not read).
    pub from_cache: bool,
    /// The file table.
    pub files: LayerFiles,
    /// Analyzer outputs by name.
    pub outputs: BTreeMap<String, AnalyzerOutput>,
}

/// An analyzer result whose file survives in the squashed image.
#[derive(Debug, Clone, PartialEq)]
pub struct Surviving<'a> {
    /// The file.
    pub path: &'a str,
    /// The layer that introduced it.
    pub layer: &'a LayerAnalysis,
    /// The analyzer's value.
    pub value: &'a serde_json::Value,
}

/// The analysis of a whole image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageAnalysis {
    /// Per layer, base first.
    pub layers: Vec<LayerAnalysis>,
    /// The squashed file system.
    pub squashed: Squashed,
    /// Non-fatal problems (cache writes that failed).
    pub warnings: Vec<String>,
}

impl ImageAnalysis {
    /// The layer that introduced the file at `path`, if it survives.
    pub fn introduced_by(&self, path: &str) -> Option<&LayerAnalysis> {
        self.squashed
            .get(path)
            .and_then(|f| self.layers.get(f.layer))
    }

    /// An analyzer's results on files that survive the squash (a result on
    /// a file that a later layer overwrote or deleted is dropped).
    pub fn surviving(&self, analyzer: &str) -> Vec<Surviving<'_>> {
        let mut out = Vec::new();
        for layer in &self.layers {
            let Some(o) = layer.outputs.get(analyzer) else {
                continue;
            };
            for r in &o.results {
                if self
                    .squashed
                    .get(&r.path)
                    .is_some_and(|f| f.layer == layer.index)
                {
                    out.push(Surviving {
                        path: &r.path,
                        layer,
                        value: &r.value,
                    });
                }
            }
        }
        out
    }
}

/// Reads (or loads from cache) every layer of `artifact` with `analyzers`,
/// in parallel, then squashes. The first failing layer (in layer order)
/// fails the whole analysis with an error naming it.
pub fn analyze(
    artifact: &Artifact,
    analyzers: &[&dyn Analyzer],
    options: &AnalyzeOptions,
) -> Result<ImageAnalysis, ImageError> {
    options.progress.emit(Progress::Start {
        layers: artifact.layers.len(),
        bytes: artifact.layers.iter().filter_map(|l| l.size).sum(),
    });
    type Done = (LayerAnalysis, Option<Squashed>);
    let run = || -> Vec<Result<Done, ImageError>> {
        (0..artifact.layers.len())
            .into_par_iter()
            .map(|i| {
                let l = one_layer(artifact, i, analyzers, options)?;
                // The squash is a fold from the base layer up: its first step
                // runs here, on the base layer's own thread, instead of after
                // every layer is done.
                let base = (i == 0).then(|| {
                    let mut fs = Squashed::default();
                    fs.apply(0, &l.files);
                    fs
                });
                Ok((l, base))
            })
            .collect()
    };
    let results = match options.threads {
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        },
        None => run(),
    };
    let mut layers = Vec::with_capacity(results.len());
    let mut warnings = Vec::new();
    let mut squashed = Squashed::default();
    for r in results {
        let (l, base) = r?;
        layers.push(l);
        if let Some(base) = base {
            squashed = base;
        }
    }
    // The cache is written while the layers are squashed: the squash runs
    // on one thread, and the layer threads are done.
    std::thread::scope(|scope| {
        let store = || store_fresh(artifact, &layers, &options.cache);
        let writer = if options.cache.is_enabled() {
            std::thread::Builder::new()
                .name("plimsoll-cache".into())
                .spawn_scoped(scope, store)
                .ok()
        } else {
            None
        };
        for (i, l) in layers.iter().enumerate().skip(1) {
            squashed.apply(i, &l.files);
        }
        match writer {
            Some(w) => warnings.extend(
                w.join()
                    .unwrap_or_else(|_| vec!["the cache writer failed".to_owned()]),
            ),
            None => warnings.extend(store()),
        }
    });
    Ok(ImageAnalysis {
        layers,
        squashed,
        warnings,
    })
}

/// Stores the layers that were read (not loaded from the cache) and the
/// image's config; failed writes become warnings.
fn store_fresh(artifact: &Artifact, layers: &[LayerAnalysis], cache: &LayerCache) -> Vec<String> {
    let mut warnings = Vec::new();
    for l in layers.iter().filter(|l| !l.from_cache) {
        store_layer(l, cache, &mut warnings);
    }
    // Kept so that the same image in the Docker Engine is later served from
    // the cache without an export (its ID is this digest).
    if let Err(e) = cache.store_config(&artifact.config_digest, &artifact.raw_config) {
        warnings.push(e.to_string());
    }
    warnings
}

/// Stores a freshly read layer's file table and analyzer outputs.
fn store_layer(l: &LayerAnalysis, cache: &LayerCache, warnings: &mut Vec<String>) {
    let base = CachedLayerRef {
        files: &l.files,
        compression: l.compression,
        blob_digest: &l.blob_digest,
        blob_size: l.blob_size,
        uncompressed_size: l.uncompressed_size,
    };
    if let Err(e) = cache.store_layer_ref(&l.diff_id, &base) {
        warnings.push(e.to_string());
    }
    for o in l.outputs.values() {
        if let Err(e) = cache.store_output(&l.diff_id, o) {
            warnings.push(e.to_string());
        }
    }
}

/// Squashes analysed layers (base first, `index` = position) into the
/// image's analysis.
pub(crate) fn assemble(layers: Vec<LayerAnalysis>, warnings: Vec<String>) -> ImageAnalysis {
    let squashed = squash(layers.iter().map(|l| &l.files));
    ImageAnalysis {
        layers,
        squashed,
        warnings,
    }
}

/// The cached outputs of `analyzers` on `layer`, and the analyzers that
/// have none.
fn cached_outputs<'a>(
    layer: &Layer,
    analyzers: &[&'a dyn Analyzer],
    cache: &LayerCache,
) -> (BTreeMap<String, AnalyzerOutput>, Vec<&'a dyn Analyzer>) {
    let mut outputs = BTreeMap::new();
    let mut missing: Vec<&dyn Analyzer> = Vec::new();
    for a in analyzers {
        match cache.load_output(&layer.diff_id, a.name(), a.version()) {
            Some(o) => {
                outputs.insert(o.name.clone(), o);
            }
            None => missing.push(*a),
        }
    }
    (outputs, missing)
}

/// A layer's analysis from the cache alone, when it holds the file table
/// and every analyzer's output.
pub(crate) fn from_cache(
    layer: &Layer,
    analyzers: &[&dyn Analyzer],
    cache: &LayerCache,
) -> Option<LayerAnalysis> {
    let (outputs, missing) = cached_outputs(layer, analyzers, cache);
    if !missing.is_empty() {
        return None;
    }
    let base = cache.load_layer(&layer.diff_id)?;
    Some(layer_analysis(layer, base, outputs, true))
}

/// Whether [`from_cache`] would succeed for the layer `diff_id`.
pub(crate) fn fully_cached(
    diff_id: &Digest,
    analyzers: &[&dyn Analyzer],
    cache: &LayerCache,
) -> bool {
    cache.load_layer(diff_id).is_some()
        && analyzers
            .iter()
            .all(|a| cache.load_output(diff_id, a.name(), a.version()).is_some())
}

/// A layer's analysis from a fresh read (plus outputs already cached),
/// stored in the cache; failed cache writes become warnings.
pub(crate) fn from_read(
    layer: &Layer,
    read: LayerRead,
    outputs: BTreeMap<String, AnalyzerOutput>,
    cache: &LayerCache,
    warnings: &mut Vec<String>,
) -> LayerAnalysis {
    let analysis = unstored(layer, read, outputs);
    store_layer(&analysis, cache, warnings);
    analysis
}

/// A layer's analysis from a fresh read (plus outputs already cached), not
/// yet stored.
fn unstored(
    layer: &Layer,
    read: LayerRead,
    mut outputs: BTreeMap<String, AnalyzerOutput>,
) -> LayerAnalysis {
    let base = CachedLayer {
        files: read.files,
        compression: read.compression,
        blob_digest: read.blob_digest,
        blob_size: read.blob_size,
        uncompressed_size: read.uncompressed_size,
    };
    outputs.extend(read.outputs);
    layer_analysis(layer, base, outputs, false)
}

fn layer_analysis(
    layer: &Layer,
    base: CachedLayer,
    outputs: BTreeMap<String, AnalyzerOutput>,
    from_cache: bool,
) -> LayerAnalysis {
    LayerAnalysis {
        index: layer.index,
        diff_id: layer.diff_id.clone(),
        // The cache is keyed by diff_id, shared by every image (and every
        // compression) of the same layer content: the blob's own figures
        // come from this image's manifest when it has them.
        blob_digest: match (&layer.digest, from_cache) {
            (Some(d), true) => d.clone(),
            _ => base.blob_digest,
        },
        blob_size: match (layer.size, from_cache) {
            (Some(n), true) => n,
            _ => base.blob_size,
        },
        uncompressed_size: base.uncompressed_size,
        compression: match (compression_of(layer.media_type.as_deref()), from_cache) {
            (Some(c), true) => c,
            _ => base.compression,
        },
        history: layer.history,
        created_by: layer.created_by.clone(),
        from_cache,
        files: base.files,
        outputs,
    }
}

/// The compression a layer media type names (`…tar+gzip`, `…tar+zstd`,
/// `…tar`, Docker's `…rootfs.diff.tar.gzip`), if it names one.
fn compression_of(media_type: Option<&str>) -> Option<Compression> {
    let m = media_type?;
    if m.ends_with("+gzip") || m.ends_with(".tar.gzip") {
        Some(Compression::Gzip)
    } else if m.ends_with("+zstd") {
        Some(Compression::Zstd)
    } else if m.ends_with(".tar") {
        Some(Compression::None)
    } else {
        None
    }
}

fn one_layer(
    artifact: &Artifact,
    index: usize,
    analyzers: &[&dyn Analyzer],
    options: &AnalyzeOptions,
) -> Result<LayerAnalysis, ImageError> {
    let layer = &artifact.layers[index];
    let cache = &options.cache;
    let wrap = |source: LayerError| ImageError::Layer {
        index,
        digest: layer.label(),
        diff_id: layer.diff_id.to_string(),
        source,
    };
    let (outputs, missing) = cached_outputs(layer, analyzers, cache);
    if missing.is_empty() {
        if let Some(base) = cache.load_layer(&layer.diff_id) {
            options.progress.emit(Progress::LayerDone {
                index,
                from_cache: true,
                unread: layer.size.unwrap_or(0),
            });
            return Ok(layer_analysis(layer, base, outputs, true));
        }
    }
    let declared = layer.size.unwrap_or(0);
    let blob = artifact
        .open_layer(index)
        .map_err(|e| wrap(LayerError::Open(Box::new(e))))?;
    let blob: Box<dyn Read + Send> = if options.progress.enabled() {
        Box::new(Counting {
            inner: blob,
            sink: options.progress.clone(),
            index,
            pending: 0,
        })
    } else {
        blob
    };
    let read = read_layer(
        blob,
        Expected {
            digest: layer.digest.as_ref(),
            size: layer.size,
            diff_id: Some(&layer.diff_id),
        },
        &missing,
        &options.limits,
    )
    .map_err(wrap)?;
    options.progress.emit(Progress::LayerDone {
        index,
        from_cache: false,
        unread: declared.saturating_sub(read.blob_size),
    });
    // Stored by `analyze` once every layer is read.
    Ok(unstored(layer, read, outputs))
}
