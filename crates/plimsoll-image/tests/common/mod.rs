//! Shared helpers: the real OCI layout in ../shared/data, its conversions by
//! skopeo (made once per data version, reused across test processes), and a
//! few analyzers for tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::PathBuf;

use plimsoll_image::{Analyzer, AnalyzerError, EntryKind, EntryReader};

pub use plimsoll_testkit::shared_data;

/// The real OCI layout holding the three test images.
pub fn oci_dir() -> PathBuf {
    shared_images().join("oci")
}

/// `shared/data/images`.
pub fn shared_images() -> PathBuf {
    let p = shared_data().join("images");
    assert!(
        p.join("oci/index.json").exists(),
        "the real images are missing at {}: ../shared must be beside the repository (or set PLIMSOLL_SHARED_DATA)",
        p.display()
    );
    p
}

fn skopeo(args: &[&str]) {
    plimsoll_testkit::run("skopeo", args);
}

/// Conversions of `image` into other formats, under the cargo target dir:
/// `docker.tar` (docker-archive), `oci.tar` (oci-archive), `zstd/` (OCI
/// layout with zstd layers), `dir/` (containers-image dir). Built in a
/// private directory and renamed into place, so concurrent test processes
/// never see half a conversion.
pub fn converted(image: &str) -> PathBuf {
    let index = std::fs::read(oci_dir().join("index.json")).expect("real OCI layout");
    let key = plimsoll_image::Digest::of_bytes(&index);
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plimsoll-image-formats");
    let done = root.join(format!("{image}-{}", key.short()));
    if done.join("complete").exists() {
        return done;
    }
    std::fs::create_dir_all(&root).unwrap();
    let work = tempfile::tempdir_in(&root).unwrap();
    let w = work.path();
    let src = format!("oci:{}:{image}", oci_dir().display());
    skopeo(&[
        "copy",
        "-q",
        &src,
        &format!(
            "docker-archive:{}:{image}:latest",
            w.join("docker.tar").display()
        ),
    ]);
    skopeo(&[
        "copy",
        "-q",
        &src,
        &format!("oci-archive:{}:{image}", w.join("oci.tar").display()),
    ]);
    skopeo(&[
        "copy",
        "-q",
        "--dest-compress-format",
        "zstd",
        &src,
        &format!("oci:{}:{image}", w.join("zstd").display()),
    ]);
    skopeo(&[
        "copy",
        "-q",
        &src,
        &format!("dir:{}", w.join("dir").display()),
    ]);
    std::fs::write(w.join("complete"), b"").unwrap();
    let tmp = work.keep();
    if std::fs::rename(&tmp, &done).is_err() {
        // Another process won the race.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    assert!(done.join("complete").exists());
    done
}

/// Counts installed packages in dpkg's status file.
pub struct DpkgCount;

impl Analyzer for DpkgCount {
    fn name(&self) -> &str {
        "dpkg-count"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File && path == "var/lib/dpkg/status"
    }
    fn analyze(
        &self,
        entry: &mut EntryReader<'_>,
    ) -> Result<Option<serde_json::Value>, AnalyzerError> {
        let text = String::from_utf8(entry.read_all()?)?;
        let n = text
            .split("\n\n")
            .filter(|p| p.contains("Status: install ok installed"))
            .count();
        Ok(Some(serde_json::json!(n)))
    }
}

/// Records the sha256 of every regular file under a prefix.
pub struct HashFiles(pub &'static str);

impl Analyzer for HashFiles {
    fn name(&self) -> &str {
        "hash-files"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str, kind: EntryKind) -> bool {
        kind == EntryKind::File && path.starts_with(self.0)
    }
    fn analyze(
        &self,
        entry: &mut EntryReader<'_>,
    ) -> Result<Option<serde_json::Value>, AnalyzerError> {
        let bytes = entry.read_all()?;
        Ok(Some(serde_json::json!(
            plimsoll_image::Digest::of_bytes(&bytes).to_string()
        )))
    }
}
