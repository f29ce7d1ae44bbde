//! Read arbitrary bytes as a Java archive (zip, nested archives, manifests,
//! pom.properties) with small limits: must never panic nor exceed them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::bin::java;

fuzz_target!(|data: &[u8]| {
    let limits = java::Limits {
        max_inflated: 16 << 20,
        max_nested_in_memory: 4 << 20,
        ..java::Limits::default()
    };
    let _ = java::parse_archive(data, "opt/app.jar", &limits);
    let _ = java::Manifest::parse(&String::from_utf8_lossy(data));
});
