//! Read arbitrary bytes as a BerkeleyDB hash `Packages`: must never panic,
//! loop on a page chain, or allocate beyond the input's size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::rpm;

fuzz_target!(|data: &[u8]| {
    let _ = rpm::bdb::read(data, "var/lib/rpm/Packages");
});
