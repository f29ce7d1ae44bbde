//! Read arbitrary bytes as an NDB `Packages.db`: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::rpm;

fuzz_target!(|data: &[u8]| {
    let _ = rpm::ndb::read(data, "var/lib/rpm/Packages.db");
});
