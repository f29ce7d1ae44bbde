//! Read arbitrary bytes as an npm package-lock.json (v1, v2, v3): must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::lang::npm;

fuzz_target!(|data: &[u8]| {
    let _ = npm::parse_package_lock(data, "package-lock.json");
});
