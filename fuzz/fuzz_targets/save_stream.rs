//! A `docker save` stream of arbitrary bytes, read in one pass as the
//! `docker:` source reads the Engine's export: never a panic or a loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_image::source::save_stream::{StreamImage, analyze_save_stream};
use plimsoll_image::{AnalyzeOptions, LayerCache};

fuzz_target!(|data: &[u8]| {
    let options = AnalyzeOptions {
        cache: LayerCache::disabled(),
        ..AnalyzeOptions::default()
    };
    let want = StreamImage {
        source: "fuzz".into(),
        image_id: None,
        diff_ids: None,
    };
    let _ = analyze_save_stream(data, &want, &[], &options);
});
