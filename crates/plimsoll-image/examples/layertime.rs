//! Times the layer reader on one image, best of N runs, cache off:
//!
//! ```sh
//! cargo run --release -p plimsoll-image --example layertime -- \
//!     oci:../shared/data/images/oci:multilayer [--runs 5] [--read-only]
//! ```
//!
//! - `read`: open the image and read every layer ([`analyze`] with no
//!   analyzer: decompress, blob digest, diff_id, tar walk), layers in
//!   parallel as Plimsoll does;
//! - `inflate+walk`: decompress and walk the tars only (the `tar` crate's
//!   iterator over a 128 KiB buffer, no hashing), layers in parallel the
//!   same way;
//! - `inflate`: decompress only;
//! - the CPU time (user+system) of the `read` runs, from /proc (Linux);
//! - then each layer alone on one thread, through [`read_layer`] and
//!   through inflate+walk.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use plimsoll_image::{
    AnalyzeOptions, Artifact, Expected, LayerCache, Limits, OpenOptions, Target, analyze, open,
    read_layer,
};
use rayon::prelude::*;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let mut target = None;
    let mut runs = 5;
    let mut read_only = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().ok_or("--runs N")?.parse()?,
            "--read-only" => read_only = true,
            _ => target = Some(a),
        }
    }
    let target = Target::parse(&target.ok_or("usage: layertime TARGET [--runs N] [--read-only]")?)?;
    let artifact = open(&target, &OpenOptions::default())?;
    println!(
        "{}: {} layers, {} threads, best of {runs}",
        artifact.source,
        artifact.layers.len(),
        rayon::current_num_threads()
    );
    let options = AnalyzeOptions {
        cache: LayerCache::disabled(),
        ..AnalyzeOptions::default()
    };
    let cpu = cpu_seconds();
    let read = best(runs, || {
        let a = open(&target, &OpenOptions::default())?;
        analyze(&a, &[], &options)?;
        Ok(())
    })?;
    let cpu = cpu
        .zip(cpu_seconds())
        .map(|(a, b)| (b - a) / runs.max(1) as f64);
    report("read (open + every layer, no analyzer)", read);
    if let Some(c) = cpu {
        println!("  {:<44} {c:>8.3} s", "  CPU (user+sys) per read, mean");
    }
    if read_only {
        return Ok(());
    }
    report(
        "inflate+walk, no hashing",
        best(runs, || all_layers(&artifact, true))?,
    );
    report("inflate only", best(runs, || all_layers(&artifact, false))?);
    for (i, l) in artifact.layers.iter().enumerate() {
        let t = best(runs, || {
            let blob = artifact.open_layer(i)?;
            read_layer(
                blob,
                Expected {
                    digest: l.digest.as_ref(),
                    size: l.size,
                    diff_id: Some(&l.diff_id),
                },
                &[],
                &Limits::default(),
            )?;
            Ok(())
        })?;
        let bare = best(runs, || one_layer(&artifact, i, true))?;
        println!(
            "  layer {i} alone ({:>8} bytes): read_layer {:.3} s, inflate+walk {:.3} s",
            l.size.unwrap_or(0),
            t.as_secs_f64(),
            bare.as_secs_f64()
        );
    }
    Ok(())
}

/// This process's user+system CPU time, from /proc (Linux only).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on Linux.
    Some((utime + stime) / 100.0)
}

fn report(what: &str, t: Duration) {
    println!("  {what:<44} {:>8.3} s", t.as_secs_f64());
}

fn best(runs: usize, mut f: impl FnMut() -> Result<(), Error>) -> Result<Duration, Error> {
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        f()?;
        best = best.min(start.elapsed());
    }
    Ok(best)
}

fn all_layers(artifact: &Artifact, walk: bool) -> Result<(), Error> {
    (0..artifact.layers.len())
        .into_par_iter()
        .try_for_each(|i| one_layer(artifact, i, walk))
}

/// Decompresses one layer, and walks its tar if `walk`; no hashing.
fn one_layer(artifact: &Artifact, i: usize, walk: bool) -> Result<(), Error> {
    let mut blob = io::BufReader::with_capacity(64 * 1024, artifact.open_layer(i)?);
    let head = io::BufRead::fill_buf(&mut blob)?;
    let tar: Box<dyn Read> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(blob))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::new(blob)?)
    } else {
        Box::new(blob)
    };
    let mut tar = io::BufReader::with_capacity(128 * 1024, tar);
    if walk {
        for e in tar::Archive::new(tar).entries()? {
            e?;
        }
    } else {
        io::copy(&mut tar, &mut io::sink())?;
    }
    Ok(())
}
