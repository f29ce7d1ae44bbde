//! `dir:PATH` as an unpacked root filesystem: analysed like a one-layer
//! image, so every analyzer and everything downstream (squash, inventory)
//! works unchanged. Nothing is cached (a directory has no content digest
//! and can change between runs), symlinks are recorded and never followed,
//! and the same caps as for image layers bound the walk.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::analyze::{ImageAnalysis, LayerAnalysis};
use crate::analyzer::{Analyzer, AnalyzerOutput, EntryReader, PathError, PathResult};
use crate::digest::Digest;
use crate::error::ImageError;
use crate::layer::{Compression, FileEntry, LayerFiles, Limits};
use crate::squash::squash;
use crate::tarframe::EntryKind;

/// Directory nesting deeper than this is not descended (a loop of bind
/// mounts or a hostile tree).
const MAX_DEPTH: usize = 256;

/// Whether `path` is an image in skopeo's `dir:` transport layout (a
/// `manifest.json` beside a `version` file) rather than a root filesystem.
pub fn is_dir_transport(path: &Path) -> bool {
    path.join("manifest.json").is_file()
        && fs::read_to_string(path.join("version"))
            .is_ok_and(|v| v.starts_with("Directory Transport Version"))
}

fn kind_of(ft: &fs::FileType) -> Option<EntryKind> {
    use std::os::unix::fs::FileTypeExt;
    Some(if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_file() {
        EntryKind::File
    } else if ft.is_char_device() {
        EntryKind::CharDevice
    } else if ft.is_block_device() {
        EntryKind::BlockDevice
    } else {
        // Sockets and FIFOs carry nothing an analyzer reads.
        return None;
    })
}

/// Analyse the root filesystem at `root` with `analyzers`.
pub fn analyze_rootfs(
    root: &Path,
    analyzers: &[&dyn Analyzer],
    limits: &Limits,
) -> Result<ImageAnalysis, ImageError> {
    let source = format!("dir:{}", root.display());
    let meta = fs::symlink_metadata(root).map_err(|e| ImageError::Invalid {
        what: "root filesystem".into(),
        location: source.clone(),
        reason: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(ImageError::Invalid {
            what: "root filesystem".into(),
            location: source,
            reason: "not a directory".into(),
        });
    }
    let mut files = LayerFiles::default();
    let mut outputs: BTreeMap<String, AnalyzerOutput> = analyzers
        .iter()
        .map(|a| {
            (
                a.name().to_string(),
                AnalyzerOutput {
                    name: a.name().to_string(),
                    version: a.version(),
                    results: Vec::new(),
                    errors: Vec::new(),
                },
            )
        })
        .collect();
    let mut total: u64 = 0;
    // Iterative walk: (directory, its path relative to the root, depth).
    let mut stack: Vec<(PathBuf, String, usize)> = vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, rel_dir, depth)) = stack.pop() {
        let mut children: Vec<fs::DirEntry> = match fs::read_dir(&dir) {
            Ok(rd) => rd.flatten().collect(),
            // An unreadable directory is skipped, as `tar` would warn and go on.
            Err(_) => continue,
        };
        children.sort_by_key(fs::DirEntry::file_name);
        for child in children {
            let name = child.file_name().to_string_lossy().into_owned();
            let rel = if rel_dir.is_empty() {
                name
            } else {
                format!("{rel_dir}/{name}")
            };
            let Ok(md) = fs::symlink_metadata(child.path()) else {
                continue;
            };
            let Some(kind) = kind_of(&md.file_type()) else {
                continue;
            };
            files_count_check(&files, limits, &source)?;
            let link = if kind == EntryKind::Symlink {
                fs::read_link(child.path())
                    .ok()
                    .map(|t| t.to_string_lossy().into_owned())
            } else {
                None
            };
            let size = if kind == EntryKind::File { md.len() } else { 0 };
            total = total.saturating_add(size);
            let entry = FileEntry {
                path: rel.clone(),
                kind,
                mode: md.mode() & 0o7777,
                uid: u64::from(md.uid()),
                gid: u64::from(md.gid()),
                size,
                mtime: u64::try_from(md.mtime()).unwrap_or(0),
                link,
            };
            if kind == EntryKind::File {
                for a in analyzers {
                    if !a.wants(&rel, kind) {
                        continue;
                    }
                    let Some(out) = outputs.get_mut(a.name()) else {
                        continue;
                    };
                    let result =
                        fs::File::open(child.path())
                            .map_err(|e| e.into())
                            .and_then(|mut f| {
                                let mut reader =
                                    EntryReader::stream(&entry, &mut f, limits.max_read_bytes);
                                a.analyze(&mut reader)
                            });
                    match result {
                        Ok(Some(value)) => out.results.push(PathResult {
                            path: rel.clone(),
                            value,
                        }),
                        Ok(None) => {}
                        Err(e) => out.errors.push(PathError {
                            path: rel.clone(),
                            message: e.to_string(),
                        }),
                    }
                }
            }
            if kind == EntryKind::Dir && depth + 1 < MAX_DEPTH {
                stack.push((child.path(), rel.clone(), depth + 1));
            }
            files.entries.push(entry);
        }
    }
    let id = Digest::of_bytes(source.as_bytes());
    let layer = LayerAnalysis {
        index: 0,
        diff_id: id.clone(),
        blob_digest: id,
        blob_size: 0,
        uncompressed_size: total,
        compression: Compression::None,
        history: None,
        created_by: None,
        from_cache: false,
        files,
        outputs,
    };
    let squashed = squash(std::iter::once(&layer.files));
    Ok(ImageAnalysis {
        layers: vec![layer],
        squashed,
        warnings: Vec::new(),
    })
}

fn files_count_check(files: &LayerFiles, limits: &Limits, source: &str) -> Result<(), ImageError> {
    if files.entries.len() as u64 >= limits.max_entries {
        return Err(ImageError::Invalid {
            what: "root filesystem".into(),
            location: source.to_string(),
            reason: format!("more than {} entries (max_entries)", limits.max_entries),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Etc;
    impl Analyzer for Etc {
        fn name(&self) -> &str {
            "etc"
        }
        fn version(&self) -> u32 {
            1
        }
        fn wants(&self, path: &str, _kind: EntryKind) -> bool {
            path.starts_with("etc/")
        }
        fn analyze(
            &self,
            entry: &mut EntryReader<'_>,
        ) -> Result<Option<serde_json::Value>, crate::analyzer::AnalyzerError> {
            let data = entry.read_all()?;
            Ok(Some(serde_json::Value::String(
                String::from_utf8_lossy(&data).into_owned(),
            )))
        }
    }

    #[test]
    fn walks_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(root.join("usr/lib")).unwrap();
        fs::write(root.join("usr/lib/os-release"), "ID=x\n").unwrap();
        std::os::unix::fs::symlink("../usr/lib/os-release", root.join("etc/os-release")).unwrap();
        fs::write(root.join("etc/hostname"), "h\n").unwrap();
        // A link to outside the root is recorded, never read.
        std::os::unix::fs::symlink("/etc/shadow", root.join("etc/shadow")).unwrap();
        let a = analyze_rootfs(root, &[&Etc], &Limits::default()).unwrap();
        let out = &a.layers[0].outputs["etc"];
        let paths: Vec<&str> = out.results.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["etc/hostname"]);
        let resolved = a.squashed.resolve("etc/os-release").unwrap();
        assert_eq!(resolved.path, "usr/lib/os-release");
        assert_eq!(
            a.squashed.get("etc/shadow").unwrap().kind,
            EntryKind::Symlink
        );
    }

    #[test]
    fn refuses_files_and_caps_entries() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("file");
        fs::write(&f, "x").unwrap();
        assert!(analyze_rootfs(&f, &[], &Limits::default()).is_err());
        for i in 0..10 {
            fs::write(dir.path().join(format!("f{i}")), "x").unwrap();
        }
        let limits = Limits {
            max_entries: 5,
            ..Limits::default()
        };
        assert!(analyze_rootfs(dir.path(), &[], &limits).is_err());
    }
}

/// What [`analyze_target`] read: the image's artifact (none for a root
/// filesystem) and the analysis.
#[derive(Debug)]
pub struct Scanned {
    pub artifact: Option<crate::source::Artifact>,
    pub analysis: ImageAnalysis,
}

/// Open and analyse a target: images through their source (`docker:` and
/// a bare reference the local Docker Engine has, through the engine), and
/// `dir:PATH` as a root filesystem (unless it is in skopeo's `dir:` image
/// layout).
pub fn analyze_target(
    target: &crate::target::Target,
    open: &crate::source::OpenOptions,
    analyzers: &[&dyn Analyzer],
    options: &crate::analyze::AnalyzeOptions,
) -> Result<Scanned, ImageError> {
    use crate::target::Target;
    let rootfs = match target {
        Target::Dir { path } if !is_dir_transport(Path::new(path)) => Some(path),
        Target::Fs { path } => Some(path),
        _ => None,
    };
    if let Some(path) = rootfs {
        {
            let analysis = analyze_rootfs(Path::new(path), analyzers, &options.limits)?;
            return Ok(Scanned {
                artifact: None,
                analysis,
            });
        }
    }
    let engine_image = match target {
        Target::Docker(image) => Some(image.clone()),
        // A bare `name:tag` is the local engine's when it has it; else the
        // registry source's (through `open`).
        Target::Reference(r) if crate::source::docker::has_image(r) => {
            Some(crate::target::DockerImage::Reference(r.clone()))
        }
        _ => None,
    };
    if let Some(image) = engine_image {
        let (artifact, analysis) =
            crate::source::docker::analyze_engine_image(&image, open, analyzers, options)?;
        return Ok(Scanned {
            artifact: Some(artifact),
            analysis,
        });
    }
    let artifact = crate::source::open(target, open).map_err(|e| match (target, e) {
        // A bare reference was looked for in the Engine first: say so when
        // the registry fails too.
        (Target::Reference(_), ImageError::Registry { location, reason }) => ImageError::Registry {
            location,
            reason: format!(
                "{reason} (the local Docker Engine has no such image either; use docker:, registry: or a file target to be explicit)"
            ),
        },
        (_, e) => e,
    })?;
    let analysis = crate::analyze::analyze(&artifact, analyzers, options)?;
    Ok(Scanned {
        artifact: Some(artifact),
        analysis,
    })
}
