//! Read arbitrary bytes as an SBOM document (CycloneDX, SPDX or Plimsoll
//! JSON): must never panic; what is read must write back in every format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::formats::{self, Format, WriteOptions};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = formats::read(data, "fuzz.json") {
        for f in Format::ALL {
            let _ = formats::write(f, &r.sbom, &WriteOptions::default());
        }
    }
});
