//! Which distribution a root filesystem is: `os-release` and its fallbacks.
//!
//! Like every cataloger here, this module never touches a filesystem: the
//! caller hands over the bytes of the files listed in [`ReleaseFiles::PATHS`].
//! **The caller resolves symlinks** (`etc/os-release` is usually a symlink to
//! `../usr/lib/os-release`) and passes the target's content. As a safety net,
//! a file whose content holds no `KEY=value` line at all (for instance a
//! symlink materialised as a text file holding its target) is treated as absent,
//! and the next candidate is used.
//!
//! Order of precedence (first that names a distribution wins, later files only
//! fill fields still missing):
//! 1. `etc/os-release`, then `usr/lib/os-release` (os-release(5), shell-style values)
//! 2. `etc/lsb-release` (`DISTRIB_ID`, `DISTRIB_RELEASE`, `DISTRIB_CODENAME`, `DISTRIB_DESCRIPTION`)
//! 3. `etc/alpine-release`
//! 4. `etc/redhat-release`, `etc/centos-release`, `etc/system-release`
//!    (`NAME release VERSION (CODENAME)`)
//! 5. `etc/debian_version` (`12.5`, or `bookworm/sid` on testing and on Ubuntu)
//!
//! For Debian, a missing codename is derived from the major version of
//! `debian_version` (12 → bookworm). [`Distro::from_rpm_release_package`]
//! covers images that keep only an rpm database.

use std::collections::BTreeMap;

use crate::package::Package;

/// A distribution release, in os-release(5) terms.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Distro {
    /// `ID`: lowercase identifier (`debian`, `ubuntu`, `alpine`, `centos`, `almalinux`, `amzn`…).
    pub id: String,
    /// `VERSION_ID` (`12`, `20.04`, `3.11.13`, `8.9`).
    pub version_id: Option<String>,
    /// `VERSION`: human-readable version (`20.04.4 LTS (Focal Fossa)`).
    pub version: Option<String>,
    /// `VERSION_CODENAME`, else `UBUNTU_CODENAME`, else derived (Debian, lsb-release).
    pub codename: Option<String>,
    /// `ID_LIKE`, split on whitespace.
    pub id_like: Vec<String>,
    /// `NAME`.
    pub name: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
}

impl Distro {
    /// The purl `distro` qualifier: `ID-VERSION_ID` (`debian-12`, `alpine-3.11.13`),
    /// or `ID-CODENAME` when there is no version id (Debian testing).
    pub fn purl_qualifier(&self) -> Option<String> {
        if self.id.is_empty() {
            return None;
        }
        let v = self.version_id.as_deref().or(self.codename.as_deref())?;
        Some(format!("{}-{}", self.id, v))
    }

    fn fill_from(&mut self, other: Distro) {
        if self.version_id.is_none() {
            self.version_id = other.version_id;
        }
        if self.version.is_none() {
            self.version = other.version;
        }
        if self.codename.is_none() {
            self.codename = other.codename;
        }
        if self.id_like.is_empty() {
            self.id_like = other.id_like;
        }
        if self.name.is_none() {
            self.name = other.name;
        }
        if self.pretty_name.is_none() {
            self.pretty_name = other.pretty_name;
        }
    }

    /// Identify the distribution from its release package in an rpm database,
    /// for images that keep only the database (no `etc/os-release`).
    ///
    /// Knows `centos-release`, `redhat-release`, `almalinux-release`, `rocky-release`,
    /// `fedora-release`, `oraclelinux-release`, `system-release` (Amazon Linux),
    /// `mariner-release`, `azurelinux-release`, `sles-release`, `SLES_SAP-release`,
    /// `openSUSE-release`, `photon-release`. Returns `None` when none is installed.
    pub fn from_rpm_release_package(packages: &[Package]) -> Option<Distro> {
        for p in packages {
            let (id, name) = match p.name.as_str() {
                "centos-release" | "centos-stream-release" => ("centos", "CentOS Linux"),
                "redhat-release" | "redhat-release-server" => ("rhel", "Red Hat Enterprise Linux"),
                "almalinux-release" => ("almalinux", "AlmaLinux"),
                "rocky-release" => ("rocky", "Rocky Linux"),
                "fedora-release" | "fedora-release-common" => ("fedora", "Fedora Linux"),
                "oraclelinux-release" => ("ol", "Oracle Linux Server"),
                "system-release" => ("amzn", "Amazon Linux"),
                "mariner-release" => ("mariner", "CBL-Mariner"),
                "azurelinux-release" => ("azurelinux", "Microsoft Azure Linux"),
                "sles-release" => ("sles", "SLES"),
                "SLES_SAP-release" => ("sles_sap", "SLES_SAP"),
                "openSUSE-release" => ("opensuse-leap", "openSUSE Leap"),
                "photon-release" => ("photon", "VMware Photon OS"),
                _ => continue,
            };
            let version_id = match id {
                // os-release says VERSION_ID="7" for CentOS 7.x and "2023" for AL2023.
                "centos" | "amzn" | "ol" => {
                    p.version.split('.').next().unwrap_or(&p.version).to_owned()
                }
                _ => p.version.clone(),
            };
            return Some(Distro {
                id: id.to_owned(),
                version_id: Some(version_id),
                name: Some(name.to_owned()),
                ..Distro::default()
            });
        }
        None
    }
}

/// Parse an os-release(5) style file into its assignments, with shell-style
/// quoting: `"…"` (backslash escapes `$ " \ `` ` ``), `'…'` (literal), and
/// unquoted words (backslash escapes any character). Comment and blank lines
/// are skipped; lines that are not `NAME=value` are ignored, as systemd does.
pub fn parse_assignments(data: &[u8]) -> BTreeMap<String, String> {
    let text = String::from_utf8_lossy(data);
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim_end();
        let valid_key = !key.is_empty()
            && key.bytes().enumerate().all(|(i, b)| {
                b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit())
            });
        if !valid_key {
            continue;
        }
        out.insert(key.to_owned(), shell_value(raw));
    }
    out
}

fn shell_value(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('$' | '"' | '\\' | '`')) => out.push(e),
                            Some(e) => {
                                out.push('\\');
                                out.push(e);
                            }
                            None => out.push('\\'),
                        },
                        c => out.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(e) = chars.next() {
                    out.push(e);
                }
            }
            c if c.is_whitespace() => break,
            c => out.push(c),
        }
    }
    out
}

fn non_empty(map: &BTreeMap<String, String>, key: &str) -> Option<String> {
    map.get(key).filter(|v| !v.is_empty()).cloned()
}

/// Read an os-release file. `None` when the content has no assignment at all
/// (an empty file, or a symlink stored as a file holding its target path).
/// A file with assignments but no `ID` gets `id = "linux"`, per os-release(5).
pub fn from_os_release(data: &[u8]) -> Option<Distro> {
    let map = parse_assignments(data);
    if map.is_empty() {
        return None;
    }
    let id = non_empty(&map, "ID")
        .unwrap_or_else(|| "linux".to_owned())
        .to_ascii_lowercase();
    Some(Distro {
        id,
        version_id: non_empty(&map, "VERSION_ID"),
        version: non_empty(&map, "VERSION"),
        codename: non_empty(&map, "VERSION_CODENAME")
            .or_else(|| non_empty(&map, "UBUNTU_CODENAME")),
        id_like: map
            .get("ID_LIKE")
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        name: non_empty(&map, "NAME"),
        pretty_name: non_empty(&map, "PRETTY_NAME"),
    })
}

/// Read `etc/lsb-release`. `None` without `DISTRIB_ID`.
pub fn from_lsb_release(data: &[u8]) -> Option<Distro> {
    let map = parse_assignments(data);
    let id = non_empty(&map, "DISTRIB_ID")?;
    Some(Distro {
        name: Some(id.clone()),
        id: id.to_ascii_lowercase().replace(' ', ""),
        version_id: non_empty(&map, "DISTRIB_RELEASE"),
        codename: non_empty(&map, "DISTRIB_CODENAME"),
        pretty_name: non_empty(&map, "DISTRIB_DESCRIPTION"),
        ..Distro::default()
    })
}

fn first_line(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(line.to_owned())
}

/// Read `etc/alpine-release` (`3.11.13`).
pub fn from_alpine_release(data: &[u8]) -> Option<Distro> {
    let v = first_line(data)?;
    if !v.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(Distro {
        id: "alpine".to_owned(),
        version_id: Some(v),
        name: Some("Alpine Linux".to_owned()),
        ..Distro::default()
    })
}

/// Read a Red Hat style release file (`CentOS Linux release 7.5.1804 (Core)`).
pub fn from_redhat_release(data: &[u8]) -> Option<Distro> {
    let line = first_line(data)?;
    let (name, rest) = line.split_once(" release ")?;
    let version = rest.split_whitespace().next()?.to_owned();
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let codename = rest
        .split_once('(')
        .and_then(|(_, c)| c.split_once(')'))
        .map(|(c, _)| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let lname = name.to_ascii_lowercase();
    let id = if lname.starts_with("centos") {
        "centos"
    } else if lname.starts_with("red hat") {
        "rhel"
    } else if lname.starts_with("almalinux") {
        "almalinux"
    } else if lname.starts_with("rocky") {
        "rocky"
    } else if lname.starts_with("fedora") {
        "fedora"
    } else if lname.starts_with("amazon") {
        "amzn"
    } else if lname.starts_with("oracle") {
        "ol"
    } else if lname.starts_with("scientific") {
        "scientific"
    } else {
        return Some(Distro {
            id: lname
                .split_whitespace()
                .next()
                .unwrap_or("linux")
                .to_owned(),
            version_id: Some(version),
            codename,
            name: Some(name.to_owned()),
            pretty_name: Some(line.clone()),
            ..Distro::default()
        });
    };
    let version_id = if matches!(id, "centos" | "ol" | "amzn") {
        version.split('.').next().unwrap_or(&version).to_owned()
    } else {
        version.clone()
    };
    Some(Distro {
        id: id.to_owned(),
        version_id: Some(version_id),
        version: Some(version),
        codename,
        name: Some(name.to_owned()),
        pretty_name: Some(line.clone()),
        ..Distro::default()
    })
}

/// The codename of a Debian major release (`12` → `bookworm`).
pub fn debian_codename(major: u32) -> Option<&'static str> {
    Some(match major {
        4 => "etch",
        5 => "lenny",
        6 => "squeeze",
        7 => "wheezy",
        8 => "jessie",
        9 => "stretch",
        10 => "buster",
        11 => "bullseye",
        12 => "bookworm",
        13 => "trixie",
        14 => "forky",
        15 => "duke",
        _ => return None,
    })
}

/// Read `etc/debian_version`: `12.5` gives version 12 (bookworm);
/// `bookworm/sid` gives codename `bookworm` and no version.
pub fn from_debian_version(data: &[u8]) -> Option<Distro> {
    let line = first_line(data)?;
    let mut d = Distro {
        id: "debian".to_owned(),
        name: Some("Debian GNU/Linux".to_owned()),
        ..Distro::default()
    };
    if line.starts_with(|c: char| c.is_ascii_digit()) {
        let major = line.split('.').next().unwrap_or(&line);
        d.codename = major
            .parse()
            .ok()
            .and_then(debian_codename)
            .map(str::to_owned);
        d.version_id = Some(major.to_owned());
        d.version = Some(line);
    } else {
        let code = line.split('/').next().unwrap_or(&line).trim();
        if code.is_empty() {
            return None;
        }
        d.codename = Some(code.to_owned());
    }
    Some(d)
}

/// The release files of one root filesystem, collected by path, then [`ReleaseFiles::detect`]ed.
#[derive(Debug, Default, Clone)]
pub struct ReleaseFiles {
    files: BTreeMap<&'static str, Vec<u8>>,
}

impl ReleaseFiles {
    /// The paths (relative to the root, no leading slash) this module reads.
    pub const PATHS: &'static [&'static str] = &[
        "etc/os-release",
        "usr/lib/os-release",
        "etc/lsb-release",
        "etc/alpine-release",
        "etc/redhat-release",
        "etc/centos-release",
        "etc/system-release",
        "etc/debian_version",
    ];

    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `path` (relative to the root; a leading `/` or `./` is ignored) is one of [`Self::PATHS`].
    pub fn wants(path: &str) -> bool {
        Self::key(path).is_some()
    }

    fn key(path: &str) -> Option<&'static str> {
        let p = path.trim_start_matches("./").trim_start_matches('/');
        Self::PATHS.iter().copied().find(|k| *k == p)
    }

    /// Record the content of `path` (after symlink resolution by the caller).
    /// Returns `false`, and keeps nothing, when the path is not a release file.
    pub fn insert(&mut self, path: &str, data: &[u8]) -> bool {
        match Self::key(path) {
            Some(k) => {
                self.files.insert(k, data.to_vec());
                true
            }
            None => false,
        }
    }

    fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// Which distribution these files describe, if any.
    pub fn detect(&self) -> Option<Distro> {
        let mut candidates: Vec<Distro> = Vec::new();
        for p in ["etc/os-release", "usr/lib/os-release"] {
            if let Some(d) = self.get(p).and_then(from_os_release) {
                candidates.push(d);
                break;
            }
        }
        if let Some(d) = self.get("etc/lsb-release").and_then(from_lsb_release) {
            candidates.push(d);
        }
        if let Some(d) = self.get("etc/alpine-release").and_then(from_alpine_release) {
            candidates.push(d);
        }
        for p in [
            "etc/redhat-release",
            "etc/centos-release",
            "etc/system-release",
        ] {
            if let Some(d) = self.get(p).and_then(from_redhat_release) {
                candidates.push(d);
                break;
            }
        }
        let debian = self.get("etc/debian_version").and_then(from_debian_version);
        if let Some(d) = &debian {
            candidates.push(d.clone());
        }
        let mut it = candidates.into_iter();
        let mut best = it.next()?;
        // Later files only complete the same distribution.
        for other in it {
            if other.id == best.id {
                best.fill_from(other);
            }
        }
        if best.id == "debian" && best.codename.is_none() {
            best.codename = best
                .version_id
                .as_deref()
                .and_then(|v| v.split('.').next())
                .and_then(|m| m.parse().ok())
                .and_then(debian_codename)
                .map(str::to_owned)
                .or_else(|| debian.and_then(|d| d.codename));
        }
        Some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        let m = parse_assignments(
            b"# comment\nA=plain\nB=\"two words\"\nC='single \\ \"x\"'\nD=\"esc \\\" \\$ \\\\ \\` \\n\"\nE=un\\ quoted # trailing\nF=\n 9BAD=x\nG=\"a\"'b'c\nnot an assignment\n",
        );
        assert_eq!(m["A"], "plain");
        assert_eq!(m["B"], "two words");
        assert_eq!(m["C"], "single \\ \"x\"");
        assert_eq!(m["D"], "esc \" $ \\ ` \\n");
        assert_eq!(m["E"], "un quoted");
        assert_eq!(m["F"], "");
        assert_eq!(m["G"], "abc");
        assert!(!m.contains_key("9BAD"));
    }

    #[test]
    fn debian_from_os_release_and_debian_version() {
        let mut f = ReleaseFiles::new();
        assert!(f.insert(
            "/etc/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n"
        ));
        f.insert("etc/debian_version", b"12.5\n");
        let d = f.detect().unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        assert_eq!(d.purl_qualifier().as_deref(), Some("debian-12"));
    }

    #[test]
    fn debian_testing_only_debian_version() {
        let mut f = ReleaseFiles::new();
        f.insert("etc/debian_version", b"trixie/sid\n");
        let d = f.detect().unwrap();
        assert_eq!(
            (
                d.id.as_str(),
                d.version_id.as_deref(),
                d.codename.as_deref()
            ),
            ("debian", None, Some("trixie"))
        );
        assert_eq!(d.purl_qualifier().as_deref(), Some("debian-trixie"));
    }

    #[test]
    fn symlink_text_falls_back_to_usr_lib() {
        let mut f = ReleaseFiles::new();
        f.insert("etc/os-release", b"../usr/lib/os-release");
        f.insert(
            "usr/lib/os-release",
            b"ID=ubuntu\nVERSION_ID=\"20.04\"\nUBUNTU_CODENAME=focal\n",
        );
        let d = f.detect().unwrap();
        assert_eq!(d.id, "ubuntu");
        assert_eq!(d.codename.as_deref(), Some("focal"));
    }

    #[test]
    fn fallbacks() {
        let mut f = ReleaseFiles::new();
        f.insert(
            "etc/centos-release",
            b"CentOS Linux release 7.5.1804 (Core) \n",
        );
        let d = f.detect().unwrap();
        assert_eq!(d.id, "centos");
        assert_eq!(d.version_id.as_deref(), Some("7"));
        assert_eq!(d.codename.as_deref(), Some("Core"));

        let mut f = ReleaseFiles::new();
        f.insert("etc/alpine-release", b"3.20.3\n");
        assert_eq!(f.detect().unwrap().version_id.as_deref(), Some("3.20.3"));

        let mut f = ReleaseFiles::new();
        f.insert(
            "etc/lsb-release",
            b"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n",
        );
        f.insert("etc/debian_version", b"bookworm/sid\n");
        let d = f.detect().unwrap();
        assert_eq!(
            (d.id.as_str(), d.codename.as_deref()),
            ("ubuntu", Some("jammy"))
        );

        assert!(ReleaseFiles::new().detect().is_none());
        assert!(!ReleaseFiles::new().insert("etc/passwd", b"x"));
    }

    #[test]
    fn no_id_means_linux() {
        assert_eq!(from_os_release(b"NAME=Foo\n").unwrap().id, "linux");
        assert!(from_os_release(b"").is_none());
    }
}
