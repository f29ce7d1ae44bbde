//! Read arbitrary bytes as a `Cargo.lock` and as cargo-auditable JSON: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::bin::rust;

fuzz_target!(|data: &[u8]| {
    let _ = rust::parse_cargo_lock(data, "Cargo.lock");
    let _ = rust::parse_audit_json(data, "bin");
});
