//! Plimsoll's image reader.
//!
//! The river, in this crate: a [`Target`] string is parsed; a [`Source`]
//! resolves it to an [`Artifact`] (manifest, config with history, layer
//! descriptors); each layer is read in one streamed pass ([`read_layer`]):
//! compression detected by magic bytes, blob digest and diff_id verified on
//! the fly, the tar walked with hard caps ([`Limits`]), whiteouts recorded,
//! and wanted entries handed to [`Analyzer`]s. Layers are analysed in
//! parallel and cached by diff_id and analyzer version ([`LayerCache`]);
//! [`squash()`] then applies whiteouts and opaque dirs, last writer wins,
//! remembering which layer (and history entry) introduced each file.
//!
//! Images in the Docker Engine (`docker:`) are read from its export
//! stream in one pass ([`analyze_engine_image`]), or from the cache alone
//! when it holds every layer.
//!
//! Nothing is ever extracted to disk; the only files written are the
//! cache's, under its directory.

pub mod analyze;
pub mod analyzer;
pub mod cache;
pub mod digest;
pub mod error;
mod files;
mod gzip;
pub mod layer;
mod path;
pub mod platform;
pub mod reference;
pub mod rootfs;
pub mod source;
mod sparse;
pub mod spec;
pub mod squash;
mod tarframe;
pub mod target;

pub use analyze::{AnalyzeOptions, ImageAnalysis, LayerAnalysis, Progress, ProgressSink, analyze};
pub use analyzer::{Analyzer, AnalyzerError, AnalyzerOutput, EntryReader, PathError, PathResult};
pub use cache::LayerCache;
pub use digest::Digest;
pub use error::{ImageError, LayerError};
pub use files::{BlobReader, read_up_to};
pub use gzip::inflater;
pub use layer::{
    Anomaly, AnomalyKind, Compression, Expected, FileEntry, LayerFiles, LayerRead, Limits,
    read_layer,
};
pub use platform::Platform;
pub use reference::ImageReference;
pub use rootfs::{Scanned, analyze_rootfs, analyze_target, is_dir_transport};
pub use source::docker::{analyze_engine_image, has_image};
pub use source::save_stream::{StreamImage, analyze_save_stream};
pub use source::{Artifact, BlobStore, Layer, LocalSource, OpenOptions, Source, open};
pub use squash::{RemovedFile, Squashed, SquashedFile, squash};
pub use tarframe::EntryKind;
pub use target::{ArchiveImage, DockerImage, Target};

/// Entry points for the fuzz targets (`fuzz/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    /// Inflates `data` as gzip members with every decoder of the build (up
    /// to 64 MiB of output each); panics if two decoders that both accept
    /// it give different bytes.
    pub fn gzip_backends_agree(data: &[u8]) {
        crate::gzip::backends_agree(|| data, 64 << 20);
    }
}
