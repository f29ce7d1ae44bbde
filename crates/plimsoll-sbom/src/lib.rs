//! Plimsoll's software bill of materials.
//!
//! This crate holds the [`Package`] model and the OS-level catalogers:
//! distribution detection ([`os_release`]), dpkg, apk and rpm (SQLite, NDB and
//! BerkeleyDB, see [`catalogers`]), and the catalogers of language packages
//! found in binaries and archives: Go, Rust and Java ([`catalogers::bin`]). Catalogers never open an image or a
//! filesystem: they read the bytes they are given (rpm's SQLite database
//! excepted, which SQLite reads from a path), so the same code serves image
//! layers, directories and tests.
//!
//! The [`inventory`] ([`inventory::Sbom`]: target, packages with the layer
//! that introduced them) is what the [`formats`] write as Plimsoll JSON,
//! CycloneDX 1.6 or SPDX 2.3, and read back from those or other tools' documents.
//!
//! ```
//! use plimsoll_sbom::{catalogers::apk, os_release::ReleaseFiles};
//!
//! let mut release = ReleaseFiles::new();
//! release.insert("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.3\n");
//! let distro = release.detect().unwrap();
//!
//! let db = b"P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\nL:MIT\n\n";
//! let mut pkgs = apk::parse_installed(db, apk::INSTALLED_PATH).unwrap();
//! plimsoll_sbom::set_distro(&mut pkgs, &distro);
//! assert_eq!(pkgs[0].purl, "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3");
//! ```

pub mod catalogers;
pub mod error;
mod exe_buffer;
pub mod formats;
pub mod inventory;
pub mod os_release;
pub mod package;
pub mod purl;
pub mod scan;

#[cfg(test)]
mod proptests;

pub use error::{Error, Result};
pub use os_release::Distro;
pub use package::{Ecosystem, Package, set_distro};
pub use purl::Purl;
