//! Read arbitrary text as Go module info and list its packages: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::bin::go;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = go::parse_modinfo(&String::from_utf8_lossy(data), "bin") {
        let _ = go::packages(&info, "bin");
    }
});
