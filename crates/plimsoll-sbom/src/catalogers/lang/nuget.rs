//! .NET: `*.deps.json`, the dependency manifest the .NET SDK writes beside an
//! application (`MyApp.deps.json`) and that the host reads at start-up.
//!
//! Its `libraries` object maps `Name/Version` to an entry whose `type` is
//! `package` (a NuGet package, listed here with origin `installed`: the host
//! loads it), `project` (the application or one of its projects, not a NuGet
//! package) or `reference`; only `package` entries are listed. deps.json
//! declares no licenses.

use serde::Deserialize;
use serde_json::Value;

use super::{ORIGIN_INSTALLED, dedup, file_name, json_str, new_package, parse_json};
use crate::error::Result;
use crate::package::{Ecosystem, Package};

/// Whether `path` (relative, see [`super::wants`]) is a `*.deps.json`.
pub fn wants(path: &str) -> bool {
    let name = file_name(path);
    name.ends_with(".deps.json") && name.len() > ".deps.json".len()
}

#[derive(Deserialize)]
struct DepsJson {
    libraries: Option<serde_json::Map<String, Value>>,
}

/// Parse a `*.deps.json`: its `package` libraries.
pub fn parse_deps_json(data: &[u8], file: &str) -> Result<Vec<Package>> {
    let deps: DepsJson = parse_json(data, file)?;
    let mut out: Vec<Package> = deps
        .libraries
        .unwrap_or_default()
        .iter()
        .filter(|(_, lib)| json_str(lib.get("type")).as_deref() == Some("package"))
        .filter_map(|(key, _)| {
            let (name, version) = key.split_once('/')?;
            let (name, version) = (name.trim(), version.trim());
            (!name.is_empty() && !version.is_empty())
                .then(|| new_package(Ecosystem::NuGet, name, version, ORIGIN_INSTALLED, file))
        })
        .collect();
    dedup(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deps_json() {
        let j = br#"{
          "runtimeTarget": {"name": ".NETCoreApp,Version=v6.0", "signature": ""},
          "targets": {".NETCoreApp,Version=v6.0": {"MyApp/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.1"}}}},
          "libraries": {
            "MyApp/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
            "Newtonsoft.Json/13.0.1": {"type": "package", "serviceable": true, "sha512": "sha512-x", "path": "newtonsoft.json/13.0.1"},
            "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/6.0.0": {"type": "runtimepack"},
            "Bad": {"type": "package"}
          }
        }"#;
        let p = parse_deps_json(j, "app/MyApp.deps.json").unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].purl, "pkg:nuget/Newtonsoft.Json@13.0.1");
        assert_eq!(p[0].files, ["/app/MyApp.deps.json"]);
        assert!(parse_deps_json(b"{}", "x.deps.json").unwrap().is_empty());
        assert!(parse_deps_json(br#"{"libraries": []}"#, "x.deps.json").is_err());
    }

    #[test]
    fn wanted() {
        assert!(wants("app/MyApp.deps.json"));
        assert!(!wants("app/.deps.json"));
        assert!(!wants("app/MyApp.runtimeconfig.json"));
    }
}
