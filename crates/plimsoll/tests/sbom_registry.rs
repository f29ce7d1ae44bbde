//! `plimsoll sbom` of an image in a real registry (token auth, credentials
//! from a Docker credential helper named by `credsStore`): the inventory
//! is the one read from the OCI layout the image was pushed from.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;
use plimsoll_testkit::registry::{Auth, TestRegistry};
use plimsoll_testkit::shared_data;

fn sbom(config_dir: &Path, path_env: &str, target: &str) -> std::process::Output {
    sbom_with(config_dir, path_env, target, &[], &[])
}

fn sbom_with(
    config_dir: &Path,
    path_env: &str,
    target: &str,
    env: &[(&str, &Path)],
    args: &[&str],
) -> std::process::Output {
    let cache = tempfile::tempdir().unwrap();
    let mut c = Command::cargo_bin("plimsoll").unwrap();
    for (k, v) in env {
        c.env(k, v);
    }
    c.env("NO_COLOR", "1")
        .env("DOCKER_CONFIG", config_dir)
        .env("PATH", path_env)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("PLIMSOLL_REGISTRY_USERNAME")
        .env_remove("PLIMSOLL_REGISTRY_PASSWORD")
        .env_remove("PLIMSOLL_SBOM_FORMAT")
        .args(["sbom", "--cache-dir"])
        .arg(cache.path())
        .args(args)
        .args(["-f", "json", target])
        .output()
        .unwrap()
}

#[test]
fn tls_registry_is_trusted_through_the_system_bundle_or_insecure() {
    let reg = TestRegistry::start_tls(Auth::Anonymous);
    let src = format!(
        "oci:{}:debian-bookworm-minbase",
        shared_data().join("images/oci").display()
    );
    reg.push(&src, "debian/minbase:tls");
    let target = format!("registry:{}/debian/minbase:tls", reg.host());
    let none = tempfile::tempdir().unwrap();
    let path_env = std::env::var("PATH").unwrap_or_default();
    let empty_bundle = none.path().join("empty.pem");
    std::fs::write(&empty_bundle, "").unwrap();

    // The certificate's CA is unknown (an empty bundle means Mozilla's
    // roots): refused.
    let out = sbom_with(
        none.path(),
        &path_env,
        &target,
        &[("SSL_CERT_FILE", &empty_bundle)],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&reg.host()) && err.contains("SSL_CERT_FILE"),
        "{err}"
    );
    // Known through SSL_CERT_FILE: read, 88 dpkg packages.
    let ca = reg.ca_file();
    let out = sbom_with(
        none.path(),
        &path_env,
        &target,
        &[("SSL_CERT_FILE", &ca)],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let debs = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["package"]["ecosystem"] == "deb")
        .count();
    assert_eq!(debs, 88);
    // --insecure: certificate not verified.
    let out = sbom_with(
        none.path(),
        &path_env,
        &target,
        &[("SSL_CERT_FILE", &empty_bundle)],
        &["--insecure"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn registry_image_through_a_credential_helper_equals_the_layout() {
    let reg = TestRegistry::start(Auth::Token {
        user: "carol".into(),
        password: "helper-secret".into(),
    });
    let src = format!(
        "oci:{}:multilayer",
        shared_data().join("images/oci").display()
    );
    reg.push(&src, "apps/multilayer:2");

    // A credential helper on PATH, named by credsStore, answering for the
    // registry exactly as docker-credential-* helpers do.
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-plimsolltest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = \"{}\" ] || exit 1\n\
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"carol\",\"Secret\":\"helper-secret\"}}' \"$server\"\n",
            reg.host()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = home.path().join("docker");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        r#"{"auths":{},"credsStore":"plimsolltest"}"#,
    )
    .unwrap();
    let path_env = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let target = format!("registry:{}/apps/multilayer:2", reg.host());
    let out = sbom(&config, &path_env, &target);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(reg.tokens_issued() > 0);
    let pulled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = sbom(&config, &path_env, &src);
    assert!(out.status.success());
    let local: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = pulled["packages"].as_array().unwrap().len();
    assert!(n > 250, "{n} packages");
    assert_eq!(pulled["packages"], local["packages"]);
    assert_eq!(pulled["target"]["layers"], local["target"]["layers"]);

    // Without the helper's answer (another registry name): refused, exit 2,
    // and the message says how to log in.
    std::fs::write(
        config.join("config.json"),
        r#"{"auths":{"other.example":{"auth":"eDp5"}}}"#,
    )
    .unwrap();
    let out = sbom(&config, &path_env, &target);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("log in") && err.contains(&reg.host()), "{err}");
}
