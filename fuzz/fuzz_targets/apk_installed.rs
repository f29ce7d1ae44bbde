//! Read arbitrary bytes as an apk `installed` database: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::apk;

fuzz_target!(|data: &[u8]| {
    let _ = apk::parse_installed(data, apk::INSTALLED_PATH);
});
