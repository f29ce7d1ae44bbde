//! The package model shared by every cataloger.

use crate::os_release::Distro;
use crate::purl::Purl;

/// The packaging ecosystem a [`Package`] belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Ecosystem {
    /// Debian packages, from the dpkg database.
    Deb,
    /// Alpine packages, from the apk database.
    Apk,
    /// RPM packages, from the rpm database (sqlite, NDB or BerkeleyDB).
    Rpm,
    /// Python distributions (`*.dist-info/METADATA`, `*.egg-info`); purl type `pypi`.
    Python,
    /// npm packages (`node_modules/**/package.json`, lock files); purl type `npm`.
    Npm,
    /// Ruby gems (`specifications/*.gemspec`); purl type `gem`.
    Gem,
    /// PHP Composer packages (`vendor/composer/installed.json`, `composer.lock`); purl type `composer`.
    Composer,
    /// .NET NuGet packages (`*.deps.json`); purl type `nuget`.
    NuGet,
    /// Go modules (and the Go standard library, as `stdlib`), from a binary's build info.
    Golang,
    /// Rust crates, from cargo-auditable data in a binary or from `Cargo.lock`.
    Cargo,
    /// Java archives; `name` is `groupId:artifactId` (or the artifactId alone when
    /// the group is unknown).
    Maven,
}

impl Ecosystem {
    /// The purl type of this ecosystem (`deb`, `apk`, `rpm`, `golang`, `cargo`, `maven`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Python => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Golang => "golang",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Maven => "maven",
        }
    }

    /// Whether packages of this ecosystem belong to a distribution (and so get its
    /// namespace and `distro` qualifier in their purl).
    pub fn is_os(self) -> bool {
        matches!(self, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
    }
}

/// One installed package, as its package manager records it.
///
/// Versions are kept exactly as the ecosystem writes them:
/// - dpkg and apk: `version` is the whole version string (`1:2.34-0.1ubuntu9.3`,
///   `1.31.1-r10`); for dpkg `epoch` repeats the epoch parsed out of it; `release` is `None`.
/// - rpm: `version` is the `VERSION` tag, `release` the `RELEASE` tag and `epoch`
///   the `EPOCH` tag (absent when the header has none).
///
/// [`Package::full_version`] gives the one string to compare with the ecosystem's
/// version scheme.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Package {
    /// The ecosystem (and so the purl type and version scheme).
    pub ecosystem: Ecosystem,
    /// Binary package name.
    pub name: String,
    /// Version (see the type's documentation for what each ecosystem puts here).
    pub version: String,
    /// Epoch, where the ecosystem has one and the package sets it.
    pub epoch: Option<u32>,
    /// rpm `RELEASE`.
    pub release: Option<String>,
    /// Architecture (`amd64`, `x86_64`, `noarch`, `all`, …), when recorded.
    pub arch: Option<String>,
    /// Source package name: dpkg `Source:` (defaulting to the binary name),
    /// apk origin, or the name part of rpm's `SOURCERPM`.
    pub source_name: Option<String>,
    /// Source package version: dpkg `Source: name (version)` (defaulting to the
    /// binary version), apk: the package version, rpm: `version-release` of `SOURCERPM`.
    pub source_version: Option<String>,
    /// rpm only: the `SOURCERPM` tag as written (`bash-4.2.46-30.el7.src.rpm`).
    pub source_rpm: Option<String>,
    /// Declared licenses, all of which apply (the SPDX writer joins them with
    /// `AND`), each as written by the package (an expression is kept whole).
    /// dpkg: from the package's copyright file, Debian short names mapped to
    /// SPDX ids where unambiguous (see [`crate::catalogers::dpkg_copyright`]).
    pub licenses: Vec<String>,
    /// dpkg `Maintainer:`, apk `m:` or rpm `PACKAGER`.
    pub maintainer: Option<String>,
    /// rpm `VENDOR`.
    pub vendor: Option<String>,
    /// Package URL; filled without distribution by the catalogers, then
    /// completed by [`Package::set_distro`].
    pub purl: String,
    /// Absolute paths of the files the package owns, as its database lists them.
    pub files: Vec<String>,
    /// Language packages only (`None` for OS packages): where the package was read
    /// from: `installed` (its own metadata on disk), `lockfile` (declared by a lock
    /// file, perhaps not installed) or `application` (a project's own manifest
    /// outside any package directory). See [`crate::catalogers::lang`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Package {
    /// An empty package of `ecosystem` named `name` with version `version`;
    /// the purl is computed from those.
    pub fn new(ecosystem: Ecosystem, name: &str, version: &str) -> Self {
        let mut p = Package {
            ecosystem,
            name: name.to_owned(),
            version: version.to_owned(),
            epoch: None,
            release: None,
            arch: None,
            source_name: None,
            source_version: None,
            source_rpm: None,
            licenses: Vec::new(),
            maintainer: None,
            vendor: None,
            purl: String::new(),
            files: Vec::new(),
            origin: None,
        };
        p.refresh_purl(None);
        p
    }

    /// The version to compare with the ecosystem's scheme: dpkg and apk
    /// `version` as is; rpm `[epoch:]version-release`.
    pub fn full_version(&self) -> String {
        match self.ecosystem {
            Ecosystem::Rpm => {
                let mut s = String::new();
                if let Some(e) = self.epoch {
                    s.push_str(&format!("{e}:"));
                }
                s.push_str(&self.version);
                if let Some(r) = self.release.as_deref().filter(|r| !r.is_empty()) {
                    s.push('-');
                    s.push_str(r);
                }
                s
            }
            _ => self.version.clone(),
        }
    }

    /// The package URL of this package, with the distribution as namespace and
    /// `distro=ID-VERSION_ID` qualifier when it is known.
    ///
    /// - deb: `pkg:deb/debian/curl@7.88.1-10%2Bdeb12u8?arch=amd64&distro=debian-12`
    ///   (the version keeps its epoch, as dpkg writes it; name and namespace lowercased)
    /// - apk: `pkg:apk/alpine/busybox@1.31.1-r10?arch=x86_64&distro=alpine-3.11.13`
    /// - rpm: `pkg:rpm/centos/bash@4.2.46-30.el7?arch=x86_64&distro=centos-7&epoch=1`
    ///   (version-release, epoch as a qualifier; qualifiers in canonical sorted order)
    ///
    /// Language packages ignore `distro`:
    /// - golang: `pkg:golang/github.com/Masterminds/semver@v3.3.0#v3` — the module
    ///   path split as syft does (first two segments the namespace, the third the
    ///   name, the rest the subpath); the standard library is `pkg:golang/stdlib@1.22.1`
    ///   (the `go` prefix of its version dropped).
    /// - cargo: `pkg:cargo/regex@1.5.4`.
    /// - maven: `pkg:maven/org.yaml/snakeyaml@1.33` from `name` = `org.yaml:snakeyaml`.
    pub fn purl_for(&self, distro: Option<&Distro>) -> Purl {
        if let Some(purl) = crate::catalogers::lang::purl(self) {
            return purl; // language packages: no distribution in the purl
        }
        let ty = self.ecosystem.purl_type();
        match self.ecosystem {
            Ecosystem::Golang => {
                return crate::catalogers::bin::go::purl(&self.name, &self.version);
            }
            Ecosystem::Cargo => return Purl::new(ty, &self.name).with_version(&self.version),
            Ecosystem::Maven => {
                return match self.name.split_once(':') {
                    Some((group, artifact)) => Purl::new(ty, artifact).with_namespace(group),
                    None => Purl::new(ty, &self.name),
                }
                .with_version(&self.version);
            }
            _ => {}
        }
        let name = match self.ecosystem {
            Ecosystem::Rpm => self.name.clone(),
            _ => self.name.to_ascii_lowercase(),
        };
        let mut purl = Purl::new(ty, &name).with_version(&match self.ecosystem {
            Ecosystem::Rpm => {
                let mut v = self.version.clone();
                if let Some(r) = self.release.as_deref().filter(|r| !r.is_empty()) {
                    v.push('-');
                    v.push_str(r);
                }
                v
            }
            _ => self.version.clone(),
        });
        if let Some(d) = distro {
            purl = purl.with_namespace(&d.id.to_ascii_lowercase());
            if let Some(q) = d.purl_qualifier() {
                purl = purl.with_qualifier("distro", &q);
            }
        }
        if let Some(arch) = self.arch.as_deref() {
            purl = purl.with_qualifier("arch", arch);
        }
        if let (Ecosystem::Rpm, Some(e)) = (self.ecosystem, self.epoch) {
            purl = purl.with_qualifier("epoch", &e.to_string());
        }
        purl
    }

    /// Recompute [`Package::purl`] for `distro` (or without one).
    pub fn refresh_purl(&mut self, distro: Option<&Distro>) {
        self.purl = self.purl_for(distro).to_string();
    }

    /// Record the distribution the package was found on (recomputes the purl).
    pub fn set_distro(&mut self, distro: &Distro) {
        self.refresh_purl(Some(distro));
    }
}

/// Recompute the purl of every package for `distro`.
pub fn set_distro(packages: &mut [Package], distro: &Distro) {
    for p in packages {
        p.set_distro(distro);
    }
}

/// Split an rpm `SOURCERPM` value (`name-version-release.src.rpm`) into
/// `(name, version-release)`. Returns `None` for `(none)` or a value without
/// two dashes.
pub fn split_source_rpm(srpm: &str) -> Option<(String, String)> {
    let base = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))
        .unwrap_or(srpm);
    let (rest, release) = base.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_owned(), format!("{version}-{release}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(id: &str, v: &str) -> Distro {
        Distro {
            id: id.into(),
            version_id: Some(v.into()),
            ..Distro::default()
        }
    }

    #[test]
    fn deb_purl() {
        let mut p = Package::new(Ecosystem::Deb, "curl", "7.88.1-10+deb12u8");
        p.arch = Some("amd64".into());
        p.set_distro(&distro("debian", "12"));
        assert_eq!(
            p.purl,
            "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u8?arch=amd64&distro=debian-12"
        );
    }

    #[test]
    fn apk_purl() {
        let mut p = Package::new(Ecosystem::Apk, "busybox", "1.31.1-r10");
        p.arch = Some("x86_64".into());
        p.set_distro(&distro("alpine", "3.11.13"));
        assert_eq!(
            p.purl,
            "pkg:apk/alpine/busybox@1.31.1-r10?arch=x86_64&distro=alpine-3.11.13"
        );
    }

    #[test]
    fn rpm_purl_and_full_version() {
        let mut p = Package::new(Ecosystem::Rpm, "bash", "4.2.46");
        p.release = Some("30.el7".into());
        p.arch = Some("x86_64".into());
        p.epoch = Some(2);
        p.set_distro(&distro("centos", "7"));
        assert_eq!(
            p.purl,
            "pkg:rpm/centos/bash@4.2.46-30.el7?arch=x86_64&distro=centos-7&epoch=2"
        );
        assert_eq!(p.full_version(), "2:4.2.46-30.el7");
        p.refresh_purl(None);
        assert_eq!(p.purl, "pkg:rpm/bash@4.2.46-30.el7?arch=x86_64&epoch=2");
    }

    #[test]
    fn serde_round_trip() {
        let mut p = Package::new(Ecosystem::Deb, "curl", "7.88.1-10+deb12u8");
        p.files = vec!["/usr/bin/curl".into()];
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"ecosystem\":\"deb\""), "{json}");
        assert_eq!(serde_json::from_str::<Package>(&json).unwrap(), p);
    }

    #[test]
    fn source_rpm_split() {
        assert_eq!(
            split_source_rpm("pygobject3-3.22.0-1.el7_4.1.src.rpm"),
            Some(("pygobject3".into(), "3.22.0-1.el7_4.1".into()))
        );
        assert_eq!(
            split_source_rpm("skelcd-bci-2021.05.14-150300.4.8.1.src.rpm"),
            Some(("skelcd-bci".into(), "2021.05.14-150300.4.8.1".into()))
        );
        assert_eq!(split_source_rpm("(none)"), None);
        assert_eq!(split_source_rpm("a-b.src.rpm"), None);
    }
}
