//! Test support for Plimsoll's integration tests (never shipped):
//! [`registry::TestRegistry`] runs Debian's `docker-registry` on loopback
//! with anonymous, htpasswd (basic) or token auth — the token service is
//! run here, issuing RS256 JWTs signed with a throw-away key — and
//! [`layout`] writes small OCI image layouts (single images and
//! multi-platform indexes) from in-memory files.
//!
//! Everything here panics with a message on failure: it is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

pub mod layout;
pub mod registry;

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/data` beside the repository (or `$PLIMSOLL_SHARED_DATA`).
pub fn shared_data() -> PathBuf {
    std::env::var_os("PLIMSOLL_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

/// Runs a program and panics with its stderr when it fails; returns stdout.
pub fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): `bash scripts/setup` installs it"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
