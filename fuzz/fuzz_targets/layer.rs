//! A layer blob of arbitrary bytes (plain, gzip or zstd by its magic): the
//! reader and the squash must never panic, loop or allocate without bound.
//! One analyzer reads every file to its end (up to the read cap), so that
//! content framing, GNU sparse maps and holes are exercised too.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use plimsoll_image::{
    Analyzer, AnalyzerError, Digest, EntryKind, EntryReader, Expected, Limits, read_layer, squash,
};

struct ReadAll;

impl Analyzer for ReadAll {
    fn name(&self) -> &str {
        "read-all"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, _: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File
    }
    fn analyze(&self, e: &mut EntryReader<'_>) -> Result<Option<serde_json::Value>, AnalyzerError> {
        let mut n = 0u64;
        let mut buf = [0u8; 8192];
        loop {
            match e.read(&mut buf)? {
                0 => break,
                k => n += k as u64,
            }
        }
        assert!(n <= e.entry().size, "read past the entry's size");
        Ok(None)
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_layer_bytes: 16 << 20,
        max_entry_bytes: 8 << 20,
        max_entries: 100_000,
        max_read_bytes: 1 << 20,
        max_extension_bytes: 1 << 16,
        max_path_bytes: 4096,
        max_sparse_entries: 1024,
    };
    let diff_id = Digest::of_bytes(data);
    if let Ok(read) = read_layer(
        data,
        Expected {
            digest: None,
            size: None,
            diff_id: Some(&diff_id),
        },
        &[&ReadAll],
        &limits,
    ) {
        let fs = squash([&read.files]);
        for f in fs.iter().take(100) {
            let _ = fs.resolve(&f.path);
        }
    }
});
