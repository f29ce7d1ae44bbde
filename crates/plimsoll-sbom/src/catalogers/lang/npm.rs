//! npm: installed packages and lock files.
//!
//! # Installed packages (`package.json`)
//! - `…/node_modules/<name>/package.json` and `…/node_modules/@scope/<name>/package.json`,
//!   at any depth of nesting (`node_modules/a/node_modules/b/package.json`):
//!   origin `installed`. Other `package.json` files inside `node_modules`
//!   (test fixtures, `dist/package.json` stubs of a package) are not read.
//! - A `package.json` outside every `node_modules` directory is a project's own
//!   manifest (the application, or a library Debian installs under
//!   `/usr/share/nodejs`): it is listed, with origin `application`, when it has
//!   both `name` and `version`, as syft does.
//!
//! A `package.json` without a `name` or a `version` is not a package and gives nothing.
//! Licenses: `license` (a string, or the old `{"type": …}` object), else the
//! old `licenses` array.
//!
//! # Lock files (origin `lockfile`)
//! Lock files found inside `node_modules` (npm's hidden lock file
//! `node_modules/.package-lock.json`, or the lock file a package ships) are not
//! read: they describe what the `package.json` files already list, or nothing installed.
//! - `package-lock.json` and `npm-shrinkwrap.json`: version 2 and 3 read
//!   `packages` (keys are install paths, `node_modules/a/node_modules/b`; the
//!   `name` field, set for aliases, wins over the path); version 1 reads
//!   `dependencies`, nested ones included. The root project (key `""`),
//!   workspace folders and `link` entries are left out, and so are `dev`
//!   dependencies: they are not part of a production install.
//! - `yarn.lock`, classic (v1) and berry (v2+): one entry per resolved
//!   `name@version`; workspace, link and portal entries are left out (yarn
//!   does not mark dev dependencies in its lock file).
//! - `pnpm-lock.yaml`, lock file versions 5 to 9: the keys of `packages:`
//!   (`/name/1.0.0`, `/name@1.0.0(peer@2)`, `name@1.0.0`); `dev: true` entries
//!   are left out. Read line by line: pnpm writes these keys one per line at
//!   two spaces of indentation.

use serde::Deserialize;
use serde_json::Value;

use super::{
    ORIGIN_APPLICATION, ORIGIN_INSTALLED, ORIGIN_LOCKFILE, check_size, dedup, file_name,
    in_node_modules, json_licenses, json_str, new_package, parse_json,
};
use crate::error::Result;
use crate::package::{Ecosystem, Package};

const LOCK_FILES: [&str; 4] = [
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
];

/// Whether `path` (relative, see [`super::wants`]) is an npm file this module reads.
pub fn wants(path: &str) -> bool {
    let name = file_name(path);
    if name == "package.json" {
        return !in_node_modules(path) || is_package_root(path);
    }
    LOCK_FILES.contains(&name) && !in_node_modules(path)
}

/// `…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`.
fn is_package_root(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let n = parts.len();
    let at = |i: usize| n.checked_sub(i).and_then(|j| parts.get(j)).copied();
    match (at(4), at(3), at(2)) {
        (_, Some("node_modules"), Some(pkg)) => !pkg.starts_with('@') && !pkg.starts_with('.'),
        (Some("node_modules"), Some(scope), Some(_)) => scope.starts_with('@'),
        _ => false,
    }
}

/// Read a file [`wants`] accepts, by its name.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>> {
    Ok(match file_name(path) {
        "package.json" => parse_package_json(data, path)?.into_iter().collect(),
        "package-lock.json" | "npm-shrinkwrap.json" => parse_package_lock(data, path)?,
        "yarn.lock" => parse_yarn_lock(data, path)?,
        "pnpm-lock.yaml" => parse_pnpm_lock(data, path)?,
        _ => Vec::new(),
    })
}

#[derive(Deserialize)]
struct PackageJson {
    name: Option<Value>,
    version: Option<Value>,
    license: Option<Value>,
    licenses: Option<Value>,
    author: Option<Value>,
}

/// Parse a `package.json`; `None` when it has no `name` or no `version`.
/// The origin is `installed` inside `node_modules`, `application` elsewhere.
pub fn parse_package_json(data: &[u8], file: &str) -> Result<Option<Package>> {
    let j: PackageJson = parse_json(data, file)?;
    let (Some(name), Some(version)) = (json_str(j.name.as_ref()), json_str(j.version.as_ref()))
    else {
        return Ok(None);
    };
    let origin = if in_node_modules(file) {
        ORIGIN_INSTALLED
    } else {
        ORIGIN_APPLICATION
    };
    let mut p = new_package(Ecosystem::Npm, &name, &version, origin, file);
    p.licenses = json_licenses(j.license.as_ref());
    if p.licenses.is_empty() {
        p.licenses = json_licenses(j.licenses.as_ref());
    }
    p.maintainer = match j.author {
        Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Some(Value::Object(o)) => json_str(o.get("name")),
        _ => None,
    };
    Ok(Some(p))
}

#[derive(Deserialize)]
struct PackageLock {
    packages: Option<serde_json::Map<String, Value>>,
    dependencies: Option<serde_json::Map<String, Value>>,
}

fn is_dev(entry: &Value) -> bool {
    entry.get("dev").and_then(Value::as_bool) == Some(true)
}

fn lock_package(name: &str, entry: &Value, file: &str) -> Option<Package> {
    let version = json_str(entry.get("version"))?;
    if is_dev(entry)
        || entry.get("link").and_then(Value::as_bool) == Some(true)
        || version.starts_with("file:")
        || version.starts_with("link:")
    {
        return None;
    }
    let mut p = new_package(Ecosystem::Npm, name, &version, ORIGIN_LOCKFILE, file);
    p.licenses = json_licenses(entry.get("license"));
    Some(p)
}

/// Parse a `package-lock.json` or `npm-shrinkwrap.json` (lock file versions 1, 2 and 3).
pub fn parse_package_lock(data: &[u8], file: &str) -> Result<Vec<Package>> {
    let lock: PackageLock = parse_json(data, file)?;
    let mut out = Vec::new();
    if let Some(packages) = lock.packages {
        for (key, entry) in &packages {
            let Some(idx) = key.rfind("node_modules/") else {
                continue; // the root project ("") or a workspace folder
            };
            let from_path = &key[idx + "node_modules/".len()..];
            let name = json_str(entry.get("name")).unwrap_or_else(|| from_path.to_owned());
            out.extend(lock_package(&name, entry, file));
        }
    } else if let Some(deps) = lock.dependencies {
        v1_dependencies(&deps, file, &mut out);
    }
    dedup(&mut out);
    Ok(out)
}

/// Lock file version 1: `dependencies` maps names to entries that may have
/// their own nested `dependencies` (depth bounded by serde_json's nesting limit).
fn v1_dependencies(deps: &serde_json::Map<String, Value>, file: &str, out: &mut Vec<Package>) {
    for (name, entry) in deps {
        // An alias (`"version": "npm:real@1.0.0"`) names the real package.
        let (name, entry_version) = match json_str(entry.get("version"))
            .as_deref()
            .and_then(|v| v.strip_prefix("npm:"))
            .and_then(split_name_version)
        {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (name.clone(), None),
        };
        let p = lock_package(&name, entry, file).map(|mut p| {
            if let Some(v) = entry_version {
                p.version = v;
                p.refresh_purl(None);
            }
            p
        });
        out.extend(p);
        if let Some(Value::Object(nested)) = entry.get("dependencies") {
            if !is_dev(entry) {
                v1_dependencies(nested, file, out);
            }
        }
    }
}

/// Split `name@rest` where the name may be scoped (`@scope/name@rest`).
fn split_name_version(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    let (name, rest) = (spec.get(..at)?, spec.get(at + 1..)?);
    (!name.is_empty()).then_some((name, rest))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

#[derive(Default)]
struct YarnEntry {
    spec: String,
    version: Option<String>,
    resolution: Option<String>,
    soft_link: bool,
}

impl YarnEntry {
    fn finish(self, file: &str) -> Option<Package> {
        let version = self.version?;
        if self.soft_link || self.spec.starts_with("__metadata") {
            return None;
        }
        // Berry's resolution names the real package (after aliases).
        let source = self.resolution.as_deref().unwrap_or(&self.spec);
        let (name, range) = split_name_version(source)?;
        let name = name.trim();
        // Classic alias: `alias@npm:real@^1.0.0`.
        let name = match range.strip_prefix("npm:").and_then(split_name_version) {
            Some((real, _)) if self.resolution.is_none() => real.trim(),
            _ => name,
        };
        if name.is_empty() {
            return None;
        }
        for proto in ["workspace:", "link:", "portal:"] {
            if range.starts_with(proto) {
                return None;
            }
        }
        Some(new_package(
            Ecosystem::Npm,
            name,
            &version,
            ORIGIN_LOCKFILE,
            file,
        ))
    }
}

/// Parse a `yarn.lock`, classic (v1) or berry (v2 and later).
pub fn parse_yarn_lock(data: &[u8], file: &str) -> Result<Vec<Package>> {
    check_size(data, file)?;
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut cur: Option<YarnEntry> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            if let Some(e) = cur.take() {
                out.extend(e.finish(file));
            }
            // `"a@^1", "a@^1.2":` (classic) or `"a@npm:^1, a@npm:^1.2":` (berry).
            let header = line.trim_end().trim_end_matches(':');
            let first = header.split(',').next().unwrap_or("");
            cur = Some(YarnEntry {
                spec: unquote(first).to_owned(),
                ..YarnEntry::default()
            });
            continue;
        }
        let Some(e) = cur.as_mut() else { continue };
        // Fields of the entry itself have exactly two spaces of indentation.
        if line.starts_with("   ") {
            continue;
        }
        let field = line.trim();
        let (key, value) = match field.split_once([' ', ':']) {
            Some((k, v)) => (k, unquote(v.trim_start_matches(':'))),
            None => continue,
        };
        match key {
            "version" => e.version = Some(value.trim().to_owned()).filter(|v| !v.is_empty()),
            "resolution" => e.resolution = Some(value.to_owned()),
            "linkType" => e.soft_link = value == "soft",
            _ => {}
        }
    }
    if let Some(e) = cur.take() {
        out.extend(e.finish(file));
    }
    dedup(&mut out);
    Ok(out)
}

/// Parse a `pnpm-lock.yaml` (lock file versions 5 to 9).
pub fn parse_pnpm_lock(data: &[u8], file: &str) -> Result<Vec<Package>> {
    check_size(data, file)?;
    let text = String::from_utf8_lossy(data);
    let mut slash_form = false; // v5: `/name/1.0.0`
    let mut in_packages = false;
    let mut cur: Option<(String, String, bool)> = None; // name, version, dev
    let mut out = Vec::new();
    let flush = |cur: &mut Option<(String, String, bool)>, out: &mut Vec<Package>| {
        if let Some((name, version, dev)) = cur.take() {
            if !dev {
                out.push(new_package(
                    Ecosystem::Npm,
                    &name,
                    &version,
                    ORIGIN_LOCKFILE,
                    file,
                ));
            }
        }
    };
    for line in text.lines() {
        let line = line.trim_end_matches('\r').trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            flush(&mut cur, &mut out);
            if let Some(v) = line.strip_prefix("lockfileVersion:") {
                slash_form = unquote(v).starts_with('5');
            }
            in_packages = line == "packages:";
            continue;
        }
        if !in_packages {
            continue;
        }
        if let Some(key) = line.strip_prefix("  ").filter(|k| !k.starts_with(' ')) {
            flush(&mut cur, &mut out);
            let key = unquote(key.strip_suffix(':').unwrap_or(key));
            cur = pnpm_key(key, slash_form).map(|(n, v)| (n, v, false));
        } else if line.trim() == "dev: true" && line.starts_with("    ") {
            if let Some(c) = cur.as_mut() {
                c.2 = true;
            }
        }
    }
    flush(&mut cur, &mut out);
    dedup(&mut out);
    Ok(out)
}

/// Name and version of a `packages:` key: `/name/1.0.0_peer@2` (v5),
/// `/@scope/name@1.0.0(peer@2)` (v6), `name@1.0.0` (v9).
fn pnpm_key(key: &str, slash_form: bool) -> Option<(String, String)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let key = key.split('(').next().unwrap_or(key);
    let (name, version) = if slash_form {
        let (name, version) = key.rsplit_once('/')?;
        (name, version.split('_').next().unwrap_or(version))
    } else {
        split_name_version(key)?
    };
    let (name, version) = (name.trim(), version.trim());
    if name.is_empty()
        || version.is_empty()
        || version.contains(':')
        || !version.starts_with(|c: char| c.is_ascii_digit())
    {
        return None; // a tarball, link or git key, not a registry version
    }
    Some((name.to_owned(), version.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nv(p: &[Package]) -> Vec<(String, String)> {
        let mut v: Vec<_> = p
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        v.sort();
        v
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut v: Vec<_> = list
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn wanted() {
        assert!(wants("app/node_modules/a/package.json"));
        assert!(wants("node_modules/@s/a/package.json"));
        assert!(wants("app/node_modules/a/node_modules/@s/b/package.json"));
        assert!(wants("package.json"));
        assert!(!wants("app/node_modules/@s/package.json"));
        assert!(!wants("app/node_modules/a/test/package.json"));
        assert!(!wants("app/node_modules/.bin/package.json"));
        assert!(!wants("app/node_modules/a/package-lock.json"));
        assert!(wants("package-lock.json"));
    }

    #[test]
    fn package_json() {
        let p = parse_package_json(
            br#"{"name":"@babel/core","version":"7.1.0","license":"MIT","author":{"name":"S"}}"#,
            "app/node_modules/@babel/core/package.json",
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.purl, "pkg:npm/%40babel/core@7.1.0");
        assert_eq!(p.licenses, ["MIT"]);
        assert_eq!(p.maintainer.as_deref(), Some("S"));
        assert_eq!(p.origin.as_deref(), Some("installed"));
        assert_eq!(p.files, ["/app/node_modules/@babel/core/package.json"]);
        let p = parse_package_json(
            b"\xEF\xBB\xBF{\"name\":\"app\",\"version\":\"1.0.0\",\"licenses\":[{\"type\":\"MIT\"},{\"type\":\"GPL-2.0\"}],\"author\":\"A <a@x>\"}",
            "srv/package.json",
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.origin.as_deref(), Some("application"));
        assert_eq!(p.licenses, ["MIT", "GPL-2.0"]);
        assert_eq!(p.maintainer.as_deref(), Some("A <a@x>"));
        let p = parse_package_json(
            br#"{"license":{"type":"ISC"},"name":"x","version":"1"}"#,
            "p",
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.licenses, ["ISC"]);
        assert!(
            parse_package_json(br#"{"name":"x"}"#, "p")
                .unwrap()
                .is_none()
        );
        assert!(
            parse_package_json(br#"{"name":"x","version":1}"#, "p")
                .unwrap()
                .is_none()
        );
        let e = parse_package_json(b"{\n\"name\": }", "p").unwrap_err();
        assert!(e.to_string().starts_with("p: line 2:"), "{e}");
        assert!(parse_package_json(b"[]", "p").is_err());
    }

    #[test]
    fn package_lock_v2_v3() {
        let lock = br#"{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{
            "":{"name":"app","version":"1.0.0"},
            "node_modules/a":{"version":"1.0.0","license":"MIT"},
            "node_modules/a/node_modules/@s/b":{"version":"2.0.0"},
            "node_modules/alias":{"name":"real","version":"3.0.0"},
            "node_modules/devonly":{"version":"4.0.0","dev":true},
            "node_modules/ws":{"resolved":"packages/ws","link":true},
            "packages/ws":{"name":"ws","version":"0.1.0"}
        }}"#;
        let p = parse_package_lock(lock, "app/package-lock.json").unwrap();
        assert_eq!(
            nv(&p),
            pairs(&[("a", "1.0.0"), ("@s/b", "2.0.0"), ("real", "3.0.0")])
        );
        assert!(p.iter().all(|p| p.origin.as_deref() == Some("lockfile")));
        assert_eq!(p[0].licenses, ["MIT"]);
    }

    #[test]
    fn package_lock_v1() {
        let lock = br#"{"lockfileVersion":1,"dependencies":{
            "a":{"version":"1.0.0","dependencies":{"b":{"version":"2.0.0"}}},
            "c":{"version":"3.0.0","dev":true,"dependencies":{"d":{"version":"4.0.0"}}},
            "e":{"version":"npm:@s/real@5.0.0"},
            "f":{"version":"file:../f"}
        }}"#;
        let p = parse_package_lock(lock, "package-lock.json").unwrap();
        assert_eq!(
            nv(&p),
            pairs(&[("a", "1.0.0"), ("b", "2.0.0"), ("@s/real", "5.0.0")])
        );
        assert_eq!(p[2].purl, "pkg:npm/%40s/real@5.0.0");
    }

    #[test]
    fn yarn_classic() {
        let lock = "# yarn lockfile v1\n\n\n\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  version \"7.12.13\"\n  resolved \"https://r/x.tgz\"\n  dependencies:\n    \"@babel/highlight\" \"^7.12.13\"\n    version \"9.9.9\"\n\nlodash@^4.17.15, lodash@^4.17.20:\n  version \"4.17.21\"\n\nstring-width-cjs@npm:string-width@^4.2.0:\n  version \"4.2.3\"\n\nstring-width@^4.2.0:\n  version \"4.2.3\"\n";
        let p = parse_yarn_lock(lock.as_bytes(), "yarn.lock").unwrap();
        assert_eq!(
            nv(&p),
            pairs(&[
                ("@babel/code-frame", "7.12.13"),
                ("lodash", "4.17.21"),
                ("string-width", "4.2.3")
            ])
        );
    }

    #[test]
    fn yarn_berry() {
        let lock = "__metadata:\n  version: 6\n  cacheKey: 8\n\n\"@babel/code-frame@npm:^7.0.0, @babel/code-frame@npm:^7.10.4\":\n  version: 7.12.13\n  resolution: \"@babel/code-frame@npm:7.12.13\"\n  dependencies:\n    \"@babel/highlight\": ^7.12.13\n  languageName: node\n  linkType: hard\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n  languageName: unknown\n  linkType: soft\n\n\"resolve@patch:resolve@^1.20.0#~builtin<compat/resolve>\":\n  version: 1.22.1\n  resolution: \"resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1\"\n\n\"resolve@npm:^1.20.0\":\n  version: 1.22.1\n  resolution: \"resolve@npm:1.22.1\"\n";
        let p = parse_yarn_lock(lock.as_bytes(), "yarn.lock").unwrap();
        assert_eq!(
            nv(&p),
            pairs(&[("@babel/code-frame", "7.12.13"), ("resolve", "1.22.1")])
        );
    }

    #[test]
    fn pnpm() {
        let v5 = "lockfileVersion: 5.4\n\nspecifiers:\n  a: ^1.0.0\n\npackages:\n\n  /a/1.0.0:\n    resolution: {integrity: sha512-x}\n    dev: false\n\n  /@s/b/2.0.0_react@18.0.0:\n    resolution: {integrity: sha512-y}\n\n  /c/3.0.0:\n    dev: true\n";
        let p = parse_pnpm_lock(v5.as_bytes(), "pnpm-lock.yaml").unwrap();
        assert_eq!(nv(&p), pairs(&[("a", "1.0.0"), ("@s/b", "2.0.0")]));
        let v6 = "lockfileVersion: '6.0'\n\npackages:\n\n  /a@1.0.0:\n    resolution: {integrity: sha512-x}\n\n  /@s/b@2.0.0(react@18.0.0):\n    dev: false\n\n  /c@3.0.0:\n    dev: true\n";
        let p = parse_pnpm_lock(v6.as_bytes(), "pnpm-lock.yaml").unwrap();
        assert_eq!(nv(&p), pairs(&[("a", "1.0.0"), ("@s/b", "2.0.0")]));
        let v9 = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      a:\n        version: 1.0.0\n\npackages:\n\n  a@1.0.0:\n    resolution: {integrity: sha512-x}\n\n  '@s/b@2.0.0':\n    resolution: {integrity: sha512-y}\n\n  x@https://codeload/x.tgz:\n    resolution: {tarball: x}\n\nsnapshots:\n\n  a@1.0.0: {}\n";
        let p = parse_pnpm_lock(v9.as_bytes(), "pnpm-lock.yaml").unwrap();
        assert_eq!(nv(&p), pairs(&[("a", "1.0.0"), ("@s/b", "2.0.0")]));
    }
}
