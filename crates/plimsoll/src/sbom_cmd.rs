//! `plimsoll sbom TARGET`: read an image (or a root filesystem, or an SBOM
//! document), inventory every package, and write the SBOM.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use plimsoll_image::{AnalyzeOptions, LayerCache, Limits, OpenOptions, Platform, Target};
use plimsoll_sbom::formats::{self, Format as SbomFormat, WriteOptions};
use plimsoll_sbom::inventory::Sbom;

use crate::{EXIT_PASS, SbomArgs};

/// Output formats of `plimsoll sbom`: the human table or an SBOM document.
enum Output {
    Table,
    Document(SbomFormat),
}

fn parse_format(name: &str) -> Result<Output> {
    if name.eq_ignore_ascii_case("table") {
        return Ok(Output::Table);
    }
    match SbomFormat::from_name(name) {
        Some(f) => Ok(Output::Document(f)),
        None => bail!("unknown SBOM format {name:?}: use table, json, cyclonedx-json or spdx-json"),
    }
}

pub fn run(args: SbomArgs) -> Result<u8> {
    let output = match args.format.as_deref() {
        Some(f) => parse_format(f)?,
        None if args.output.is_some() => Output::Document(SbomFormat::CycloneDxJson),
        None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => Output::Table,
        None => Output::Document(SbomFormat::Json),
    };
    let target = Target::parse(&args.target).map_err(|e| anyhow::anyhow!("{e}"))?;
    let sbom = match &target {
        Target::Sbom { path } => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let read = formats::read(&bytes, &path.display().to_string())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for s in &read.skipped {
                eprintln!("note: {} ({}) not read: {}", s.name, s.pointer, s.reason);
            }
            read.sbom
        }
        _ => {
            let platform = match &args.platform {
                Some(p) => {
                    Some(Platform::parse(p).map_err(|e| anyhow::anyhow!("--platform: {e}"))?)
                }
                None => None,
            };
            let cache = LayerCache::from_options(args.cache_dir.clone(), args.no_cache);
            let progress = crate::progress::Spinner::start(&format!("reading {}", args.target));
            let options = AnalyzeOptions {
                limits: Limits::default(),
                cache,
                threads: None,
                // Nothing would be drawn off a terminal: no need to count.
                progress: if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                    progress.layer_sink(&args.target)
                } else {
                    plimsoll_image::ProgressSink::default()
                },
            };
            let result = plimsoll_sbom::scan::catalog(
                &target,
                &args.target,
                &OpenOptions {
                    platform,
                    insecure: args.insecure,
                    auth_file: args.auth_file.clone(),
                    cert_dir: args.cert_dir.clone(),
                },
                &options,
            );
            progress.finish();
            let (sbom, warnings) = result.map_err(|e| anyhow::anyhow!("{e}"))?;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            sbom
        }
    };
    let text = match output {
        Output::Table => table(&sbom, crate::color_for_stdout(args.no_color)),
        Output::Document(f) => formats::write(f, &sbom, &WriteOptions::default())
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => crate::write_stdout(&text)?,
    }
    Ok(EXIT_PASS)
}

fn table(sbom: &Sbom, color: bool) -> String {
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &sbom.packages {
        *by_type.entry(p.package.ecosystem.purl_type()).or_default() += 1;
    }
    let mut out = String::new();
    let t = &sbom.target;
    out.push_str(&t.name);
    if let Some(d) = &t.distro {
        out.push_str(&format!(
            " — {}",
            d.pretty_name.clone().unwrap_or_else(|| format!(
                "{} {}",
                d.id,
                d.version_id.clone().unwrap_or_default()
            ))
        ));
    }
    out.push_str(&format!(" — {} packages", sbom.packages.len()));
    if !t.layers.is_empty() {
        out.push_str(&format!(" in {} layers", t.layers.len()));
    }
    out.push('\n');
    let mut counts = Table::new();
    counts
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["type", "packages"]);
    if !color {
        counts.force_no_tty();
    }
    for (ty, n) in &by_type {
        counts.add_row([ty.to_string(), n.to_string()]);
    }
    out.push_str(&format!("{counts}\n\n"));
    let layer_no: BTreeMap<&str, usize> = t
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| (l.diff_id.as_str(), i))
        .collect();
    let mut pkgs = Table::new();
    pkgs.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(["name", "version", "type", "layer", "found at"]);
    if !color {
        pkgs.force_no_tty();
    }
    let mut rows: Vec<_> = sbom.packages.iter().collect();
    rows.sort_by(|a, b| {
        (
            a.package.ecosystem.purl_type(),
            &a.package.name,
            &a.package.version,
        )
            .cmp(&(
                b.package.ecosystem.purl_type(),
                &b.package.name,
                &b.package.version,
            ))
    });
    for p in rows {
        let layer = p
            .layer
            .as_deref()
            .and_then(|l| layer_no.get(l))
            .map_or_else(|| "-".to_string(), |i| i.to_string());
        pkgs.add_row([
            p.package.name.clone(),
            p.package.full_version(),
            p.package.ecosystem.purl_type().to_string(),
            layer,
            p.locations.first().cloned().unwrap_or_default(),
        ]);
    }
    out.push_str(&format!("{pkgs}\n"));
    out
}
