//! The registry source against a real `docker-registry` on loopback:
//! token (bearer) auth with a token service, htpasswd basic auth,
//! anonymous pulls, a multi-platform index picked by platform, and
//! tampered manifests, configs and layers refused with their names.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::{DpkgCount, HashFiles, oci_dir};
use plimsoll_image::{
    AnalyzeOptions, Analyzer, Artifact, ImageAnalysis, ImageError, OpenOptions, Platform, Target,
    analyze, open,
};
use plimsoll_testkit::layout::{self, Platform as P};
use plimsoll_testkit::registry::{Auth, FlakyProxy, TestRegistry};

fn opts(auth_file: Option<std::path::PathBuf>, platform: Option<&str>) -> OpenOptions {
    OpenOptions {
        platform: platform.map(|p| Platform::parse(p).unwrap()),
        insecure: false,
        auth_file,
        cert_dir: None,
    }
}

fn open_with(target: &str, o: &OpenOptions) -> Result<Artifact, ImageError> {
    open(&Target::parse(target).unwrap(), o)
}

fn run(a: &Artifact, analyzers: &[&dyn Analyzer]) -> Result<ImageAnalysis, ImageError> {
    analyze(a, analyzers, &AnalyzeOptions::default())
}

type Row = (String, u32, u64, Option<String>, usize);

fn table(a: &ImageAnalysis) -> Vec<Row> {
    a.squashed
        .iter()
        .map(|f| (f.path.clone(), f.mode, f.size, f.link.clone(), f.layer))
        .collect()
}

const AMD64: P<'static> = P {
    os: "linux",
    arch: "amd64",
    variant: None,
};
const ARM64: P<'static> = P {
    os: "linux",
    arch: "arm64",
    variant: Some("v8"),
};

/// A layout with one small image, returned as the skopeo source name.
fn small_image(dir: &std::path::Path, marker: &[u8]) -> String {
    layout::write_layout(
        dir,
        "small",
        &[(
            AMD64,
            vec![("etc/marker", marker), ("usr/bin/tool", b"\x7fELF tool")],
        )],
    );
    format!("oci:{}:small", dir.display())
}

#[test]
fn bearer_token_auth_serves_the_real_image_unchanged() {
    let reg = TestRegistry::start(Auth::Token {
        user: "alice".into(),
        password: "s3cret".into(),
    });
    let src = format!("oci:{}:multilayer", oci_dir().display());
    reg.push(&src, "plimsoll/multilayer:v1");
    let target = format!("registry:{}/plimsoll/multilayer:v1", reg.host());

    // Anonymous: the token service refuses, and the error says what to do.
    let err = open_with(&target, &opts(None, None)).unwrap_err();
    assert!(matches!(err, ImageError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("log in"), "{err}");

    // Wrong password: refused, naming the registry.
    let bad = reg.auth_file("alice", "wrong");
    let err = open_with(&target, &opts(Some(bad), None)).unwrap_err();
    assert!(matches!(err, ImageError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains(&reg.host()), "{err}");

    let before = reg.tokens_issued();
    let good = reg.auth_file("alice", "s3cret");
    let pulled = open_with(&target, &opts(Some(good.clone()), None)).unwrap();
    assert!(reg.tokens_issued() > before, "a bearer token was fetched");
    let local = open_with(&src, &OpenOptions::default()).unwrap();
    assert_eq!(pulled.manifest_digest, local.manifest_digest);
    assert_eq!(pulled.config_digest, local.config_digest);
    assert_eq!(pulled.layers.len(), 8);
    assert_eq!(
        pulled.name.as_deref(),
        Some(&*format!("{}/plimsoll/multilayer:v1", reg.host()))
    );

    let hashes = HashFiles("usr/local/bin/");
    let want = run(&local, &[&hashes]).unwrap();
    let got = run(&pulled, &[&hashes]).unwrap();
    assert_eq!(table(&got), table(&want));
    assert_eq!(
        got.surviving("hash-files").len(),
        want.surviving("hash-files").len()
    );
    for (g, w) in got.layers.iter().zip(&want.layers) {
        assert_eq!(g.blob_digest, w.blob_digest);
        assert_eq!(g.created_by, w.created_by);
    }

    // By digest, and as a bare reference: the same image.
    let digest = pulled.manifest_digest.clone().unwrap();
    for t in [
        format!("registry:{}/plimsoll/multilayer@{digest}", reg.host()),
        format!("{}/plimsoll/multilayer:v1", reg.host()),
    ] {
        let a = open_with(&t, &opts(Some(good.clone()), None)).unwrap();
        assert_eq!(a.config_digest, local.config_digest, "{t}");
    }
    // A digest the registry does not have: named in the error.
    let missing = format!(
        "registry:{}/plimsoll/multilayer@sha256:{}",
        reg.host(),
        "0".repeat(64)
    );
    let err = open_with(&missing, &opts(Some(good), None)).unwrap_err();
    assert!(matches!(err, ImageError::Missing { .. }), "{err}");
}

#[test]
fn basic_auth_from_an_auth_file() {
    let reg = TestRegistry::start(Auth::Basic {
        user: "bob".into(),
        password: "pa:ss word".into(),
    });
    let dir = tempfile::tempdir().unwrap();
    reg.push(&small_image(dir.path(), b"basic\n"), "team/small:1");
    let target = format!("registry:{}/team/small:1", reg.host());

    let err = open_with(&target, &opts(None, None)).unwrap_err();
    assert!(matches!(err, ImageError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("docker login"), "{err}");
    let err = open_with(&target, &opts(Some(reg.auth_file("bob", "nope")), None)).unwrap_err();
    assert!(matches!(err, ImageError::Unauthorized { .. }), "{err}");

    let a = open_with(
        &target,
        &opts(Some(reg.auth_file("bob", "pa:ss word")), None),
    )
    .unwrap();
    let got = run(&a, &[&HashFiles("etc/")]).unwrap();
    let marker = got.surviving("hash-files");
    assert_eq!(marker.len(), 1);
    assert_eq!(marker[0].path, "etc/marker");
}

#[test]
fn multi_platform_index_is_resolved_by_platform() {
    let reg = TestRegistry::start(Auth::Anonymous);
    let dir = tempfile::tempdir().unwrap();
    layout::write_layout(
        dir.path(),
        "multi",
        &[
            (AMD64, vec![("etc/arch", b"amd64".as_slice())]),
            (ARM64, vec![("etc/arch", b"arm64".as_slice())]),
        ],
    );
    reg.push(
        &format!("oci:{}:multi", dir.path().display()),
        "lib/multi:latest",
    );
    let arch_of = |platform: Option<&str>| -> Result<u64, ImageError> {
        let a = open_with(
            &format!("registry:{}/lib/multi", reg.host()),
            &opts(None, platform),
        )?;
        let got = run(&a, &[]).unwrap();
        Ok(got.squashed.get("etc/arch").unwrap().size)
    };
    // Both files are five bytes: tell them apart by the config instead.
    let cfg = |platform: &str| {
        open_with(
            &format!("registry:{}/lib/multi:latest", reg.host()),
            &opts(None, Some(platform)),
        )
        .unwrap()
        .config
        .architecture
    };
    assert_eq!(cfg("linux/arm64"), "arm64");
    assert_eq!(cfg("linux/amd64"), "amd64");
    assert_eq!(arch_of(Some("linux/arm64/v8")).unwrap(), 5);
    let err = arch_of(Some("linux/s390x")).unwrap_err();
    assert!(matches!(err, ImageError::NoPlatform { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("linux/amd64") && msg.contains("linux/arm64"),
        "{msg}"
    );
}

#[test]
fn tampered_manifest_config_and_layer_are_refused() {
    let reg = TestRegistry::start(Auth::Anonymous);
    let dir = tempfile::tempdir().unwrap();
    reg.push(&small_image(dir.path(), b"original\n"), "t/small:1");
    let target = format!("registry:{}/t/small:1", reg.host());
    let a = open_with(&target, &opts(None, None)).unwrap();
    assert!(run(&a, &[]).is_ok());

    // A layer blob whose bytes changed (same length) is refused when read,
    // naming the layer.
    let layer = a.layers[0].digest.clone().unwrap().to_string();
    let path = reg.blob_file(&layer);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 9] ^= 0x55; // inside the gzip trailer's CRC
    std::fs::write(&path, &bytes).unwrap();
    let a = open_with(&target, &opts(None, None)).unwrap();
    let err = run(&a, &[]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&layer), "{msg}");

    // A tampered config is refused when the image is opened.
    let config = a.config_digest.to_string();
    let path = reg.blob_file(&config);
    let mut bytes = std::fs::read(&path).unwrap();
    let i = bytes.iter().position(|&b| b == b'{').unwrap();
    bytes.insert(i + 1, b' ');
    bytes.pop();
    std::fs::write(&path, &bytes).unwrap();
    let err = open_with(&target, &opts(None, None)).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains("config"), "{err}");

    // A tampered manifest: its digest no longer matches the one asked for.
    let manifest = a.manifest_digest.clone().unwrap().to_string();
    let path = reg.blob_file(&manifest);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.push(b'\n');
    std::fs::write(&path, &bytes).unwrap();
    let by_digest = format!("registry:{}/t/small@{manifest}", reg.host());
    let err = open_with(&by_digest, &opts(None, None)).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
    let err = open_with(&target, &opts(None, None)).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
}

#[test]
fn unreachable_registry_and_unknown_repository_are_named() {
    let reg = TestRegistry::start(Auth::Anonymous);
    let err = open_with(
        &format!("registry:{}/no/such:tag", reg.host()),
        &opts(None, None),
    )
    .unwrap_err();
    assert!(matches!(err, ImageError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("no/such"), "{err}");
    drop(reg);
    // Nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = open_with(
        &format!("registry:127.0.0.1:{port}/x/y:z"),
        &opts(None, None),
    )
    .unwrap_err();
    assert!(matches!(err, ImageError::Registry { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn broken_off_blob_downloads_resume_and_give_up_after_a_few_tries() {
    let reg = TestRegistry::start(Auth::Anonymous);
    let src = format!("oci:{}:debian-bookworm-minbase", oci_dir().display());
    reg.push(&src, "debian/minbase:12");
    let local = open_with(&src, &OpenOptions::default()).unwrap();
    let want = run(&local, &[&DpkgCount]).unwrap();

    // The first connection breaks off 1 MiB into the answers: the layer
    // download resumes from where it stopped, and the result is the same.
    let proxy = FlakyProxy::start(&reg.host(), 1 << 20, 1);
    let a = open_with(
        &format!("registry:{}/debian/minbase:12", proxy.host()),
        &opts(None, None),
    )
    .unwrap();
    let got = run(&a, &[&DpkgCount]).unwrap();
    assert!(proxy.cuts() >= 1, "the proxy did break a connection");
    assert_eq!(table(&got), table(&want));
    assert_eq!(
        got.surviving("dpkg-count")[0].value,
        want.surviving("dpkg-count")[0].value
    );

    // Every connection breaks off: an error naming the layer, not a hang.
    let proxy = FlakyProxy::start(&reg.host(), 1 << 20, usize::MAX);
    let a = open_with(
        &format!("registry:{}/debian/minbase:12", proxy.host()),
        &opts(None, None),
    );
    let err = match a {
        Ok(a) => run(&a, &[]).unwrap_err(),
        Err(e) => e,
    };
    assert!(proxy.cuts() >= 2, "{}", proxy.cuts());
    let layer = local.layers[0].digest.clone().unwrap().to_string();
    assert!(err.to_string().contains(&layer), "{err}");
}

#[test]
fn mutual_tls_uses_the_client_certificate_of_the_cert_dir() {
    let reg = TestRegistry::start_mutual_tls(Auth::Anonymous);
    let dir = tempfile::tempdir().unwrap();
    reg.push(&small_image(dir.path(), b"mutual\n"), "team/small:1");
    let target = format!("registry:{}/team/small:1", reg.host());
    let with_dir = |d: &std::path::Path| OpenOptions {
        cert_dir: Some(d.to_owned()),
        ..opts(None, None)
    };
    let certs = reg.cert_dir();
    let copy = |to: &std::path::Path, names: &[&str]| {
        for n in names {
            std::fs::copy(certs.join(n), to.join(n)).unwrap();
        }
    };

    // The CA alone: the server is trusted, but it wants a client
    // certificate and the handshake fails.
    let ca_only = tempfile::tempdir().unwrap();
    copy(ca_only.path(), &["ca.crt"]);
    let err = open_with(&target, &with_dir(ca_only.path())).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&reg.host()) && msg.contains("--cert-dir"),
        "{msg}"
    );

    // A certificate without its key: an error that names the missing file.
    let no_key = tempfile::tempdir().unwrap();
    copy(no_key.path(), &["ca.crt", "client.cert"]);
    let err = open_with(&target, &with_dir(no_key.path())).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("client.key") && msg.contains("missing"),
        "{msg}"
    );

    // A key file that holds no key.
    let bad_key = tempfile::tempdir().unwrap();
    copy(bad_key.path(), &["ca.crt", "client.cert"]);
    std::fs::write(bad_key.path().join("client.key"), "not a key\n").unwrap();
    let err = open_with(&target, &with_dir(bad_key.path())).unwrap_err();
    assert!(err.to_string().contains("no PEM private key"), "{err}");

    // The whole directory, as in /etc/docker/certs.d/HOST: read.
    let a = open_with(&target, &with_dir(&certs)).unwrap();
    let got = run(&a, &[&HashFiles("etc/")]).unwrap();
    let marker = got.surviving("hash-files");
    assert_eq!(marker.len(), 1);
    assert_eq!(marker[0].path, "etc/marker");
}
