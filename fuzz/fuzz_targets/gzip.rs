//! gzip members of arbitrary bytes, inflated by every decoder of the build
//! (ISA-L and zlib-rs when ISA-L was found): never a panic, a hang or
//! unbounded memory, and two decoders that both accept a stream give the
//! same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    plimsoll_image::fuzzing::gzip_backends_agree(data);
});
