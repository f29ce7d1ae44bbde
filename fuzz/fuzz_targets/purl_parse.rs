//! Parse arbitrary text as a package URL, and as an SPDX license expression:
//! must never panic; a parsed purl renders and parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_sbom::Purl;
use plimsoll_sbom::formats::license;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = license::is_valid_expression(s);
    if let Some(p) = Purl::parse(s) {
        let text = p.to_string();
        // Escaping may push a long purl over the parser's length limit.
        if text.len() > plimsoll_sbom::formats::MAX_PURL_LEN {
            return;
        }
        let again = Purl::parse(&text);
        assert_eq!(again.as_ref(), Some(&p), "{s:?} -> {p}");
    }
});
