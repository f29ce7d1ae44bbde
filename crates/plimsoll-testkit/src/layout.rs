//! Writes small OCI image layouts: one-layer images from in-memory files,
//! optionally gathered in a multi-platform index.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// A platform: os, architecture, optional variant.
#[derive(Debug, Clone, Copy)]
pub struct Platform<'a> {
    /// `linux`.
    pub os: &'a str,
    /// `amd64`, `arm64`, …
    pub arch: &'a str,
    /// `v8`, …
    pub variant: Option<&'a str>,
}

impl Platform<'_> {
    fn json(&self) -> Value {
        let mut p = json!({"os": self.os, "architecture": self.arch});
        if let Some(v) = self.variant {
            p["variant"] = json!(v);
        }
        p
    }
}

/// A descriptor of a written blob.
#[derive(Debug, Clone)]
pub struct Written {
    /// `sha256:…`.
    pub digest: String,
    /// Size in bytes.
    pub size: usize,
}

fn sha256(data: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(data);
    h.finalize()
        .iter()
        .fold(String::from("sha256:"), |mut s, b| {
            s.push_str(&format!("{b:02x}"));
            s
        })
}

/// Writes `data` as a blob of the layout at `dir`.
pub fn write_blob(dir: &Path, data: &[u8]) -> Written {
    let digest = sha256(data);
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(&digest["sha256:".len()..]), data).unwrap();
    Written {
        digest,
        size: data.len(),
    }
}

/// A tar of regular files (mode 0644, root-owned, mtime 0), parents
/// created as directories.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dirs = std::collections::BTreeSet::new();
    for (path, data) in files {
        let mut parent = String::new();
        for part in path.split('/').collect::<Vec<_>>().split_last().unwrap().1 {
            parent.push_str(part);
            parent.push('/');
            if dirs.insert(parent.clone()) {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_uid(0);
                h.set_gid(0);
                h.set_size(0);
                h.set_mtime(0);
                h.set_cksum();
                b.append_data(&mut h, &parent, std::io::empty()).unwrap();
            }
        }
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_size(data.len() as u64);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// Writes a one-layer image (gzip layer) and returns its manifest's
/// descriptor (not yet named in `index.json`).
pub fn write_image(dir: &Path, platform: Platform<'_>, files: &[(&str, &[u8])]) -> Written {
    let tar = tar_of(files);
    let diff_id = sha256(&tar);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    let layer = write_blob(dir, &gz.finish().unwrap());
    let mut config = platform.json();
    config["rootfs"] = json!({"type": "layers", "diff_ids": [diff_id]});
    config["config"] = json!({"Cmd": ["/bin/sh"]});
    config["history"] = json!([{"created_by": "plimsoll-testkit layer"}]);
    let config = write_blob(dir, &serde_json::to_vec(&config).unwrap());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config.digest, "size": config.size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer.digest, "size": layer.size}],
    });
    write_blob(dir, &serde_json::to_vec(&manifest).unwrap())
}

/// Files of an image: path (relative, `/`-separated) and content.
pub type Files<'a> = Vec<(&'a str, &'a [u8])>;

/// Writes `index.json` naming one entry `name`: a single image (when
/// `images` has one element) or a multi-platform index of them.
pub fn write_layout(dir: &Path, name: &str, images: &[(Platform<'_>, Files<'_>)]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let descs: Vec<Value> = images
        .iter()
        .map(|(p, files)| {
            let m = write_image(dir, *p, files);
            json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "digest": m.digest, "size": m.size, "platform": p.json()})
        })
        .collect();
    let top = if let [one] = descs.as_slice() {
        one.clone()
    } else {
        let index = json!({"schemaVersion": 2,
                           "mediaType": "application/vnd.oci.image.index.v1+json",
                           "manifests": descs});
        let w = write_blob(dir, &serde_json::to_vec(&index).unwrap());
        json!({"mediaType": "application/vnd.oci.image.index.v1+json",
               "digest": w.digest, "size": w.size})
    };
    let mut top = top;
    top["annotations"] = json!({"org.opencontainers.image.ref.name": name});
    if let Some(o) = top.as_object_mut() {
        o.remove("platform");
    }
    let index = json!({"schemaVersion": 2, "manifests": [top]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}
