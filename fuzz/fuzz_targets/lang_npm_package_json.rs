//! Read arbitrary bytes as an npm package.json: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::lang::npm;

fuzz_target!(|data: &[u8]| {
    let _ = npm::parse_package_json(data, "node_modules/x/package.json");
});
