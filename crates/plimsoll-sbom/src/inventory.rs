//! The inventory of one target: what the SBOM formats serialise.
//!
//! An [`Sbom`] is the result of cataloguing an image (or a root filesystem):
//! the target it describes ([`TargetInfo`]: reference, digests, distribution,
//! architecture, layers) and every package found ([`InventoryItem`]: the
//! [`Package`] plus the layer and history entry that introduced it and the
//! files it was read from). Plimsoll's own `json` SBOM format is this struct
//! serialised as is (see `docs/sbom-json.md`); [`crate::formats`] writes it as
//! CycloneDX or SPDX and reads those back.

use crate::os_release::Distro;
use crate::package::Package;

/// The version of Plimsoll's own JSON SBOM format ([`Sbom::schema_version`]).
/// Raised when a field changes meaning or disappears; adding a field does not.
pub const SCHEMA_VERSION: u32 = 1;

/// The inventory of one target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sbom {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// The tool that produced the inventory.
    pub tool: ToolInfo,
    /// When the inventory was made, RFC 3339 in UTC (`2026-11-22T14:20:51Z`),
    /// when known. Writers use it as the document's timestamp, or the current
    /// time when it is `None`.
    #[serde(default)]
    pub created: Option<String>,
    /// What was catalogued.
    pub target: TargetInfo,
    /// Every package found, in cataloguing order.
    #[serde(default)]
    pub packages: Vec<InventoryItem>,
}

/// The tool that produced an inventory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ToolInfo {
    /// Tool name (`plimsoll`, or `syft`, `trivy`… for a document read back).
    pub name: String,
    /// Tool version.
    #[serde(default)]
    pub version: Option<String>,
}

impl ToolInfo {
    /// This crate's own tool information: `plimsoll` and the crate version.
    pub fn plimsoll() -> Self {
        ToolInfo {
            name: "plimsoll".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }
    }
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo::plimsoll()
    }
}

/// What an inventory describes: an image (or a root filesystem).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TargetInfo {
    /// The image reference or name as the user gave it (`debian:12`,
    /// `oci-dir:images/oci:multilayer`), or a directory path.
    pub name: String,
    /// The manifest digest (`sha256:…`), when known.
    #[serde(default)]
    pub digest: Option<String>,
    /// The image ID: the digest of the image configuration (`sha256:…`), when known.
    #[serde(default)]
    pub image_id: Option<String>,
    /// The distribution, when one was detected.
    #[serde(default)]
    pub distro: Option<Distro>,
    /// The image's architecture (`amd64`, `arm64`, …), when known.
    #[serde(default)]
    pub architecture: Option<String>,
    /// The layers, bottom first.
    #[serde(default)]
    pub layers: Vec<LayerInfo>,
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct LayerInfo {
    /// The digest of the uncompressed layer (`sha256:…`), as the configuration's `rootfs.diff_ids`.
    pub diff_id: String,
    /// The digest of the layer blob as stored (compressed), when known.
    #[serde(default)]
    pub digest: Option<String>,
    /// The `created_by` of the history entry that made the layer (a Dockerfile
    /// instruction, e.g. `RUN /bin/sh -c apt-get install -y curl`), when known.
    #[serde(default)]
    pub created_by: Option<String>,
}

/// One package of the inventory, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InventoryItem {
    /// The package as its cataloger reported it.
    pub package: Package,
    /// The diff_id of the layer that introduced the package, when known.
    #[serde(default)]
    pub layer: Option<String>,
    /// The history entry (`created_by`) of that layer, when known.
    #[serde(default)]
    pub created_by: Option<String>,
    /// The paths the package was found through (its database, manifest or
    /// binary), absolute in the image.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Files the package owns that a later layer deleted behind its package
    /// manager's back (OS packages only; at most 50 listed): the package is
    /// still installed but no longer whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_files: Vec<String>,
}

impl InventoryItem {
    /// An item for `package` with no provenance.
    pub fn new(package: Package) -> Self {
        InventoryItem {
            package,
            layer: None,
            created_by: None,
            locations: Vec::new(),
            missing_files: Vec::new(),
        }
    }
}

impl Sbom {
    /// An empty inventory of `target`, made by this tool.
    pub fn new(target: TargetInfo) -> Self {
        Sbom {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo::plimsoll(),
            created: None,
            target,
            packages: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ecosystem;

    #[test]
    fn json_round_trip() {
        let mut sbom = Sbom::new(TargetInfo {
            name: "debian:12".into(),
            layers: vec![LayerInfo {
                diff_id: "sha256:aa".into(),
                digest: None,
                created_by: Some("RUN true".into()),
            }],
            ..TargetInfo::default()
        });
        let mut item = InventoryItem::new(Package::new(Ecosystem::Deb, "curl", "7.88.1-10"));
        item.layer = Some("sha256:aa".into());
        item.locations = vec!["/var/lib/dpkg/status".into()];
        sbom.packages.push(item);
        let json = serde_json::to_string(&sbom).unwrap();
        assert!(json.starts_with("{\"schema_version\":1,"), "{json}");
        assert_eq!(serde_json::from_str::<Sbom>(&json).unwrap(), sbom);
    }

    #[test]
    fn optional_fields_may_be_missing() {
        let json = r#"{"schema_version":1,"tool":{"name":"plimsoll"},"target":{"name":"x"}}"#;
        let sbom: Sbom = serde_json::from_str(json).unwrap();
        assert_eq!(sbom.target.name, "x");
        assert!(sbom.packages.is_empty());
    }
}
