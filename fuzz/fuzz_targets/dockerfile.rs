//! Parse and audit arbitrary bytes as a Dockerfile: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let _ = plimsoll_dockerfile::audit("Dockerfile", &src, &plimsoll_dockerfile::RuleConfig::default());
});
