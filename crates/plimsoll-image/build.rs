//! Links ISA-L's deflate decoder when the system has it (Debian:
//! `libisal-dev`; `scripts/setup` installs it). It inflates gzip layers
//! about 15 % faster than zlib-rs on x86-64, and a cold scan is mostly
//! inflating. Without it the build uses zlib-rs alone; `PLIMSOLL_NO_ISAL=1`
//! forces that.
//!
//! The bridge is a few lines of C compiled against the system's own header,
//! rather than a crate: `isal-sys` either builds ISA-L from source (needs
//! autotools and nasm) or ships bindings generated from one ISA-L commit,
//! whose `struct inflate_state` need not match the installed library's.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(plimsoll_isal)");
    println!("cargo::rerun-if-changed=csrc/isal_inflate.c");
    println!("cargo::rerun-if-env-changed=PLIMSOLL_NO_ISAL");
    // Installing libisal-dev later adds its .pc file: watch the pkg-config
    // directories so that the next build picks it up.
    for dir in pkg_config_dirs() {
        println!("cargo::rerun-if-changed={}", dir.display());
    }
    if env::var_os("PLIMSOLL_NO_ISAL").is_some_and(|v| v != "0") {
        return;
    }
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("x86_64")
        && env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("aarch64")
    {
        return;
    }
    let Ok(lib) = pkg_config::Config::new()
        .atleast_version("2.25")
        .cargo_metadata(false)
        .probe("libisal")
    else {
        return;
    };
    let mut build = cc::Build::new();
    build.file("csrc/isal_inflate.c").warnings(true);
    for dir in &lib.include_paths {
        build.include(dir);
    }
    if build.try_compile("plimsoll_isal_inflate").is_err() {
        println!("cargo::warning=libisal found but its header did not compile: using zlib-rs");
        return;
    }
    for dir in &lib.link_paths {
        println!("cargo::rustc-link-search=native={}", dir.display());
    }
    println!("cargo::rustc-link-lib=dylib=isal");
    println!("cargo::rustc-cfg=plimsoll_isal");
    println!("cargo::rustc-env=PLIMSOLL_ISAL_VERSION={}", lib.version);
}

/// The directories pkg-config searches (that exist).
fn pkg_config_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = env::var("PKG_CONFIG_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect();
    if let Ok(out) = Command::new("pkg-config")
        .args(["--variable", "pc_path", "pkg-config"])
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        dirs.extend(
            text.trim()
                .split(':')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
        );
    }
    dirs.retain(|d| d.is_dir());
    dirs
}
