//! SBOM document formats: write an [`Sbom`] as Plimsoll JSON, CycloneDX 1.6
//! JSON or SPDX 2.3 JSON, and read any of them back (CycloneDX 1.2–1.7,
//! SPDX 2.2/2.3, from Plimsoll or from other tools such as syft and trivy).
//!
//! ```
//! use plimsoll_sbom::formats::{self, Format, WriteOptions};
//! use plimsoll_sbom::inventory::{InventoryItem, Sbom, TargetInfo};
//! use plimsoll_sbom::{Ecosystem, Package};
//!
//! let mut sbom = Sbom::new(TargetInfo { name: "debian:12".into(), ..TargetInfo::default() });
//! sbom.packages.push(InventoryItem::new(Package::new(Ecosystem::Deb, "curl", "7.88.1-10")));
//! let text = formats::write(Format::CycloneDxJson, &sbom, &WriteOptions::default()).unwrap();
//! let back = formats::read(text.as_bytes(), "sbom.cdx.json").unwrap();
//! assert_eq!(back.format, Format::CycloneDxJson);
//! assert_eq!(back.sbom.packages, sbom.packages);
//! ```
//!
//! Reading is bounded: documents over [`MAX_DOCUMENT_BYTES`] are refused,
//! JSON nesting is limited by `serde_json` (128 levels), and every malformed
//! value is an [`Error`] naming the file and the JSON pointer.

pub mod cyclonedx;
pub mod license;
pub mod spdx;

mod common;
mod purl_decode;
mod util;

#[cfg(test)]
mod tests;

pub use purl_decode::MAX_PURL_LEN;
pub use util::{format_uuid_v4, is_rfc3339, rfc3339_utc, uuid_v4};

use crate::error::{Error, Result};
use crate::inventory::{SCHEMA_VERSION, Sbom};

/// Largest document [`read`] accepts (256 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 256 << 20;

/// An SBOM document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Plimsoll's own JSON: the [`Sbom`] struct (`docs/sbom-json.md`).
    Json,
    /// CycloneDX JSON (written as 1.6).
    CycloneDxJson,
    /// SPDX JSON (written as 2.3).
    SpdxJson,
}

impl Format {
    /// Every format, in the order of the CLI's documentation.
    pub const ALL: [Format; 3] = [Format::Json, Format::CycloneDxJson, Format::SpdxJson];

    /// The name used on the command line: `json`, `cyclonedx-json`, `spdx-json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::CycloneDxJson => "cyclonedx-json",
            Format::SpdxJson => "spdx-json",
        }
    }

    /// The format named `name` (also `cyclonedx`, `cdx`, `spdx`); case-insensitive.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" | "plimsoll-json" => Some(Format::Json),
            "cyclonedx-json" | "cyclonedx" | "cdx" | "cdx-json" => Some(Format::CycloneDxJson),
            "spdx-json" | "spdx" => Some(Format::SpdxJson),
            _ => None,
        }
    }
}

/// Options of [`write`].
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The UUID of the document (CycloneDX `serialNumber`, the end of SPDX's
    /// `documentNamespace`), lowercase hyphenated. `None`, or a string that is
    /// not such a UUID: a new random one.
    pub document_id: Option<String>,
}

impl WriteOptions {
    fn document_id(&self) -> String {
        match &self.document_id {
            Some(id) if util::is_uuid(id) => id.clone(),
            _ => util::uuid_v4(),
        }
    }

    /// [`Sbom::created`] when it is RFC 3339, else the current time.
    fn timestamp(&self, sbom: &Sbom) -> String {
        match &sbom.created {
            Some(t) if util::is_rfc3339(t) => t.clone(),
            _ => util::now_rfc3339(),
        }
    }
}

/// Write `sbom` as `format` (pretty-printed JSON, ending with a newline).
pub fn write(format: Format, sbom: &Sbom, opts: &WriteOptions) -> Result<String> {
    let text = match format {
        Format::Json => serde_json::to_string_pretty(sbom),
        Format::CycloneDxJson => serde_json::to_string_pretty(&cyclonedx::to_value(sbom, opts)),
        Format::SpdxJson => serde_json::to_string_pretty(&spdx::to_value(sbom, opts)),
    };
    let mut text = text.map_err(|e| Error::document("<output>", "", e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// An SBOM read from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSbom {
    /// The document's format.
    pub format: Format,
    /// Its version: CycloneDX `specVersion` (`1.6`), SPDX `spdxVersion`
    /// (`SPDX-2.3`), or Plimsoll's `schema_version`.
    pub spec_version: String,
    /// The inventory.
    pub sbom: Sbom,
    /// Components that are not turned into packages (no purl, a purl type
    /// Plimsoll has no ecosystem for, …), so a caller can say so.
    pub skipped: Vec<Skipped>,
}

/// A component of a document that [`read`] did not turn into a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// JSON pointer of the component (`/components/12`, `/packages/3`).
    pub pointer: String,
    /// Its name.
    pub name: String,
    /// Why (`no purl`, `purl type "gem" is not supported`).
    pub reason: String,
}

/// Read a CycloneDX JSON, SPDX JSON or Plimsoll JSON document; `file` names
/// it in errors. The format is recognised from the content.
pub fn read(bytes: &[u8], file: &str) -> Result<ReadSbom> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::unsupported(
            file,
            format!(
                "document of {} bytes is larger than the {MAX_DOCUMENT_BYTES}-byte limit",
                bytes.len()
            ),
        ));
    }
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &bytes[i..]);
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    if start.starts_with(b"<") {
        return Err(Error::unsupported(
            file,
            "XML document: only the JSON forms of CycloneDX and SPDX are read",
        ));
    }
    if start.starts_with(b"SPDXVersion:") || start.starts_with(b"##") {
        return Err(Error::unsupported(
            file,
            "SPDX tag-value document: only SPDX JSON is read",
        ));
    }
    let doc: serde_json::Value = serde_json::from_slice(start).map_err(|e| Error::Syntax {
        file: file.to_owned(),
        line: e.line(),
        message: format!("not JSON: {e}"),
    })?;
    if !doc.is_object() {
        return Err(Error::document(file, "", "not a JSON object"));
    }
    if doc.get("bomFormat").is_some() {
        return cyclonedx::from_value(&doc, file);
    }
    if doc.get("spdxVersion").is_some() {
        return spdx::from_value(&doc, file);
    }
    if doc.get("@context").is_some() {
        return Err(Error::unsupported(
            file,
            "JSON-LD document (SPDX 3?): only SPDX 2.2 and 2.3 JSON are read",
        ));
    }
    if let Some(v) = doc.get("schema_version") {
        let version = v
            .as_u64()
            .ok_or_else(|| Error::document(file, "/schema_version", "not an integer"))?;
        if version > u64::from(SCHEMA_VERSION) {
            return Err(Error::unsupported(
                file,
                format!(
                    "Plimsoll JSON schema_version {version}: this Plimsoll reads up to {SCHEMA_VERSION}"
                ),
            ));
        }
        let sbom: Sbom = serde_json::from_value(doc)
            .map_err(|e| Error::document(file, "", format!("not a Plimsoll SBOM: {e}")))?;
        return Ok(ReadSbom {
            format: Format::Json,
            spec_version: sbom.schema_version.to_string(),
            sbom,
            skipped: Vec::new(),
        });
    }
    Err(Error::unsupported(
        file,
        "not a CycloneDX, SPDX or Plimsoll JSON SBOM (no bomFormat, spdxVersion or schema_version)",
    ))
}
