//! Read arbitrary bytes as Composer's installed.json and composer.lock: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::lang::composer;

fuzz_target!(|data: &[u8]| {
    let _ = composer::parse_installed(data, "vendor/composer/installed.json");
    let _ = composer::parse_lock(data, "composer.lock");
});
