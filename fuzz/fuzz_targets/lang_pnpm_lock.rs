//! Read arbitrary bytes as a pnpm-lock.yaml: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::lang::npm;

fuzz_target!(|data: &[u8]| {
    let _ = npm::parse_pnpm_lock(data, "pnpm-lock.yaml");
});
