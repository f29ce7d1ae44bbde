//! apk: `lib/apk/db/installed`, as every apk-tools generation writes it.
//!
//! The database is a list of records separated by blank lines; each line is
//! `X:value` with a one-letter key. Read here: `P` name, `V` version, `A` arch,
//! `o` origin (the source package), `L` license, `m` maintainer, and the file
//! list: `F` (a directory, relative to the root) followed by its `R` (file) lines.
//! Every other key (`C`, `S`, `I`, `T`, `U`, `t`, `c`, `D`, `p`, `i`, `k`, `q`,
//! `r`, `a`, `M`, `Z`, …, including ones not invented yet) is skipped. apk-tools
//! 2.6 (Alpine 3.3) writes no `i:` lines and 3.20 adds `k:`/`q:`; all are read alike.
//!
//! `files` holds the `R` entries as absolute paths (`/bin/busybox`); directories
//! (`F`) alone are not listed.

use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package};

/// Path of the apk installed database, relative to the root.
pub const INSTALLED_PATH: &str = "lib/apk/db/installed";

/// Whether `path` (relative to the root; a leading `/` or `./` is ignored) is the apk database.
pub fn wants(path: &str) -> bool {
    path.trim_start_matches("./").trim_start_matches('/') == INSTALLED_PATH
}

#[derive(Default)]
struct Record {
    line: usize,
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    origin: Option<String>,
    license: Option<String>,
    maintainer: Option<String>,
    dir: Option<String>,
    files: Vec<String>,
}

impl Record {
    fn finish(self, file: &str) -> Result<Package> {
        let Some(name) = self.name.filter(|n| !n.is_empty()) else {
            return Err(Error::syntax(
                file,
                self.line,
                "package record without a P: (name) line",
            ));
        };
        let Some(version) = self.version.filter(|v| !v.is_empty()) else {
            return Err(Error::syntax(
                file,
                self.line,
                format!("package {name} has no V: (version) line"),
            ));
        };
        let mut p = Package::new(Ecosystem::Apk, &name, &version);
        p.arch = self.arch;
        p.source_name = Some(self.origin.unwrap_or_else(|| name.clone()));
        p.source_version = Some(version);
        p.licenses = self.license.into_iter().collect();
        p.maintainer = self.maintainer;
        p.files = self.files;
        p.refresh_purl(None);
        Ok(p)
    }
}

/// Parse `lib/apk/db/installed`. Errors name `file` and the line: a line that is
/// not `X:value`, a record without `P:` or `V:`.
pub fn parse_installed(data: &[u8], file: &str) -> Result<Vec<Package>> {
    let mut out = Vec::new();
    let mut cur: Option<Record> = None;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let lineno = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            if let Some(r) = cur.take() {
                out.push(r.finish(file)?);
            }
            continue;
        }
        let line = String::from_utf8_lossy(raw);
        let mut chars = line.chars();
        let (Some(key), Some(':')) = (chars.next(), chars.next()) else {
            return Err(Error::syntax(
                file,
                lineno,
                format!(
                    "expected `X:value`, found {:?}",
                    line.chars().take(60).collect::<String>()
                ),
            ));
        };
        let value = chars.as_str();
        let r = cur.get_or_insert_with(|| Record {
            line: lineno,
            ..Record::default()
        });
        let v = || Some(value.to_owned());
        match key {
            'P' => r.name = v(),
            'V' => r.version = v(),
            'A' => r.arch = v(),
            'o' => r.origin = v(),
            'L' => r.license = v(),
            'm' => r.maintainer = v(),
            'F' => r.dir = v(),
            'R' => {
                let path = match r.dir.as_deref().map(|d| d.trim_matches('/')) {
                    Some(d) if !d.is_empty() => format!("/{d}/{value}"),
                    _ => format!("/{value}"),
                };
                r.files.push(path);
            }
            _ => {}
        }
    }
    if let Some(r) = cur.take() {
        out.push(r.finish(file)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_files() {
        let db = "C:Q1abc=\nP:musl\nV:1.1.24-r3\nA:x86_64\nS:1\nI:2\nT:the musl c library\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Timo <t@example>\nt:1\nc:abc\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:libc.musl-x86_64.so.1\na:0:0:755\nZ:Q1x=\nR:ld-musl-x86_64.so.1\n\nP:busybox-binsh\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\no:busybox\nk:100\nq:1\nR:top\n\n";
        let p = parse_installed(db.as_bytes(), INSTALLED_PATH).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "musl");
        assert_eq!(p[0].licenses, ["MIT"]);
        assert_eq!(p[0].maintainer.as_deref(), Some("Timo <t@example>"));
        assert_eq!(
            p[0].files,
            ["/lib/libc.musl-x86_64.so.1", "/lib/ld-musl-x86_64.so.1"]
        );
        assert_eq!(p[1].source_name.as_deref(), Some("busybox"));
        assert_eq!(p[1].files, ["/top"]);
        assert_eq!(p[1].purl, "pkg:apk/busybox-binsh@1.36.1-r29?arch=x86_64");
    }

    #[test]
    fn errors() {
        let e = parse_installed(b"P:x\nV:1\nnonsense\n", "db").unwrap_err();
        assert_eq!(
            e.to_string(),
            "db: line 3: expected `X:value`, found \"nonsense\""
        );
        let e = parse_installed(b"\n\nV:1\n", "db").unwrap_err();
        assert_eq!(
            e.to_string(),
            "db: line 3: package record without a P: (name) line"
        );
        let e = parse_installed(b"P:x\n", "db").unwrap_err();
        assert!(e.to_string().contains("no V:"), "{e}");
        assert!(parse_installed(b"", "db").unwrap().is_empty());
    }
}
