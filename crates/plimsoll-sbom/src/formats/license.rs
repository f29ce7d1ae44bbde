//! License strings in SBOMs: which are SPDX license identifiers or valid
//! SPDX license expressions, and `LicenseRef-` ids for the others.
//!
//! The table is a subset of the SPDX License List: the licenses that
//! real packages of common images declare (Debian copyright files, Python,
//! npm, Go, Rust, Java). A string that is not exactly one of these ids is
//! written as a named license (CycloneDX) or a `LicenseRef-` (SPDX), which is
//! always valid; the table only decides how precise the output is. The schema
//! test checks every id here against CycloneDX's copy of the official list.

/// SPDX license identifiers this writer emits as identifiers (exact case).
pub const KNOWN_IDS: &[&str] = &[
    "0BSD",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "APSL-2.0",
    "Artistic-1.0",
    "Artistic-1.0-Perl",
    "Artistic-2.0",
    "Artistic-dist",
    "Beerware",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-NetBSD",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Attribution",
    "BSD-3-Clause-Clear",
    "BSD-3-Clause-LBNL",
    "BSD-4-Clause",
    "BSD-4-Clause-UC",
    "BSD-Source-Code",
    "BSL-1.0",
    "bzip2-1.0.6",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CPL-1.0",
    "curl",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "FSFAP",
    "FSFUL",
    "FSFULLR",
    "FTL",
    "GFDL-1.1-only",
    "GFDL-1.1-or-later",
    "GFDL-1.2-only",
    "GFDL-1.2-or-later",
    "GFDL-1.3-no-invariants-only",
    "GFDL-1.3-no-invariants-or-later",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ICU",
    "IJG",
    "Info-ZIP",
    "IPA",
    "ISC",
    "Kazlib",
    "Latex2e",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "libpng-2.0",
    "Libpng",
    "libtiff",
    "LPPL-1.3c",
    "MirOS",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MIT-Modern-Variant",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "MS-RL",
    "NCSA",
    "NTP",
    "OFL-1.1",
    "OLDAP-2.8",
    "OpenSSL",
    "PHP-3.01",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Python-2.0.1",
    "Ruby",
    "RSA-MD",
    "SGI-B-2.0",
    "Sleepycat",
    "SMAIL-GPL",
    "TCL",
    "Unicode-3.0",
    "Unicode-DFS-2015",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "XFree86-1.1",
    "Zlib",
    "zlib-acknowledgement",
    "ZPL-2.1",
    // Deprecated ids, still common in package metadata.
    "AGPL-3.0",
    "GPL-1.0",
    "GPL-2.0",
    "GPL-2.0+",
    "GPL-3.0",
    "GPL-3.0+",
    "LGPL-2.0",
    "LGPL-2.1",
    "LGPL-2.1+",
    "LGPL-3.0",
];

/// SPDX license exception identifiers accepted after `WITH`.
pub const KNOWN_EXCEPTIONS: &[&str] = &[
    "Autoconf-exception-2.0",
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "Font-exception-2.0",
    "GCC-exception-2.0",
    "GCC-exception-3.1",
    "Libtool-exception",
    "Linux-syscall-note",
    "LLVM-exception",
    "Qt-GPL-exception-1.0",
    "Qt-LGPL-exception-1.1",
    "Universal-FOSS-exception-1.0",
];

/// Whether `s` is exactly a known SPDX license identifier.
pub fn is_known_id(s: &str) -> bool {
    KNOWN_IDS.contains(&s)
}

/// Whether `s` is a valid SPDX license expression made of known ids (with an
/// optional `+`), `LicenseRef-`/`DocumentRef-…:LicenseRef-` references, known
/// exceptions after `WITH`, `AND`, `OR` and parentheses. Operators must be
/// upper case. Deliberately strict: a `false` only means the string is
/// written as a name instead.
pub fn is_valid_expression(s: &str) -> bool {
    let Some(tokens) = tokenize(s) else {
        return false;
    };
    if tokens.is_empty() || tokens.len() > 512 {
        return false;
    }
    let mut p = Parser { t: &tokens, i: 0 };
    p.expr(0) && p.i == tokens.len()
}

/// Whether `s` holds a license operator (so is a compound expression).
pub fn is_compound(s: &str) -> bool {
    tokenize(s).is_some_and(|t| {
        t.iter()
            .any(|x| matches!(x, Tok::And | Tok::Or | Tok::With))
    })
}

/// Whether `s` is a `LicenseRef-[idstring]` (optionally `DocumentRef-x:` first).
pub fn is_license_ref(s: &str) -> bool {
    let s = match s.split_once(':') {
        Some((doc, rest)) => {
            if !doc.strip_prefix("DocumentRef-").is_some_and(is_idstring) {
                return false;
            }
            rest
        }
        None => s,
    };
    s.strip_prefix("LicenseRef-").is_some_and(is_idstring)
}

fn is_idstring(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Open,
    Close,
    And,
    Or,
    With,
    Word(&'a str),
}

fn tokenize(s: &str) -> Option<Vec<Tok<'_>>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push(Tok::Open);
                i += 1;
            }
            b')' => {
                out.push(Tok::Close);
                i += 1;
            }
            _ => {
                let start = i;
                while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'(' | b')') {
                    i += 1;
                }
                let w = s.get(start..i)?;
                out.push(match w {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "WITH" => Tok::With,
                    _ => Tok::Word(w),
                });
            }
        }
    }
    Some(out)
}

struct Parser<'t, 'a> {
    t: &'t [Tok<'a>],
    i: usize,
}

impl Parser<'_, '_> {
    // expr := and (OR and)* ; and := with (AND with)* ; with := atom [WITH exception]
    fn expr(&mut self, depth: usize) -> bool {
        if depth > 32 || !self.and(depth) {
            return false;
        }
        while self.t.get(self.i) == Some(&Tok::Or) {
            self.i += 1;
            if !self.and(depth) {
                return false;
            }
        }
        true
    }

    fn and(&mut self, depth: usize) -> bool {
        if !self.with(depth) {
            return false;
        }
        while self.t.get(self.i) == Some(&Tok::And) {
            self.i += 1;
            if !self.with(depth) {
                return false;
            }
        }
        true
    }

    fn with(&mut self, depth: usize) -> bool {
        match self.t.get(self.i) {
            Some(Tok::Open) => {
                self.i += 1;
                if !self.expr(depth + 1) || self.t.get(self.i) != Some(&Tok::Close) {
                    return false;
                }
                self.i += 1;
                true
            }
            Some(Tok::Word(w)) => {
                let id = w.strip_suffix('+').unwrap_or(w);
                if !(is_known_id(id) || (id.len() == w.len() && is_license_ref(w))) {
                    return false;
                }
                self.i += 1;
                if self.t.get(self.i) == Some(&Tok::With) {
                    self.i += 1;
                    match self.t.get(self.i) {
                        Some(Tok::Word(e)) if KNOWN_EXCEPTIONS.contains(e) => self.i += 1,
                        _ => return false,
                    }
                }
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_known_id("MIT"));
        assert!(is_known_id("GPL-2.0-or-later"));
        assert!(!is_known_id("mit"));
        assert!(!is_known_id("GPL"));
        let mut sorted = KNOWN_IDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), KNOWN_IDS.len(), "duplicate ids");
    }

    #[test]
    fn expressions() {
        for ok in [
            "MIT",
            "GPL-2.0+",
            "MIT OR Apache-2.0",
            "(MIT OR Apache-2.0) AND BSD-3-Clause",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "LicenseRef-custom.1 AND ((Zlib))",
            "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
        ] {
            assert!(is_valid_expression(ok), "{ok}");
        }
        for bad in [
            "",
            "GPL",
            "mit",
            "MIT or Apache-2.0",
            "MIT OR",
            "AND MIT",
            "(MIT",
            "MIT)",
            "MIT Apache-2.0",
            "MIT WITH Apache-2.0",
            "GPL-3.0-or-later WITH Bison-exception",
            "LicenseRef-",
            "LicenseRef-a b",
            "LicenseRef-x+",
            "BSD-3-Clause WITH weird-numbering",
        ] {
            assert!(!is_valid_expression(bad), "{bad}");
        }
        let deep = format!("{}MIT{}", "(".repeat(100), ")".repeat(100));
        assert!(!is_valid_expression(&deep));
        assert!(is_compound("MIT OR Apache-2.0"));
        assert!(!is_compound("MIT"));
    }
}
