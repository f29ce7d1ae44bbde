//! Python: installed distributions.
//!
//! Read: `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO` and
//! `*.egg/EGG-INFO/PKG-INFO` (setuptools), and an `*.egg-info` *file* that
//! is itself the metadata (distutils, Debian's python packages). All are the
//! core-metadata format: RFC 822 header fields (`Name`, `Version`, `License`,
//! `License-Expression`, `Classifier`) up to the first blank line, then the
//! description. A bare `PKG-INFO` outside those directories belongs to a
//! source tree, not an installation, and is not read.
//!
//! The file lists come from the distribution's `RECORD` (dist-info, a CSV of
//! paths relative to the site-packages directory) or `installed-files.txt`
//! (egg-info, paths relative to the egg-info directory); both are optional.
//!
//! Names are kept as written (`PyYAML`); the purl uses the PEP 503 form (`pyyaml`).
//!
//! Licenses: `License-Expression` (PEP 639) when present; otherwise the
//! `License` field when it is one line (not `UNKNOWN`); otherwise the last
//! part of each `Classifier: License :: …` (`MIT License`); otherwise the
//! first line of a multi-line `License` field.

use std::collections::BTreeMap;

use super::{ORIGIN_INSTALLED, abs, check_size, file_name};
use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package};

/// Whether `path` (relative, see [`super::wants`]) is Python metadata or a file list.
pub fn wants(path: &str) -> bool {
    kind(path).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Core metadata (`METADATA`, `PKG-INFO`, `*.egg-info` file).
    Metadata,
    /// `RECORD` of a dist-info directory.
    Record,
    /// `installed-files.txt` of an egg-info directory.
    InstalledFiles,
}

fn kind(path: &str) -> Option<Kind> {
    let name = file_name(path);
    let dir = path
        .strip_suffix(name)
        .map(|d| d.trim_end_matches('/'))
        .unwrap_or("");
    let dir_name = file_name(dir);
    match name {
        "METADATA" if dir_name.ends_with(".dist-info") => Some(Kind::Metadata),
        "RECORD" if dir_name.ends_with(".dist-info") => Some(Kind::Record),
        "PKG-INFO" if dir_name.ends_with(".egg-info") || dir_name == "EGG-INFO" => {
            Some(Kind::Metadata)
        }
        "installed-files.txt" if dir_name.ends_with(".egg-info") => Some(Kind::InstalledFiles),
        _ if name.ends_with(".egg-info") && name.len() > ".egg-info".len() => Some(Kind::Metadata),
        _ => None,
    }
}

/// The PEP 503 normal form of a distribution name: lowercase, every run of
/// `-`, `_` and `.` replaced by one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// Parse core metadata (`METADATA`, `PKG-INFO`, an `.egg-info` file) into a
/// package; `file` is its path (relative to the root), which becomes the
/// first entry of `files`. Errors: a header line that is neither `Field: value`
/// nor a continuation, no `Name` or no `Version`.
pub fn parse_metadata(data: &[u8], file: &str) -> Result<Package> {
    check_size(data, file)?;
    let mut fields: Vec<(String, String)> = Vec::new();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        if line.trim().is_empty() {
            break; // the header ends at the first blank line
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
                continue;
            }
            return Err(Error::syntax(
                file,
                i + 1,
                "continuation line before any field",
            ));
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(Error::syntax(
                file,
                i + 1,
                format!(
                    "expected `Field: value`, found {:?}",
                    line.chars().take(60).collect::<String>()
                ),
            ));
        };
        fields.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let Some(name) = get("Name") else {
        return Err(Error::syntax(file, 1, "no Name field"));
    };
    let Some(version) = get("Version") else {
        return Err(Error::syntax(file, 1, format!("{name}: no Version field")));
    };
    let mut p = super::new_package(Ecosystem::Python, name, version, ORIGIN_INSTALLED, file);
    p.licenses = licenses(&fields);
    p.maintainer = get("Maintainer")
        .or_else(|| get("Author"))
        .map(str::to_owned);
    Ok(p)
}

/// The non-empty values of field `name`.
fn values<'a>(fields: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    fields
        .iter()
        .filter(move |(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

fn licenses(fields: &[(String, String)]) -> Vec<String> {
    let all = |name| values(fields, name);
    if let Some(e) = all("License-Expression").next() {
        return vec![e.to_owned()];
    }
    let license = all("License").find(|v| !v.eq_ignore_ascii_case("UNKNOWN"));
    if let Some(l) = license.filter(|l| !l.contains('\n')) {
        return vec![l.to_owned()];
    }
    let classifiers: Vec<String> = all("Classifier")
        .filter_map(|c| c.strip_prefix("License ::"))
        .filter_map(|c| c.rsplit("::").next())
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    if !classifiers.is_empty() {
        return classifiers;
    }
    license
        .and_then(|l| l.lines().next())
        .map(|l| vec![l.trim().to_owned()])
        .unwrap_or_default()
}

/// The paths listed by a `RECORD` (CSV: `path,hash,size`; a path with a comma
/// is double-quoted), relative to `base` (the site-packages directory), as
/// normalised absolute paths.
pub fn parse_record(data: &[u8], base: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    text.lines()
        .filter_map(|line| {
            let line = line.trim_end_matches('\r');
            let path = if let Some(rest) = line.strip_prefix('"') {
                let mut out = String::new();
                let mut chars = rest.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            out.push('"');
                        } else {
                            break;
                        }
                    } else {
                        out.push(c);
                    }
                }
                out
            } else {
                line.split(',').next().unwrap_or("").to_owned()
            };
            join(base, &path)
        })
        .collect()
}

/// The paths listed by an egg-info `installed-files.txt` (one per line,
/// relative to the egg-info directory `base`), as normalised absolute paths.
pub fn parse_installed_files(data: &[u8], base: &str) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|l| join(base, l.trim_end_matches('\r')))
        .collect()
}

/// `base` joined with `path` (absolute `path`s stand alone), with `.` and
/// `..` resolved; `None` for an empty path.
fn join(base: &str, path: &str) -> Option<String> {
    if path.trim().is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    let full = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{base}/{path}")
    };
    for seg in full.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Collects the Python files of one root and pairs each metadata file with
/// the file list in its directory.
#[derive(Debug, Default)]
pub struct PythonCataloger {
    /// Packages by the directory holding their metadata (the metadata path
    /// itself for an `.egg-info` file).
    packages: BTreeMap<String, Package>,
    /// File lists by directory.
    lists: BTreeMap<String, Vec<String>>,
}

impl PythonCataloger {
    /// Read one file that [`wants`] accepts (others are ignored).
    pub fn add(&mut self, path: &str, data: &[u8]) -> Result<()> {
        let path = super::rel(path);
        let Some(kind) = kind(path) else {
            return Ok(());
        };
        let name = file_name(path);
        let dir = path
            .strip_suffix(name)
            .map(|d| d.trim_end_matches('/'))
            .unwrap_or("");
        match kind {
            Kind::Metadata => {
                let key = if name.ends_with(".egg-info") {
                    path
                } else {
                    dir
                };
                let p = parse_metadata(data, path)?;
                self.packages.insert(key.to_owned(), p);
            }
            Kind::Record => {
                check_size(data, path)?;
                let site = dir.rsplit_once('/').map(|(s, _)| s).unwrap_or("");
                self.lists
                    .insert(dir.to_owned(), parse_record(data, &abs(site)));
            }
            Kind::InstalledFiles => {
                check_size(data, path)?;
                self.lists
                    .insert(dir.to_owned(), parse_installed_files(data, &abs(dir)));
            }
        }
        Ok(())
    }

    /// The packages, ordered by metadata path; each one's `files` is its
    /// metadata path followed by its file list (when one was added).
    pub fn finish(mut self) -> Vec<Package> {
        let mut out = Vec::with_capacity(self.packages.len());
        for (dir, mut p) in self.packages {
            if let Some(list) = self.lists.remove(&dir) {
                let first = p.files.first().cloned();
                p.files
                    .extend(list.into_iter().filter(|f| Some(f) != first.as_ref()));
            }
            out.push(p);
        }
        out
    }
}

/// Parse a single metadata file (no file list): a convenience for callers
/// that hold one file.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>> {
    let mut c = PythonCataloger::default();
    c.add(path, data)?;
    Ok(c.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = "Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.3\nSummary: YAML parser\nAuthor: Kirill Simonov\nLicense: MIT\nClassifier: License :: OSI Approved :: MIT License\nClassifier: Programming Language :: Python\n\nDescription body: with a colon\n";

    #[test]
    fn metadata() {
        let p = parse_metadata(META.as_bytes(), "usr/lib/x/PyYAML-5.3.dist-info/METADATA").unwrap();
        assert_eq!((p.name.as_str(), p.version.as_str()), ("PyYAML", "5.3"));
        assert_eq!(p.purl, "pkg:pypi/pyyaml@5.3");
        assert_eq!(p.licenses, ["MIT"]);
        assert_eq!(p.maintainer.as_deref(), Some("Kirill Simonov"));
        assert_eq!(p.origin.as_deref(), Some("installed"));
        assert_eq!(p.files, ["/usr/lib/x/PyYAML-5.3.dist-info/METADATA"]);
    }

    #[test]
    fn license_sources() {
        let lic = |s: &str| parse_metadata(s.as_bytes(), "m").unwrap().licenses;
        assert_eq!(
            lic("Name: a\nVersion: 1\nLicense: MIT\nLicense-Expression: MIT OR Apache-2.0\n"),
            ["MIT OR Apache-2.0"]
        );
        assert_eq!(
            lic(
                "Name: a\nVersion: 1\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: BSD License\nClassifier: License :: Other/Proprietary License\n"
            ),
            ["BSD License", "Other/Proprietary License"]
        );
        assert_eq!(
            lic("Name: a\nVersion: 1\nLicense: Copyright (c) X\n        Permission is granted\n"),
            ["Copyright (c) X"]
        );
        assert!(lic("Name: a\nVersion: 1\n").is_empty());
    }

    #[test]
    fn errors() {
        let e = parse_metadata(b"Name: a\nnonsense\n", "m").unwrap_err();
        assert_eq!(
            e.to_string(),
            "m: line 2: expected `Field: value`, found \"nonsense\""
        );
        let e = parse_metadata(b"Version: 1\n\nName: a\n", "m").unwrap_err();
        assert_eq!(e.to_string(), "m: line 1: no Name field");
        let e = parse_metadata(b"Name: a\n", "m").unwrap_err();
        assert!(e.to_string().contains("no Version"), "{e}");
        let e = parse_metadata(b" x\n", "m").unwrap_err();
        assert!(e.to_string().contains("continuation"), "{e}");
    }

    #[test]
    fn names() {
        assert_eq!(normalize_name("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize_name("FRIENDLY._-BARD"), "friendly-bard");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
    }

    #[test]
    fn record_and_egg_info() {
        let mut c = PythonCataloger::default();
        let d = "usr/local/lib/python3.11/dist-packages";
        c.add(
            &format!("{d}/PyYAML-5.3.dist-info/METADATA"),
            META.as_bytes(),
        )
        .unwrap();
        c.add(
            &format!("{d}/PyYAML-5.3.dist-info/RECORD"),
            b"yaml/__init__.py,sha256=x,123\n\"odd,name.py\",,\nPyYAML-5.3.dist-info/METADATA,,\n../../../bin/pyyaml,,\n",
        )
        .unwrap();
        c.add(
            "usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info",
            b"Metadata-Version: 1.1\nName: python-apt\nVersion: 2.6.0\nLicense: GNU GPL\n",
        )
        .unwrap();
        c.add(
            "usr/lib/python3/dist-packages/six.egg-info/PKG-INFO",
            b"Name: six\nVersion: 1.16.0\n",
        )
        .unwrap();
        c.add(
            "usr/lib/python3/dist-packages/six.egg-info/installed-files.txt",
            b"../six.py\nPKG-INFO\n",
        )
        .unwrap();
        c.add(
            "usr/lib/python3/dist-packages/six.egg-info/top_level.txt",
            b"six",
        )
        .unwrap();
        let p = c.finish();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].name, "python-apt");
        assert_eq!(p[0].purl, "pkg:pypi/python-apt@2.6.0");
        assert_eq!(p[1].name, "six");
        assert_eq!(
            p[1].files,
            [
                "/usr/lib/python3/dist-packages/six.egg-info/PKG-INFO",
                "/usr/lib/python3/dist-packages/six.py"
            ]
        );
        assert_eq!(
            p[2].files,
            [
                "/usr/local/lib/python3.11/dist-packages/PyYAML-5.3.dist-info/METADATA",
                "/usr/local/lib/python3.11/dist-packages/yaml/__init__.py",
                "/usr/local/lib/python3.11/dist-packages/odd,name.py",
                "/usr/local/bin/pyyaml",
            ]
        );
    }

    #[test]
    fn wanted() {
        assert!(wants("a/x-1.dist-info/METADATA"));
        assert!(wants("a/x-1.egg/EGG-INFO/PKG-INFO"));
        assert!(wants("x.egg-info"));
        assert!(!wants(".egg-info"));
        assert!(!wants("src/PKG-INFO"));
        assert!(!wants("a/METADATA"));
        assert!(!wants("a/x.dist-info/INSTALLER"));
    }
}
