//! Opens a target, reads every layer once and prints what the reader saw.
//!
//! ```sh
//! cargo run --release -p plimsoll-image --example inspect -- \
//!     oci:../shared/data/images/oci:multilayer [--platform linux/amd64] [--no-cache] [--cache-dir DIR]
//! ```

use std::process::ExitCode;
use std::time::Instant;

use plimsoll_image::{AnalyzeOptions, LayerCache, OpenOptions, Platform, Target, analyze, open};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&*e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut target = None;
    let mut open_options = OpenOptions::default();
    let mut cache_dir = None;
    let mut no_cache = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--platform" => {
                open_options.platform = Some(Platform::parse(&args.next().unwrap_or_default())?)
            }
            "--no-cache" => no_cache = true,
            "--cache-dir" => cache_dir = args.next().map(Into::into),
            _ => target = Some(a),
        }
    }
    let target = Target::parse(
        &target.ok_or("usage: inspect TARGET [--platform P] [--no-cache] [--cache-dir DIR]")?,
    )?;
    let start = Instant::now();
    let artifact = open(&target, &open_options)?;
    println!(
        "{} ({}): config {}, {} layers",
        artifact.source,
        artifact.name.as_deref().unwrap_or("-"),
        artifact.config_digest,
        artifact.layers.len()
    );
    let options = AnalyzeOptions {
        cache: LayerCache::from_options(cache_dir, no_cache),
        ..AnalyzeOptions::default()
    };
    let analysis = analyze(&artifact, &[], &options)?;
    for l in &analysis.layers {
        println!(
            "  layer {} {:?} {} -> {} bytes, {} entries, {} whiteouts, {} opaque, {} anomalies{}  {}",
            l.index,
            l.compression,
            l.blob_size,
            l.uncompressed_size,
            l.files.entries.len(),
            l.files.whiteouts.len(),
            l.files.opaque_dirs.len(),
            l.files.anomalies.len(),
            if l.from_cache { " (cached)" } else { "" },
            l.created_by
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(60)
                .collect::<String>()
        );
    }
    println!(
        "squashed: {} files, {} removed by later layers; {:.2?}",
        analysis.squashed.len(),
        analysis.squashed.removed.len(),
        start.elapsed()
    );
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}
