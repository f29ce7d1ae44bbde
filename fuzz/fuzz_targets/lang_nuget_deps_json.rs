//! Read arbitrary bytes as a .NET deps.json: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::lang::nuget;

fuzz_target!(|data: &[u8]| {
    let _ = nuget::parse_deps_json(data, "App.deps.json");
});
