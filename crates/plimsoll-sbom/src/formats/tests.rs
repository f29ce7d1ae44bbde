//! Unit tests of the format layer: recognition, hostile and malformed input,
//! other tools' SPDX, and property tests (never a panic). Round trips of
//! generated inventories are in `tests/sbom_schemas.rs`, with their
//! schema validation.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::inventory::{InventoryItem, TargetInfo};
use crate::{Ecosystem, Package, Purl};

fn err(bytes: &[u8]) -> String {
    match read(bytes, "doc.json") {
        Ok(r) => panic!("accepted: {r:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn recognition_errors_say_what_and_where() {
    assert!(err(b"<?xml version=\"1.0\"?><bom/>").contains("XML"));
    assert!(err(b"SPDXVersion: SPDX-2.3\n").contains("tag-value"));
    assert!(
        err(br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}"#).contains("SPDX 3")
    );
    assert!(err(b"{}").contains("not a CycloneDX, SPDX or Plimsoll"));
    assert!(err(b"[1,2]").contains("not a JSON object"));
    let e = err(b"{\n\"bomFormat\": \"CycloneDX\",\n  oops\n}");
    assert!(e.starts_with("doc.json: line 3:"), "{e}");
    assert!(
        err(br#"{"bomFormat":"CycloneDX","specVersion":"2.0"}"#).contains("specVersion \"2.0\"")
    );
    assert!(err(br#"{"bomFormat":"SWID","specVersion":"1.6"}"#).contains("/bomFormat"));
    assert!(err(br#"{"bomFormat":"CycloneDX"}"#).contains("/specVersion"));
    assert!(err(br#"{"spdxVersion":"SPDX-2.1"}"#).contains("SPDX-2.1"));
    assert!(
        err(br#"{"schema_version":99,"tool":{"name":"p"},"target":{"name":"x"}}"#).contains("99")
    );
    assert!(err(br#"{"schema_version":"1"}"#).contains("/schema_version"));
    assert!(err(br#"{"schema_version":1,"target":7}"#).contains("not a Plimsoll SBOM"));
    let e = err(br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"a","components":{}}]}"#);
    assert!(
        e.contains("/components/0/components") && e.contains("not an array"),
        "{e}"
    );
    let e = err(br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[1]}"#);
    assert!(
        e.contains("at /components/0: component is not an object"),
        "{e}"
    );
    let e = err(br#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"a"},"x"]}"#);
    assert!(e.contains("at /packages/1"), "{e}");
    let e = err(br#"{"spdxVersion":"SPDX-2.3","packages":{}}"#);
    assert!(e.contains("at /packages: not an array"), "{e}");
}

#[test]
fn size_and_nesting_are_bounded() {
    let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
    assert!(err(&big).contains("limit"));
    // serde_json's recursion limit stops nesting bombs.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(err(deep.as_bytes()).contains("not JSON"));
    // Nested components beyond the limit are refused, not followed.
    let mut c = json!({"type": "library", "name": "leaf"});
    for _ in 0..20 {
        c = json!({"type": "library", "name": "n", "components": [c]});
    }
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [c]});
    assert!(err(doc.to_string().as_bytes()).contains("nested too deep"));
}

#[test]
fn bom_and_whitespace_before_json() {
    let doc = b"\xef\xbb\xbf\n {\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\"}";
    let r = read(doc, "x").unwrap();
    assert_eq!(r.spec_version, "1.4");
    assert!(r.sbom.packages.is_empty());
}

#[test]
fn cyclonedx_1_4_tools_nesting_and_skips() {
    let doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "metadata": {
            "timestamp": "2023-01-01T00:00:00Z",
            "tools": [{"vendor": "anchore", "name": "syft", "version": "0.70.0"}],
            "component": {"type": "container", "name": "alpine:3.17", "version": "sha256:aa"}
        },
        "components": [
            {"type": "library", "name": "busybox", "version": "1.35.0-r29",
             "purl": "pkg:apk/alpine/busybox@1.35.0-r29?arch=x86_64&upstream=busybox&distro=alpine-3.17.0",
             "licenses": [{"license": {"name": "GPL-2.0-only"}}],
             "components": [
                {"type": "library", "name": "inner", "version": "1", "purl": "pkg:npm/inner@1"}
             ]},
            {"type": "library", "name": "rails", "version": "7.0.0", "purl": "pkg:gem/rails@7.0.0"},
            {"type": "library", "name": "nopurl"},
            {"type": "file", "name": "/etc/passwd"},
            {"type": "operating-system", "name": "alpine", "version": "3.17.0"}
        ]
    });
    let r = read(doc.to_string().as_bytes(), "x").unwrap();
    assert_eq!(r.sbom.tool.name, "syft");
    assert_eq!(r.sbom.tool.version.as_deref(), Some("0.70.0"));
    assert_eq!(r.sbom.created.as_deref(), Some("2023-01-01T00:00:00Z"));
    assert_eq!(r.sbom.target.name, "alpine:3.17");
    assert_eq!(r.sbom.target.digest.as_deref(), Some("sha256:aa"));
    let names: Vec<&str> = r
        .sbom
        .packages
        .iter()
        .map(|i| i.package.name.as_str())
        .collect();
    assert_eq!(names, ["busybox", "inner"]);
    let bb = &r.sbom.packages[0].package;
    assert_eq!(
        (bb.ecosystem, bb.arch.as_deref()),
        (Ecosystem::Apk, Some("x86_64"))
    );
    assert_eq!(bb.source_name.as_deref(), Some("busybox"));
    assert_eq!(bb.licenses, ["GPL-2.0-only"]);
    let skipped: Vec<(&str, &str)> = r
        .skipped
        .iter()
        .map(|s| (s.pointer.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("/components/1", "purl type \"gem\" is not supported"),
            ("/components/2", "no purl")
        ]
    );
    assert_eq!(r.sbom.target.distro.as_ref().unwrap().id, "alpine");
}

/// SPDX 2.2 as syft and trivy write it (shapes from their documentation):
/// `PACKAGE_MANAGER`, `documentDescribes`, LicenseRefs, trivy annotations.
#[test]
fn other_tools_spdx() {
    let doc = json!({
        "spdxVersion": "SPDX-2.2",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "debian:12",
        "documentNamespace": "https://anchore.com/syft/image/debian-12-x",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Organization: Anchore, Inc", "Tool: syft-0.100.0"]},
        "documentDescribes": ["SPDXRef-DocumentRoot-Image-debian-12"],
        "packages": [
            {"SPDXID": "SPDXRef-DocumentRoot-Image-debian-12", "name": "",
             "checksums": [{"algorithm": "SHA256", "checksumValue": "bb"}],
             "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:oci/@sha256:bb?arch="}],
             "downloadLocation": "NOASSERTION"},
            {"SPDXID": "SPDXRef-Package-deb-tzdata-1", "name": "tzdata", "versionInfo": "2024a-0+deb12u1",
             "supplier": "Person: GNU Libc Maintainers (debian-glibc@lists.debian.org)",
             "originator": "Person: GNU Libc Maintainers (debian-glibc@lists.debian.org)",
             "downloadLocation": "NOASSERTION", "licenseConcluded": "NOASSERTION",
             "licenseDeclared": "LicenseRef-public-domain",
             "sourceInfo": "acquired package info from DPKG DB: /usr/share/doc/tzdata/copyright, /var/lib/dpkg/status",
             "externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:tzdata:tzdata:2024a:*:*:*:*:*:*:*"},
                              {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12"}]},
            {"SPDXID": "SPDXRef-Package-rpm-bash", "name": "bash", "versionInfo": "4.4.20-4.el8_6",
             "supplier": "Organization: AlmaLinux", "downloadLocation": "NONE",
             "licenseDeclared": "GPLv3+",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:rpm/almalinux/bash@4.4.20-4.el8_6?arch=x86_64&epoch=0"}],
             "annotations": [
                {"annotator": "Tool: trivy-0.50.0", "annotationDate": "2024-01-01T00:00:00Z", "annotationType": "OTHER", "comment": "LayerDiffID: sha256:cc"},
                {"annotator": "Tool: trivy-0.50.0", "annotationDate": "2024-01-01T00:00:00Z", "annotationType": "OTHER", "comment": "SrcName: bash"},
                {"annotator": "Tool: trivy-0.50.0", "annotationDate": "2024-01-01T00:00:00Z", "annotationType": "OTHER", "comment": "SrcVersion: 4.4.20"},
                {"annotator": "Tool: trivy-0.50.0", "annotationDate": "2024-01-01T00:00:00Z", "annotationType": "OTHER", "comment": "SrcRelease: 4.el8_6"}
             ]},
            {"SPDXID": "SPDXRef-OS", "name": "almalinux", "versionInfo": "8.9", "downloadLocation": "NONE",
             "primaryPackagePurpose": "OPERATING-SYSTEM"},
            {"SPDXID": "SPDXRef-File-x", "name": "no purl", "downloadLocation": "NONE"}
        ],
        "hasExtractedLicensingInfos": [{"licenseId": "LicenseRef-public-domain", "extractedText": "public-domain", "name": "public-domain"}],
        "relationships": [{"spdxElementId": "SPDXRef-DocumentRoot-Image-debian-12", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-Package-deb-tzdata-1"}]
    });
    let r = read(doc.to_string().as_bytes(), "x").unwrap();
    assert_eq!(
        (r.format, r.spec_version.as_str()),
        (Format::SpdxJson, "SPDX-2.2")
    );
    assert_eq!(r.sbom.tool.name, "syft");
    assert_eq!(r.sbom.target.name, "debian:12");
    assert_eq!(r.sbom.target.digest.as_deref(), Some("sha256:bb"));
    assert_eq!(r.sbom.packages.len(), 2);
    let tz = &r.sbom.packages[0].package;
    assert_eq!(tz.ecosystem, Ecosystem::Deb);
    assert_eq!(tz.version, "2024a-0+deb12u1");
    assert_eq!(tz.licenses, ["public-domain"]);
    assert_eq!(
        tz.maintainer.as_deref(),
        Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>")
    );
    assert_eq!(tz.vendor, None);
    assert_eq!(
        r.sbom.packages[0].locations,
        ["/usr/share/doc/tzdata/copyright", "/var/lib/dpkg/status"]
    );
    let bash = &r.sbom.packages[1];
    assert_eq!(bash.package.full_version(), "0:4.4.20-4.el8_6");
    assert_eq!(bash.package.vendor.as_deref(), Some("AlmaLinux"));
    assert_eq!(bash.package.licenses, ["GPLv3+"]);
    assert_eq!(
        bash.package.source_version.as_deref(),
        Some("4.4.20-4.el8_6")
    );
    assert_eq!(bash.layer.as_deref(), Some("sha256:cc"));
    assert_eq!(
        r.sbom.target.distro.as_ref().map(|d| d.id.as_str()),
        Some("almalinux")
    );
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].pointer, "/packages/4");
}

#[test]
fn format_names() {
    for f in Format::ALL {
        assert_eq!(Format::from_name(f.name()), Some(f));
    }
    assert_eq!(Format::from_name("CycloneDX"), Some(Format::CycloneDxJson));
    assert_eq!(Format::from_name("spdx"), Some(Format::SpdxJson));
    assert_eq!(Format::from_name("xml"), None);
}

#[test]
fn write_options() {
    let sbom = Sbom::new(TargetInfo::default());
    let fixed = WriteOptions {
        document_id: Some("3e671687-395b-41f5-a30f-a58921a69b79".into()),
    };
    let cdx = write(Format::CycloneDxJson, &sbom, &fixed).unwrap();
    assert!(cdx.contains("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"));
    let bad = WriteOptions {
        document_id: Some("not a uuid".into()),
    };
    let cdx = write(Format::CycloneDxJson, &sbom, &bad).unwrap();
    assert!(!cdx.contains("not a uuid"));
    // A created time that is not RFC 3339 is replaced by the current time.
    let mut odd = sbom.clone();
    odd.created = Some("yesterday".into());
    let doc: serde_json::Value =
        serde_json::from_str(&write(Format::SpdxJson, &odd, &fixed).unwrap()).unwrap();
    assert!(is_rfc3339(
        doc["creationInfo"]["created"].as_str().unwrap_or("")
    ));
    assert!(write(Format::Json, &odd, &fixed).unwrap().ends_with("}\n"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whatever the bytes, reading returns (never panics).
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read(&bytes, "x");
    }

    /// JSON values of the wrong type anywhere in a document are handled.
    #[test]
    fn wrong_types(key in "(components|metadata|tools|component|properties|licenses|packages|externalRefs|annotations|relationships|creationInfo|purl|name|version)", value in prop_oneof![Just(json!(null)), Just(json!(1)), Just(json!("s")), Just(json!([1])), Just(json!({"a": 1}))]) {
        let sbom = crate::formats::tests::sample();
        for f in [Format::CycloneDxJson, Format::SpdxJson] {
            let text = write(f, &sbom, &WriteOptions::default()).unwrap();
            let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            replace_key(&mut doc, &key, &value);
            let _ = read(doc.to_string().as_bytes(), "x");
        }
    }

    /// Purl parsing never panics, and what the encoder writes parses back to
    /// the same purl.
    #[test]
    fn purls(s in any::<String>(), ty in "[a-z][a-z0-9.+-]{0,6}", ns in proptest::collection::vec(any::<String>(), 0..3), name in any::<String>(), version in proptest::option::of(any::<String>()), q in proptest::collection::btree_map("[a-z]{1,5}", any::<String>(), 0..3)) {
        let _ = Purl::parse(&s);
        let _ = Purl::parse(&format!("pkg:{s}"));
        prop_assume!(!name.is_empty());
        let mut p = Purl::new(&ty, &name);
        p.namespace = ns.into_iter().filter(|s| !s.is_empty()).collect();
        p.version = version.filter(|v| !v.is_empty());
        p.qualifiers = q.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let back = Purl::parse(&p.to_string());
        prop_assert_eq!(back, Some(p));
    }
}

fn replace_key(v: &mut serde_json::Value, key: &str, new: &serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == key {
                    *x = new.clone();
                } else {
                    replace_key(x, key, new);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| replace_key(x, key, new)),
        _ => {}
    }
}

pub(crate) fn sample() -> Sbom {
    let mut sbom = Sbom::new(TargetInfo {
        name: "img".into(),
        digest: Some("sha256:00".into()),
        distro: Some(crate::Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..crate::Distro::default()
        }),
        ..TargetInfo::default()
    });
    let mut p = Package::new(Ecosystem::Deb, "curl", "7.88.1-10");
    p.licenses = vec!["MIT".into(), "curl license".into()];
    let mut item = InventoryItem::new(p);
    item.layer = Some("sha256:11".into());
    item.locations = vec!["/var/lib/dpkg/status".into()];
    sbom.packages.push(item);
    sbom
}
