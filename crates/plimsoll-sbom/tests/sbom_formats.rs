//! Writing an inventory as Plimsoll JSON, CycloneDX and SPDX and reading it
//! back gives the same inventory; the documents hold what the formats require
//! of them (unique references, valid SPDX ids, defined license refs).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use std::collections::HashSet;

use plimsoll_sbom::formats::{self, Format, WriteOptions};
use serde_json::Value;

const UUID: &str = "3e671687-395b-41f5-a30f-a58921a69b79";

fn opts() -> WriteOptions {
    WriteOptions {
        document_id: Some(UUID.into()),
    }
}

fn doc(format: Format) -> Value {
    let text = formats::write(format, &common::sbom(), &opts()).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_format_round_trips() {
    let sbom = common::sbom();
    for format in Format::ALL {
        let text = formats::write(format, &sbom, &opts()).unwrap();
        let back = formats::read(text.as_bytes(), "x.json").unwrap();
        assert_eq!(back.format, format);
        assert!(back.skipped.is_empty(), "{format:?}: {:?}", back.skipped);
        assert_eq!(back.sbom.target, sbom.target, "{format:?}");
        for (a, b) in back.sbom.packages.iter().zip(&sbom.packages) {
            assert_eq!(a, b, "{format:?}");
        }
        assert_eq!(back.sbom, sbom, "{format:?}");
        // Writing what was read gives the same document again.
        assert_eq!(formats::write(format, &back.sbom, &opts()).unwrap(), text);
    }
}

#[test]
fn empty_inventory_round_trips() {
    let mut sbom = plimsoll_sbom::inventory::Sbom::new(Default::default());
    sbom.created = Some("2026-01-01T00:00:00Z".into());
    for format in Format::ALL {
        let text = formats::write(format, &sbom, &opts()).unwrap();
        assert_eq!(
            formats::read(text.as_bytes(), "x").unwrap().sbom,
            sbom,
            "{format:?}"
        );
    }
}

#[test]
fn documents_differ_only_by_id_and_time() {
    let mut sbom = common::sbom();
    sbom.created = None;
    let a = formats::write(Format::CycloneDxJson, &sbom, &WriteOptions::default()).unwrap();
    let b = formats::write(Format::CycloneDxJson, &sbom, &WriteOptions::default()).unwrap();
    let (a, b): (Value, Value) = (
        serde_json::from_str(&a).unwrap(),
        serde_json::from_str(&b).unwrap(),
    );
    assert_ne!(a["serialNumber"], b["serialNumber"]);
    assert!(formats::is_rfc3339(
        a["metadata"]["timestamp"].as_str().unwrap()
    ));
    assert_eq!(a["components"], b["components"]);
    let a = formats::write(Format::SpdxJson, &sbom, &WriteOptions::default()).unwrap();
    let b = formats::write(Format::SpdxJson, &sbom, &WriteOptions::default()).unwrap();
    let (a, b): (Value, Value) = (
        serde_json::from_str(&a).unwrap(),
        serde_json::from_str(&b).unwrap(),
    );
    assert_ne!(a["documentNamespace"], b["documentNamespace"]);
}

#[test]
fn cyclonedx_document_shape() {
    let d = doc(Format::CycloneDxJson);
    assert_eq!(d["bomFormat"], "CycloneDX");
    assert_eq!(d["specVersion"], "1.6");
    assert_eq!(d["serialNumber"], format!("urn:uuid:{UUID}"));
    assert_eq!(d["metadata"]["timestamp"], "2026-11-22T14:20:51Z");
    assert_eq!(d["metadata"]["tools"]["components"][0]["name"], "plimsoll");
    let image = &d["metadata"]["component"];
    assert_eq!(image["type"], "container");
    assert_eq!(
        image["version"],
        "sha256:8c40ba28a5e60428c3c69842e9edc2429dd812d6b233840a61eeff4ae9d3502b"
    );
    let comps = d["components"].as_array().unwrap();
    assert_eq!(comps[0]["type"], "operating-system");
    assert_eq!(
        (comps[0]["name"].as_str(), comps[0]["version"].as_str()),
        (Some("debian"), Some("12"))
    );
    assert_eq!(comps.len(), common::sbom().packages.len() + 1);

    let mut refs = HashSet::new();
    refs.insert(image["bom-ref"].as_str().unwrap().to_owned());
    for c in comps {
        assert!(
            refs.insert(c["bom-ref"].as_str().unwrap().to_owned()),
            "duplicate bom-ref {}",
            c["bom-ref"]
        );
    }
    let by_name = |n: &str| comps.iter().find(|c| c["name"] == n).unwrap();
    let libc = by_name("libc6");
    assert_eq!(libc["type"], "library");
    assert_eq!(
        libc["licenses"][0],
        serde_json::json!({"license": {"id": "LGPL-2.1-only"}})
    );
    assert_eq!(
        libc["licenses"][2],
        serde_json::json!({"license": {"name": "GPL-2.0-or-later WITH Texinfo-exception"}}),
        "several licenses: an expression among them is a name"
    );
    assert_eq!(
        libc["publisher"],
        "GNU Libc Maintainers <debian-glibc@lists.debian.org>"
    );
    let prop = |c: &Value, n: &str| -> Vec<String> {
        c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == n)
            .map(|p| p["value"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(prop(libc, "plimsoll:layer:diff_id"), [common::BASE]);
    assert_eq!(prop(libc, "plimsoll:package:source_name"), ["glibc"]);
    assert_eq!(
        prop(libc, "plimsoll:location:1"),
        ["/usr/share/doc/libc6/copyright"]
    );
    let regex = by_name("regex");
    assert_eq!(
        regex["licenses"],
        serde_json::json!([{"expression": "MIT OR Apache-2.0"}])
    );
    let bash = by_name("bash");
    assert_eq!(bash["version"], "2:4.2.46-30.el7");
    assert_eq!(bash["supplier"]["name"], "CentOS");
    assert_eq!(
        by_name("requests")["licenses"][0]["license"]["name"],
        "Apache 2.0"
    );
}

#[test]
fn spdx_document_shape() {
    let d = doc(Format::SpdxJson);
    assert_eq!(d["spdxVersion"], "SPDX-2.3");
    assert_eq!(d["dataLicense"], "CC0-1.0");
    assert_eq!(d["SPDXID"], "SPDXRef-DOCUMENT");
    let ns = d["documentNamespace"].as_str().unwrap();
    assert!(
        ns.starts_with("https://") && !ns.contains('#') && !ns.contains(' '),
        "{ns}"
    );
    assert!(ns.ends_with(UUID));
    assert_eq!(d["creationInfo"]["created"], "2026-11-22T14:20:51Z");
    assert_eq!(
        d["creationInfo"]["creators"][0],
        format!("Tool: plimsoll-{}", env!("CARGO_PKG_VERSION"))
    );

    let packages = d["packages"].as_array().unwrap();
    let mut ids = HashSet::new();
    for p in packages {
        let id = p["SPDXID"].as_str().unwrap();
        assert!(
            id.strip_prefix("SPDXRef-").is_some_and(|s| !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')),
            "bad SPDXID {id}"
        );
        assert!(ids.insert(id.to_owned()), "duplicate {id}");
        assert!(p["downloadLocation"].is_string());
    }
    ids.insert("SPDXRef-DOCUMENT".into());
    let rels = d["relationships"].as_array().unwrap();
    for r in rels {
        assert!(ids.contains(r["spdxElementId"].as_str().unwrap()), "{r}");
        assert!(
            ids.contains(r["relatedSpdxElement"].as_str().unwrap()),
            "{r}"
        );
    }
    assert!(rels.iter().any(
        |r| r["relationshipType"] == "DESCRIBES" && r["relatedSpdxElement"] == "SPDXRef-Image"
    ));
    let contains = rels
        .iter()
        .filter(|r| r["relationshipType"] == "CONTAINS")
        .count();
    assert_eq!(contains, packages.len() - 1);

    // Every LicenseRef used is defined, and every expression is valid.
    let defined: HashSet<&str> = d["hasExtractedLicensingInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["licenseId"].as_str().unwrap())
        .collect();
    for p in packages {
        let decl = p["licenseDeclared"].as_str().unwrap();
        if decl != "NOASSERTION" {
            assert!(formats::license::is_valid_expression(decl), "{decl}");
        }
        for word in decl
            .split([' ', '(', ')'])
            .filter(|w| w.starts_with("LicenseRef-"))
        {
            assert!(defined.contains(word), "{word} undefined");
        }
    }
    let by_name = |n: &str| packages.iter().find(|p| p["name"] == n).unwrap();
    let libc = by_name("libc6");
    assert_eq!(
        libc["licenseDeclared"],
        "LGPL-2.1-only AND GPL-2.0-only AND LicenseRef-GPL-2.0-or-later-WITH-Texinfo-exception",
        "an exception outside the table makes the whole string a LicenseRef"
    );
    assert_eq!(
        libc["supplier"],
        "Person: GNU Libc Maintainers (debian-glibc@lists.debian.org)"
    );
    assert_eq!(libc["externalRefs"][0]["referenceType"], "purl");
    assert!(libc["sourceInfo"].as_str().unwrap().contains(common::BASE));
    assert_eq!(by_name("bash")["supplier"], "Organization: CentOS");
    assert_eq!(by_name("regex")["licenseDeclared"], "MIT OR Apache-2.0");
    assert_eq!(
        by_name("debian")["primaryPackagePurpose"],
        "OPERATING_SYSTEM"
    );
    let image = by_name("oci-dir:/images/oci:multilayer");
    assert_eq!(
        image["checksums"][0]["checksumValue"],
        "8c40ba28a5e60428c3c69842e9edc2429dd812d6b233840a61eeff4ae9d3502b"
    );
}

#[test]
fn plimsoll_json_is_the_struct() {
    let d = doc(Format::Json);
    assert_eq!(d["schema_version"], 1);
    assert_eq!(d["packages"][0]["package"]["name"], "libc6");
    assert_eq!(d["packages"][0]["layer"], common::BASE);
}
