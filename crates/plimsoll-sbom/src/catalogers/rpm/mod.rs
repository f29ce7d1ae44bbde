//! rpm: the three database formats and the header blob they all store.
//!
//! | format | file | reader |
//! |---|---|---|
//! | SQLite (rpm ≥ 4.16: Fedora 33+, EL9, Amazon Linux 2023, CBL-Mariner 2) | `rpmdb.sqlite` | [`sqlite::read_path`] (needs a path: SQLite reads files) |
//! | NDB (SUSE since SLE 15 SP3 / openSUSE) | `Packages.db` | [`ndb::read`] |
//! | BerkeleyDB hash, either byte order (EL ≤ 8, Amazon Linux 2, older SUSE) | `Packages` | [`bdb::read`] |
//!
//! Each database lives in `var/lib/rpm/` or, on newer distributions,
//! `usr/lib/sysimage/rpm/` (see [`DB_DIRS`]). [`read_database`] picks the reader
//! from the file's content.
//!
//! # `gpg-pubkey`
//! rpm stores each imported signing key as a pseudo-package named `gpg-pubkey`
//! (no arch, no SOURCERPM; `rpm -qa` lists it). It is a key, not software: it
//! has no files and no advisories, so the catalogers **leave it out** of the
//! inventory. [`package_from_header`] returns `None` for it.

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use crate::error::{Error, Result};
use crate::package::{Ecosystem, Package, split_source_rpm};
use header::{
    Header, TAG_ARCH, TAG_EPOCH, TAG_LICENSE, TAG_NAME, TAG_PACKAGER, TAG_RELEASE, TAG_SOURCERPM,
    TAG_VENDOR, TAG_VERSION,
};

/// Directories (relative to the root) where rpm keeps its database.
pub const DB_DIRS: &[&str] = &["var/lib/rpm/", "usr/lib/sysimage/rpm/"];

/// Name of the pseudo-package rpm uses for imported signing keys (left out).
pub const GPG_PUBKEY: &str = "gpg-pubkey";

/// The three rpm database formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// `rpmdb.sqlite`.
    Sqlite,
    /// NDB `Packages.db`.
    Ndb,
    /// BerkeleyDB hash `Packages`.
    BerkeleyDb,
}

impl DbKind {
    /// The kind of database a path names (relative to the root; a leading `/` or
    /// `./` is ignored), for paths inside one of [`DB_DIRS`].
    pub fn from_path(path: &str) -> Option<DbKind> {
        let p = path.trim_start_matches("./").trim_start_matches('/');
        let name = DB_DIRS.iter().find_map(|d| p.strip_prefix(d))?;
        match name {
            "rpmdb.sqlite" => Some(DbKind::Sqlite),
            "Packages.db" => Some(DbKind::Ndb),
            "Packages" => Some(DbKind::BerkeleyDb),
            _ => None,
        }
    }

    /// The kind of database the first bytes of a file show.
    pub fn sniff(head: &[u8]) -> Option<DbKind> {
        if head.starts_with(b"SQLite format 3\0") {
            return Some(DbKind::Sqlite);
        }
        if head.starts_with(b"RpmP") {
            return Some(DbKind::Ndb);
        }
        let magic = head.get(12..16)?;
        let le = u32::from_le_bytes([magic[0], magic[1], magic[2], magic[3]]);
        let be = u32::from_be_bytes([magic[0], magic[1], magic[2], magic[3]]);
        (le == bdb::HASH_MAGIC || be == bdb::HASH_MAGIC).then_some(DbKind::BerkeleyDb)
    }
}

/// Turn one header blob into a package; `None` for `gpg-pubkey`.
///
/// `file` names the record in errors (e.g. `var/lib/rpm/Packages (record 12)`).
pub fn package_from_header(blob: &[u8], file: &str) -> Result<Option<Package>> {
    let h = Header::parse(blob, file)?;
    let Some(name) = h.string(TAG_NAME)?.filter(|n| !n.is_empty()) else {
        return Err(Error::format(file, 0, "header has no NAME"));
    };
    if name == GPG_PUBKEY {
        return Ok(None);
    }
    let version = h.string(TAG_VERSION)?.unwrap_or_default();
    let mut p = Package::new(Ecosystem::Rpm, &name, &version);
    p.release = h.string(TAG_RELEASE)?;
    p.epoch = h.u32(TAG_EPOCH)?;
    p.arch = h.string(TAG_ARCH)?.filter(|a| !a.is_empty());
    let srpm = h
        .string(TAG_SOURCERPM)?
        .filter(|s| !s.is_empty() && s != "(none)");
    if let Some((n, v)) = srpm.as_deref().and_then(split_source_rpm) {
        p.source_name = Some(n);
        p.source_version = Some(v);
    }
    p.source_rpm = srpm;
    p.licenses = h
        .string(TAG_LICENSE)?
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    p.vendor = h.string(TAG_VENDOR)?.filter(|v| !v.is_empty());
    p.maintainer = h.string(TAG_PACKAGER)?.filter(|v| !v.is_empty());
    p.files = h.file_names()?;
    p.refresh_purl(None);
    Ok(Some(p))
}

/// Turn `(record number, blob)` pairs into packages (record order kept,
/// `gpg-pubkey` left out). `file` names the database in errors.
pub fn packages_from_blobs(
    blobs: impl IntoIterator<Item = (u32, Vec<u8>)>,
    file: &str,
) -> Result<Vec<Package>> {
    let mut out = Vec::new();
    for (rec, blob) in blobs {
        let label = format!("{file} (record {rec})");
        if let Some(p) = package_from_header(&blob, &label)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Read an NDB or BerkeleyDB database from its bytes, whichever the content shows.
/// SQLite needs a path: use [`sqlite::read_path`] (this returns
/// [`Error::Unsupported`] for SQLite content).
pub fn read_database(data: &[u8], file: &str) -> Result<Vec<Package>> {
    match DbKind::sniff(data) {
        Some(DbKind::Ndb) => ndb::read(data, file),
        Some(DbKind::BerkeleyDb) => bdb::read(data, file),
        Some(DbKind::Sqlite) => Err(Error::unsupported(
            file,
            "an rpmdb.sqlite must be read from a path (sqlite::read_path)",
        )),
        None => Err(Error::format(
            file,
            0,
            "not an rpm database (unknown magic)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::header::tests::{build, entry, i32s, s, sa};
    use super::header::*;
    use super::*;

    #[test]
    fn package_fields() {
        let blob = build(
            &[
                entry(TAG_NAME, s("python-gobject-base")),
                entry(TAG_VERSION, s("3.22.0")),
                entry(TAG_RELEASE, s("1.el7_4.1")),
                entry(TAG_EPOCH, i32s(&[1])),
                entry(TAG_ARCH, s("x86_64")),
                entry(TAG_SOURCERPM, s("pygobject3-3.22.0-1.el7_4.1.src.rpm")),
                entry(TAG_LICENSE, s("LGPLv2+ and MIT")),
                entry(TAG_VENDOR, s("CentOS")),
                entry(TAG_DIRNAMES, sa(&["/usr/lib/"])),
                entry(TAG_BASENAMES, sa(&["x.so"])),
                entry(TAG_DIRINDEXES, i32s(&[0])),
            ],
            true,
        );
        let p = package_from_header(&blob, "t").unwrap().unwrap();
        assert_eq!(p.full_version(), "1:3.22.0-1.el7_4.1");
        assert_eq!(p.source_name.as_deref(), Some("pygobject3"));
        assert_eq!(p.source_version.as_deref(), Some("3.22.0-1.el7_4.1"));
        assert_eq!(p.licenses, ["LGPLv2+ and MIT"]);
        assert_eq!(p.vendor.as_deref(), Some("CentOS"));
        assert_eq!(p.files, ["/usr/lib/x.so"]);
        assert_eq!(
            p.purl,
            "pkg:rpm/python-gobject-base@3.22.0-1.el7_4.1?arch=x86_64&epoch=1"
        );
    }

    #[test]
    fn gpg_pubkey_is_left_out() {
        let blob = build(
            &[
                entry(TAG_NAME, s("gpg-pubkey")),
                entry(TAG_VERSION, s("d832c631")),
                entry(TAG_RELEASE, s("63977702")),
            ],
            false,
        );
        assert!(package_from_header(&blob, "t").unwrap().is_none());
    }

    #[test]
    fn kinds() {
        assert_eq!(
            DbKind::from_path("/var/lib/rpm/Packages"),
            Some(DbKind::BerkeleyDb)
        );
        assert_eq!(
            DbKind::from_path("usr/lib/sysimage/rpm/rpmdb.sqlite"),
            Some(DbKind::Sqlite)
        );
        assert_eq!(
            DbKind::from_path("var/lib/rpm/Packages.db"),
            Some(DbKind::Ndb)
        );
        assert_eq!(DbKind::from_path("var/lib/rpm/Name"), None);
        assert_eq!(DbKind::sniff(b"SQLite format 3\0..."), Some(DbKind::Sqlite));
        assert_eq!(DbKind::sniff(b"short"), None);
        assert!(read_database(b"garbage garbage garbage", "x").is_err());
    }
}
