//! SPDX JSON: written as 2.3, read from 2.2 and 2.3.
//!
//! Written document (validated against the official SPDX 2.3 schema in the tests):
//! - `SPDXRef-DOCUMENT` `DESCRIBES` the image package `SPDXRef-Image`
//!   (`primaryPackagePurpose: CONTAINER`, `versionInfo` = manifest digest or
//!   image ID, a SHA256 checksum of the digest), which `CONTAINS` the
//!   distribution (`SPDXRef-OperatingSystem`, `OPERATING_SYSTEM`) and every package;
//! - packages: `SPDXRef-Package-<type>-<name>-<index>` (only `[A-Za-z0-9.-]`),
//!   `versionInfo`, `downloadLocation: NOASSERTION`, `licenseConcluded:
//!   NOASSERTION`, `licenseDeclared` (known ids and valid expressions as they
//!   are, other strings as `LicenseRef-…` defined in `hasExtractedLicensingInfos`,
//!   joined with `AND`; `NOASSERTION` when none), `supplier` (`Organization:`
//!   vendor, else `Person:` maintainer), `originator` (`Person:` maintainer),
//!   `externalRefs` `PACKAGE-MANAGER purl`, `sourceInfo` naming the layer;
//! - SPDX has no properties: Plimsoll's (the same names as in CycloneDX) are
//!   `annotations` of type `OTHER` by `Tool: plimsoll-VERSION`, each comment
//!   `name: value`, as trivy does with its own.
//!
//! Reading takes those annotations when present; otherwise the purl,
//! `versionInfo`, `licenseDeclared`, `supplier`/`originator`, and trivy's
//! annotations (`LayerDiffID: …`, `SrcName: …`) are used.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::common::{self, Props, RawComponent};
use super::license;
use super::util::spdx_id_part;
use super::{Format, ReadSbom, Skipped, WriteOptions};
use crate::error::{Error, Result};
use crate::inventory::{InventoryItem, SCHEMA_VERSION, Sbom, TargetInfo, ToolInfo};
use crate::purl::Purl;

/// The SPDX version written.
pub const SPEC_VERSION: &str = "SPDX-2.3";

/// Prefix of `documentNamespace`; the document name and a random UUID follow.
pub const NAMESPACE_BASE: &str = "https://plimsoll.dev/spdx/";

const IMAGE_ID: &str = "SPDXRef-Image";
const OS_ID: &str = "SPDXRef-OperatingSystem";
const NOASSERTION: &str = "NOASSERTION";

/// The SPDX 2.3 document for `sbom`.
pub fn to_value(sbom: &Sbom, opts: &WriteOptions) -> Value {
    let created = opts.timestamp(sbom);
    let creator = |t: &ToolInfo| match &t.version {
        Some(v) => format!("Tool: {}-{v}", t.name),
        None => format!("Tool: {}", t.name),
    };
    // The inventory's tool first (it is what a reader reports), then
    // Plimsoll when it only converted another tool's inventory.
    let mut creators = vec![creator(&sbom.tool)];
    let plimsoll = ToolInfo::plimsoll();
    if sbom.tool != plimsoll {
        creators.push(creator(&plimsoll));
    }
    // Plimsoll's properties are annotated by Plimsoll.
    let tool = creator(&plimsoll);
    let annotate = |props: &Props| -> Vec<Value> {
        props
            .0
            .iter()
            .map(|(n, v)| {
                json!({
                    "annotationDate": created,
                    "annotationType": "OTHER",
                    "annotator": tool,
                    "comment": format!("{n}: {v}"),
                })
            })
            .collect()
    };
    let t = &sbom.target;
    let doc_name = if t.name.is_empty() {
        "plimsoll-sbom"
    } else {
        &t.name
    };

    let mut packages = Vec::with_capacity(sbom.packages.len() + 2);
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": IMAGE_ID,
    })];
    let contains = |id: &str| {
        json!({
            "spdxElementId": IMAGE_ID,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        })
    };

    let mut image = base_package(IMAGE_ID, &t.name);
    if let Some(v) = t.digest.as_deref().or(t.image_id.as_deref()) {
        image.insert("versionInfo".into(), json!(v));
    }
    if let Some(hex) = t
        .digest
        .as_deref()
        .and_then(|d| d.strip_prefix("sha256:"))
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        image.insert(
            "checksums".into(),
            json!([{ "algorithm": "SHA256", "checksumValue": hex.to_ascii_lowercase() }]),
        );
    }
    image.insert("primaryPackagePurpose".into(), json!("CONTAINER"));
    image.insert("supplier".into(), json!(NOASSERTION));
    insert_annotations(&mut image, annotate(&common::image_props(t)));
    packages.push(Value::Object(image));

    if let Some(d) = &t.distro {
        let mut os = base_package(OS_ID, &d.id);
        if let Some(v) = &d.version_id {
            os.insert("versionInfo".into(), json!(v));
        }
        if let Some(p) = &d.pretty_name {
            os.insert("description".into(), json!(p));
        }
        os.insert("primaryPackagePurpose".into(), json!("OPERATING_SYSTEM"));
        insert_annotations(&mut os, annotate(&common::distro_props(d)));
        packages.push(Value::Object(os));
        relationships.push(contains(OS_ID));
    }

    let mut refs = LicenseRefs::default();
    for (i, item) in sbom.packages.iter().enumerate() {
        let id = format!(
            "SPDXRef-Package-{}-{}-{i}",
            item.package.ecosystem.purl_type(),
            spdx_id_part(&item.package.name)
        );
        let mut pkg = package(item, &id, &mut refs);
        insert_annotations(
            &mut pkg,
            annotate(&common::package_props(item, false, false)),
        );
        packages.push(Value::Object(pkg));
        relationships.push(contains(&id));
    }

    let mut doc = Map::new();
    doc.insert("spdxVersion".into(), json!(SPEC_VERSION));
    doc.insert("dataLicense".into(), json!("CC0-1.0"));
    doc.insert("SPDXID".into(), json!("SPDXRef-DOCUMENT"));
    doc.insert("name".into(), json!(doc_name));
    doc.insert(
        "documentNamespace".into(),
        json!(format!(
            "{NAMESPACE_BASE}{}-{}",
            spdx_id_part(doc_name),
            opts.document_id()
        )),
    );
    doc.insert(
        "creationInfo".into(),
        json!({ "created": created, "creators": creators }),
    );
    doc.insert("packages".into(), Value::Array(packages));
    if !refs.extracted.is_empty() {
        doc.insert(
            "hasExtractedLicensingInfos".into(),
            Value::Array(refs.extracted),
        );
    }
    doc.insert("relationships".into(), Value::Array(relationships));
    Value::Object(doc)
}

fn base_package(id: &str, name: &str) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("SPDXID".into(), json!(id));
    p.insert("name".into(), json!(name));
    p.insert("downloadLocation".into(), json!(NOASSERTION));
    p.insert("filesAnalyzed".into(), json!(false));
    p.insert("licenseConcluded".into(), json!(NOASSERTION));
    p.insert("licenseDeclared".into(), json!(NOASSERTION));
    p.insert("copyrightText".into(), json!(NOASSERTION));
    p
}

fn insert_annotations(p: &mut Map<String, Value>, a: Vec<Value>) {
    if !a.is_empty() {
        p.insert("annotations".into(), Value::Array(a));
    }
}

fn package(item: &InventoryItem, id: &str, refs: &mut LicenseRefs) -> Map<String, Value> {
    let p = &item.package;
    let mut out = base_package(id, &p.name);
    let version = p.full_version();
    if !version.is_empty() {
        out.insert("versionInfo".into(), json!(version));
    }
    let supplier = match (&p.vendor, &p.maintainer) {
        (Some(v), _) => agent("Organization", v),
        (None, Some(m)) => agent("Person", m),
        (None, None) => NOASSERTION.to_owned(),
    };
    out.insert("supplier".into(), json!(supplier));
    if let Some(m) = &p.maintainer {
        out.insert("originator".into(), json!(agent("Person", m)));
    }
    if !p.licenses.is_empty() {
        out.insert(
            "licenseDeclared".into(),
            json!(refs.expression(&p.licenses)),
        );
    }
    if let Some(layer) = &item.layer {
        let mut info = format!("acquired package info from layer {layer}");
        if let Some(c) = &item.created_by {
            info.push_str(&format!(" (created by: {c})"));
        }
        if !item.locations.is_empty() {
            info.push_str(&format!(", evidence: {}", item.locations.join(", ")));
        }
        out.insert("sourceInfo".into(), json!(info));
    }
    if !p.purl.is_empty() {
        out.insert(
            "externalRefs".into(),
            json!([{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": p.purl,
            }]),
        );
    }
    out.insert("primaryPackagePurpose".into(), json!("LIBRARY"));
    out
}

/// `Person: name (email)` / `Organization: name` from `Name <email>`; line
/// breaks become spaces.
fn agent(kind: &str, who: &str) -> String {
    let who: String = who
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let who = who.trim();
    match who.strip_suffix('>').and_then(|w| w.rsplit_once('<')) {
        Some((name, email)) if !email.contains(['<', '>']) => {
            format!("{kind}: {} ({})", name.trim(), email.trim())
        }
        _ => format!("{kind}: {who}"),
    }
}

/// The `LicenseRef-` ids given to license strings that are not SPDX expressions.
#[derive(Default)]
struct LicenseRefs {
    by_text: HashMap<String, String>,
    used: HashSet<String>,
    extracted: Vec<Value>,
}

impl LicenseRefs {
    fn id_for(&mut self, text: &str) -> String {
        if let Some(id) = self.by_text.get(text) {
            return id.clone();
        }
        let base = format!("LicenseRef-{}", spdx_id_part(text.trim()));
        let mut id = base.clone();
        let mut n = 1usize;
        while !self.used.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.by_text.insert(text.to_owned(), id.clone());
        self.extracted.push(json!({
            "licenseId": id,
            "name": text,
            "extractedText": text,
        }));
        id
    }

    /// One expression for a package's license list, joined with `AND`.
    fn expression(&mut self, list: &[String]) -> String {
        let parts: Vec<String> = list
            .iter()
            .map(|l| {
                if license::is_valid_expression(l) && !l.contains("LicenseRef-") {
                    if list.len() > 1 && license::is_compound(l) {
                        format!("({l})")
                    } else {
                        l.trim().to_owned()
                    }
                } else {
                    self.id_for(l)
                }
            })
            .collect();
        parts.join(" AND ")
    }
}

/// Read an SPDX 2.2 or 2.3 JSON document already parsed as JSON.
pub fn from_value(doc: &Value, file: &str) -> Result<ReadSbom> {
    let version = doc
        .get("spdxVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::document(file, "/spdxVersion", "missing or not a string"))?;
    if !matches!(version, "SPDX-2.2" | "SPDX-2.3") {
        return Err(Error::unsupported(
            file,
            format!("SPDX version {version:?} (SPDX-2.2 and SPDX-2.3 JSON are read)"),
        ));
    }
    let info = doc.get("creationInfo");
    let by_plimsoll = info
        .and_then(|i| i.get("creators"))
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .filter_map(Value::as_str)
                .any(|s| s.starts_with("Tool: plimsoll-") || s == "Tool: plimsoll")
        });
    let created = info.and_then(|i| str_of(i, "created"));
    let tool = info
        .and_then(|i| i.get("creators"))
        .and_then(Value::as_array)
        .and_then(|c| {
            c.iter()
                .filter_map(Value::as_str)
                .find_map(|s| s.strip_prefix("Tool:"))
        })
        .map(|t| parse_tool(t.trim()))
        .unwrap_or(ToolInfo {
            name: "unknown".to_owned(),
            version: None,
        });

    let packages = match doc.get("packages") {
        None => &[][..],
        Some(v) => v
            .as_array()
            .ok_or_else(|| Error::document(file, "/packages", "not an array"))?
            .as_slice(),
    };
    // The described elements: DESCRIBES relationships and documentDescribes.
    let mut roots: Vec<String> = Vec::new();
    if let Some(rels) = doc.get("relationships").and_then(Value::as_array) {
        for r in rels {
            let ty = r.get("relationshipType").and_then(Value::as_str);
            let from = r.get("spdxElementId").and_then(Value::as_str);
            let to = r.get("relatedSpdxElement").and_then(Value::as_str);
            match (ty, from, to) {
                (Some("DESCRIBES"), Some("SPDXRef-DOCUMENT"), Some(to)) => {
                    roots.push(to.to_owned())
                }
                (Some("DESCRIBED_BY"), Some(from), Some("SPDXRef-DOCUMENT")) => {
                    roots.push(from.to_owned())
                }
                _ => {}
            }
        }
    }
    if let Some(d) = doc.get("documentDescribes").and_then(Value::as_array) {
        roots.extend(d.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    let extracted: HashMap<&str, &str> = doc
        .get("hasExtractedLicensingInfos")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let id = e.get("licenseId")?.as_str()?;
                    let text = e
                        .get("name")
                        .and_then(Value::as_str)
                        .or_else(|| e.get("extractedText").and_then(Value::as_str))?;
                    Some((id, text))
                })
                .collect()
        })
        .unwrap_or_default();

    let mut out = ReadSbom {
        format: Format::SpdxJson,
        spec_version: version.to_owned(),
        sbom: Sbom {
            schema_version: SCHEMA_VERSION,
            tool,
            created,
            target: TargetInfo {
                name: str_of(doc, "name").unwrap_or_default(),
                ..TargetInfo::default()
            },
            packages: Vec::new(),
        },
        skipped: Vec::new(),
    };

    // The image: the described package that is a container, else the first described one.
    let is_root = |p: &Value| str_of(p, "SPDXID").is_some_and(|id| roots.contains(&id));
    // Not a package of a known ecosystem (syft gives its image root a `pkg:oci` purl).
    let not_a_package = |p: &Value| {
        external_purl(p)
            .and_then(|u| Purl::parse(&u))
            .and_then(|u| common::ecosystem_of_purl_type(&u.ty))
            .is_none()
    };
    let root_index = packages
        .iter()
        .position(|p| is_root(p) && purpose(p).as_deref() == Some("CONTAINER"))
        .or_else(|| packages.iter().position(|p| is_root(p) && not_a_package(p)));

    for (i, p) in packages.iter().enumerate() {
        let ptr = format!("/packages/{i}");
        if !p.is_object() {
            return Err(Error::document(file, &ptr, "package is not an object"));
        }
        let name = str_of(p, "name").unwrap_or_default();
        let props = annotations_of(p);
        if Some(i) == root_index {
            let t = &mut out.sbom.target;
            // syft's converted documents leave the image's name empty: keep
            // the document's then. Plimsoll writes the target's name as is.
            if !name.is_empty() || by_plimsoll {
                t.name = name;
            }
            if !common::has_image_ids(&props) {
                t.digest = str_of(p, "versionInfo")
                    .filter(|v| v.starts_with("sha256:"))
                    .or_else(|| sha256_checksum(p));
            }
            common::apply_image_props(t, &props);
            continue;
        }
        let purl = external_purl(p);
        if purl.is_none()
            && matches!(
                purpose(p).as_deref(),
                Some("OPERATING_SYSTEM" | "OPERATING-SYSTEM")
            )
        {
            if out.sbom.target.distro.is_none() && !name.is_empty() {
                out.sbom.target.distro = Some(common::distro_from(
                    &name,
                    str_of(p, "versionInfo").as_deref(),
                    str_of(p, "description").as_deref(),
                    &props,
                ));
            }
            continue;
        }
        let plimsoll = props.is_plimsoll();
        let (maintainer, vendor) = if plimsoll { (None, None) } else { people(p) };
        let licenses = if plimsoll {
            Vec::new()
        } else {
            declared_licenses(p, &extracted)
        };
        let evidence = if plimsoll {
            Vec::new()
        } else {
            source_info_paths(p)
        };
        let raw = RawComponent {
            name: name.clone(),
            version: str_of(p, "versionInfo"),
            purl,
            licenses,
            maintainer,
            vendor,
            props,
        };
        match common::to_item(raw) {
            Ok(mut item) => {
                if item.locations.is_empty() {
                    item.locations = evidence;
                }
                out.sbom.packages.push(item)
            }
            Err(reason) => out.skipped.push(Skipped {
                pointer: ptr,
                name,
                reason,
            }),
        }
    }
    Ok(out)
}

/// `name-1.2.3` → name `name`, version `1.2.3` (the version starts at the
/// first `-` followed by a digit).
fn parse_tool(s: &str) -> ToolInfo {
    let split = s
        .char_indices()
        .find(|(i, c)| *c == '-' && s[i + 1..].starts_with(|d: char| d.is_ascii_digit()));
    match split {
        Some((i, _)) => ToolInfo {
            name: s[..i].to_owned(),
            version: Some(s[i + 1..].to_owned()),
        },
        None => ToolInfo {
            name: s.to_owned(),
            version: None,
        },
    }
}

/// `sha256:<hex>` from a package's SHA256 checksum.
fn sha256_checksum(p: &Value) -> Option<String> {
    p.get("checksums")?.as_array()?.iter().find_map(|c| {
        if c.get("algorithm")?.as_str()? != "SHA256" {
            return None;
        }
        let hex = c.get("checksumValue")?.as_str()?;
        Some(format!("sha256:{hex}"))
    })
}

/// The evidence paths in syft's `sourceInfo`
/// (`acquired package info from DPKG DB: /var/lib/dpkg/status, …`).
fn source_info_paths(p: &Value) -> Vec<String> {
    let Some(info) = p.get("sourceInfo").and_then(Value::as_str) else {
        return Vec::new();
    };
    let Some(rest) = info.strip_prefix("acquired package info from ") else {
        return Vec::new();
    };
    let Some((_, paths)) = rest.split_once(": ") else {
        return Vec::new();
    };
    paths
        .split(", ")
        .filter(|s| s.starts_with('/'))
        .map(str::to_owned)
        .collect()
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn purpose(p: &Value) -> Option<String> {
    str_of(p, "primaryPackagePurpose")
}

fn external_purl(p: &Value) -> Option<String> {
    p.get("externalRefs")?.as_array()?.iter().find_map(|r| {
        let cat = r.get("referenceCategory")?.as_str()?;
        let ty = r.get("referenceType")?.as_str()?;
        if matches!(cat, "PACKAGE-MANAGER" | "PACKAGE_MANAGER") && ty == "purl" {
            r.get("referenceLocator")?.as_str().map(str::to_owned)
        } else {
            None
        }
    })
}

/// Annotations `name: value` as properties. trivy's (annotator
/// `Tool: trivy-…`) get its CycloneDX prefix `aquasecurity:trivy:`, so both
/// of its formats read alike.
fn annotations_of(p: &Value) -> Props {
    let mut props = Props::default();
    let Some(arr) = p.get("annotations").and_then(Value::as_array) else {
        return props;
    };
    for a in arr {
        let (Some(annotator), Some(comment)) = (
            a.get("annotator").and_then(Value::as_str),
            a.get("comment").and_then(Value::as_str),
        ) else {
            continue;
        };
        let Some((name, value)) = comment.split_once(": ") else {
            continue;
        };
        if annotator.trim_start().starts_with("Tool: trivy") && !name.starts_with("plimsoll:") {
            props.push(&format!("aquasecurity:trivy:{name}"), value);
        } else {
            props.push(name, value);
        }
    }
    props
}

/// (maintainer, vendor) from `originator` and `supplier`.
fn people(p: &Value) -> (Option<String>, Option<String>) {
    let parse = |key: &str| -> Option<(String, String)> {
        let s = str_of(p, key)?;
        let (kind, who) = s.split_once(':')?;
        let who = who.trim();
        if who.is_empty() || who == NOASSERTION {
            return None;
        }
        // `Name (email)` back to `Name <email>`.
        let who = match who.strip_suffix(')').and_then(|w| w.rsplit_once(" (")) {
            Some((n, e)) if e.contains('@') => format!("{n} <{e}>"),
            _ => who.to_owned(),
        };
        Some((kind.trim().to_owned(), who))
    };
    let originator = parse("originator");
    let supplier = parse("supplier");
    let vendor = supplier
        .as_ref()
        .filter(|(k, _)| k == "Organization")
        .map(|(_, w)| w.clone());
    let maintainer = originator
        .map(|(_, w)| w)
        .or_else(|| supplier.filter(|(k, _)| k == "Person").map(|(_, w)| w));
    (maintainer, vendor)
}

fn declared_licenses(p: &Value, extracted: &HashMap<&str, &str>) -> Vec<String> {
    let Some(decl) = str_of(p, "licenseDeclared") else {
        return Vec::new();
    };
    let decl = decl.trim();
    if decl.is_empty() || decl == NOASSERTION || decl == "NONE" {
        return Vec::new();
    }
    if let Some(text) = extracted.get(decl) {
        return vec![(*text).to_owned()];
    }
    vec![decl.to_owned()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents() {
        assert_eq!(
            agent(
                "Person",
                "GNU Libc Maintainers <debian-glibc@lists.debian.org>"
            ),
            "Person: GNU Libc Maintainers (debian-glibc@lists.debian.org)"
        );
        assert_eq!(agent("Organization", "CentOS\n"), "Organization: CentOS");
        assert_eq!(agent("Person", "a <b> <c>"), "Person: a <b> (c)");
    }

    #[test]
    fn tools() {
        let t = parse_tool("syft-1.18.1");
        assert_eq!(
            (t.name.as_str(), t.version.as_deref()),
            ("syft", Some("1.18.1"))
        );
        let t = parse_tool("my-tool-2.0-beta");
        assert_eq!(
            (t.name.as_str(), t.version.as_deref()),
            ("my-tool", Some("2.0-beta"))
        );
        assert_eq!(parse_tool("manual").version, None);
    }

    #[test]
    fn license_expressions() {
        let mut r = LicenseRefs::default();
        let l = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(r.expression(&l(&["MIT"])), "MIT");
        assert_eq!(
            r.expression(&l(&["MIT OR Apache-2.0", "GPL-2.0+", "BSD 3 clause"])),
            "(MIT OR Apache-2.0) AND GPL-2.0+ AND LicenseRef-BSD-3-clause"
        );
        assert_eq!(
            r.expression(&l(&["BSD/3/clause"])),
            "LicenseRef-BSD-3-clause-2"
        );
        assert_eq!(
            r.expression(&l(&["BSD 3 clause"])),
            "LicenseRef-BSD-3-clause"
        );
        assert_eq!(
            r.expression(&l(&["LicenseRef-x"])),
            "LicenseRef-LicenseRef-x"
        );
        assert_eq!(r.extracted.len(), 3);
    }
}
