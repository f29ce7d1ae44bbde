//! Read arbitrary bytes as an rpm header blob: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::rpm;

fuzz_target!(|data: &[u8]| {
    let _ = rpm::package_from_header(data, "blob");
});
