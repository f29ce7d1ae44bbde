//! Read arbitrary bytes as an installed gemspec: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::lang::gem;

fuzz_target!(|data: &[u8]| {
    let _ = gem::parse_gemspec(data, "specifications/x.gemspec");
});
