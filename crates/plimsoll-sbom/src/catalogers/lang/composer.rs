//! PHP Composer: `vendor/composer/installed.json` (what `composer install`
//! put in `vendor/`, origin `installed`) and `composer.lock` (origin `lockfile`).
//!
//! `installed.json` is an array of packages (Composer 1) or
//! `{"packages": […], "dev": …, "dev-package-names": […]}` (Composer 2); all
//! its packages are on disk, dev ones included. `composer.lock` lists
//! `packages` and `packages-dev`; the dev ones are left out, as for the npm
//! lock files. Each package has `name` (`vendor/name`), `version` as written
//! (`v5.4.3`, `1.2.0`, `dev-main`) and `license` (an array of SPDX ids, or a string).

use serde::Deserialize;
use serde_json::Value;

use super::{
    ORIGIN_INSTALLED, ORIGIN_LOCKFILE, file_name, json_licenses, json_str, new_package, parse_json,
};
use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package};

/// Whether `path` (relative, see [`super::wants`]) is `vendor/composer/installed.json` or a `composer.lock`.
pub fn wants(path: &str) -> bool {
    path.ends_with("vendor/composer/installed.json")
        && (path.len() == "vendor/composer/installed.json".len()
            || path.ends_with("/vendor/composer/installed.json"))
        || file_name(path) == "composer.lock"
}

/// Read a file [`wants`] accepts, by its name.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>> {
    if file_name(path) == "composer.lock" {
        parse_lock(data, path)
    } else {
        parse_installed(data, path)
    }
}

fn package(v: &Value, origin: &str, file: &str) -> Option<Package> {
    let name = json_str(v.get("name"))?;
    let version = json_str(v.get("version"))?;
    let mut p = new_package(Ecosystem::Composer, &name, &version, origin, file);
    p.licenses = json_licenses(v.get("license"));
    p.maintainer = v
        .get("authors")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|a| json_str(a.get("name")));
    Some(p)
}

fn list(v: Option<Value>, file: &str, key: &str) -> Result<Vec<Value>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(Error::syntax(file, 1, format!("`{key}` is not an array"))),
    }
}

/// Parse `vendor/composer/installed.json` (Composer 1 or 2).
pub fn parse_installed(data: &[u8], file: &str) -> Result<Vec<Package>> {
    let v: Value = parse_json(data, file)?;
    let items = match v {
        Value::Array(a) => a,
        Value::Object(mut o) => list(o.remove("packages"), file, "packages")?,
        _ => {
            return Err(Error::syntax(
                file,
                1,
                "expected an array or an object with `packages`",
            ));
        }
    };
    Ok(items
        .iter()
        .filter_map(|i| package(i, ORIGIN_INSTALLED, file))
        .collect())
}

#[derive(Deserialize)]
struct Lock {
    packages: Option<Value>,
}

/// Parse a `composer.lock` (its `packages`; `packages-dev` are left out).
pub fn parse_lock(data: &[u8], file: &str) -> Result<Vec<Package>> {
    let lock: Lock = parse_json(data, file)?;
    Ok(list(lock.packages, file, "packages")?
        .iter()
        .filter_map(|i| package(i, ORIGIN_LOCKFILE, file))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_v1_and_v2() {
        let v1 = br#"[{"name":"monolog/monolog","version":"1.25.1","license":["MIT"],"authors":[{"name":"Jordi"}]},{"name":"nover"}]"#;
        let p = parse_installed(v1, "var/www/vendor/composer/installed.json").unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].purl, "pkg:composer/monolog/monolog@1.25.1");
        assert_eq!(p[0].licenses, ["MIT"]);
        assert_eq!(p[0].maintainer.as_deref(), Some("Jordi"));
        assert_eq!(p[0].origin.as_deref(), Some("installed"));
        let v2 = br#"{"packages":[{"name":"Symfony/Console","version":"v5.4.3","license":"MIT"}],"dev":true,"dev-package-names":[]}"#;
        let p = parse_installed(v2, "vendor/composer/installed.json").unwrap();
        assert_eq!(p[0].name, "Symfony/Console");
        assert_eq!(p[0].purl, "pkg:composer/symfony/console@v5.4.3");
        assert!(parse_installed(b"1", "f").is_err());
        assert!(parse_installed(br#"{"packages":1}"#, "f").is_err());
        assert!(parse_installed(br#"{}"#, "f").unwrap().is_empty());
    }

    #[test]
    fn lock() {
        let lock = br#"{"content-hash":"x","packages":[{"name":"a/b","version":"2.0.0"}],"packages-dev":[{"name":"phpunit/phpunit","version":"9.0.0"}]}"#;
        let p = parse_lock(lock, "composer.lock").unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].origin.as_deref(), Some("lockfile"));
    }

    #[test]
    fn wanted() {
        assert!(wants("var/www/vendor/composer/installed.json"));
        assert!(wants("vendor/composer/installed.json"));
        assert!(wants("var/www/composer.lock"));
        assert!(!wants("var/www/myvendor/composer/installed.json"));
        assert!(!wants("var/www/composer.json"));
    }
}
