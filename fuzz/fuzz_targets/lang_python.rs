//! Read arbitrary bytes as Python core metadata (METADATA, PKG-INFO) and RECORD: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::lang::python;

fuzz_target!(|data: &[u8]| {
    let _ = python::parse_metadata(data, "x.dist-info/METADATA");
    let _ = python::parse_record(data, "/site-packages");
    let _ = python::parse_installed_files(data, "/site-packages/x.egg-info");
});
