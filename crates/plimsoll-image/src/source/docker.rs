//! `docker:NAME[:TAG]` and `docker:ID`: an image in the local Docker Engine
//! (the one `DOCKER_HOST` names, default `/var/run/docker.sock`), read
//! through its API without writing the image anywhere.
//!
//! The image is inspected first (`GET /images/{name}/json`): its ID and its
//! layers' diff_ids. When the layer cache holds the image's config (kept by
//! an earlier scan of the image from any source, under its digest, which is
//! the ID) and every layer's file table and analyzer outputs, the scan is
//! served from the cache and the image is not exported at all. Otherwise the image is exported by ID
//! (`GET /images/{id}/get`, so that a tag moved meanwhile cannot swap the
//! image) and the stream is read once ([`super::save_stream`]).
//!
//! The engine's `GET /images/{name}/history` is not used: it does not say
//! which steps produced a layer (`Size` is 0 both for metadata steps and
//! for empty layers), while the config does (`empty_layer`).

use std::io::BufReader;
use std::sync::Arc;

use plimsoll_engine::{Engine, EngineError, ImageInspect};

use super::save_stream::{StreamImage, StreamedBlobs, analyze_save_stream};
use super::{Artifact, Layer, OpenOptions};
use crate::analyze::{self, AnalyzeOptions, ImageAnalysis};
use crate::analyzer::Analyzer;
use crate::digest::Digest;
use crate::error::ImageError;
use crate::reference::ImageReference;
use crate::spec::{self, ImageConfig};
use crate::target::DockerImage;

/// Where a warm scan's layers are said to come from.
const FROM_CACHE: &str = "(layer cache)";

/// Whether the local Docker Engine is reachable and has `reference` (a
/// bare `name:tag` is scanned from the engine when it does, and left to
/// the registry source otherwise). Any error — no engine, no permission,
/// no such image — is `false`.
pub fn has_image(reference: &ImageReference) -> bool {
    Engine::connect()
        .and_then(|engine| engine.image_inspect(&engine_name(reference)))
        .is_ok()
}

/// The name the engine knows an image by (`debian` is `debian:latest`).
fn engine_name(reference: &ImageReference) -> String {
    reference.clone().with_default_tag().familiar()
}

/// The target as the user would write it.
fn describe(image: &DockerImage) -> String {
    super::describe(&crate::target::Target::Docker(image.clone()))
}

fn engine_error(target: &str, e: EngineError) -> ImageError {
    ImageError::Engine {
        target: target.to_owned(),
        source: e,
    }
}

/// Inspects, then analyses an image of the local Docker Engine, from the
/// cache when it can (see the module documentation).
pub fn analyze_engine_image(
    image: &DockerImage,
    open: &OpenOptions,
    analyzers: &[&dyn Analyzer],
    options: &AnalyzeOptions,
) -> Result<(Artifact, ImageAnalysis), ImageError> {
    let target = describe(image);
    let engine = Engine::connect().map_err(|e| engine_error(&target, e))?;
    let query = match image {
        DockerImage::Reference(r) => engine_name(r),
        DockerImage::Id(d) => d.to_string(),
    };
    let inspect = engine.image_inspect(&query).map_err(|e| match e {
        EngineError::Api {
            status: 404,
            message,
            endpoint,
            ..
        } => ImageError::NotInEngine {
            target: target.clone(),
            endpoint,
            message,
        },
        e => engine_error(&target, e),
    })?;
    let context = format!("the Docker Engine's answer for {target}");
    let id = Digest::parse(&inspect.id, &context)?;
    let diff_ids = inspect
        .root_fs
        .as_ref()
        .map(|r| r.layers.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, d)| Digest::parse(d, &format!("RootFS.Layers[{i}] of {context}")))
        .collect::<Result<Vec<_>, _>>()?;
    check_platform(&inspect, open, &target)?;

    let (mut artifact, analysis) = match warm(&target, &id, &diff_ids, analyzers, options) {
        Some(done) => done,
        None => {
            let body = engine
                .image_export(&inspect.id)
                .map_err(|e| engine_error(&target, e))?;
            analyze_save_stream(
                BufReader::with_capacity(256 * 1024, body),
                &StreamImage {
                    source: target.clone(),
                    image_id: Some(id),
                    diff_ids: Some(diff_ids),
                },
                analyzers,
                options,
            )?
        }
    };
    artifact.repo_tags = inspect.repo_tags.clone();
    artifact.name = match image {
        DockerImage::Reference(r) => Some(engine_name(r)),
        DockerImage::Id(_) => inspect.repo_tags.first().cloned(),
    };
    artifact.manifest_digest = repo_digest(&inspect, image);
    Ok((artifact, analysis))
}

/// The registry manifest digest the engine recorded for the image's
/// repository (`RepoDigests`), when the image was pulled and the choice is
/// unambiguous.
fn repo_digest(inspect: &ImageInspect, image: &DockerImage) -> Option<Digest> {
    let parsed: Vec<ImageReference> = inspect
        .repo_digests
        .iter()
        .filter_map(|d| ImageReference::parse(d).ok())
        .filter(|r| r.digest.is_some())
        .collect();
    let pick = match image {
        DockerImage::Reference(want) => parsed
            .iter()
            .find(|r| r.domain == want.domain && r.path == want.path),
        DockerImage::Id(_) if parsed.len() == 1 => parsed.first(),
        DockerImage::Id(_) => None,
    };
    pick.and_then(|r| r.digest.clone())
}

/// With `--platform`, the engine's image must be of that platform (the
/// engine holds one platform per image name).
fn check_platform(
    inspect: &ImageInspect,
    open: &OpenOptions,
    target: &str,
) -> Result<(), ImageError> {
    let Some(want) = &open.platform else {
        return Ok(());
    };
    let have = spec::Platform {
        architecture: inspect.architecture.clone().unwrap_or_default(),
        os: inspect.os.clone().unwrap_or_default(),
        os_version: None,
        variant: inspect.variant.clone(),
    };
    if want.matches(&have) {
        return Ok(());
    }
    let mut available = format!("{}/{}", have.os, have.architecture);
    if let Some(v) = &have.variant {
        available.push('/');
        available.push_str(v);
    }
    Err(ImageError::NoPlatform {
        source_name: target.to_owned(),
        wanted: want.to_string(),
        available: vec![available],
    })
}

/// The analysis from the cache alone, when it holds the config under the
/// image ID and every layer's results; `None` means: export.
fn warm(
    target: &str,
    id: &Digest,
    diff_ids: &[Digest],
    analyzers: &[&dyn Analyzer],
    options: &AnalyzeOptions,
) -> Option<(Artifact, ImageAnalysis)> {
    let cache = &options.cache;
    let raw = cache.load_config(id)?;
    let config: ImageConfig = serde_json::from_slice(&raw).ok()?;
    let config_diff_ids = super::oci::diff_ids(&config, target).ok()?;
    if config_diff_ids != diff_ids {
        return None;
    }
    let layers = diff_ids
        .iter()
        .enumerate()
        .map(|(index, diff_id)| Layer {
            index,
            digest: None,
            diff_id: diff_id.clone(),
            media_type: None,
            size: None,
            history: None,
            created_by: None,
            location: FROM_CACHE.to_owned(),
        })
        .collect();
    let artifact = Artifact::new(
        target.to_owned(),
        id.clone(),
        config,
        raw,
        layers,
        Arc::new(StreamedBlobs {
            source: target.to_owned(),
        }),
    );
    let analyses = artifact
        .layers
        .iter()
        .map(|l| analyze::from_cache(l, analyzers, cache))
        .collect::<Option<Vec<_>>>()?;
    Some((artifact, analyze::assemble(analyses, Vec::new())))
}
