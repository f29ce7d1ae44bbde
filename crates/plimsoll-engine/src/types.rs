//! Typed answers of the endpoints this client wraps: only the fields
//! Plimsoll reads, every one defaulted (an older or newer engine that omits
//! a field or sends `null` still parses), unknown fields ignored. Use
//! [`crate::Engine::get_json`] with `serde_json::Value` for anything else.

use serde::{Deserialize, Deserializer};

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// What `GET /_ping` says in its headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ping {
    /// `Api-Version`: the newest API version the daemon speaks.
    pub api_version: Option<String>,
    /// `OSType`: `linux` or `windows`.
    pub os_type: Option<String>,
    /// `Docker-Experimental`.
    pub experimental: bool,
    /// `Server` (e.g. `Docker/20.10.24 (linux)`).
    pub server: Option<String>,
}

/// `GET /version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Version {
    /// Engine version (`20.10.24`).
    #[serde(rename = "Version", default)]
    pub version: String,
    /// Newest API version (`1.41`).
    #[serde(rename = "ApiVersion", default)]
    pub api_version: String,
    /// Oldest API version.
    #[serde(rename = "MinAPIVersion", default)]
    pub min_api_version: Option<String>,
    /// Operating system (`linux`).
    #[serde(rename = "Os", default)]
    pub os: String,
    /// CPU architecture (`amd64`).
    #[serde(rename = "Arch", default)]
    pub arch: String,
    /// Kernel version.
    #[serde(rename = "KernelVersion", default)]
    pub kernel_version: Option<String>,
    /// Go version the engine was built with.
    #[serde(rename = "GoVersion", default)]
    pub go_version: Option<String>,
    /// Commit the engine was built from.
    #[serde(rename = "GitCommit", default)]
    pub git_commit: Option<String>,
}

/// `GET /images/{name}/json`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInspect {
    /// Image ID: the config digest (`sha256:…`) with the classic image
    /// store; the manifest or index digest with the containerd store.
    #[serde(default)]
    pub id: String,
    /// Tags (`name:tag`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub repo_tags: Vec<String>,
    /// Registry digests (`name@sha256:…`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub repo_digests: Vec<String>,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub created: Option<String>,
    /// Author.
    #[serde(default)]
    pub author: Option<String>,
    /// CPU architecture.
    #[serde(default)]
    pub architecture: Option<String>,
    /// CPU variant.
    #[serde(default)]
    pub variant: Option<String>,
    /// Operating system.
    #[serde(default)]
    pub os: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<i64>,
    /// Layers.
    #[serde(rename = "RootFS", default)]
    pub root_fs: Option<RootFs>,
    /// Runtime defaults (`User`, `Env`, `Cmd`, …), as the engine sends them.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
}

/// `RootFS` of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootFs {
    /// `layers`.
    #[serde(rename = "Type", default)]
    pub kind: String,
    /// The layers' diff_ids, base first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub layers: Vec<String>,
}

/// One entry of `GET /images/{name}/history` (newest first). The engine
/// does not say which entries produced a layer: `size` is 0 both for
/// metadata-only steps and for empty layers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HistoryItem {
    /// Image ID of this step, or `<missing>`.
    #[serde(default)]
    pub id: String,
    /// Creation time (seconds since the epoch).
    #[serde(default)]
    pub created: i64,
    /// The instruction.
    #[serde(default)]
    pub created_by: String,
    /// Tags of this step's image.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    /// Size of the layer the step produced.
    #[serde(default)]
    pub size: i64,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}
