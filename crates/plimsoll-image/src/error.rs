//! Typed errors. Every variant names the input it is about and, where it
//! applies, the place inside it (layer, entry path, offset).

use std::path::PathBuf;

/// An error while parsing a target, opening a source or reading an image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The target string (`oci:DIR:REF`, `name:tag`, …) is malformed.
    #[error("invalid target `{input}`: {reason}")]
    Target {
        /// The target as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An image reference (`name:tag`, `name@sha256:…`) is malformed.
    #[error("invalid image reference `{input}`: {reason}")]
    Reference {
        /// The reference as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `--platform` value is malformed.
    #[error("invalid platform `{input}`: expected os/arch[/variant], e.g. linux/amd64 ({reason})")]
    Platform {
        /// The platform as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A digest string (`sha256:…`) is malformed or uses an unsupported algorithm.
    #[error("invalid digest `{input}` in {context}: {reason}")]
    Digest {
        /// The digest as found.
        input: String,
        /// Where it was found.
        context: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading a file failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON document (manifest, index, config) is malformed.
    #[error("malformed {what} in {location}: {source}")]
    Json {
        /// What the document is (`index.json`, `image manifest`, …).
        what: String,
        /// Where it comes from (file or blob inside the source).
        location: String,
        /// The parser's error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A document is well-formed JSON but does not describe an image.
    #[error("invalid {what} in {location}: {reason}")]
    Invalid {
        /// What the document is.
        what: String,
        /// Where it comes from.
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file or blob that the image refers to is not in the source.
    #[error("{source_name}: missing {what} `{path}`")]
    Missing {
        /// The source (e.g. `oci-archive:/tmp/x.tar`).
        source_name: String,
        /// What was looked for (`blob`, `index.json`, …).
        what: String,
        /// Its path inside the source.
        path: String,
    },
    /// A manifest or config blob does not hash to its descriptor's digest.
    #[error("{what} in {location} does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        /// What was verified.
        what: String,
        /// Where it comes from.
        location: String,
        /// The digest the descriptor names.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// The requested image is not in the source.
    #[error(
        "{source_name}: no image named `{wanted}`; available: {}",
        list(available)
    )]
    NoSuchImage {
        /// The source.
        source_name: String,
        /// The name asked for.
        wanted: String,
        /// The names the source holds.
        available: Vec<String>,
    },
    /// The source holds several images and none was named.
    #[error("{source_name} holds {} images; name one of: {}", available.len(), list(available))]
    AmbiguousImage {
        /// The source.
        source_name: String,
        /// The names the source holds.
        available: Vec<String>,
    },
    /// No manifest of an index matches the requested platform.
    #[error(
        "{source_name}: no image for platform {wanted}; available: {}",
        list(available)
    )]
    NoPlatform {
        /// The source.
        source_name: String,
        /// The platform asked for.
        wanted: String,
        /// The platforms the index lists.
        available: Vec<String>,
    },
    /// The input uses a feature this reader does not support (yet).
    #[error("{what} is not supported: {reason}")]
    Unsupported {
        /// The feature or input.
        what: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A registry refused or failed a request, or could not be reached.
    #[error("registry {location}: {reason}")]
    Registry {
        /// The registry URL or repository the request was for.
        location: String,
        /// What happened and what to do.
        reason: String,
    },
    /// The registry wants credentials that were not given or not accepted.
    #[error("registry {location}: {reason}")]
    Unauthorized {
        /// The registry and repository.
        location: String,
        /// What was tried and what to do.
        reason: String,
    },
    /// An archive (docker-archive, oci-archive) is malformed.
    #[error("malformed archive {} at offset {offset}: {reason}", path.display())]
    Archive {
        /// The archive file.
        path: PathBuf,
        /// Byte offset in the archive.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A document exceeds a size limit.
    #[error("{what} in {location} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// What was read.
        what: String,
        /// Where it comes from.
        location: String,
        /// The limit.
        limit: u64,
    },
    /// Reading or analysing one layer failed.
    #[error("layer {index} ({digest}, diff_id {diff_id}): {source}")]
    Layer {
        /// Index of the layer in the manifest (0 = base).
        index: usize,
        /// The layer blob's digest (or its location when unknown).
        digest: String,
        /// The layer's diff_id from the config.
        diff_id: String,
        /// What went wrong.
        #[source]
        source: LayerError,
    },
    /// The Docker Engine could not be reached or answered with an error.
    #[error("{target}: {source}")]
    Engine {
        /// The target (`docker:debian:12`).
        target: String,
        /// What went wrong.
        #[source]
        source: plimsoll_engine::EngineError,
    },
    /// The Docker Engine does not have the image.
    #[error(
        "{target}: the Docker Engine at {endpoint} has no such image ({message}); pull, load or build it first (`docker images` lists what it has)"
    )]
    NotInEngine {
        /// The target.
        target: String,
        /// The engine.
        endpoint: String,
        /// The daemon's message.
        message: String,
    },
    /// The layer cache could not be written or read.
    #[error("layer cache {}: {source}", path.display())]
    Cache {
        /// The cache file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// An error while streaming one layer. Offsets are in the uncompressed tar
/// stream unless said otherwise.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// The blob could not be read or decompressed.
    #[error("read error ({compression}) at uncompressed offset {offset}: {source}")]
    Read {
        /// The detected compression.
        compression: String,
        /// Uncompressed bytes read before the error.
        offset: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The stream ended inside a header or an entry.
    #[error("truncated layer: stream ends at uncompressed offset {offset} inside {context}")]
    Truncated {
        /// Uncompressed bytes read.
        offset: u64,
        /// What was being read.
        context: String,
    },
    /// The tar framing is malformed.
    #[error("malformed tar at offset {offset}: {reason}")]
    Tar {
        /// Offset of the header.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The blob does not hash to the manifest's layer digest.
    #[error("compressed digest mismatch: manifest says {expected}, blob is {actual}")]
    DigestMismatch {
        /// Digest from the manifest.
        expected: String,
        /// Digest of the blob read.
        actual: String,
    },
    /// The uncompressed stream does not hash to the config's diff_id.
    #[error("diff_id mismatch: config says {expected}, uncompressed layer is {actual}")]
    DiffIdMismatch {
        /// diff_id from the config.
        expected: String,
        /// Digest of the uncompressed stream.
        actual: String,
    },
    /// The blob's size differs from the descriptor's.
    #[error("size mismatch: manifest says {expected} bytes, blob has {actual}")]
    SizeMismatch {
        /// Size from the manifest.
        expected: u64,
        /// Bytes read.
        actual: u64,
    },
    /// The uncompressed layer exceeds the per-layer cap.
    #[error(
        "uncompressed layer exceeds the limit of {limit} bytes (decompression bomb?); raise max_layer_bytes to read it"
    )]
    LayerTooLarge {
        /// The cap.
        limit: u64,
    },
    /// One entry exceeds the per-entry cap.
    #[error(
        "entry `{path}` at offset {offset} has {size} bytes, over the limit of {limit}; raise max_entry_bytes to read it"
    )]
    EntryTooLarge {
        /// The entry's path.
        path: String,
        /// Offset of its header.
        offset: u64,
        /// Its declared size.
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// A PAX header or GNU long name exceeds its cap.
    #[error("{kind} header at offset {offset} has {size} bytes, over the limit of {limit}")]
    ExtensionTooLarge {
        /// `PAX` or `GNU long name`.
        kind: String,
        /// Offset of the header.
        offset: u64,
        /// Declared size.
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// A GNU sparse entry's map is malformed, hostile or larger than the cap.
    #[error("sparse file `{path}` (header at offset {offset}): {reason}")]
    SparseMap {
        /// The entry's path as stored.
        path: String,
        /// Offset of its header.
        offset: u64,
        /// What is wrong with the map.
        reason: String,
    },
    /// A path exceeds the path length cap.
    #[error("entry path at offset {offset} has {len} bytes, over the limit of {limit}")]
    PathTooLong {
        /// Offset of the header.
        offset: u64,
        /// Length in bytes.
        len: usize,
        /// The cap.
        limit: usize,
    },
    /// The layer has more entries than the cap.
    #[error("more than {limit} entries; raise max_entries to read it")]
    TooManyEntries {
        /// The cap.
        limit: u64,
    },
    /// The blob is compressed with an algorithm this reader does not support.
    #[error("unsupported compression {0}: layers must be tar, gzip or zstd")]
    UnsupportedCompression(String),
    /// The blob could not be opened.
    #[error("cannot open blob: {0}")]
    Open(Box<ImageError>),
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}
