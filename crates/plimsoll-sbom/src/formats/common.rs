//! What the CycloneDX and SPDX formats share: Plimsoll's property
//! vocabulary (CycloneDX `properties`, SPDX `annotations`), and turning a
//! component read from any tool's document back into an [`InventoryItem`].

use crate::inventory::{InventoryItem, LayerInfo, TargetInfo};
use crate::os_release::Distro;
use crate::package::{Ecosystem, Package, split_source_rpm};
use crate::purl::Purl;

// Package properties.
pub const P_ECOSYSTEM: &str = "plimsoll:package:ecosystem";
pub const P_EPOCH: &str = "plimsoll:package:epoch";
pub const P_RELEASE: &str = "plimsoll:package:release";
pub const P_ARCH: &str = "plimsoll:package:arch";
pub const P_SOURCE_NAME: &str = "plimsoll:package:source_name";
pub const P_SOURCE_VERSION: &str = "plimsoll:package:source_version";
pub const P_SOURCE_RPM: &str = "plimsoll:package:source_rpm";
pub const P_MAINTAINER: &str = "plimsoll:package:maintainer";
pub const P_VENDOR: &str = "plimsoll:package:vendor";
pub const P_LICENSE: &str = "plimsoll:package:license";
pub const P_LAYER: &str = "plimsoll:layer:diff_id";
pub const P_CREATED_BY: &str = "plimsoll:layer:created_by";
/// Followed by the 0-based index: `plimsoll:location:0`.
pub const P_LOCATION: &str = "plimsoll:location:";
/// How a package was found when not from installed metadata (`lockfile`).
pub const P_ORIGIN: &str = "plimsoll:package:origin";
/// Followed by the 0-based index: a file the package owns that a later
/// layer deleted behind the package manager's back.
pub const P_MISSING_FILE: &str = "plimsoll:missing_file:";
// Image properties.
pub const I_ID: &str = "plimsoll:image:id";
pub const I_DIGEST: &str = "plimsoll:image:digest";
pub const I_ARCH: &str = "plimsoll:image:architecture";
/// `plimsoll:image:layer:N:diff_id`, `…:N:digest`, `…:N:created_by`.
pub const I_LAYER: &str = "plimsoll:image:layer:";
// Distribution properties.
pub const D_ID: &str = "plimsoll:distro:id";
pub const D_VERSION_ID: &str = "plimsoll:distro:version_id";
pub const D_VERSION: &str = "plimsoll:distro:version";
pub const D_CODENAME: &str = "plimsoll:distro:codename";
pub const D_ID_LIKE: &str = "plimsoll:distro:id_like";
pub const D_NAME: &str = "plimsoll:distro:name";
pub const D_PRETTY_NAME: &str = "plimsoll:distro:pretty_name";

/// Name/value pairs, in order, names may repeat.
#[derive(Debug, Default, Clone)]
pub struct Props(pub Vec<(String, String)>);

impl Props {
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }

    pub fn push_opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.push(name, v);
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Values of `{prefix}{N}{suffix}` properties, ordered by `N`.
    pub fn indexed(&self, prefix: &str, suffix: &str) -> Vec<(usize, &str)> {
        let mut out: Vec<(usize, &str)> = self
            .0
            .iter()
            .filter_map(|(n, v)| {
                let idx = n.strip_prefix(prefix)?.strip_suffix(suffix)?;
                Some((idx.parse().ok()?, v.as_str()))
            })
            .collect();
        out.sort_by_key(|(i, _)| *i);
        out
    }

    pub fn is_plimsoll(&self) -> bool {
        self.get(P_ECOSYSTEM).is_some()
    }
}

/// The Plimsoll properties of a package, apart from what the format carries
/// in its own fields (name, version, purl, and with `natural_people` the
/// maintainer and vendor, with `natural_licenses` the licenses).
pub fn package_props(item: &InventoryItem, natural_people: bool, natural_licenses: bool) -> Props {
    let p = &item.package;
    let mut props = Props::default();
    props.push(P_ECOSYSTEM, p.ecosystem.purl_type());
    props.push_opt(P_EPOCH, p.epoch.map(|e| e.to_string()).as_deref());
    props.push_opt(P_RELEASE, p.release.as_deref());
    props.push_opt(P_ARCH, p.arch.as_deref());
    props.push_opt(P_SOURCE_NAME, p.source_name.as_deref());
    props.push_opt(P_SOURCE_VERSION, p.source_version.as_deref());
    props.push_opt(P_SOURCE_RPM, p.source_rpm.as_deref());
    props.push_opt(P_ORIGIN, p.origin.as_deref());
    if !natural_people {
        props.push_opt(P_MAINTAINER, p.maintainer.as_deref());
        props.push_opt(P_VENDOR, p.vendor.as_deref());
    }
    if !natural_licenses {
        for l in &p.licenses {
            props.push(P_LICENSE, l.as_str());
        }
    }
    props.push_opt(P_LAYER, item.layer.as_deref());
    props.push_opt(P_CREATED_BY, item.created_by.as_deref());
    for (i, loc) in item.locations.iter().enumerate() {
        props.push(&format!("{P_LOCATION}{i}"), loc.as_str());
    }
    for (i, f) in item.missing_files.iter().enumerate() {
        props.push(&format!("{P_MISSING_FILE}{i}"), f.as_str());
    }
    props
}

/// The Plimsoll properties of the image (target).
pub fn image_props(t: &TargetInfo) -> Props {
    let mut props = Props::default();
    props.push_opt(I_DIGEST, t.digest.as_deref());
    props.push_opt(I_ID, t.image_id.as_deref());
    props.push_opt(I_ARCH, t.architecture.as_deref());
    for (i, l) in t.layers.iter().enumerate() {
        props.push(&format!("{I_LAYER}{i}:diff_id"), l.diff_id.as_str());
        props.push_opt(&format!("{I_LAYER}{i}:digest"), l.digest.as_deref());
        props.push_opt(&format!("{I_LAYER}{i}:created_by"), l.created_by.as_deref());
    }
    props
}

/// Whether image properties name the digest or the image ID (Plimsoll's, or
/// trivy's `ImageID`), so the component's version need not be guessed at.
pub fn has_image_ids(props: &Props) -> bool {
    props.get(I_DIGEST).is_some()
        || props.get(I_ID).is_some()
        || props.get("aquasecurity:trivy:ImageID").is_some()
}

/// Fill the target's digests, architecture and layers from image properties
/// (Plimsoll's, and trivy's `aquasecurity:trivy:*`).
pub fn apply_image_props(t: &mut TargetInfo, props: &Props) {
    if let Some(v) = props.get(I_DIGEST) {
        t.digest = Some(v.to_owned());
    }
    if let Some(v) = props
        .get(I_ID)
        .or_else(|| props.get("aquasecurity:trivy:ImageID"))
    {
        t.image_id = Some(v.to_owned());
    }
    if t.digest.is_none() {
        if let Some(v) = props.get("aquasecurity:trivy:RepoDigest") {
            // `name@sha256:…`
            t.digest = Some(v.rsplit_once('@').map_or(v, |(_, d)| d).to_owned());
        }
    }
    if let Some(v) = props.get(I_ARCH) {
        t.architecture = Some(v.to_owned());
    }
    let diff_ids = props.indexed(I_LAYER, ":diff_id");
    if !diff_ids.is_empty() {
        let digests = props.indexed(I_LAYER, ":digest");
        let created = props.indexed(I_LAYER, ":created_by");
        let find = |v: &[(usize, &str)], i: usize| {
            v.iter()
                .find(|(j, _)| *j == i)
                .map(|(_, s)| (*s).to_owned())
        };
        t.layers = diff_ids
            .iter()
            .map(|(i, d)| LayerInfo {
                diff_id: (*d).to_owned(),
                digest: find(&digests, *i),
                created_by: find(&created, *i),
            })
            .collect();
    } else if t.layers.is_empty() {
        t.layers = props
            .all("aquasecurity:trivy:DiffID")
            .map(|d| LayerInfo {
                diff_id: d.to_owned(),
                ..LayerInfo::default()
            })
            .collect();
    }
}

/// The Plimsoll properties of a distribution.
pub fn distro_props(d: &Distro) -> Props {
    let mut props = Props::default();
    props.push(D_ID, d.id.as_str());
    props.push_opt(D_VERSION_ID, d.version_id.as_deref());
    props.push_opt(D_VERSION, d.version.as_deref());
    props.push_opt(D_CODENAME, d.codename.as_deref());
    if !d.id_like.is_empty() {
        props.push(D_ID_LIKE, d.id_like.join(" "));
    }
    props.push_opt(D_NAME, d.name.as_deref());
    props.push_opt(D_PRETTY_NAME, d.pretty_name.as_deref());
    props
}

/// A distribution from an operating-system component: Plimsoll's properties
/// when present, else syft's `syft:distro:*`, else the component's name,
/// version and description.
pub fn distro_from(
    name: &str,
    version: Option<&str>,
    description: Option<&str>,
    props: &Props,
) -> Distro {
    let own = |k: &str| props.get(k).map(str::to_owned);
    if let Some(id) = props.get(D_ID) {
        return Distro {
            id: id.to_owned(),
            version_id: own(D_VERSION_ID),
            version: own(D_VERSION),
            codename: own(D_CODENAME),
            id_like: props
                .get(D_ID_LIKE)
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            name: own(D_NAME),
            pretty_name: own(D_PRETTY_NAME),
        };
    }
    Distro {
        id: props
            .get("syft:distro:id")
            .unwrap_or(name)
            .to_ascii_lowercase(),
        version_id: own("syft:distro:versionID").or_else(|| version.map(str::to_owned)),
        version: own("syft:distro:version"),
        codename: own("syft:distro:versionCodename"),
        id_like: props
            .get("syft:distro:idLike")
            .map(|s| {
                s.split([' ', ','])
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        name: own("syft:distro:name"),
        pretty_name: own("syft:distro:prettyName").or_else(|| description.map(str::to_owned)),
    }
}

/// The ecosystem of a purl type this crate knows.
pub fn ecosystem_of_purl_type(ty: &str) -> Option<Ecosystem> {
    Some(match ty {
        "deb" => Ecosystem::Deb,
        "apk" => Ecosystem::Apk,
        "rpm" => Ecosystem::Rpm,
        "pypi" => Ecosystem::Python,
        "npm" => Ecosystem::Npm,
        "golang" => Ecosystem::Golang,
        "cargo" => Ecosystem::Cargo,
        "maven" => Ecosystem::Maven,
        _ => return None,
    })
}

/// A component as a reader found it, before it becomes a package.
#[derive(Debug, Default)]
pub struct RawComponent {
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub licenses: Vec<String>,
    /// CycloneDX `publisher`/`author`, SPDX originator (person).
    pub maintainer: Option<String>,
    /// CycloneDX `supplier.name`, SPDX supplier (organization).
    pub vendor: Option<String>,
    pub props: Props,
}

/// Why a component was not turned into a package.
pub type SkipReason = String;

/// Turn a component into an inventory item. Documents Plimsoll wrote carry
/// every field in properties; for other tools' documents the purl is the
/// authority for ecosystem, version parts and architecture.
pub fn to_item(raw: RawComponent) -> Result<InventoryItem, SkipReason> {
    let props = &raw.props;
    let purl = raw.purl.as_deref().filter(|s| !s.is_empty());
    let parsed = purl.and_then(Purl::parse);
    let ecosystem = match props.get(P_ECOSYSTEM) {
        Some(t) => ecosystem_of_purl_type(t).ok_or_else(|| format!("unknown ecosystem {t:?}"))?,
        None => match (&parsed, purl) {
            (Some(p), _) => ecosystem_of_purl_type(&p.ty)
                .ok_or_else(|| format!("purl type {:?} is not supported", p.ty))?,
            (None, Some(s)) => return Err(format!("invalid purl {s:?}")),
            (None, None) => return Err("no purl".to_owned()),
        },
    };
    let name = if raw.name.is_empty() && !props.is_plimsoll() {
        parsed
            .as_ref()
            .map(|p| p.name.clone())
            .ok_or_else(|| "no name".to_owned())?
    } else {
        raw.name.clone()
    };
    let mut p = Package::new(ecosystem, &name, "");
    p.purl = purl.map(str::to_owned).unwrap_or_default();
    p.licenses = raw.licenses;
    p.maintainer = raw.maintainer;
    p.vendor = raw.vendor;
    let own = |k: &str| props.get(k).map(str::to_owned);
    let full = raw
        .version
        .clone()
        .or_else(|| parsed.as_ref().and_then(|p| p.version.clone()));

    if props.is_plimsoll() {
        p.epoch = props.get(P_EPOCH).and_then(|e| e.parse().ok());
        p.release = own(P_RELEASE);
        p.arch = own(P_ARCH);
        p.source_name = own(P_SOURCE_NAME);
        p.source_version = own(P_SOURCE_VERSION);
        p.source_rpm = own(P_SOURCE_RPM);
        p.origin = own(P_ORIGIN);
        if p.maintainer.is_none() {
            p.maintainer = own(P_MAINTAINER);
        }
        if p.vendor.is_none() {
            p.vendor = own(P_VENDOR);
        }
        if p.licenses.is_empty() {
            p.licenses = props.all(P_LICENSE).map(str::to_owned).collect();
        }
        p.version = version_from_full(
            ecosystem,
            full.as_deref().unwrap_or(""),
            p.epoch,
            p.release.as_deref(),
        );
    } else {
        foreign_versions(&mut p, full.as_deref(), parsed.as_ref());
        foreign_source(&mut p, parsed.as_ref(), props);
    }

    let layer = own(P_LAYER)
        .or_else(|| own("aquasecurity:trivy:LayerDiffID"))
        .or_else(|| own("syft:location:0:layerID"));
    let mut locations: Vec<String> = props
        .indexed(P_LOCATION, "")
        .into_iter()
        .map(|(_, v)| v.to_owned())
        .collect();
    if locations.is_empty() {
        locations = props
            .indexed("syft:location:", ":path")
            .into_iter()
            .map(|(_, v)| v.to_owned())
            .collect();
    }
    if locations.is_empty() {
        locations = props
            .all("aquasecurity:trivy:FilePath")
            .map(|v| {
                if v.starts_with('/') {
                    v.to_owned()
                } else {
                    format!("/{v}")
                }
            })
            .collect();
    }
    let missing_files = props
        .indexed(P_MISSING_FILE, "")
        .into_iter()
        .map(|(_, v)| v.to_owned())
        .collect();
    Ok(InventoryItem {
        package: p,
        layer,
        created_by: own(P_CREATED_BY),
        locations,
        missing_files,
    })
}

/// Undo [`Package::full_version`]: rpm's `[epoch:]version-release` back to `version`.
pub fn version_from_full(
    eco: Ecosystem,
    full: &str,
    epoch: Option<u32>,
    release: Option<&str>,
) -> String {
    if eco != Ecosystem::Rpm {
        return full.to_owned();
    }
    let mut v = full;
    if let Some(e) = epoch {
        v = v.strip_prefix(&format!("{e}:")).unwrap_or(v);
    }
    if let Some(r) = release.filter(|r| !r.is_empty()) {
        v = v
            .strip_suffix(r)
            .and_then(|x| x.strip_suffix('-'))
            .unwrap_or(v);
    }
    v.to_owned()
}

fn foreign_versions(p: &mut Package, full: Option<&str>, purl: Option<&Purl>) {
    let purl_version = purl.and_then(|u| u.version.as_deref());
    p.arch = purl.and_then(|u| u.qualifiers.get("arch").cloned());
    match p.ecosystem {
        Ecosystem::Rpm => {
            // The purl's version is `version-release`, the epoch a qualifier;
            // a component version may also be `epoch:version-release`.
            let epoch_q = purl.and_then(|u| u.qualifiers.get("epoch")?.parse().ok());
            let (epoch, vr) = match (purl_version, full) {
                (Some(v), _) => (epoch_q, v),
                (None, Some(f)) => match f.split_once(':') {
                    Some((e, rest)) if e.bytes().all(|b| b.is_ascii_digit()) => {
                        (e.parse().ok(), rest)
                    }
                    _ => (epoch_q, f),
                },
                (None, None) => (epoch_q, ""),
            };
            p.epoch = epoch;
            match vr.rsplit_once('-') {
                Some((v, r)) => {
                    p.version = v.to_owned();
                    p.release = Some(r.to_owned());
                }
                None => p.version = vr.to_owned(),
            }
        }
        eco => {
            p.version = full.or(purl_version).unwrap_or("").to_owned();
            if eco == Ecosystem::Deb {
                p.epoch = p.version.split_once(':').and_then(|(e, _)| e.parse().ok());
            }
        }
    }
}

fn foreign_source(p: &mut Package, purl: Option<&Purl>, props: &Props) {
    // trivy
    if let Some(name) = props.get("aquasecurity:trivy:SrcName") {
        p.source_name = Some(name.to_owned());
        if let Some(v) = props.get("aquasecurity:trivy:SrcVersion") {
            let mut sv = String::new();
            if let Some(e) = props
                .get("aquasecurity:trivy:SrcEpoch")
                .filter(|e| *e != "0")
            {
                sv.push_str(e);
                sv.push(':');
            }
            sv.push_str(v);
            if let Some(r) = props
                .get("aquasecurity:trivy:SrcRelease")
                .filter(|r| !r.is_empty())
            {
                sv.push('-');
                sv.push_str(r);
            }
            p.source_version = Some(sv);
        }
        return;
    }
    // syft: `upstream=name`, `upstream=name@version`, or rpm's source rpm file name.
    if let Some(up) = purl.and_then(|u| u.qualifiers.get("upstream")) {
        if p.ecosystem == Ecosystem::Rpm && up.ends_with(".rpm") {
            p.source_rpm = Some(up.clone());
            if let Some((n, v)) = split_source_rpm(up) {
                p.source_name = Some(n);
                p.source_version = Some(v);
            }
            return;
        }
        match up.split_once('@') {
            Some((n, v)) => {
                p.source_name = Some(n.to_owned());
                p.source_version = Some(v.to_owned());
            }
            None => p.source_name = Some(up.clone()),
        }
    }
    if let Some(s) = props.get("syft:metadata:source") {
        p.source_name = Some(s.to_owned());
    }
    if let Some(v) = props.get("syft:metadata:sourceVersion") {
        p.source_version = Some(v.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_versions() {
        assert_eq!(
            version_from_full(Ecosystem::Rpm, "1:4.2.46-30.el7", Some(1), Some("30.el7")),
            "4.2.46"
        );
        assert_eq!(
            version_from_full(Ecosystem::Rpm, "4.2.46", None, Some("")),
            "4.2.46"
        );
        assert_eq!(
            version_from_full(Ecosystem::Deb, "1:2-3", Some(1), None),
            "1:2-3"
        );
    }

    #[test]
    fn foreign_rpm_from_purl() {
        let raw = RawComponent {
            name: "bash".into(),
            version: Some("1:4.2.46-30.el7".into()),
            purl: Some("pkg:rpm/centos/bash@4.2.46-30.el7?arch=x86_64&epoch=1&upstream=bash-4.2.46-30.el7.src.rpm".into()),
            ..RawComponent::default()
        };
        let p = to_item(raw).unwrap().package;
        assert_eq!(
            (p.version.as_str(), p.release.as_deref(), p.epoch),
            ("4.2.46", Some("30.el7"), Some(1))
        );
        assert_eq!(p.arch.as_deref(), Some("x86_64"));
        assert_eq!(p.source_name.as_deref(), Some("bash"));
        assert_eq!(p.source_version.as_deref(), Some("4.2.46-30.el7"));
        assert_eq!(p.full_version(), "1:4.2.46-30.el7");
    }

    #[test]
    fn foreign_skips() {
        let r = |purl: Option<&str>| RawComponent {
            name: "x".into(),
            purl: purl.map(str::to_owned),
            ..RawComponent::default()
        };
        assert_eq!(to_item(r(None)).unwrap_err(), "no purl");
        assert!(to_item(r(Some("pkg:gem/x@1"))).unwrap_err().contains("gem"));
        assert!(
            to_item(r(Some("not a purl")))
                .unwrap_err()
                .contains("invalid")
        );
    }
}
