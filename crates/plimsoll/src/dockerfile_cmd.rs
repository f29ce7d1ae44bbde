//! `plimsoll dockerfile PATH...`: find the files, audit them in parallel,
//! apply the policy, write the reports, decide the exit code.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plimsoll_core::{Report, Severity, TargetReport};
use plimsoll_dockerfile::RuleConfig;
use plimsoll_report::{Format, RenderOptions};
use rayon::prelude::*;

use crate::config::{Config, parse_threshold};
use crate::policy::Policy;
use crate::{DockerfileArgs, EXIT_GATE, EXIT_PASS, EXIT_USAGE, docs};

/// Whether a file name looks like a Dockerfile or Containerfile.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

/// Directories never searched: version control and dependency trees.
const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "vendor",
];

/// Expand the arguments into files, in a stable order. Directories are
/// searched recursively; explicit files are taken whatever their name.
fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(p.clone());
            continue;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                let mut found: Vec<PathBuf> = walkdir::WalkDir::new(p)
                    .follow_links(false)
                    .into_iter()
                    .filter_entry(|e| {
                        !(e.file_type().is_dir()
                            && e.depth() > 0
                            && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
                    })
                    .filter_map(|e| match e {
                        Ok(e) => Some(e),
                        Err(err) => {
                            errors.push(format!("cannot read {}: {err}", p.display()));
                            None
                        }
                    })
                    .filter(|e| {
                        e.file_type().is_file()
                            && is_dockerfile_name(&e.file_name().to_string_lossy())
                    })
                    .map(|e| e.into_path())
                    .collect();
                found.sort();
                if found.is_empty() {
                    errors.push(format!(
                        "no Dockerfile or Containerfile found under {} (file names searched: Dockerfile, Containerfile, Dockerfile.*, *.Dockerfile)",
                        p.display()
                    ));
                }
                files.extend(found);
            }
            Ok(_) => files.push(p.clone()),
            Err(e) => errors.push(format!("cannot read {}: {e}", p.display())),
        }
    }
    (files, errors)
}

/// Largest Dockerfile read: real ones are kilobytes; anything this big is
/// not a Dockerfile and is refused rather than held in memory.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

fn read_source(p: &Path) -> Result<String, String> {
    let mut bytes = Vec::new();
    let res = if p.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(p).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
    };
    if let Err(e) = res {
        return Err(format!("cannot read {}: {e}", p.display()));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{} is larger than {} MiB: not a Dockerfile",
            p.display(),
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    // Invalid UTF-8 is replaced rather than refused: Docker reads bytes, and
    // the rest of the file can still be audited.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn display_path(p: &Path) -> String {
    if p.as_os_str() == "-" {
        return "<stdin>".to_string();
    }
    p.to_string_lossy().into_owned()
}

/// One requested output: a format and where it goes (`None`: stdout).
struct Output {
    format: Format,
    file: Option<PathBuf>,
}

fn parse_outputs(specs: &[String], output: Option<&PathBuf>) -> Result<Vec<Output>> {
    let mut outs = Vec::new();
    for spec in specs {
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
            _ => (spec.as_str(), None),
        };
        let format: Format = name.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        outs.push(Output { format, file });
    }
    if outs.is_empty() {
        outs.push(Output {
            format: Format::Table,
            file: None,
        });
    }
    let to_stdout: Vec<usize> = (0..outs.len())
        .filter(|&i| outs[i].file.is_none())
        .collect();
    if to_stdout.len() > 1 {
        bail!(
            "several formats would go to standard output; give all but one a file: -f sarif=results.sarif"
        );
    }
    if let Some(path) = output {
        match to_stdout.first() {
            Some(&i) => outs[i].file = Some(path.clone()),
            None => bail!("--output names a file but every format already has one"),
        }
    }
    Ok(outs)
}

pub fn run(args: DockerfileArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot determine the working directory")?;
    let (mut cfg, _cfg_path) = Config::load(args.common.config.as_deref(), &cwd)?;
    cfg.apply_env(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))?;

    let fail_on = match args.common.fail_on.as_deref().or(cfg.fail_on.as_deref()) {
        Some(s) => parse_threshold(s).context("--fail-on")?,
        None => Some(Severity::High),
    };
    let mut severity = BTreeMap::new();
    for (k, v) in &cfg.rules.severity {
        severity.insert(
            k.clone(),
            v.parse::<Severity>()
                .map_err(|e| anyhow::anyhow!("rules.severity.{k}: {e}"))?,
        );
    }
    let mut disabled = cfg.rules.disable.clone();
    disabled.extend(
        args.common
            .ignore
            .iter()
            .flat_map(|s| crate::config::split_list(s)),
    );
    let policy = Policy {
        disabled,
        severity,
        fail_on,
    };
    let metas = docs::all_rules();
    for k in policy.unknown_keys(&metas) {
        eprintln!("warning: {k:?} names no Plimsoll rule; it has no effect (see `plimsoll rules`)");
    }

    let mut trusted = cfg.dockerfile.trusted_registries.clone();
    trusted.extend(args.trusted_registries.iter().cloned());
    let mut build_args = HashMap::new();
    for ba in &args.build_args {
        let Some((k, v)) = ba.split_once('=') else {
            bail!("--build-arg {ba:?}: expected NAME=VALUE");
        };
        build_args.insert(k.to_string(), v.to_string());
    }
    let rule_config = RuleConfig {
        trusted_registries: trusted,
        build_args,
    };
    let outputs = parse_outputs(&args.common.formats, args.common.output.as_ref())?;

    let (files, mut input_errors) = collect(&args.paths);
    let results: Vec<Result<TargetReport, String>> = files
        .par_iter()
        .map(|p| {
            let src = read_source(p)?;
            let name = display_path(p);
            let mut findings = plimsoll_dockerfile::audit(&name, &src, &rule_config);
            policy.apply(&mut findings, &metas);
            Ok(TargetReport {
                target: name,
                kind: plimsoll_dockerfile::TARGET_KIND.to_string(),
                findings,
            })
        })
        .collect();
    let mut targets = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(t) => targets.push(t),
            Err(e) => input_errors.push(e),
        }
    }
    let report = Report::new(env!("CARGO_PKG_VERSION"), targets);

    for out in &outputs {
        let color = out.file.is_none()
            && out.format == Format::Table
            && crate::color_for_stdout(args.common.no_color);
        let text = plimsoll_report::render(
            out.format,
            &report,
            &RenderOptions {
                color,
                rules: &metas,
                fail_on,
            },
        );
        match &out.file {
            Some(path) => std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => crate::write_stdout(&text)?,
        }
    }
    for e in &input_errors {
        eprintln!("error: {e}");
    }
    if !input_errors.is_empty() {
        return Ok(EXIT_USAGE);
    }
    Ok(if policy.gate_failed(report.findings()) {
        EXIT_GATE
    } else {
        EXIT_PASS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "Dockerfile.alpine",
            "app.Dockerfile",
            "x.dockerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile-notes.md",
            "README",
            "docker-compose.yml",
            "Makefile",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }

    #[test]
    fn outputs() {
        let o = parse_outputs(&["table".into(), "sarif=x.sarif".into()], None).unwrap();
        assert_eq!(o.len(), 2);
        assert!(parse_outputs(&["json".into(), "table".into()], None).is_err());
        assert!(parse_outputs(&["xml".into()], None).is_err());
        let o = parse_outputs(&["json".into()], Some(&PathBuf::from("o.json"))).unwrap();
        assert_eq!(o[0].file.as_deref(), Some(Path::new("o.json")));
    }
}
