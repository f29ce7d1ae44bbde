//! A layer blob of arbitrary bytes (plain, gzip or zstd by its magic): the
//! reader and the squash must never panic, loop or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_image::{Digest, Expected, Limits, read_layer, squash};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_layer_bytes: 16 << 20,
        max_entry_bytes: 8 << 20,
        max_entries: 100_000,
        max_read_bytes: 1 << 20,
        max_extension_bytes: 1 << 16,
        max_path_bytes: 4096,
    };
    let diff_id = Digest::of_bytes(data);
    if let Ok(read) = read_layer(
        data,
        Expected {
            digest: None,
            size: None,
            diff_id: Some(&diff_id),
        },
        &[],
        &limits,
    ) {
        let fs = squash([&read.files]);
        for f in fs.iter().take(100) {
            let _ = fs.resolve(&f.path);
        }
    }
});
