//! Manifest, index, config and docker-archive `manifest.json` parsing, and
//! target / reference parsing: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_image::spec::{
    DockerArchiveEntry, ImageConfig, ImageIndex, ImageManifest, layer_history,
};
use plimsoll_image::{ImageReference, Platform, Target};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<ImageIndex>(data);
    let _ = serde_json::from_slice::<ImageManifest>(data);
    let _ = serde_json::from_slice::<Vec<DockerArchiveEntry>>(data);
    if let Ok(c) = serde_json::from_slice::<ImageConfig>(data) {
        let _ = layer_history(&c.history, c.rootfs.diff_ids.len());
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = Target::parse(s);
        let _ = ImageReference::parse(s);
        let _ = Platform::parse(s);
    }
});
