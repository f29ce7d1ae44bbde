//! Configuration: `plimsoll.toml` (found upward from the working directory,
//! or `--config`), overridden by `PLIMSOLL_*` environment variables,
//! overridden by command-line flags.
//!
//! ```toml
//! fail_on = "high"                 # critical | high | medium | low | info | never
//!
//! [dockerfile]
//! trusted_registries = ["docker.io", "ghcr.io", "*.corp.example"]
//!
//! [rules]
//! disable = ["PL-DF-102", "from-not-pinned-by-digest", "DL3008"]
//! [rules.severity]
//! "PL-DF-401" = "medium"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plimsoll_core::Severity;
use serde::Deserialize;

/// Name of the configuration file looked up from the working directory upward.
pub const CONFIG_FILE: &str = "plimsoll.toml";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Gate threshold; `never` disables the gate.
    pub fail_on: Option<String>,
    #[serde(default)]
    pub dockerfile: DockerfileConfig,
    #[serde(default)]
    pub rules: RulesConfig,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerfileConfig {
    #[serde(default)]
    pub trusted_registries: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Rule ids, names or hadolint ids that never report.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Severity overrides by rule id, name or hadolint id.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

impl Config {
    /// Load `explicit`, or else the first `plimsoll.toml` found from `start`
    /// upward, or else the defaults. Returns the file used.
    pub fn load(explicit: Option<&Path>, start: &Path) -> Result<(Config, Option<PathBuf>)> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => start
                .ancestors()
                .map(|d| d.join(CONFIG_FILE))
                .find(|p| p.is_file()),
        };
        let Some(path) = path else {
            return Ok((Config::default(), None));
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        let cfg: Config = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "invalid configuration file {}: {}",
                path.display(),
                e.to_string().trim_end()
            )
        })?;
        cfg.validate()
            .with_context(|| format!("invalid configuration file {}", path.display()))?;
        Ok((cfg, Some(path)))
    }

    fn validate(&self) -> Result<()> {
        if let Some(f) = &self.fail_on {
            parse_threshold(f)?;
        }
        for (k, v) in &self.rules.severity {
            v.parse::<Severity>()
                .map_err(|e| anyhow::anyhow!("rules.severity.{k}: {e}"))?;
        }
        Ok(())
    }

    /// Apply `PLIMSOLL_*` environment variables.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = get("PLIMSOLL_FAIL_ON") {
            parse_threshold(&v).context("PLIMSOLL_FAIL_ON")?;
            self.fail_on = Some(v);
        }
        if let Some(v) = get("PLIMSOLL_TRUSTED_REGISTRIES") {
            self.dockerfile.trusted_registries = split_list(&v);
        }
        if let Some(v) = get("PLIMSOLL_DISABLE") {
            self.rules.disable.extend(split_list(&v));
        }
        Ok(())
    }
}

/// Comma- or whitespace-separated list.
pub fn split_list(v: &str) -> Vec<String> {
    v.split([',', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `never` (or `none`) → no gate; otherwise a severity.
pub fn parse_threshold(s: &str) -> Result<Option<Severity>> {
    match s.trim().to_ascii_lowercase().as_str() {
        "never" | "none" | "off" => Ok(None),
        other => match other.parse::<Severity>() {
            Ok(s) => Ok(Some(s)),
            Err(e) => bail!("{e} (or `never` to disable the gate)"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_and_validates() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "fail_on = \"medium\"\n[dockerfile]\ntrusted_registries=[\"ghcr.io\"]\n[rules]\ndisable=[\"DL3008\"]\n[rules.severity]\n\"PL-DF-101\"=\"critical\"\n",
        )
        .unwrap();
        let (cfg, path) = Config::load(None, &sub).unwrap();
        assert_eq!(path.unwrap(), dir.path().join(CONFIG_FILE));
        assert_eq!(cfg.fail_on.as_deref(), Some("medium"));
        assert_eq!(cfg.dockerfile.trusted_registries, ["ghcr.io"]);
        assert_eq!(cfg.rules.disable, ["DL3008"]);

        std::fs::write(dir.path().join(CONFIG_FILE), "fail_on = \"urgent\"\n").unwrap();
        let err = Config::load(None, &sub).unwrap_err();
        assert!(format!("{err:#}").contains("urgent"), "{err:#}");

        std::fs::write(dir.path().join(CONFIG_FILE), "colour = true\n").unwrap();
        let err = Config::load(None, &sub).unwrap_err();
        assert!(format!("{err:#}").contains("colour"), "{err:#}");
    }

    #[test]
    fn env_overrides() {
        let mut cfg = Config::default();
        cfg.apply_env(|k| match k {
            "PLIMSOLL_FAIL_ON" => Some("never".into()),
            "PLIMSOLL_TRUSTED_REGISTRIES" => Some("docker.io, ghcr.io".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.fail_on.as_deref(), Some("never"));
        assert_eq!(cfg.dockerfile.trusted_registries, ["docker.io", "ghcr.io"]);
        assert!(cfg.apply_env(|_| Some("bogus".into())).is_err());
    }
}
