//! Plimsoll's CycloneDX 1.6 and SPDX 2.3 output validated against the
//! official JSON schemas (draft-07), with format checks (date-time,
//! iri-reference, …) on; and the property tests that share its inventory
//! generator (round trips through every format, mutated documents).
//!
//! The schemas are not in the repository: `bash scripts/fetch-sbom-schemas.sh DIR`
//! extracts them from two PyPI wheels that bundle them, then set
//! `PLIMSOLL_SBOM_SCHEMAS=DIR`. CI does both. Without the variable every
//! test here fails (with that instruction) rather than passing unchecked.
//!
//! The CycloneDX schema refers to `spdx.SNAPSHOT.schema.json` (the SPDX
//! license id list) and `jsf-0.82.SNAPSHOT.schema.json` by relative `$ref`:
//! both are registered as in-memory resources at the URIs those references
//! resolve to, and the retriever refuses everything else, so validation never
//! touches the network or the filesystem.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use jsonschema::{Draft, Resource, Retrieve, Uri, Validator};
use plimsoll_sbom::formats::{self, Format, WriteOptions};
use plimsoll_sbom::inventory::{InventoryItem, LayerInfo, Sbom, TargetInfo};
use plimsoll_sbom::{Distro, Ecosystem, Package};
use proptest::prelude::*;
use serde_json::{Value, json};

const HOW: &str = "run `bash scripts/fetch-sbom-schemas.sh DIR` and set PLIMSOLL_SBOM_SCHEMAS=DIR";

fn schema_dir() -> PathBuf {
    let dir = std::env::var_os("PLIMSOLL_SBOM_SCHEMAS").unwrap_or_else(|| {
        panic!(
            "PLIMSOLL_SBOM_SCHEMAS is not set, so the SBOM output cannot be checked \
             against the official CycloneDX and SPDX schemas: {HOW}"
        )
    });
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("PROVENANCE.txt").is_file(),
        "PLIMSOLL_SBOM_SCHEMAS={} holds no schemas: {HOW}",
        dir.display()
    );
    dir
}

fn load(dir: &std::path::Path, rel: &str) -> Value {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e} ({HOW})", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Refuses every retrieval: all references must resolve to registered resources.
struct Offline;

impl Retrieve for Offline {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("no network: {uri} is not a registered schema").into())
    }
}

struct Schemas {
    cyclonedx: Validator,
    spdx: Validator,
    /// The official SPDX license and exception ids (CycloneDX's copy of the list).
    license_ids: Vec<String>,
}

fn schemas() -> &'static Schemas {
    static S: OnceLock<Schemas> = OnceLock::new();
    S.get_or_init(|| {
        let dir = schema_dir();
        let bom = load(&dir, "cyclonedx/bom-1.6.SNAPSHOT.schema.json");
        let spdx_ids = load(&dir, "cyclonedx/spdx.SNAPSHOT.schema.json");
        let jsf = load(&dir, "cyclonedx/jsf-0.82.SNAPSHOT.schema.json");
        // Make sure these are the real thing.
        assert_eq!(
            bom["$id"],
            "http://cyclonedx.org/schema/bom-1.6.schema.json"
        );
        assert_eq!(bom["properties"]["specVersion"]["type"], "string");
        let license_ids: Vec<String> = spdx_ids["enum"]
            .as_array()
            .expect("license id enum")
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert!(license_ids.len() > 500, "{} license ids", license_ids.len());
        let base = "http://cyclonedx.org/schema/";
        let cyclonedx = jsonschema::options()
            .with_draft(Draft::Draft7)
            .should_validate_formats(true)
            .with_retriever(Offline)
            .with_resource(
                format!("{base}spdx.SNAPSHOT.schema.json"),
                Resource::from_contents(spdx_ids).unwrap(),
            )
            .with_resource(
                format!("{base}jsf-0.82.SNAPSHOT.schema.json"),
                Resource::from_contents(jsf).unwrap(),
            )
            .build(&bom)
            .expect("the CycloneDX 1.6 schema compiles with its references resolved");

        let spdx_schema = load(&dir, "spdx/spdx-2.3.schema.json");
        assert_eq!(spdx_schema["title"], "SPDX 2.3");
        assert_eq!(spdx_schema["$id"], "http://spdx.org/rdf/terms/2.3");
        let spdx = jsonschema::options()
            .with_draft(Draft::Draft7)
            .should_validate_formats(true)
            .with_retriever(Offline)
            .build(&spdx_schema)
            .expect("the SPDX 2.3 schema compiles");
        Schemas {
            cyclonedx,
            spdx,
            license_ids,
        }
    })
}

fn errors(v: &Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

fn write(format: Format, sbom: &Sbom) -> Value {
    serde_json::from_str(&formats::write(format, sbom, &WriteOptions::default()).unwrap()).unwrap()
}

#[test]
fn cyclonedx_output_is_valid() {
    let s = schemas();
    let doc = write(Format::CycloneDxJson, &common::sbom());
    assert_eq!(errors(&s.cyclonedx, &doc), Vec::<String>::new());
}

#[test]
fn spdx_output_is_valid() {
    let s = schemas();
    let doc = write(Format::SpdxJson, &common::sbom());
    assert_eq!(errors(&s.spdx, &doc), Vec::<String>::new());
}

#[test]
fn empty_inventories_are_valid() {
    let s = schemas();
    let sbom = Sbom::new(TargetInfo::default());
    assert_eq!(
        errors(&s.cyclonedx, &write(Format::CycloneDxJson, &sbom)),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(&s.spdx, &write(Format::SpdxJson, &sbom)),
        Vec::<String>::new()
    );
}

/// Every id of the writer's license table is an official SPDX id: written
/// as `{license: {id}}`, each is checked by the schema's enumeration.
#[test]
fn license_table_holds_official_ids() {
    let s = schemas();
    let sbom = common::all_known_licenses();
    let doc = write(Format::CycloneDxJson, &sbom);
    assert_eq!(errors(&s.cyclonedx, &doc), Vec::<String>::new());
    let ids = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["licenses"][0]["license"]["id"].is_string())
        .count();
    assert_eq!(ids, formats::license::KNOWN_IDS.len());
    for e in formats::license::KNOWN_EXCEPTIONS {
        assert!(
            s.license_ids.iter().any(|i| i == e),
            "{e} is not an official exception id"
        );
    }
    assert_eq!(
        errors(&s.spdx, &write(Format::SpdxJson, &sbom)),
        Vec::<String>::new()
    );
}

/// A real document from another tool (syft 1.18.1, CycloneDX 1.6) passes too:
/// the validator and its references are set up right.
#[test]
fn syft_document_is_valid() {
    let s = schemas();
    let path = common::shared_data().join("peers/syft-1.18.1/multilayer.oci-dir.cdx.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(doc["specVersion"], "1.6");
    assert_eq!(errors(&s.cyclonedx, &doc), Vec::<String>::new());
}

/// The real inventories of syft and trivy, re-written by Plimsoll, are valid:
/// hundreds of packages with real names, versions and license strings.
#[test]
fn converted_peer_inventories_are_valid() {
    let s = schemas();
    for rel in [
        "peers/syft-1.18.1/multilayer.oci-dir.cdx.json",
        "peers/trivy-0.76.0/multilayer.oci-dir.cdx.json",
    ] {
        let bytes = std::fs::read(common::shared_data().join(rel)).unwrap();
        let sbom = formats::read(&bytes, rel).unwrap().sbom;
        assert!(sbom.packages.len() > 250);
        assert_eq!(
            errors(&s.cyclonedx, &write(Format::CycloneDxJson, &sbom)),
            Vec::<String>::new(),
            "{rel}"
        );
        assert_eq!(
            errors(&s.spdx, &write(Format::SpdxJson, &sbom)),
            Vec::<String>::new(),
            "{rel}"
        );
    }
}

/// The validators are not vacuous: documents broken in small ways are rejected.
#[test]
fn broken_documents_are_rejected() {
    let s = schemas();
    let good = write(Format::CycloneDxJson, &common::sbom());
    assert!(s.cyclonedx.is_valid(&good));
    let mut broken: Vec<(&str, Value)> = Vec::new();
    let mut d = good.clone();
    d.as_object_mut().unwrap().remove("bomFormat");
    broken.push(("no bomFormat", d));
    let mut d = good.clone();
    d["serialNumber"] = json!("urn:uuid:not-a-uuid");
    broken.push(("bad serialNumber", d));
    let mut d = good.clone();
    d["metadata"]["timestamp"] = json!("22/11/2026");
    broken.push(("timestamp not date-time", d));
    let mut d = good.clone();
    d["components"][1]["type"] = json!("banana");
    broken.push(("unknown component type", d));
    let mut d = good.clone();
    d["components"][1]["licenses"] = json!([{ "license": { "id": "Not-A-License" } }]);
    broken.push(("license id not on the SPDX list", d));
    let mut d = good.clone();
    d["components"][1]["licenses"] =
        json!([{ "license": { "id": "MIT" } }, { "expression": "MIT OR Apache-2.0" }]);
    broken.push(("expression mixed with licenses", d));
    let mut d = good.clone();
    d["components"][1]["properties"][0] = json!({ "value": "x" });
    broken.push(("property without a name", d));
    let mut d = good.clone();
    d["components"][1]["signature"] = json!({ "algorithm": "RS256" });
    broken.push(("signature without value (jsf reference)", d));
    let mut d = good.clone();
    d["components"][1]["colour"] = json!("red");
    broken.push(("unknown component field", d));
    for (what, doc) in broken {
        assert!(!s.cyclonedx.is_valid(&doc), "CycloneDX {what}: accepted");
    }

    let good = write(Format::SpdxJson, &common::sbom());
    assert!(s.spdx.is_valid(&good));
    let mut broken: Vec<(&str, Value)> = Vec::new();
    let mut d = good.clone();
    d["packages"][2].as_object_mut().unwrap().remove("SPDXID");
    broken.push(("package without SPDXID", d));
    let mut d = good.clone();
    d["packages"][2]
        .as_object_mut()
        .unwrap()
        .remove("downloadLocation");
    broken.push(("package without downloadLocation", d));
    let mut d = good.clone();
    d["creationInfo"]["creators"] = json!([]);
    broken.push(("no creators", d));
    let mut d = good.clone();
    d["relationships"][0]["relationshipType"] = json!("LIKES");
    broken.push(("unknown relationship type", d));
    let mut d = good.clone();
    d["packages"][2]["externalRefs"][0]["referenceCategory"] = json!("PACKAGE_MANAGER");
    broken.push(("SPDX 2.2 reference category", d));
    let mut d = good.clone();
    d["packages"][1]["primaryPackagePurpose"] = json!("OPERATING-SYSTEM");
    broken.push(("tag-value purpose spelling", d));
    let mut d = good.clone();
    d["packages"][2]["annotations"][0]["annotationType"] = json!("NOTE");
    broken.push(("unknown annotation type", d));
    for (what, doc) in broken {
        assert!(!s.spdx.is_valid(&doc), "SPDX {what}: accepted");
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.+~:_-]{1,12}",
        "[a-zA-Z0-9.+~:_@/ -]{0,12}",
        any::<String>(),
        "[ -~]{0,20}",
        Just("MIT OR Apache-2.0".to_owned()),
        Just("GPL-2.0-or-later WITH Classpath-exception-2.0".to_owned()),
        Just("LicenseRef-x".to_owned()),
        Just("Name <e@x.org>".to_owned()),
    ]
}

fn ecosystem() -> impl Strategy<Value = Ecosystem> {
    prop_oneof![
        Just(Ecosystem::Deb),
        Just(Ecosystem::Apk),
        Just(Ecosystem::Rpm),
        Just(Ecosystem::Python),
        Just(Ecosystem::Npm),
        Just(Ecosystem::Golang),
        Just(Ecosystem::Cargo),
        Just(Ecosystem::Maven),
    ]
}

/// An inventory item with every field drawn; `any_purl` also draws the purl
/// as free text (else it is the one the package's fields give).
fn item(any_purl: bool) -> impl Strategy<Value = InventoryItem> {
    let purl = if any_purl {
        proptest::option::of(text()).boxed()
    } else {
        Just(None).boxed()
    };
    (
        (
            ecosystem(),
            text(),
            text(),
            proptest::option::of(any::<u32>()),
        ),
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
        (
            proptest::collection::vec(text(), 0..4),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::collection::vec(text(), 0..3),
            purl.clone(),
        ),
        (
            proptest::option::of(text()),
            proptest::collection::vec(text(), 0..3),
        ),
    )
        .prop_map(
            |(
                (eco, name, version, epoch),
                (release, arch, sname, sver),
                (licenses, maint, vendor),
                (layer, created, locations, purl),
                (origin, missing_files),
            )| {
                let mut p = Package::new(eco, &name, &version);
                p.epoch = epoch;
                p.release = release;
                p.arch = arch;
                p.source_name = sname;
                p.source_version = sver;
                p.licenses = licenses;
                p.maintainer = maint;
                p.vendor = vendor;
                p.origin = origin;
                match purl {
                    Some(s) => p.purl = s,
                    None => p.refresh_purl(None),
                }
                InventoryItem {
                    package: p,
                    layer,
                    created_by: created,
                    locations,
                    missing_files,
                }
            },
        )
}

fn inventory() -> impl Strategy<Value = Sbom> {
    (
        text(),
        proptest::option::of(text()),
        proptest::option::of((text(), proptest::option::of(text()))),
        proptest::collection::vec((text(), proptest::option::of(text())), 0..3),
        proptest::collection::vec(item(false), 0..6),
    )
        .prop_map(|(name, digest, distro, layers, packages)| {
            let mut sbom = Sbom::new(TargetInfo {
                name,
                digest,
                image_id: None,
                distro: distro.map(|(id, v)| Distro {
                    id,
                    version_id: v,
                    ..Distro::default()
                }),
                architecture: None,
                layers: layers
                    .into_iter()
                    .map(|(d, c)| LayerInfo {
                        diff_id: d,
                        digest: None,
                        created_by: c,
                    })
                    .collect(),
            });
            sbom.packages = packages;
            sbom
        })
}

/// Whatever the inventory holds, both documents are schema-valid. (A plain
/// test driving proptest's runner, so a missing schema directory fails here
/// once instead of being recorded as a proptest regression.)
#[test]
fn any_inventory_gives_valid_documents() {
    let s = schemas();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&inventory(), |sbom| {
        let cdx = write(Format::CycloneDxJson, &sbom);
        prop_assert_eq!(errors(&s.cyclonedx, &cdx), Vec::<String>::new());
        let spdx = write(Format::SpdxJson, &sbom);
        prop_assert_eq!(errors(&s.spdx, &spdx), Vec::<String>::new());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any inventory survives every format unchanged (Plimsoll-written
    /// documents carry every field but the file lists).
    #[test]
    fn round_trip(items in proptest::collection::vec(item(true), 0..5), name in text(), digest in proptest::option::of(text())) {
        let mut sbom = Sbom::new(TargetInfo { name, digest, ..TargetInfo::default() });
        sbom.created = Some("2026-11-22T14:20:51Z".into());
        sbom.packages = items;
        for f in Format::ALL {
            let text = formats::write(f, &sbom, &WriteOptions::default()).unwrap();
            let back = formats::read(text.as_bytes(), "x").unwrap();
            prop_assert_eq!(&back.sbom, &sbom, "{:?}", f);
            prop_assert!(back.skipped.is_empty());
        }
    }

    /// Valid documents with bytes replaced at random places are read or
    /// rejected with an error, never a panic.
    #[test]
    fn mutated_documents(items in proptest::collection::vec(item(true), 1..3), edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12)) {
        let mut sbom = Sbom::new(TargetInfo::default());
        sbom.packages = items;
        for f in Format::ALL {
            let mut bytes = formats::write(f, &sbom, &WriteOptions::default()).unwrap().into_bytes();
            let n = bytes.len();
            for &(i, b) in &edits {
                bytes[i % n] = b;
            }
            let _ = formats::read(&bytes, "x");
        }
    }
}
