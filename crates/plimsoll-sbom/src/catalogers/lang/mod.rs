//! Language package catalogers that read text metadata: Python
//! ([`python`]), npm ([`npm`]), Ruby gems ([`gem`]), PHP Composer
//! ([`composer`]) and .NET ([`nuget`]).
//!
//! Like the OS catalogers they never open an image: [`wants`] says which
//! paths they read, and [`LangCataloger::add`] takes each wanted file's path
//! (relative to the root; a leading `/` or `./` is ignored) and bytes. Every
//! package gets an [`Package::origin`]:
//!
//! - [`ORIGIN_INSTALLED`]: the package's own metadata on disk (a `dist-info`,
//!   a `node_modules/<name>/package.json`, an installed gemspec, Composer's
//!   `installed.json`, a .NET `deps.json`): its code is in the image.
//! - [`ORIGIN_LOCKFILE`]: declared by a lock file (`package-lock.json`,
//!   `yarn.lock`, `pnpm-lock.yaml`, `composer.lock`); it may or may not be installed.
//! - [`ORIGIN_APPLICATION`]: a project's own `package.json` outside any
//!   `node_modules` (the application itself, as syft reports it).
//!
//! Purls follow each type's rules in the purl specification: `pkg:pypi/pyyaml@5.3`
//! (name normalised per PEP 503), `pkg:npm/%40types/node@20.1.0`,
//! `pkg:gem/rake@13.0.6`, `pkg:composer/symfony/console@v5.4.3` (lowercased),
//! `pkg:nuget/Newtonsoft.Json@13.0.1`. Language purls carry no distribution.
//!
//! # Safety
//! Every file is capped at [`MAX_FILE_BYTES`]; JSON is read by `serde_json`
//! (nesting limited to 128 levels); the line formats are read line by line.
//! Malformed input gives an [`Error`] naming the file and line, never a panic.

pub mod composer;
pub mod gem;
pub mod npm;
pub mod nuget;
pub mod python;

#[cfg(test)]
mod proptests;

use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// [`Package::origin`] of a package read from its own installed metadata.
pub const ORIGIN_INSTALLED: &str = "installed";
/// [`Package::origin`] of a package declared by a lock file.
pub const ORIGIN_LOCKFILE: &str = "lockfile";
/// [`Package::origin`] of a project's own manifest found outside any package directory.
pub const ORIGIN_APPLICATION: &str = "application";

/// Largest metadata or lock file read (64 MiB); larger ones are rejected with
/// [`Error::Unsupported`].
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// Whether any language cataloger reads `path` (relative to the root; a
/// leading `/` or `./` is ignored).
pub fn wants(path: &str) -> bool {
    let p = rel(path);
    python::wants(p) || npm::wants(p) || gem::wants(p) || composer::wants(p) || nuget::wants(p)
}

/// Collects the wanted files of one root filesystem and returns their packages.
///
/// ```
/// use plimsoll_sbom::catalogers::lang::LangCataloger;
///
/// let mut c = LangCataloger::new();
/// c.add(
///     "usr/lib/python3/dist-packages/PyYAML-5.3.dist-info/METADATA",
///     b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.3\nLicense: MIT\n\nbody\n",
/// )
/// .unwrap();
/// c.add("app/node_modules/@types/node/package.json", br#"{"name":"@types/node","version":"20.1.0"}"#)
///     .unwrap();
/// let pkgs = c.finish();
/// assert_eq!(pkgs[0].purl, "pkg:pypi/pyyaml@5.3");
/// assert_eq!(pkgs[0].name, "PyYAML");
/// assert_eq!(pkgs[1].purl, "pkg:npm/%40types/node@20.1.0");
/// ```
#[derive(Debug, Default)]
pub struct LangCataloger {
    python: python::PythonCataloger,
    others: Vec<Package>,
}

impl LangCataloger {
    /// An empty cataloger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Read one wanted file. Files that no cataloger wants are ignored. A
    /// malformed file gives an error and adds nothing; the caller may go on
    /// with the next file.
    pub fn add(&mut self, path: &str, data: &[u8]) -> Result<()> {
        let p = rel(path);
        if python::wants(p) {
            return self.python.add(p, data);
        }
        let found = if npm::wants(p) {
            npm::parse(p, data)?
        } else if gem::wants(p) {
            vec![gem::parse_gemspec(data, p)?]
        } else if composer::wants(p) {
            composer::parse(p, data)?
        } else if nuget::wants(p) {
            nuget::parse_deps_json(data, p)?
        } else {
            Vec::new()
        };
        self.others.extend(found);
        Ok(())
    }

    /// The packages found: Python first, then the others in the order their
    /// files were added.
    pub fn finish(self) -> Vec<Package> {
        let mut out = self.python.finish();
        out.extend(self.others);
        out
    }
}

/// The purl of a language package (`None` for other ecosystems).
pub(crate) fn purl(p: &Package) -> Option<Purl> {
    let purl = match p.ecosystem {
        Ecosystem::Python => Purl::new("pypi", &python::normalize_name(&p.name)),
        Ecosystem::Npm => match p.name.strip_prefix('@').and_then(|s| s.split_once('/')) {
            Some((scope, name)) => Purl::new("npm", name).with_namespace(&format!("@{scope}")),
            None => Purl::new("npm", &p.name),
        },
        Ecosystem::Gem => Purl::new("gem", &p.name),
        Ecosystem::Composer => {
            let lower = p.name.to_ascii_lowercase();
            match lower.split_once('/') {
                Some((vendor, name)) => Purl::new("composer", name).with_namespace(vendor),
                None => Purl::new("composer", &lower),
            }
        }
        Ecosystem::NuGet => Purl::new("nuget", &p.name),
        _ => return None,
    };
    Some(purl.with_version(&p.version))
}

/// `path` without a leading `./` or `/`.
pub(crate) fn rel(path: &str) -> &str {
    let mut p = path;
    loop {
        if let Some(r) = p.strip_prefix("./") {
            p = r;
        } else if let Some(r) = p.strip_prefix('/') {
            p = r;
        } else {
            return p;
        }
    }
}

/// `path` as an absolute path (`/` + the relative path).
pub(crate) fn abs(path: &str) -> String {
    format!("/{}", rel(path))
}

/// The file name (last component) of `path`.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether one of `path`'s directories is `node_modules`.
pub(crate) fn in_node_modules(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts.contains(&"node_modules")
}

/// Reject files over [`MAX_FILE_BYTES`].
pub(crate) fn check_size(data: &[u8], file: &str) -> Result<()> {
    if data.len() > MAX_FILE_BYTES {
        return Err(Error::unsupported(
            file,
            format!(
                "file of {} bytes is over the {MAX_FILE_BYTES}-byte limit",
                data.len()
            ),
        ));
    }
    Ok(())
}

/// Parse JSON (after the size check, without a UTF-8 byte-order mark);
/// syntax errors name the file and line.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(data: &[u8], file: &str) -> Result<T> {
    check_size(data, file)?;
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    serde_json::from_slice(data).map_err(|e| Error::syntax(file, e.line(), e.to_string()))
}

/// A JSON value as a non-empty trimmed string, if it is one.
pub(crate) fn json_str(v: Option<&serde_json::Value>) -> Option<String> {
    v.and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Licenses from the JSON shapes package managers use: `"MIT"`, `["MIT",
/// "Apache-2.0"]`, `{"type": "MIT"}` and `[{"type": "MIT"}]` (npm's old form).
pub(crate) fn json_licenses(v: Option<&serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Object(o) => o
            .get("type")
            .or_else(|| o.get("name"))
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned()),
        _ => None,
    };
    let all: Vec<String> = match v {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    };
    all.into_iter().filter(|s| !s.is_empty()).collect()
}

/// A new language package with its origin and evidence file.
pub(crate) fn new_package(
    ecosystem: Ecosystem,
    name: &str,
    version: &str,
    origin: &str,
    file: &str,
) -> Package {
    let mut p = Package::new(ecosystem, name, version);
    p.origin = Some(origin.to_owned());
    p.files = vec![abs(file)];
    p
}

/// Remove later duplicates of the same (name, version), keeping order.
pub(crate) fn dedup(pkgs: &mut Vec<Package>) {
    let mut seen = std::collections::HashSet::new();
    pkgs.retain(|p| seen.insert((p.name.clone(), p.version.clone())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_paths() {
        for p in [
            "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
            "usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD",
            "usr/lib/python3/dist-packages/foo.egg-info/PKG-INFO",
            "usr/lib/python3/dist-packages/foo-1.0.egg-info",
            "/srv/app/node_modules/express/package.json",
            "./srv/app/node_modules/@types/node/package.json",
            "srv/app/node_modules/a/node_modules/b/package.json",
            "srv/app/package.json",
            "srv/app/package-lock.json",
            "srv/app/yarn.lock",
            "srv/app/pnpm-lock.yaml",
            "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
            "var/www/vendor/composer/installed.json",
            "var/www/composer.lock",
            "app/MyApp.deps.json",
        ] {
            assert!(wants(p), "{p}");
            assert!(crate::catalogers::wants(p), "{p}");
        }
        for p in [
            "usr/lib/python3/dist-packages/six-1.16.0.dist-info/WHEEL",
            "srv/app/node_modules/express/lib/package.json",
            "srv/app/node_modules/.package-lock.json",
            "srv/app/node_modules/x/package-lock.json",
            "srv/app/node_modules/x/yarn.lock",
            "usr/lib/ruby/gems/3.1.0/gems/rake-13.0.6/rake.gemspec",
            "var/www/vendor/composer/installed.php",
            "app/MyApp.runtimeconfig.json",
            "etc/passwd",
        ] {
            assert!(!wants(p), "{p}");
        }
    }

    #[test]
    fn purls() {
        let p = Package::new(Ecosystem::Python, "Zope.Interface__x", "5.0");
        assert_eq!(p.purl, "pkg:pypi/zope-interface-x@5.0");
        let p = Package::new(Ecosystem::Npm, "@Scope/Name", "1.0.0-rc.1+b");
        assert_eq!(p.purl, "pkg:npm/%40Scope/Name@1.0.0-rc.1%2Bb");
        let p = Package::new(Ecosystem::Composer, "Symfony/Console", "v5.4.3");
        assert_eq!(p.purl, "pkg:composer/symfony/console@v5.4.3");
        let p = Package::new(Ecosystem::NuGet, "Newtonsoft.Json", "13.0.1");
        assert_eq!(p.purl, "pkg:nuget/Newtonsoft.Json@13.0.1");
        let mut p = Package::new(Ecosystem::Gem, "rake", "13.0.6");
        p.set_distro(&crate::Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..crate::Distro::default()
        });
        assert_eq!(p.purl, "pkg:gem/rake@13.0.6");
    }

    #[test]
    fn origin_serde() {
        let mut p = Package::new(Ecosystem::Npm, "a", "1");
        p.origin = Some(ORIGIN_LOCKFILE.into());
        let json = serde_json::to_string(&p).unwrap_or_default();
        assert!(json.contains("\"ecosystem\":\"npm\""), "{json}");
        assert!(json.contains("\"origin\":\"lockfile\""), "{json}");
        let back: Package = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        let os = Package::new(Ecosystem::Deb, "a", "1");
        let json = serde_json::to_string(&os).unwrap_or_default();
        assert!(!json.contains("origin"), "{json}");
    }

    #[test]
    fn too_large() {
        let big = vec![b' '; MAX_FILE_BYTES + 1];
        let e = parse_json::<serde_json::Value>(&big, "x.json").unwrap_err();
        assert!(e.to_string().starts_with("x.json: unsupported:"), "{e}");
    }
}
