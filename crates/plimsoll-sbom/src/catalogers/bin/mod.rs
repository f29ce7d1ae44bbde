//! Language packages compiled into binaries or packed into archives: Go build
//! information and cargo-auditable data in ELF executables, `Cargo.lock`, and
//! Java archives (jar, war, ear, … nested to any depth within limits).
//!
//! Unlike the OS catalogers, which want fixed paths, these want files chosen by
//! **content**: a Go or Rust binary can have any name, so an analyzer streaming a
//! layer asks [`wants`] for every regular file with what it knows before
//! reading the body — the path, the size, the mode and the first [`HEAD_LEN`]
//! bytes — and buffers only the entries it says yes to (each one is capped in
//! size). It then hands the whole body to [`catalog`]:
//!
//! ```
//! use plimsoll_sbom::catalogers::bin::{self, Entry, Wanted};
//!
//! let lock = b"version = 3\n\n[[package]]\nname = \"regex\"\nversion = \"1.5.4\"\n";
//! let entry = Entry { path: "app/Cargo.lock", size: lock.len() as u64, mode: Some(0o644), head: &lock[..4] };
//! assert_eq!(bin::wants(&entry), Some(Wanted::CargoLock));
//! let found = bin::catalog(Wanted::CargoLock, entry.path, lock).unwrap();
//! assert_eq!(found.packages[0].purl, "pkg:cargo/regex@1.5.4");
//!
//! // An ELF executable is wanted whatever its name; a shell script is not.
//! let elf = Entry { path: "usr/local/bin/tool", size: 9_000_000, mode: Some(0o755), head: b"\x7fELF" };
//! assert_eq!(bin::wants(&elf), Some(Wanted::Executable));
//! let sh = Entry { path: "usr/local/bin/tool.sh", size: 90, mode: Some(0o755), head: b"#!/b" };
//! assert_eq!(bin::wants(&sh), None);
//! ```
//!
//! Every package records the file it was found in (for a nested jar, the
//! outermost archive on disk) as its only entry in [`Package::files`], so the
//! squash can drop it when a later layer deletes that file.

pub(crate) mod elf;
pub mod go;
pub mod java;
#[cfg(test)]
mod proptests;
pub mod rust;
mod zip;

use crate::error::{Error, Result};
use crate::package::Package;

/// How many leading bytes of an entry [`wants`] looks at (the ELF magic).
pub const HEAD_LEN: usize = 4;

/// Largest executable an analyzer should buffer for [`catalog`] (512 MiB);
/// bigger ones are not wanted.
pub const MAX_EXECUTABLE_SIZE: u64 = 512 << 20;

/// Largest Java archive an analyzer should buffer (512 MiB).
pub const MAX_ARCHIVE_SIZE: u64 = 512 << 20;

/// What kind of file an entry is to these catalogers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wanted {
    /// An ELF file with an execute bit: read for Go build information and
    /// cargo-auditable dependency data.
    Executable,
    /// A `Cargo.lock`.
    CargoLock,
    /// A Java archive, by extension: see [`java::ARCHIVE_EXTENSIONS`].
    JavaArchive,
}

/// What an analyzer knows about a layer entry before reading its body.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Path relative to the root (a leading `/` or `./` is ignored).
    pub path: &'a str,
    /// Size of the body in bytes.
    pub size: u64,
    /// Unix permission bits, when the source records them (`None` = unknown,
    /// which lets an ELF file through whatever its mode).
    pub mode: Option<u32>,
    /// The first bytes of the body: at least [`HEAD_LEN`] when the file is that
    /// long (more are ignored).
    pub head: &'a [u8],
}

/// Whether one of these catalogers wants the entry, and as what. The caller
/// only asks for regular files (not links, directories or devices).
///
/// - a file named `Cargo.lock` up to [`rust::MAX_LOCKFILE_SIZE`];
/// - a file with a Java archive extension up to [`MAX_ARCHIVE_SIZE`] (by name
///   only: self-executing jars start with a shell script, not `PK`);
/// - an ELF file (by its magic, whatever its name) with any execute bit set
///   (or an unknown mode) up to [`MAX_EXECUTABLE_SIZE`]. Shared libraries
///   installed without execute bits (`0644`, Debian's habit) are not wanted:
///   a Go or Rust program is an executable.
pub fn wants(entry: &Entry<'_>) -> Option<Wanted> {
    let path = entry.path.trim_start_matches("./").trim_start_matches('/');
    let base = path.rsplit('/').next().unwrap_or(path);
    if base == "Cargo.lock" {
        return (entry.size <= rust::MAX_LOCKFILE_SIZE).then_some(Wanted::CargoLock);
    }
    if java::is_archive_name(base) {
        return (entry.size <= MAX_ARCHIVE_SIZE).then_some(Wanted::JavaArchive);
    }
    let executable = entry.mode.is_none_or(|m| m & 0o111 != 0);
    if executable && entry.head.starts_with(elf::MAGIC) && entry.size <= MAX_EXECUTABLE_SIZE {
        return Some(Wanted::Executable);
    }
    None
}

/// What [`catalog`] found in one file.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The packages, in the order the file lists them.
    pub packages: Vec<Package>,
    /// Parts of the file that could not be read while the rest could (a nested
    /// jar that is corrupt or over a limit, for instance); each names its place.
    pub problems: Vec<Error>,
}

/// Catalog the whole body `data` of the entry at `path`, as [`wants`] classified it.
///
/// An executable that is neither a Go binary nor built with cargo-auditable
/// gives an empty catalog, not an error; an error means the file is not what
/// its kind says (malformed ELF, unreadable lockfile, not a zip archive) or is
/// over a limit.
pub fn catalog(wanted: Wanted, path: &str, data: &[u8]) -> Result<Catalog> {
    match wanted {
        Wanted::Executable => {
            let exe = elf::Elf::parse(data, path)?;
            let mut out = Catalog::default();
            match go::read_build_info_elf(&exe, path) {
                Ok(Some(info)) => out.packages.extend(go::packages(&info, path)),
                Ok(None) => {}
                Err(e) => out.problems.push(e),
            }
            match rust::read_auditable_elf(&exe, path) {
                Ok(pkgs) => out.packages.extend(pkgs),
                Err(e) => out.problems.push(e),
            }
            Ok(out)
        }
        Wanted::CargoLock => Ok(Catalog {
            packages: rust::parse_cargo_lock(data, path)?,
            problems: Vec::new(),
        }),
        Wanted::JavaArchive => {
            let scan = java::parse_archive(data, path, &java::Limits::default())?;
            Ok(Catalog {
                packages: scan.packages,
                problems: scan.problems,
            })
        }
    }
}

/// `path` as an absolute path (`usr/bin/x` and `./usr/bin/x` → `/usr/bin/x`).
pub(crate) fn absolute(path: &str) -> String {
    format!("/{}", path.trim_start_matches("./").trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(path: &'a str, size: u64, mode: Option<u32>, head: &'a [u8]) -> Entry<'a> {
        Entry {
            path,
            size,
            mode,
            head,
        }
    }

    #[test]
    fn wanted_entries() {
        let elf = b"\x7fELF\x02\x01";
        assert_eq!(
            wants(&entry("usr/bin/fzf", 3 << 20, Some(0o755), elf)),
            Some(Wanted::Executable)
        );
        assert_eq!(wants(&entry("/x", 10, None, elf)), Some(Wanted::Executable));
        assert_eq!(
            wants(&entry("usr/lib/libc.so.6", 10, Some(0o644), elf)),
            None
        );
        assert_eq!(
            wants(&entry(
                "usr/bin/big",
                MAX_EXECUTABLE_SIZE + 1,
                Some(0o755),
                elf
            )),
            None
        );
        assert_eq!(wants(&entry("usr/bin/env", 10, Some(0o755), b"#!/b")), None);
        assert_eq!(
            wants(&entry("usr/bin/short", 2, Some(0o755), b"\x7fE")),
            None
        );
        assert_eq!(
            wants(&entry("./opt/a/Cargo.lock", 10, Some(0o644), b"# Th")),
            Some(Wanted::CargoLock)
        );
        assert_eq!(
            wants(&entry("opt/a/Cargo.lock", 1 << 30, Some(0o644), b"")),
            None
        );
        assert_eq!(wants(&entry("opt/Cargo.toml", 10, Some(0o644), b"")), None);
        assert_eq!(
            wants(&entry("opt/app.JAR", 10, Some(0o644), b"PK\x03\x04")),
            Some(Wanted::JavaArchive)
        );
        assert_eq!(
            wants(&entry("opt/app.war", 10, Some(0o644), b"#!/b")),
            Some(Wanted::JavaArchive)
        );
        assert_eq!(
            wants(&entry("opt/app.zip", 10, Some(0o644), b"PK\x03\x04")),
            None
        );
    }

    #[test]
    fn absolute_paths() {
        assert_eq!(absolute("usr/bin/x"), "/usr/bin/x");
        assert_eq!(absolute("./usr/bin/x"), "/usr/bin/x");
        assert_eq!(absolute("/usr/bin/x"), "/usr/bin/x");
    }

    #[test]
    fn non_go_non_rust_executable_is_empty() {
        let exe = elf::tests::build(&[elf::tests::TestSection {
            name: ".data",
            addr: 0x1000,
            data: &[0u8; 64],
            writable: true,
        }]);
        let c = catalog(Wanted::Executable, "usr/bin/c-program", &exe).unwrap();
        assert!(c.packages.is_empty() && c.problems.is_empty());
        assert!(catalog(Wanted::Executable, "usr/bin/broken", b"\x7fELF\x02").is_err());
    }
}
