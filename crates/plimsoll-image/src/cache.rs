//! Per-layer cache: results keyed by diff_id and analyzer name + version,
//! one JSON file each, written atomically (temp file, then rename) under the
//! cache directory:
//!
//! ```text
//! <dir>/layers/sha256/<diff_id hex>/files-v2.json            file table, whiteouts
//! <dir>/layers/sha256/<diff_id hex>/<analyzer>-v<N>-r2.json   one analyzer's output
//! <dir>/configs/sha256/<hex>.json                             an image config, as stored
//! ```
//!
//! The `2` is [`FILES_FORMAT`], the version of what the layer reader
//! produces: it is in every name, so that a reader that reads more (as when
//! GNU sparse files became readable) does not reuse what an older one left.
//!
//! The config of every analysed image is kept for sources that would
//! otherwise have to fetch a whole image to learn its config (the Docker
//! Engine exports an image only as one tar stream): with the config and
//! every layer cached, such an image is not read at all, whichever source
//! read it first. A config is checked against its digest when loaded.
//!
//! A layer whose file table and every requested analyzer are cached is not
//! read at all (its blob is then not re-verified: run with the cache off to
//! re-verify). A corrupt entry is a miss. Nothing is written outside `dir`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::analyzer::AnalyzerOutput;
use crate::digest::Digest;
use crate::error::ImageError;
use crate::layer::{Compression, LayerFiles};

/// Version of the layer reader's output: the file-table format and the
/// content that analyzers are given (2: GNU sparse files are read). Part of
/// every cache file name.
pub const FILES_FORMAT: u32 = 2;

/// The cached part of a layer read that does not depend on analyzers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedLayer {
    /// The file table.
    pub files: LayerFiles,
    /// Compression of the blob.
    pub compression: Compression,
    /// Digest of the blob read.
    pub blob_digest: Digest,
    /// Size of the blob.
    pub blob_size: u64,
    /// Uncompressed size.
    pub uncompressed_size: u64,
}

/// A [`CachedLayer`] borrowed from an analysis, written in the same format.
#[derive(Serialize)]
pub(crate) struct CachedLayerRef<'a> {
    pub files: &'a LayerFiles,
    pub compression: Compression,
    pub blob_digest: &'a Digest,
    pub blob_size: u64,
    pub uncompressed_size: u64,
}

impl<'a> From<&'a CachedLayer> for CachedLayerRef<'a> {
    fn from(l: &'a CachedLayer) -> Self {
        CachedLayerRef {
            files: &l.files,
            compression: l.compression,
            blob_digest: &l.blob_digest,
            blob_size: l.blob_size,
            uncompressed_size: l.uncompressed_size,
        }
    }
}

/// The layer cache (possibly disabled).
#[derive(Debug, Clone, Default)]
pub struct LayerCache {
    dir: Option<PathBuf>,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl LayerCache {
    /// A cache that stores nothing.
    pub fn disabled() -> Self {
        Self { dir: None }
    }

    /// A cache under `dir` (created on first write).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: Some(dir.into()),
        }
    }

    /// `--cache-dir` and `--no-cache` semantics: `no_cache` wins; no dir
    /// means [`LayerCache::default_dir`].
    pub fn from_options(dir: Option<PathBuf>, no_cache: bool) -> Self {
        if no_cache {
            return Self::disabled();
        }
        Self {
            dir: dir.or_else(Self::default_dir),
        }
    }

    /// `$XDG_CACHE_HOME/plimsoll`, else `$HOME/.cache/plimsoll`.
    pub fn default_dir() -> Option<PathBuf> {
        let abs = |v: std::ffi::OsString| {
            let p = PathBuf::from(v);
            p.is_absolute().then_some(p)
        };
        std::env::var_os("XDG_CACHE_HOME")
            .and_then(abs)
            .map(|p| p.join("plimsoll"))
            .or_else(|| {
                std::env::var_os("HOME")
                    .and_then(abs)
                    .map(|p| p.join(".cache").join("plimsoll"))
            })
    }

    /// Whether anything is stored.
    pub fn is_enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// The directory, when enabled.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn layer_dir(&self, diff_id: &Digest) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join("layers").join("sha256").join(diff_id.hex()))
    }

    fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
        let bytes = fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The cached file table of a layer.
    pub fn load_layer(&self, diff_id: &Digest) -> Option<CachedLayer> {
        Self::read(
            &self
                .layer_dir(diff_id)?
                .join(format!("files-v{FILES_FORMAT}.json")),
        )
    }

    /// The cached output of one analyzer on a layer.
    pub fn load_output(
        &self,
        diff_id: &Digest,
        name: &str,
        version: u32,
    ) -> Option<AnalyzerOutput> {
        let out: AnalyzerOutput =
            Self::read(&self.layer_dir(diff_id)?.join(output_file(name, version)))?;
        (out.name == name && out.version == version).then_some(out)
    }

    /// Stores a layer's file table (borrowed from an analysis; read back as
    /// a [`CachedLayer`]).
    pub(crate) fn store_layer_ref(
        &self,
        diff_id: &Digest,
        layer: &CachedLayerRef<'_>,
    ) -> Result<(), ImageError> {
        match self.layer_dir(diff_id) {
            Some(dir) => write_atomic(&dir, &format!("files-v{FILES_FORMAT}.json"), layer),
            None => Ok(()),
        }
    }

    /// Stores one analyzer's output on a layer.
    pub fn store_output(&self, diff_id: &Digest, out: &AnalyzerOutput) -> Result<(), ImageError> {
        match self.layer_dir(diff_id) {
            Some(dir) => write_atomic(&dir, &output_file(&out.name, out.version), out),
            None => Ok(()),
        }
    }
}

/// The largest config the cache keeps.
const MAX_CONFIG: u64 = 16 << 20;

impl LayerCache {
    fn config_path(&self, digest: &Digest) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| {
            d.join("configs")
                .join("sha256")
                .join(format!("{}.json", digest.hex()))
        })
    }

    /// The cached image config whose bytes hash to `digest` (a missing,
    /// oversized or altered file is a miss).
    pub fn load_config(&self, digest: &Digest) -> Option<Vec<u8>> {
        let path = self.config_path(digest)?;
        if fs::metadata(&path).ok()?.len() > MAX_CONFIG {
            return None;
        }
        let bytes = fs::read(path).ok()?;
        (Digest::of_bytes(&bytes) == *digest).then_some(bytes)
    }

    /// Stores an image config under its digest (refused, as a no-op, when
    /// the bytes do not hash to it or exceed 16 MiB).
    pub fn store_config(&self, digest: &Digest, raw: &[u8]) -> Result<(), ImageError> {
        if raw.len() as u64 > MAX_CONFIG || Digest::of_bytes(raw) != *digest {
            return Ok(());
        }
        match self.config_path(digest) {
            Some(path) => match (path.parent(), path.file_name()) {
                (Some(dir), Some(name)) => write_bytes_atomic(dir, &name.to_string_lossy(), raw),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }
}

/// A file name for an analyzer: safe characters kept, others replaced and
/// the name's hash appended so that distinct names stay distinct.
fn output_file(name: &str, version: u32) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if safe == name && !name.is_empty() && name != "files" {
        format!("{name}-v{version}-r{FILES_FORMAT}.json")
    } else {
        let h = Digest::of_bytes(name.as_bytes());
        format!("{safe}.{}-v{version}-r{FILES_FORMAT}.json", &h.hex()[..16])
    }
}

fn write_atomic<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<(), ImageError> {
    let bytes = serde_json::to_vec(value).map_err(|e| ImageError::Cache {
        path: dir.join(name),
        source: std::io::Error::other(e),
    })?;
    write_bytes_atomic(dir, name, &bytes)
}

fn write_bytes_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ImageError> {
    let err = |path: &Path| {
        let path = path.to_owned();
        move |source| ImageError::Cache { path, source }
    };
    fs::create_dir_all(dir).map_err(err(dir))?;
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        // No fsync: the rename keeps readers from seeing a half-written
        // file, and what a crash could leave (an empty or cut file) does
        // not parse, so it is a miss and is rewritten. A cache is worth
        // less than the scan time an fsync per entry costs.
        fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(err(&dir.join(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_distinct() {
        assert_eq!(
            output_file("dpkg", 3),
            format!("dpkg-v3-r{FILES_FORMAT}.json")
        );
        let a = output_file("../../etc", 1);
        assert!(!a.contains('/') && a.starts_with("______etc."));
        assert_ne!(output_file("a/b", 1), output_file("a.b", 1));
        assert_ne!(
            output_file("files", 1),
            format!("files-v{FILES_FORMAT}.json")
        );
    }

    #[test]
    fn configs_are_verified() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::at(dir.path());
        let raw = br#"{"rootfs":{"type":"layers","diff_ids":[]}}"#;
        let id = Digest::of_bytes(raw);
        assert!(cache.load_config(&id).is_none());
        cache.store_config(&id, raw).unwrap();
        assert_eq!(cache.load_config(&id).as_deref(), Some(&raw[..]));
        // Bytes that do not hash to the digest are neither stored nor loaded.
        let other = Digest::of_bytes(b"other");
        cache.store_config(&other, raw).unwrap();
        assert!(cache.load_config(&other).is_none());
        let path = dir
            .path()
            .join("configs/sha256")
            .join(format!("{}.json", id.hex()));
        fs::write(&path, b"{}").unwrap();
        assert!(cache.load_config(&id).is_none());
        assert!(LayerCache::disabled().load_config(&id).is_none());
        LayerCache::disabled().store_config(&id, raw).unwrap();
    }

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::at(dir.path());
        let id = Digest::of_bytes(b"layer");
        assert!(cache.load_output(&id, "x", 1).is_none());
        let out = AnalyzerOutput {
            name: "x".into(),
            version: 1,
            ..AnalyzerOutput::default()
        };
        cache.store_output(&id, &out).unwrap();
        assert_eq!(cache.load_output(&id, "x", 1), Some(out));
        assert!(cache.load_output(&id, "x", 2).is_none());
        let file = dir
            .path()
            .join("layers/sha256")
            .join(id.hex())
            .join(format!("x-v1-r{FILES_FORMAT}.json"));
        fs::write(&file, b"{not json").unwrap();
        assert!(cache.load_output(&id, "x", 1).is_none());
        // no temp files left behind
        let names: Vec<_> = fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
        assert!(
            LayerCache::from_options(Some(dir.path().into()), true)
                .dir()
                .is_none()
        );
    }

    #[test]
    fn a_borrowed_layer_is_stored_as_an_owned_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::at(dir.path());
        let owned = CachedLayer {
            files: LayerFiles {
                whiteouts: vec!["etc/gone".into()],
                ..LayerFiles::default()
            },
            compression: Compression::Gzip,
            blob_digest: Digest::of_bytes(b"blob"),
            blob_size: 7,
            uncompressed_size: 9,
        };
        let borrowed = CachedLayerRef::from(&owned);
        assert_eq!(
            serde_json::to_string(&borrowed).unwrap(),
            serde_json::to_string(&owned).unwrap()
        );
        let id = Digest::of_bytes(b"diff");
        cache.store_layer_ref(&id, &borrowed).unwrap();
        assert_eq!(cache.load_layer(&id), Some(owned));
    }
}
