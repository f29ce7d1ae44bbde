//! The catalogers: one module per package database. Each one takes the bytes
//! of specific files (or, for rpm's SQLite database, a path) and returns
//! [`crate::Package`]s; none knows where the files come from.

pub mod apk;
pub mod bin;
pub mod dpkg;
pub mod dpkg_copyright;
pub mod lang;
pub mod rpm;

/// Whether any cataloger (OS, language, or distribution detection) reads `path`
/// (relative to the root; a leading `/` or `./` is ignored). An analyzer
/// streaming a layer keeps exactly these entries. Binaries and archives are
/// chosen by content as well as by name: see [`bin::wants`].
pub fn wants(path: &str) -> bool {
    crate::os_release::ReleaseFiles::wants(path)
        || dpkg::DpkgCataloger::wants(path)
        || apk::wants(path)
        || rpm::DbKind::from_path(path).is_some()
        || lang::wants(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wanted_paths() {
        for p in [
            "etc/os-release",
            "/usr/lib/os-release",
            "./lib/apk/db/installed",
            "var/lib/dpkg/status",
            "var/lib/dpkg/status.d/base-files",
            "var/lib/dpkg/info/libc6:amd64.list",
            "usr/share/doc/libc6/copyright",
            "var/lib/rpm/Packages",
            "usr/lib/sysimage/rpm/rpmdb.sqlite",
        ] {
            assert!(super::wants(p), "{p}");
        }
        for p in [
            "etc/passwd",
            "var/lib/dpkg/info/libc6.md5sums",
            "usr/share/doc/libc6/changelog.Debian.gz",
            "var/lib/rpm/Name",
            "lib/apk/db/lock",
        ] {
            assert!(!super::wants(p), "{p}");
        }
    }
}
