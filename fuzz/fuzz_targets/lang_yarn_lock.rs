//! Read arbitrary bytes as a yarn.lock (classic or berry): must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::lang::npm;

fuzz_target!(|data: &[u8]| {
    let _ = npm::parse_yarn_lock(data, "yarn.lock");
});
