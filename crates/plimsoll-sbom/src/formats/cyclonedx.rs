//! CycloneDX JSON: written as 1.6, read from 1.2 to 1.7.
//!
//! Written document (validated against the official 1.6 schema in the tests):
//! - `metadata.component`: the image, `type: container`, `version` = manifest
//!   digest (or image ID), `properties` with `plimsoll:image:*` (digest, id,
//!   architecture, `layer:N:diff_id|digest|created_by`);
//! - one `operating-system` component for the distribution (`plimsoll:distro:*`);
//! - one `library` component per package (as syft does for OS packages too):
//!   unique `bom-ref` (the purl), `purl`, `version` ([`crate::Package::full_version`]),
//!   `licenses` (`{license: {id}}` for a known SPDX id, a single `{expression}`
//!   for one valid compound expression, `{license: {name}}` otherwise),
//!   `publisher` = maintainer, `supplier.name` = vendor, and `properties`
//!   `plimsoll:package:*`, `plimsoll:layer:diff_id`, `plimsoll:layer:created_by`,
//!   `plimsoll:location:N`.
//!
//! Reading takes Plimsoll's properties when present, and otherwise
//! understands syft's (`syft:location:N:*`, `syft:distro:*`,
//! `syft:metadata:source*`) and trivy's (`aquasecurity:trivy:*`).

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::common::{self, Props, RawComponent};
use super::license;
use super::{Format, ReadSbom, Skipped, WriteOptions};
use crate::error::{Error, Result};
use crate::inventory::{InventoryItem, SCHEMA_VERSION, Sbom, TargetInfo, ToolInfo};

/// The CycloneDX version written.
pub const SPEC_VERSION: &str = "1.6";

/// Component nesting followed when reading (`components` inside components).
const MAX_NESTING: usize = 16;

/// The CycloneDX 1.6 document for `sbom`.
pub fn to_value(sbom: &Sbom, opts: &WriteOptions) -> Value {
    // The inventory's tool first (it is what a reader reports), then
    // Plimsoll when it only converted another tool's inventory.
    let tool = |t: &ToolInfo| {
        let mut c = Map::new();
        c.insert("type".into(), json!("application"));
        c.insert("name".into(), json!(t.name));
        if let Some(v) = &t.version {
            c.insert("version".into(), json!(v));
        }
        Value::Object(c)
    };
    let mut tools = vec![tool(&sbom.tool)];
    let plimsoll = ToolInfo::plimsoll();
    if sbom.tool != plimsoll {
        tools.push(tool(&plimsoll));
    }

    let t = &sbom.target;
    let mut image = Map::new();
    image.insert("bom-ref".into(), json!("plimsoll:image"));
    image.insert("type".into(), json!("container"));
    image.insert("name".into(), json!(t.name));
    if let Some(v) = t.digest.as_deref().or(t.image_id.as_deref()) {
        image.insert("version".into(), json!(v));
    }
    insert_props(&mut image, &common::image_props(t));

    let mut used = HashSet::new();
    used.insert("plimsoll:image".to_owned());
    let mut components = Vec::with_capacity(sbom.packages.len() + 1);
    if let Some(d) = &t.distro {
        let mut os = Map::new();
        let version = d.version_id.as_deref().unwrap_or("");
        os.insert(
            "bom-ref".into(),
            json!(unique_ref(
                &mut used,
                &format!("plimsoll:os:{}@{version}", d.id)
            )),
        );
        os.insert("type".into(), json!("operating-system"));
        os.insert("name".into(), json!(d.id));
        if !version.is_empty() {
            os.insert("version".into(), json!(version));
        }
        if let Some(p) = &d.pretty_name {
            os.insert("description".into(), json!(p));
        }
        insert_props(&mut os, &common::distro_props(d));
        components.push(Value::Object(os));
    }
    for (i, item) in sbom.packages.iter().enumerate() {
        components.push(package_component(item, i, &mut used));
    }

    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": format!("urn:uuid:{}", opts.document_id()),
        "version": 1,
        "metadata": {
            "timestamp": opts.timestamp(sbom),
            "tools": { "components": tools },
            "component": Value::Object(image),
        },
        "components": components,
    })
}

fn unique_ref(used: &mut HashSet<String>, base: &str) -> String {
    let base = if base.is_empty() {
        "plimsoll:package"
    } else {
        base
    };
    let mut r = base.to_owned();
    let mut n = 1usize;
    while !used.insert(r.clone()) {
        n += 1;
        r = format!("{base}#{n}");
    }
    r
}

fn package_component(item: &InventoryItem, index: usize, used: &mut HashSet<String>) -> Value {
    let p = &item.package;
    let mut c = Map::new();
    let base = if p.purl.is_empty() {
        format!("plimsoll:package:{index}")
    } else {
        p.purl.clone()
    };
    c.insert("bom-ref".into(), json!(unique_ref(used, &base)));
    c.insert("type".into(), json!("library"));
    if let Some(v) = &p.vendor {
        c.insert("supplier".into(), json!({ "name": v }));
    }
    if let Some(m) = &p.maintainer {
        c.insert("publisher".into(), json!(m));
    }
    c.insert("name".into(), json!(p.name));
    let version = p.full_version();
    if !version.is_empty() {
        c.insert("version".into(), json!(version));
    }
    if !p.licenses.is_empty() {
        c.insert("licenses".into(), licenses(&p.licenses));
    }
    if !p.purl.is_empty() {
        c.insert("purl".into(), json!(p.purl));
    }
    insert_props(&mut c, &common::package_props(item, true, true));
    Value::Object(c)
}

/// CycloneDX `licenses`: either one `{expression}` or a list of `{license}`.
fn licenses(list: &[String]) -> Value {
    if let [one] = list {
        if license::is_compound(one) && license::is_valid_expression(one) {
            return json!([{ "expression": one }]);
        }
    }
    Value::Array(
        list.iter()
            .map(|l| {
                if license::is_known_id(l) {
                    json!({ "license": { "id": l } })
                } else {
                    json!({ "license": { "name": l } })
                }
            })
            .collect(),
    )
}

fn insert_props(obj: &mut Map<String, Value>, props: &Props) {
    if props.0.is_empty() {
        return;
    }
    let arr = props
        .0
        .iter()
        .map(|(n, v)| json!({ "name": n, "value": v }))
        .collect();
    obj.insert("properties".into(), Value::Array(arr));
}

/// Read a CycloneDX JSON document (1.2 to 1.7) already parsed as JSON.
pub fn from_value(doc: &Value, file: &str) -> Result<ReadSbom> {
    if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(Error::document(file, "/bomFormat", "not \"CycloneDX\""));
    }
    let spec = doc
        .get("specVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::document(file, "/specVersion", "missing or not a string"))?;
    if !matches!(spec, "1.2" | "1.3" | "1.4" | "1.5" | "1.6" | "1.7") {
        return Err(Error::unsupported(
            file,
            format!("CycloneDX specVersion {spec:?} (1.2 to 1.7 are read)"),
        ));
    }
    let metadata = doc.get("metadata");
    let mut target = TargetInfo::default();
    if let Some(c) = metadata.and_then(|m| m.get("component")) {
        target.name = str_of(c, "name").unwrap_or_default();
        let props = props_of(c);
        if !common::has_image_ids(&props) {
            // Other tools (syft) put the manifest digest in `version`.
            target.digest = str_of(c, "version").filter(|v| v.starts_with("sha256:"));
        }
        common::apply_image_props(&mut target, &props);
    }
    let tool = metadata
        .and_then(|m| m.get("tools"))
        .and_then(tool_of)
        .unwrap_or(ToolInfo {
            name: "unknown".to_owned(),
            version: None,
        });
    let created = metadata.and_then(|m| str_of(m, "timestamp"));

    let mut out = ReadSbom {
        format: Format::CycloneDxJson,
        spec_version: spec.to_owned(),
        sbom: Sbom {
            schema_version: SCHEMA_VERSION,
            tool,
            created,
            target,
            packages: Vec::new(),
        },
        skipped: Vec::new(),
    };
    if let Some(components) = doc.get("components") {
        walk(components, "/components", 0, file, &mut out)?;
    }
    Ok(out)
}

fn walk(
    components: &Value,
    pointer: &str,
    depth: usize,
    file: &str,
    out: &mut ReadSbom,
) -> Result<()> {
    let list = components
        .as_array()
        .ok_or_else(|| Error::document(file, pointer, "not an array"))?;
    if depth > MAX_NESTING {
        return Err(Error::document(file, pointer, "components nested too deep"));
    }
    for (i, c) in list.iter().enumerate() {
        let ptr = format!("{pointer}/{i}");
        if !c.is_object() {
            return Err(Error::document(file, &ptr, "component is not an object"));
        }
        let ty = str_of(c, "type").unwrap_or_default();
        let name = str_of(c, "name").unwrap_or_default();
        let props = props_of(c);
        if ty == "operating-system" {
            if out.sbom.target.distro.is_none() && !name.is_empty() {
                out.sbom.target.distro = Some(common::distro_from(
                    &name,
                    str_of(c, "version").as_deref(),
                    str_of(c, "description").as_deref(),
                    &props,
                ));
            }
        } else {
            let purl = str_of(c, "purl");
            if purl.is_some() || matches!(ty.as_str(), "library" | "framework") {
                let raw = RawComponent {
                    name: name.clone(),
                    version: str_of(c, "version"),
                    purl,
                    licenses: licenses_of(c),
                    maintainer: str_of(c, "publisher").or_else(|| str_of(c, "author")),
                    vendor: c.get("supplier").and_then(|s| str_of(s, "name")),
                    props,
                };
                match common::to_item(raw) {
                    Ok(item) => out.sbom.packages.push(item),
                    Err(reason) => out.skipped.push(Skipped {
                        pointer: ptr.clone(),
                        name,
                        reason,
                    }),
                }
            }
        }
        if let Some(nested) = c.get("components") {
            walk(nested, &format!("{ptr}/components"), depth + 1, file, out)?;
        }
    }
    Ok(())
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn props_of(c: &Value) -> Props {
    let mut props = Props::default();
    if let Some(arr) = c.get("properties").and_then(Value::as_array) {
        for p in arr {
            if let (Some(n), Some(v)) = (
                p.get("name").and_then(Value::as_str),
                p.get("value").and_then(Value::as_str),
            ) {
                props.push(n, v);
            }
        }
    }
    props
}

fn licenses_of(c: &Value) -> Vec<String> {
    let Some(arr) = c.get("licenses").and_then(Value::as_array) else {
        return Vec::new();
    };
    arr.iter()
        .filter_map(|l| {
            if let Some(e) = l.get("expression").and_then(Value::as_str) {
                return Some(e.to_owned());
            }
            let lic = l.get("license")?;
            str_of(lic, "id").or_else(|| str_of(lic, "name"))
        })
        .collect()
}

/// `metadata.tools`: the 1.5+ object form (`components`, `services`) or the
/// older array of `{vendor, name, version}`.
fn tool_of(tools: &Value) -> Option<ToolInfo> {
    let first = match tools {
        Value::Array(a) => a.first()?,
        Value::Object(_) => tools.get("components")?.as_array()?.first()?,
        _ => return None,
    };
    Some(ToolInfo {
        name: str_of(first, "name")?,
        version: str_of(first, "version"),
    })
}
