//! WWW-Authenticate challenges and Docker auth files from arbitrary bytes:
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_image::source::{credentials, registry};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for c in registry::parse_challenges(text) {
            let _ = c.param("realm");
        }
    }
    let _ = credentials::from_auths(data, "localhost:5000");
});
