//! The client against the real Docker Engine on this machine (its unix
//! socket, or DOCKER_HOST): ping, version, a 404 with the daemon's message,
//! and inspect / history / export of an image the test imports itself (no
//! registry is reachable) and removes afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use plimsoll_engine::{Engine, MAX_API, MIN_API};

fn engine() -> Engine {
    Engine::connect().unwrap_or_else(|e| {
        panic!("these tests need the Docker Engine (the machine starts it before the session): {e}")
    })
}

/// Removes the image when the test ends, passed or not.
struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}:t{}-{nanos}", std::process::id())
}

/// `docker import` of a one-file root filesystem.
fn import(name: &str) -> Image {
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    let data = b"plimsoll engine test\n";
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "hello.txt", &data[..]).unwrap();
    let bytes = tar.into_inner().unwrap();
    let mut child = Command::new("docker")
        .args(["import", "-", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the docker CLI is installed");
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    assert!(child.wait().unwrap().success(), "docker import {name}");
    Image(name.to_owned())
}

#[test]
fn ping_and_version() {
    let engine = engine();
    assert!(engine.api_version() >= MIN_API && engine.api_version() <= MAX_API);
    assert!(engine.api_version() <= engine.daemon_api_version());
    let ping = engine.ping().unwrap();
    assert_eq!(
        ping.api_version.as_deref(),
        Some(engine.daemon_api_version().to_string().as_str())
    );
    let v = engine.version().unwrap();
    assert_eq!(v.api_version, engine.daemon_api_version().to_string());
    assert_eq!(v.os, "linux");
    assert!(!v.version.is_empty());
    let raw: serde_json::Value = engine.get_json("/version").unwrap();
    assert_eq!(raw["ApiVersion"], v.api_version.as_str());
}

#[test]
fn missing_image_is_a_clear_404() {
    let engine = engine();
    let e = engine
        .image_inspect("plimsoll-does-not-exist/nope:nope")
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let text = e.to_string();
    assert!(text.contains("plimsoll-does-not-exist/nope:nope"), "{text}");
    assert!(text.contains(&engine.endpoint()), "{text}");
    let e = engine
        .image_export("plimsoll-does-not-exist/nope:nope")
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
}

#[test]
fn inspect_history_and_export_an_imported_image() {
    let name = unique("plimsoll-engine-test/imported");
    let _guard = import(&name);
    let engine = engine();
    let inspect = engine.image_inspect(&name).unwrap();
    assert!(inspect.id.starts_with("sha256:"), "{}", inspect.id);
    assert!(inspect.repo_tags.contains(&name), "{:?}", inspect.repo_tags);
    let layers = inspect.root_fs.unwrap().layers;
    assert_eq!(layers.len(), 1);
    // By ID too.
    assert_eq!(engine.image_inspect(&inspect.id).unwrap().id, inspect.id);
    let history = engine.image_history(&name).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].id, inspect.id);

    // The export streams to the end and holds the layer and manifest.json.
    let mut export = engine.image_export(&inspect.id).unwrap();
    let mut bytes = Vec::new();
    export.read_to_end(&mut bytes).unwrap();
    let mut names = Vec::new();
    for entry in tar::Archive::new(&bytes[..]).entries().unwrap() {
        names.push(entry.unwrap().path().unwrap().display().to_string());
    }
    assert!(names.iter().any(|n| n == "manifest.json"), "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("layer.tar") || n.starts_with("blobs/")),
        "{names:?}"
    );
}
