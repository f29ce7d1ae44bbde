//! Read arbitrary bytes as every release file: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::os_release::ReleaseFiles;

fuzz_target!(|data: &[u8]| {
    let mut files = ReleaseFiles::new();
    for p in ReleaseFiles::PATHS {
        files.insert(p, data);
    }
    let _ = files.detect();
});
