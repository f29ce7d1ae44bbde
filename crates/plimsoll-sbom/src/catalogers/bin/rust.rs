//! Rust: the dependency list cargo-auditable embeds in binaries, and `Cargo.lock`.
//!
//! **cargo-auditable** (`cargo auditable build`) puts a zlib-compressed JSON
//! document in the ELF section `.dep-v0`:
//! `{"packages": [{"name", "version", "source", "kind", "dependencies", "root"}, …]}`
//! where `source` is `crates.io`, `local`, `git`, `registry` or `other`, `kind` is
//! `runtime` (the default, omitted) or `build`, `dependencies` are indices into
//! `packages` and `root` marks the crate that was built. The packages listed are the
//! **runtime** ones (the root included): build dependencies (build scripts,
//! proc-macros) run at compile time and are not in the binary, so they are left out,
//! as syft does. The decompressed document is capped at [`MAX_AUDIT_JSON`] (8 MiB,
//! the limit of cargo-auditable's own reader).
//!
//! **`Cargo.lock`** (TOML, every format: v1 with its `[root]` table and
//! `[metadata]` checksums, v2, v3 and v4 with a `version` key) lists every
//! package of the resolved graph, for every target platform: `[[package]]`
//! `name`, `version`, `source` (absent for workspace members). All are listed,
//! workspace members included. A lockfile over [`MAX_LOCKFILE_SIZE`] is refused.
//!
//! purl: `pkg:cargo/regex@1.5.4`.

use std::io::Read;

use crate::catalogers::bin::absolute;
use crate::catalogers::bin::elf::Elf;
use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package};

/// The ELF section cargo-auditable writes.
pub const AUDIT_SECTION: &str = ".dep-v0";
/// Largest decompressed cargo-auditable document read (8 MiB).
pub const MAX_AUDIT_JSON: u64 = 8 << 20;
/// Largest `Cargo.lock` read (16 MiB; big workspaces have about 1 MiB).
pub const MAX_LOCKFILE_SIZE: u64 = 16 << 20;

#[derive(serde::Deserialize)]
struct Audit {
    packages: Vec<AuditPackage>,
}

#[derive(serde::Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<usize>,
}

/// Read the cargo-auditable data of the ELF binary `data` at `file`: its
/// runtime crates, or nothing when the binary has no `.dep-v0` section.
pub fn parse_auditable(data: &[u8], file: &str) -> Result<Vec<Package>> {
    read_auditable_elf(&Elf::parse(data, file)?, file)
}

/// [`parse_auditable`] on an already parsed ELF file.
pub(crate) fn read_auditable_elf(elf: &Elf<'_>, file: &str) -> Result<Vec<Package>> {
    let Some(section) = elf.section(AUDIT_SECTION) else {
        return Ok(Vec::new());
    };
    let json = inflate_zlib(section.data, MAX_AUDIT_JSON, file, section.offset)?;
    parse_audit_json(&json, file)
}

/// Decompress zlib `data` (found at `offset` of `file`), refusing more than `cap` bytes.
pub(crate) fn inflate_zlib(data: &[u8], cap: u64, file: &str, offset: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::format(file, offset, format!("{AUDIT_SECTION}: bad zlib data: {e}")))?;
    if out.len() as u64 > cap {
        return Err(Error::limit(
            file,
            format!("{AUDIT_SECTION} decompresses to more than {cap} bytes"),
        ));
    }
    Ok(out)
}

/// Parse a decompressed cargo-auditable JSON document (see the module documentation).
pub fn parse_audit_json(json: &[u8], file: &str) -> Result<Vec<Package>> {
    let audit: Audit = serde_json::from_slice(json).map_err(|e| {
        Error::syntax(
            file,
            e.line(),
            format!("{AUDIT_SECTION}: invalid cargo-auditable JSON: {e}"),
        )
    })?;
    let n = audit.packages.len();
    let location = absolute(file);
    let mut out = Vec::new();
    for (i, p) in audit.packages.iter().enumerate() {
        if let Some(&bad) = p.dependencies.iter().find(|&&d| d >= n) {
            return Err(Error::syntax(
                file,
                1,
                format!("{AUDIT_SECTION}: package {i} depends on package {bad}, but there are {n}"),
            ));
        }
        if p.name.is_empty() || p.kind.as_deref().is_some_and(|k| k != "runtime") {
            continue;
        }
        let mut pkg = Package::new(Ecosystem::Cargo, &p.name, &p.version);
        pkg.files = vec![location.clone()];
        out.push(pkg);
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockPackage>,
    /// Cargo.lock v1 of 2016–2017 kept the root crate in its own table.
    #[serde(default)]
    root: Option<LockPackage>,
}

#[derive(serde::Deserialize)]
struct LockPackage {
    name: String,
    version: String,
}

/// Parse a `Cargo.lock` (any format version). Errors name `file` and the line.
pub fn parse_cargo_lock(data: &[u8], file: &str) -> Result<Vec<Package>> {
    if data.len() as u64 > MAX_LOCKFILE_SIZE {
        return Err(Error::limit(
            file,
            format!(
                "Cargo.lock of {} bytes (limit {MAX_LOCKFILE_SIZE})",
                data.len()
            ),
        ));
    }
    let text = std::str::from_utf8(data).map_err(|e| {
        let line = data[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::syntax(file, line, "Cargo.lock is not UTF-8")
    })?;
    let lock: Lockfile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        Error::syntax(file, line, format!("invalid Cargo.lock: {}", e.message()))
    })?;
    let location = absolute(file);
    Ok(lock
        .root
        .iter()
        .chain(&lock.package)
        .filter(|p| !p.name.is_empty())
        .map(|p| {
            let mut pkg = Package::new(Ecosystem::Cargo, &p.name, &p.version);
            pkg.files = vec![location.clone()];
            pkg
        })
        .collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;
    use crate::catalogers::bin::elf::tests::{TestSection, build};

    pub const AUDIT: &str = r#"{"packages":[
        {"name":"autocfg","version":"1.5.1","source":"crates.io","kind":"build"},
        {"name":"num-traits","version":"0.2.19","source":"crates.io","dependencies":[0]},
        {"name":"demo","version":"0.1.0","source":"local","dependencies":[1],"root":true}
    ],"format":1}"#;

    pub fn zlib(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    pub fn auditable_elf(json: &[u8]) -> Vec<u8> {
        build(&[
            TestSection {
                name: ".text",
                addr: 0x1000,
                data: b"code",
                writable: false,
            },
            TestSection {
                name: AUDIT_SECTION,
                addr: 0,
                data: &zlib(json),
                writable: false,
            },
        ])
    }

    #[test]
    fn runtime_crates_from_the_binary() {
        let pkgs = parse_auditable(&auditable_elf(AUDIT.as_bytes()), "usr/local/bin/demo").unwrap();
        let purls: Vec<&str> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            ["pkg:cargo/num-traits@0.2.19", "pkg:cargo/demo@0.1.0"]
        );
        assert_eq!(pkgs[0].files, ["/usr/local/bin/demo"]);
        let plain = build(&[TestSection {
            name: ".text",
            addr: 0x1000,
            data: b"x",
            writable: false,
        }]);
        assert!(parse_auditable(&plain, "t").unwrap().is_empty());
    }

    #[test]
    fn audit_errors() {
        let bad = build(&[TestSection {
            name: AUDIT_SECTION,
            addr: 0,
            data: b"not zlib",
            writable: false,
        }]);
        assert!(matches!(
            parse_auditable(&bad, "t"),
            Err(Error::Format { .. })
        ));
        let e = parse_auditable(&auditable_elf(b"{\"packages\":[{\"name\":1}]}"), "t").unwrap_err();
        assert!(
            e.to_string().contains("invalid cargo-auditable JSON"),
            "{e}"
        );
        let e = parse_audit_json(
            br#"{"packages":[{"name":"a","version":"1","dependencies":[3]}]}"#,
            "t",
        )
        .unwrap_err();
        assert!(e.to_string().contains("depends on package 3"), "{e}");
        // A zlib bomb: 9 MiB of zeros compress to a few KiB.
        let bomb = build(&[TestSection {
            name: AUDIT_SECTION,
            addr: 0,
            data: &zlib(&vec![b' '; 9 << 20]),
            writable: false,
        }]);
        assert!(matches!(
            parse_auditable(&bomb, "t"),
            Err(Error::Limit { .. })
        ));
    }

    #[test]
    fn lockfile_versions() {
        let v3 = "# This file is automatically @generated by Cargo.\nversion = 3\n\n[[package]]\nname = \"aho-corasick\"\nversion = \"0.7.20\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"cc93\"\ndependencies = [\n \"memchr\",\n]\n\n[[package]]\nname = \"demo\"\nversion = \"0.1.0\"\n";
        let p = parse_cargo_lock(v3.as_bytes(), "opt/demo/Cargo.lock").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].purl, "pkg:cargo/aho-corasick@0.7.20");
        assert_eq!(p[1].files, ["/opt/demo/Cargo.lock"]);
        let v1 = "[root]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)\",\n]\n\n[[package]]\nname = \"libc\"\nversion = \"0.2.20\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[metadata]\n\"checksum libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)\" = \"abcd\"\n";
        let p = parse_cargo_lock(v1.as_bytes(), "Cargo.lock").unwrap();
        assert_eq!(
            p.iter().map(|p| p.purl.as_str()).collect::<Vec<_>>(),
            ["pkg:cargo/app@0.1.0", "pkg:cargo/libc@0.2.20"]
        );
        assert!(parse_cargo_lock(b"", "Cargo.lock").unwrap().is_empty());
    }

    #[test]
    fn lockfile_errors() {
        let e = parse_cargo_lock(b"version = 3\n\n[[package]]\nname = \"x\"\n", "Cargo.lock")
            .unwrap_err();
        assert!(e.to_string().starts_with("Cargo.lock: line "), "{e}");
        assert!(e.to_string().contains("version"), "{e}");
        let e = parse_cargo_lock(b"version = 3\n[[package]\n", "Cargo.lock").unwrap_err();
        assert!(e.to_string().starts_with("Cargo.lock: line 2:"), "{e}");
        let e = parse_cargo_lock(b"a = 1\n\xff\n", "Cargo.lock").unwrap_err();
        assert_eq!(e.to_string(), "Cargo.lock: line 2: Cargo.lock is not UTF-8");
    }
}
