//! Read arbitrary bytes as an ELF executable (Go build info and cargo-auditable
//! data): must never panic. Seeds that start with `\x7fELF` reach the parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::bin::{self, Wanted};

fuzz_target!(|data: &[u8]| {
    let _ = bin::catalog(Wanted::Executable, "usr/local/bin/x", data);
});
