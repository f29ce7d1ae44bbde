//! An HTTP response from the Docker Engine, arbitrary bytes: head parsing,
//! Content-Length and chunked framing must never panic or over-allocate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = plimsoll_engine::fuzzing::read_response(data, 1 << 20);
});
