//! The bridge between the image reader and the OS catalogers: an
//! [`Analyzer`] that the layer walk feeds with package databases and release
//! files, and [`os_inventory`], which turns the per-layer results of an
//! analysed image into the distribution and its packages, each with the
//! layer that introduced it.
//!
//! The catalogers stay blind to where bytes come from; only this module
//! knows the image reader's types.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use plimsoll_image::{Analyzer, AnalyzerError, EntryKind, EntryReader, ImageAnalysis};
use serde::{Deserialize, Serialize};

use crate::catalogers::{apk, dpkg, dpkg_copyright, rpm};
use crate::os_release::ReleaseFiles;
use crate::{Distro, Package};

/// Name of the OS analyzer (part of the layer cache key).
pub const OS_ANALYZER: &str = "os-packages";

/// Release files are small; anything larger is not one.
const MAX_RELEASE_BYTES: usize = 64 * 1024;

/// What the OS analyzer records for one file of a layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OsFile {
    /// A release file's text (os-release, *-release, debian_version).
    Release(String),
    /// The packages a database lists.
    Packages(Vec<Package>),
    /// A dpkg file list (`info/NAME.list`, `status.d/NAME.md5sums`): the key and the paths.
    DpkgFiles { key: String, files: Vec<String> },
    /// The licenses of a Debian copyright file (`usr/share/doc/NAME/copyright`).
    Licenses(Vec<String>),
}

/// Reads package databases and release files during the layer walk.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsAnalyzer;

/// Release-like files: the ones distribution detection reads, and the
/// targets such files commonly link to (`etc/redhat-release ->
/// almalinux-release`), so a symlinked release file can be resolved after
/// the squash.
fn release_like(path: &str) -> bool {
    if ReleaseFiles::wants(path) {
        return true;
    }
    match path.strip_prefix("etc/") {
        Some(name) => {
            !name.contains('/') && (name.ends_with("-release") || name.ends_with("_version"))
        }
        None => false,
    }
}

impl Analyzer for OsAnalyzer {
    fn name(&self) -> &str {
        OS_ANALYZER
    }

    /// 2: Debian copyright files (licenses of deb packages).
    fn version(&self) -> u32 {
        2
    }

    fn wants(&self, path: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File && (release_like(path) || crate::catalogers::wants(path))
    }

    fn analyze(
        &self,
        entry: &mut EntryReader<'_>,
    ) -> Result<Option<serde_json::Value>, AnalyzerError> {
        let path = entry.path().to_string();
        let file = if release_like(&path) {
            let data = entry.read_all()?;
            if data.len() > MAX_RELEASE_BYTES {
                return Ok(None);
            }
            OsFile::Release(String::from_utf8_lossy(&data).into_owned())
        } else if dpkg_copyright::package_of(&path).is_some() {
            // Bounded: one byte past the parser's cap tells it the file is
            // longer; the rest is never read (no error).
            use std::io::Read;
            let cap = (dpkg_copyright::MAX_COPYRIGHT_BYTES as u64 + 1).min(entry.cap());
            let mut data = Vec::new();
            entry.take(cap).read_to_end(&mut data)?;
            OsFile::Licenses(dpkg_copyright::parse_copyright(&data))
        } else if let Some(kind) = dpkg::classify(&path) {
            let data = entry.read_all()?;
            match kind {
                dpkg::DpkgFile::Status => OsFile::Packages(dpkg::parse_status(&data, &path)?),
                dpkg::DpkgFile::StatusD => OsFile::Packages(dpkg::parse_status_d(&data, &path)?),
                dpkg::DpkgFile::StatusDMd5sums(key) => OsFile::DpkgFiles {
                    key,
                    files: dpkg::parse_md5sums(&data),
                },
                dpkg::DpkgFile::InfoList(key) => OsFile::DpkgFiles {
                    key,
                    files: dpkg::parse_file_list(&data),
                },
            }
        } else if apk::wants(&path) {
            let data = entry.read_all()?;
            OsFile::Packages(apk::parse_installed(&data, &path)?)
        } else if let Some(kind) = rpm::DbKind::from_path(&path) {
            let data = entry.read_all()?;
            let sniffed = rpm::DbKind::sniff(&data).unwrap_or(kind);
            if sniffed == rpm::DbKind::Sqlite {
                // SQLite reads from a path: a private copy, opened read-only.
                let mut tmp = tempfile::NamedTempFile::new()?;
                tmp.write_all(&data)?;
                tmp.flush()?;
                OsFile::Packages(rpm::sqlite::read_path(tmp.path())?)
            } else {
                OsFile::Packages(rpm::read_database(&data, &path)?)
            }
        } else {
            return Ok(None);
        };
        Ok(Some(serde_json::to_value(file)?))
    }
}

/// One package of the image's OS inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPackage {
    pub package: Package,
    /// Index of the layer that introduced this version of the package (the
    /// first layer whose database lists it with this version and arch).
    pub layer: usize,
    /// The database that lists it (`var/lib/dpkg/status`).
    pub database: String,
    /// Files the package owns that a later layer deleted behind the package
    /// manager's back (whiteouts), at most [`MAX_MISSING_LISTED`].
    pub missing_files: Vec<String>,
}

/// How many deleted files are listed per package.
pub const MAX_MISSING_LISTED: usize = 50;

/// The OS part of an image's inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsInventory {
    pub distro: Option<Distro>,
    pub packages: Vec<FoundPackage>,
    /// Files the analyzer could not read (path and message).
    pub errors: Vec<(String, String)>,
}

type PackageKey = (String, String, Option<String>);

fn key_of(p: &Package) -> PackageKey {
    (p.name.clone(), p.full_version(), p.arch.clone())
}

/// Assemble the OS inventory from an analysed image: the surviving release
/// files (symlinks resolved in the squashed tree), the surviving package
/// databases, dpkg file lists joined to their packages, the licenses of each
/// dpkg package's surviving `usr/share/doc/<name>/copyright` (symlinks
/// resolved in the squashed tree, so `usr/share/doc/libgcc-s1 ->
/// gcc-12-base` gives gcc-12-base's file; a hard link gives its target's),
/// the layer that introduced each package, and files removed behind
/// dpkg/apk/rpm's back.
pub fn os_inventory(analysis: &ImageAnalysis) -> OsInventory {
    let mut inv = OsInventory::default();
    for layer in &analysis.layers {
        if let Some(out) = layer.outputs.get(OS_ANALYZER) {
            inv.errors.extend(
                out.errors
                    .iter()
                    .map(|e| (e.path.clone(), e.message.clone())),
            );
        }
    }

    let mut release_text: HashMap<&str, String> = HashMap::new();
    let mut databases: Vec<(&str, usize, Vec<Package>)> = Vec::new();
    let mut lists: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut copyrights: HashMap<&str, Vec<String>> = HashMap::new();
    for s in analysis.surviving(OS_ANALYZER) {
        match <OsFile as serde::Deserialize>::deserialize(s.value) {
            Ok(OsFile::Release(text)) => {
                release_text.insert(s.path, text);
            }
            Ok(OsFile::Packages(pkgs)) => databases.push((s.path, s.layer.index, pkgs)),
            Ok(OsFile::DpkgFiles { key, files }) => lists.entry(key).or_default().extend(files),
            Ok(OsFile::Licenses(l)) => {
                copyrights.insert(s.path, l);
            }
            Err(e) => inv
                .errors
                .push((s.path.to_string(), format!("unreadable cached result: {e}"))),
        }
    }

    // Release files, following symlinks inside the image.
    let mut release = ReleaseFiles::new();
    for p in ReleaseFiles::PATHS {
        if let Some(target) = analysis.squashed.resolve(p) {
            if let Some(text) = release_text.get(target.path.as_str()) {
                release.insert(p, text.as_bytes());
            }
        }
    }

    // The layers in which each database listed each package version.
    let mut history: HashMap<&str, Vec<(usize, BTreeSet<PackageKey>)>> = HashMap::new();
    for layer in &analysis.layers {
        let Some(out) = layer.outputs.get(OS_ANALYZER) else {
            continue;
        };
        for r in &out.results {
            if let Ok(OsFile::Packages(pkgs)) =
                <OsFile as serde::Deserialize>::deserialize(&r.value)
            {
                let entry = history.entry(r.path.as_str()).or_default();
                entry.push((layer.index, pkgs.iter().map(key_of).collect()));
            }
        }
    }

    let removed: BTreeSet<&str> = analysis
        .squashed
        .removed
        .iter()
        .map(|r| r.file.path.as_str())
        .filter(|p| analysis.squashed.get(p).is_none())
        .collect();

    let mut all: Vec<FoundPackage> = Vec::new();
    for (db, db_layer, pkgs) in databases {
        let is_dpkg = dpkg::classify(db).is_some();
        for mut p in pkgs {
            if is_dpkg && p.files.is_empty() {
                let qualified = p.arch.as_deref().map(|a| format!("{}:{a}", p.name));
                if let Some(f) = qualified
                    .and_then(|k| lists.get(&k))
                    .or_else(|| lists.get(&p.name))
                {
                    p.files = f.clone();
                }
            }
            if is_dpkg && p.licenses.is_empty() {
                if let Some(l) = copyright_licenses(analysis, &copyrights, &p.name) {
                    p.licenses = l.clone();
                }
            }
            let key = key_of(&p);
            let layer = history
                .get(db)
                .and_then(|h| {
                    h.iter()
                        .find(|(_, keys)| keys.contains(&key))
                        .map(|(l, _)| *l)
                })
                .unwrap_or(db_layer);
            let missing_files = p
                .files
                .iter()
                .filter(|f| removed.contains(f.trim_start_matches('/')))
                .take(MAX_MISSING_LISTED)
                .cloned()
                .collect();
            all.push(FoundPackage {
                package: p,
                layer,
                database: db.to_string(),
                missing_files,
            });
        }
    }

    let distro = release.detect().or_else(|| {
        let pkgs: Vec<Package> = all.iter().map(|f| f.package.clone()).collect();
        Distro::from_rpm_release_package(&pkgs)
    });
    if let Some(d) = &distro {
        for f in &mut all {
            f.package.set_distro(d);
        }
    }
    inv.distro = distro;
    inv.packages = all;
    inv
}

/// The licenses of the copyright file of dpkg package `name`, if it survives:
/// `usr/share/doc/<name>/copyright` resolved in the squashed tree (a
/// symlinked doc directory or file leads to the file it points at; a hard
/// link to its target).
fn copyright_licenses<'a>(
    analysis: &ImageAnalysis,
    copyrights: &'a HashMap<&str, Vec<String>>,
    name: &str,
) -> Option<&'a Vec<String>> {
    let path = dpkg_copyright::path_for(name)?;
    let file = analysis.squashed.resolve(&path)?;
    let key = match (file.kind, file.link.as_deref()) {
        (EntryKind::Hardlink, Some(target)) => target,
        _ => file.path.as_str(),
    };
    copyrights.get(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_like_paths() {
        for p in [
            "etc/os-release",
            "usr/lib/os-release",
            "etc/almalinux-release",
            "etc/debian_version",
        ] {
            assert!(release_like(p), "{p}");
        }
        for p in [
            "etc/apt/sources.list",
            "usr/lib/x-release",
            "etc/ssl/x-release",
        ] {
            assert!(!release_like(p), "{p}");
        }
    }

    #[test]
    fn os_file_round_trips_through_json() {
        let f = OsFile::DpkgFiles {
            key: "libc6:amd64".into(),
            files: vec!["/lib/x".into()],
        };
        let v = serde_json::to_value(&f).unwrap();
        match serde_json::from_value::<OsFile>(v).unwrap() {
            OsFile::DpkgFiles { key, files } => {
                assert_eq!((key.as_str(), files.len()), ("libc6:amd64", 1))
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Name of the language analyzer (part of the layer cache key).
pub const LANG_ANALYZER: &str = "lang-packages";

/// Reads language package metadata (Python, npm, gems, Composer, .NET)
/// during the layer walk: one result per metadata file.
#[derive(Debug, Default, Clone, Copy)]
pub struct LangAnalyzer;

impl Analyzer for LangAnalyzer {
    fn name(&self) -> &str {
        LANG_ANALYZER
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File && crate::catalogers::lang::wants(path)
    }

    fn analyze(
        &self,
        entry: &mut EntryReader<'_>,
    ) -> Result<Option<serde_json::Value>, AnalyzerError> {
        let path = entry.path().to_string();
        let data = entry.read_all()?;
        let mut c = crate::catalogers::lang::LangCataloger::new();
        c.add(&path, &data)?;
        let packages = c.finish();
        if packages.is_empty() {
            return Ok(None);
        }
        Ok(Some(serde_json::to_value(packages)?))
    }
}

/// Name of the binary/archive analyzer (part of the layer cache key).
pub const BIN_ANALYZER: &str = "bin-packages";

/// Reads Go and Rust executables (by their ELF magic), `Cargo.lock` files and
/// Java archives during the layer walk. Every regular file is offered; only
/// its first bytes are read unless the catalogers want it.
#[derive(Debug, Default, Clone, Copy)]
pub struct BinAnalyzer;

impl Analyzer for BinAnalyzer {
    fn name(&self) -> &str {
        BIN_ANALYZER
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, _path: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File
    }

    fn analyze(
        &self,
        entry: &mut EntryReader<'_>,
    ) -> Result<Option<serde_json::Value>, AnalyzerError> {
        use crate::catalogers::bin;

        let path = entry.path().to_string();
        let (size, mode) = (entry.entry().size, entry.entry().mode);
        let mut head = [0u8; bin::HEAD_LEN];
        let got = plimsoll_image::read_up_to(entry, &mut head)?;
        let Some(wanted) = bin::wants(&bin::Entry {
            path: &path,
            size,
            mode: Some(mode),
            head: &head[..got],
        }) else {
            return Ok(None);
        };
        // One buffer per thread, reused from file to file: executables are
        // read whole (see `exe_buffer`).
        thread_local! {
            static BUF: std::cell::RefCell<crate::exe_buffer::ExeBuffer> =
                std::cell::RefCell::new(crate::exe_buffer::ExeBuffer::new());
        }
        let declared = usize::try_from(size.min(bin::MAX_EXECUTABLE_SIZE)).unwrap_or(0);
        let result = BUF.with(|cell| {
            let mut buffer = cell.borrow_mut();
            let data = buffer.get(declared.max(got))?;
            data[..got].copy_from_slice(&head[..got]);
            // The tar entry ends at its declared size; the reader never
            // gives more.
            let body = &mut data[got..declared.max(got)];
            let found = plimsoll_image::read_up_to(entry, body)
                .map_err(AnalyzerError::from)
                .and_then(|n| {
                    bin::catalog(wanted, &path, &data[..got + n]).map_err(AnalyzerError::from)
                });
            buffer.shrink();
            found
        });
        let mut found = result?;
        if found.packages.is_empty() {
            return Ok(None);
        }
        if wanted == bin::Wanted::CargoLock {
            for p in &mut found.packages {
                p.origin = Some(crate::catalogers::lang::ORIGIN_LOCKFILE.to_string());
            }
        }
        Ok(Some(serde_json::to_value(found.packages)?))
    }
}

/// Catalog a target: open it (image or root filesystem), read every layer
/// once with the OS and language analyzers, and assemble the inventory.
/// Returns the SBOM and warnings (files that could not be read, cache
/// problems).
pub fn catalog(
    target: &plimsoll_image::Target,
    name: &str,
    open: &plimsoll_image::OpenOptions,
    options: &plimsoll_image::AnalyzeOptions,
) -> Result<(crate::inventory::Sbom, Vec<String>), plimsoll_image::ImageError> {
    use crate::inventory::{InventoryItem, LayerInfo, Sbom, TargetInfo};

    let scanned = plimsoll_image::analyze_target(
        target,
        open,
        &[&OsAnalyzer, &LangAnalyzer, &BinAnalyzer],
        options,
    )?;
    let analysis = &scanned.analysis;
    let os = os_inventory(analysis);
    let mut warnings: Vec<String> = analysis.warnings.clone();
    warnings.extend(os.errors.iter().map(|(p, m)| format!("/{p}: {m}")));

    let layers: Vec<LayerInfo> = analysis
        .layers
        .iter()
        .map(|l| LayerInfo {
            diff_id: l.diff_id.to_string(),
            digest: scanned.artifact.as_ref().map(|_| l.blob_digest.to_string()),
            created_by: l.created_by.clone(),
        })
        .collect();
    let image = scanned.artifact.is_some();
    let mut sbom = Sbom::new(TargetInfo {
        name: name.to_string(),
        digest: scanned
            .artifact
            .as_ref()
            .and_then(|a| a.manifest_digest.as_ref())
            .map(ToString::to_string),
        image_id: scanned
            .artifact
            .as_ref()
            .map(|a| a.config_digest.to_string()),
        distro: os.distro.clone(),
        architecture: scanned
            .artifact
            .as_ref()
            .map(|a| a.config.architecture.clone())
            .filter(|a| !a.is_empty()),
        layers: if image { layers } else { Vec::new() },
    });

    for f in os.packages {
        let layer = analysis.layers.get(f.layer);
        let mut item = InventoryItem::new(f.package);
        item.layer = layer.filter(|_| image).map(|l| l.diff_id.to_string());
        item.created_by = layer.and_then(|l| l.created_by.clone());
        item.locations = vec![format!("/{}", f.database)];
        item.missing_files = f.missing_files;
        sbom.packages.push(item);
    }
    let mut lang: Vec<(Package, &plimsoll_image::LayerAnalysis, &str)> = Vec::new();
    for name in [LANG_ANALYZER, BIN_ANALYZER] {
        for layer in &analysis.layers {
            if let Some(out) = layer.outputs.get(name) {
                warnings.extend(
                    out.errors
                        .iter()
                        .map(|e| format!("/{}: {}", e.path, e.message)),
                );
            }
        }
        for s in analysis.surviving(name) {
            match <Vec<Package> as serde::Deserialize>::deserialize(s.value) {
                Ok(packages) => lang.extend(packages.into_iter().map(|p| (p, s.layer, s.path))),
                Err(_) => warnings.push(format!("/{}: unreadable cached result", s.path)),
            }
        }
    }
    // A package both installed and declared by a lock file is reported once,
    // from its installed metadata; lock-file entries that are not installed
    // stay (declared dependencies the image may lack).
    let installed: BTreeSet<(crate::Ecosystem, String, String)> = lang
        .iter()
        .filter(|(p, _, _)| p.origin.as_deref() != Some(crate::catalogers::lang::ORIGIN_LOCKFILE))
        .map(|(p, _, _)| (p.ecosystem, p.name.clone(), p.version.clone()))
        .collect();
    for (p, layer, path) in lang {
        let duplicate = p.origin.as_deref() == Some(crate::catalogers::lang::ORIGIN_LOCKFILE)
            && installed.contains(&(p.ecosystem, p.name.clone(), p.version.clone()));
        if duplicate {
            continue;
        }
        let mut item = InventoryItem::new(p);
        item.layer = image.then(|| layer.diff_id.to_string());
        item.created_by = layer.created_by.clone();
        item.locations = vec![format!("/{path}")];
        sbom.packages.push(item);
    }
    // The file tables are large (a B-tree node per few files): freeing them
    // is a few milliseconds that the caller need not wait for.
    drop_in_background(scanned);
    Ok((sbom, warnings))
}

/// Drops `value` on a short-lived thread (or here, when no thread can
/// start: the failed spawn drops the closure that holds it).
fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("plimsoll-drop".into())
        .spawn(move || drop(value));
}
