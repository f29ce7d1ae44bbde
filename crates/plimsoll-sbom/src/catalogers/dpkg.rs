//! dpkg: `var/lib/dpkg/status`, distroless `var/lib/dpkg/status.d/*`, and the
//! file lists `var/lib/dpkg/info/*.list`.
//!
//! # Which packages are listed
//! `dpkg-query -W` lists every package whose state is not `not-installed`. This
//! cataloger lists the packages whose files are (or may be, mid-operation) on
//! disk: states `installed`, `half-configured`, `unpacked`, `half-installed`,
//! `triggers-awaited` and `triggers-pending`. It leaves out `config-files`
//! (`rc`: removed, only conffiles remain, no code to be vulnerable) and
//! `not-installed`. A stanza of the `status` file without a `Status:` field is
//! `not-installed` to dpkg; a distroless `status.d` stanza never has one and is
//! taken as installed.
//!
//! # Source package
//! `Source: name` or `Source: name (version)`; the name defaults to the binary
//! package name and the version to the binary version.
//!
//! # Licenses
//! dpkg records none: they come from the package's
//! `/usr/share/doc/<name>/copyright`, see [`super::dpkg_copyright`].

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package};

/// Path of the dpkg status database, relative to the root.
pub const STATUS_PATH: &str = "var/lib/dpkg/status";
/// Directory of distroless per-package status files, relative to the root.
pub const STATUS_D_DIR: &str = "var/lib/dpkg/status.d/";
/// Directory of the per-package file lists (`<name>[:<arch>].list`), relative to the root.
pub const INFO_DIR: &str = "var/lib/dpkg/info/";

/// Upper bound on the number of stanzas in one file (memory stays proportional
/// to the input in any case; this bounds the package list a hostile file can make).
pub const MAX_STANZAS: usize = 1_000_000;

/// One control stanza: fields in order, with the 1-based line where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    /// The line of the stanza's first field.
    pub line: usize,
    /// Fields in file order; continuation lines are joined with `\n`.
    pub fields: Vec<(String, String)>,
}

impl Stanza {
    /// The value of field `name` (case-insensitive, as dpkg compares field names).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Split an RFC 822-like control file into stanzas.
///
/// Errors name `file` and the line: a continuation line before any field, or a
/// line that is neither `Field: value`, a continuation, a comment nor blank.
pub fn parse_stanzas(data: &[u8], file: &str) -> Result<Vec<Stanza>> {
    let mut out = Vec::new();
    let mut cur: Option<Stanza> = None;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let lineno = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        if line.trim().is_empty() {
            if let Some(s) = cur.take() {
                out.push(s);
                if out.len() > MAX_STANZAS {
                    return Err(Error::syntax(file, lineno, "too many stanzas"));
                }
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = cur.as_mut().and_then(|s| s.fields.last_mut()) else {
                return Err(Error::syntax(
                    file,
                    lineno,
                    "continuation line before any field",
                ));
            };
            value.push('\n');
            value.push_str(line.trim());
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(Error::syntax(
                file,
                lineno,
                format!("expected `Field: value`, found {:?}", truncate(&line)),
            ));
        };
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(Error::syntax(
                file,
                lineno,
                format!("invalid field name {:?}", truncate(name)),
            ));
        }
        let s = cur.get_or_insert_with(|| Stanza {
            line: lineno,
            fields: Vec::new(),
        });
        s.fields.push((name.to_owned(), value.trim().to_owned()));
    }
    if let Some(s) = cur.take() {
        out.push(s);
    }
    Ok(out)
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

/// dpkg package states whose files are on disk (see the module documentation).
fn state_is_listed(state: &str) -> bool {
    matches!(
        state,
        "installed"
            | "half-configured"
            | "unpacked"
            | "half-installed"
            | "triggers-awaited"
            | "triggers-pending"
    )
}

/// The epoch of a Debian version (`1:2.34-1` → 1), if it has one.
pub fn epoch_of(version: &str) -> Option<u32> {
    let (e, _) = version.split_once(':')?;
    e.parse().ok()
}

/// Split a `Source:` value into name and optional version: `util-linux (2.34-0.1)`.
pub fn parse_source_field(value: &str) -> (String, Option<String>) {
    let value = value.trim();
    match value.split_once('(') {
        Some((name, rest)) => {
            let v = rest.split(')').next().unwrap_or(rest).trim();
            (
                name.trim().to_owned(),
                (!v.is_empty()).then(|| v.to_owned()),
            )
        }
        None => (value.to_owned(), None),
    }
}

fn package_from_stanza(s: &Stanza, file: &str, default_installed: bool) -> Result<Option<Package>> {
    let listed = match s.get("Status") {
        Some(status) => {
            let state = status.split_whitespace().nth(2).unwrap_or("");
            state_is_listed(state)
        }
        None => default_installed,
    };
    if !listed {
        return Ok(None);
    }
    let Some(name) = s.get("Package").filter(|n| !n.is_empty()) else {
        return Err(Error::syntax(
            file,
            s.line,
            "stanza without a Package field",
        ));
    };
    let Some(version) = s.get("Version").filter(|v| !v.is_empty()) else {
        return Err(Error::syntax(
            file,
            s.line,
            format!("installed package {name} has no Version field"),
        ));
    };
    let mut p = Package::new(Ecosystem::Deb, name, version);
    p.epoch = epoch_of(version);
    p.arch = s
        .get("Architecture")
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    p.maintainer = s
        .get("Maintainer")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    let (src_name, src_version) = match s.get("Source").filter(|v| !v.trim().is_empty()) {
        Some(v) => parse_source_field(v),
        None => (name.to_owned(), None),
    };
    p.source_name = Some(if src_name.is_empty() {
        name.to_owned()
    } else {
        src_name
    });
    p.source_version = Some(src_version.unwrap_or_else(|| version.to_owned()));
    p.refresh_purl(None);
    Ok(Some(p))
}

/// Parse `var/lib/dpkg/status`: the packages whose files are on disk.
pub fn parse_status(data: &[u8], file: &str) -> Result<Vec<Package>> {
    let mut out = Vec::new();
    for s in parse_stanzas(data, file)? {
        if let Some(p) = package_from_stanza(&s, file, false)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Parse one distroless `var/lib/dpkg/status.d/<name>` file (a stanza, usually
/// without `Status:`, which then means installed).
pub fn parse_status_d(data: &[u8], file: &str) -> Result<Vec<Package>> {
    let mut out = Vec::new();
    for s in parse_stanzas(data, file)? {
        if let Some(p) = package_from_stanza(&s, file, true)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Parse an `info/<pkg>.list` file into absolute paths (`/.` is left out).
pub fn parse_file_list(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && *l != "/.")
        .map(|l| {
            if l.starts_with('/') {
                l.to_owned()
            } else {
                format!("/{l}")
            }
        })
        .collect()
}

/// Parse a `*.md5sums` file (`<md5>  <path>`) into absolute paths.
pub fn parse_md5sums(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|l| {
            let (_, path) = l.trim_end().split_once(char::is_whitespace)?;
            let path = path.trim_start();
            (!path.is_empty()).then(|| format!("/{}", path.trim_start_matches('/')))
        })
        .collect()
}

/// What a path means to the dpkg cataloger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DpkgFile {
    /// `var/lib/dpkg/status`.
    Status,
    /// `var/lib/dpkg/status.d/<name>`.
    StatusD,
    /// `var/lib/dpkg/status.d/<name>.md5sums`, with the package key (`name` or `name:arch`).
    StatusDMd5sums(String),
    /// `var/lib/dpkg/info/<key>.list`, with the package key (`name` or `name:arch`).
    InfoList(String),
}

/// Classify a path (relative to the root; a leading `/` or `./` is ignored).
pub fn classify(path: &str) -> Option<DpkgFile> {
    let p = path.trim_start_matches("./").trim_start_matches('/');
    if p == STATUS_PATH {
        return Some(DpkgFile::Status);
    }
    if let Some(name) = p.strip_prefix(STATUS_D_DIR) {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return None;
        }
        return Some(match name.strip_suffix(".md5sums") {
            Some(key) => DpkgFile::StatusDMd5sums(key.to_owned()),
            None => DpkgFile::StatusD,
        });
    }
    if let Some(name) = p.strip_prefix(INFO_DIR) {
        let key = name.strip_suffix(".list")?;
        if key.is_empty() || key.contains('/') {
            return None;
        }
        return Some(DpkgFile::InfoList(key.to_owned()));
    }
    None
}

/// Collects the dpkg files of one root filesystem in any order, then joins
/// packages with their file lists and the licenses of their copyright files
/// (by the file's directory name; a symlinked doc directory is resolved only
/// by the image analysis, [`crate::scan::os_inventory`], which sees the
/// file table).
#[derive(Debug, Default)]
pub struct DpkgCataloger {
    packages: Vec<Package>,
    lists: BTreeMap<String, Vec<String>>,
    licenses: BTreeMap<String, Vec<String>>,
}

impl DpkgCataloger {
    /// An empty cataloger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether this cataloger reads `path`: the database files and
    /// `usr/share/doc/<package>/copyright`.
    pub fn wants(path: &str) -> bool {
        classify(path).is_some() || super::dpkg_copyright::package_of(path).is_some()
    }

    /// Feed one file. Paths it does not want are ignored.
    pub fn add(&mut self, path: &str, data: &[u8]) -> Result<()> {
        if let Some(pkg) = super::dpkg_copyright::package_of(path) {
            self.licenses
                .insert(pkg.to_owned(), super::dpkg_copyright::parse_copyright(data));
            return Ok(());
        }
        match classify(path) {
            Some(DpkgFile::Status) => self.packages.extend(parse_status(data, path)?),
            Some(DpkgFile::StatusD) => self.packages.extend(parse_status_d(data, path)?),
            Some(DpkgFile::StatusDMd5sums(key)) => {
                self.lists
                    .entry(key)
                    .or_default()
                    .extend(parse_md5sums(data));
            }
            Some(DpkgFile::InfoList(key)) => {
                self.lists
                    .entry(key)
                    .or_default()
                    .extend(parse_file_list(data));
            }
            None => {}
        }
        Ok(())
    }

    /// The packages, each with the files of its list (`name:arch.list` first,
    /// else `name.list`) and the licenses of its copyright file.
    pub fn finish(mut self) -> Vec<Package> {
        for p in &mut self.packages {
            if p.licenses.is_empty() {
                if let Some(l) = self.licenses.get(&p.name) {
                    p.licenses = l.clone();
                }
            }
            let qualified = p.arch.as_deref().map(|a| format!("{}:{a}", p.name));
            let files = qualified
                .and_then(|k| self.lists.remove(&k))
                .or_else(|| self.lists.remove(&p.name));
            if let Some(f) = files {
                p.files = f;
            }
        }
        self.packages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: bsdutils
Status: install ok installed
Priority: required
Architecture: amd64
Source: util-linux (2.34-0.1ubuntu9.3)
Version: 1:2.34-0.1ubuntu9.3
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Description: basic utilities from 4.4BSD-Lite
 This package contains the bare minimum of BSD utilities.
 .
 More.

Package: removed
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: half
Status: install reinstreq half-installed
Architecture: all
Version: 2.0
Source: halfsrc

Package: nostatus
Version: 1
";

    #[test]
    fn status_semantics() {
        let pkgs = parse_status(STATUS.as_bytes(), STATUS_PATH).unwrap();
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["bsdutils", "half"]);
        let b = &pkgs[0];
        assert_eq!(b.version, "1:2.34-0.1ubuntu9.3");
        assert_eq!(b.epoch, Some(1));
        assert_eq!(b.source_name.as_deref(), Some("util-linux"));
        assert_eq!(b.source_version.as_deref(), Some("2.34-0.1ubuntu9.3"));
        assert_eq!(b.purl, "pkg:deb/bsdutils@1:2.34-0.1ubuntu9.3?arch=amd64");
        assert_eq!(pkgs[1].source_name.as_deref(), Some("halfsrc"));
        assert_eq!(pkgs[1].source_version.as_deref(), Some("2.0"));
    }

    #[test]
    fn errors_name_the_line() {
        let e =
            parse_status(b"Package: a\n continuation ok\nbroken line\n", "x/status").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x/status: line 3: expected `Field: value`, found \"broken line\""
        );
        let e = parse_status(b" leading\n", "s").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        let e = parse_status(b"Status: install ok installed\nVersion: 1\n", "s").unwrap_err();
        assert!(e.to_string().contains("without a Package"), "{e}");
    }

    #[test]
    fn distroless_and_file_lists() {
        let mut c = DpkgCataloger::new();
        assert!(DpkgCataloger::wants("/var/lib/dpkg/status.d/libc6"));
        assert!(!DpkgCataloger::wants("var/lib/dpkg/status-old"));
        c.add(
            "var/lib/dpkg/status.d/libc6",
            b"Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\n",
        )
        .unwrap();
        c.add(
            "var/lib/dpkg/status.d/libc6.md5sums",
            b"0123456789abcdef0123456789abcdef  lib/x86_64-linux-gnu/libc.so.6\n",
        )
        .unwrap();
        c.add(
            "var/lib/dpkg/info/zlib1g:amd64.list",
            b"/.\n/usr\n/usr/lib/libz.so.1\n",
        )
        .unwrap();
        c.add(
            "var/lib/dpkg/status",
            b"Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13\n",
        )
        .unwrap();
        assert!(DpkgCataloger::wants("usr/share/doc/zlib1g/copyright"));
        c.add(
            "usr/share/doc/zlib1g/copyright",
            b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Zlib\n",
        )
        .unwrap();
        let pkgs = c.finish();
        assert_eq!(pkgs.len(), 2);
        assert!(pkgs[0].licenses.is_empty());
        assert_eq!(pkgs[1].licenses, ["Zlib"]);
        assert_eq!(pkgs[0].files, ["/lib/x86_64-linux-gnu/libc.so.6"]);
        assert_eq!(pkgs[0].source_name.as_deref(), Some("glibc"));
        assert_eq!(pkgs[0].source_version.as_deref(), Some("2.36-9+deb12u4"));
        assert_eq!(pkgs[1].files, ["/usr", "/usr/lib/libz.so.1"]);
    }

    #[test]
    fn source_field_forms() {
        assert_eq!(parse_source_field("gcc-10"), ("gcc-10".into(), None));
        assert_eq!(
            parse_source_field("util-linux (2.34-0.1)"),
            ("util-linux".into(), Some("2.34-0.1".into()))
        );
    }
}
