//! Read arbitrary bytes as a dpkg `status` file, a distroless `status.d` file
//! and a file list: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::catalogers::dpkg;

fuzz_target!(|data: &[u8]| {
    let _ = dpkg::parse_status(data, dpkg::STATUS_PATH);
    let _ = dpkg::parse_status_d(data, "var/lib/dpkg/status.d/x");
    let _ = dpkg::parse_file_list(data);
    let _ = dpkg::parse_md5sums(data);
});
