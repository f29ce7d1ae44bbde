//! Trust rules.

use crate::image_ref::ImageRef;
use crate::parser::{Args, Word};
use crate::rules::Ctx;

/// A FROM as the trust rules judge it.
pub(crate) struct FromImage<'a> {
    /// The image word as written.
    pub image: &'a Word,
    /// The reference with global ARGs expanded; `None` when an ARG has no value.
    pub resolved: Option<String>,
    /// The reference names an earlier build stage, not an image.
    pub is_stage: bool,
}

impl FromImage<'_> {
    /// The reference parsed: the resolved one, or as written when unresolved.
    pub fn reference(&self) -> ImageRef {
        ImageRef::parse(self.resolved.as_deref().unwrap_or(&self.image.value))
    }

    /// How to name the image in a message: `${BASE} (= debian:12)`.
    pub fn shown(&self) -> String {
        match &self.resolved {
            Some(v) if *v != self.image.value => format!("{} (= {v})", self.image.value),
            _ => self.image.value.clone(),
        }
    }
}

/// Every FROM in file order, with earlier stage names recognised.
pub(crate) fn from_images<'a>(cx: &'a Ctx<'_>) -> Vec<FromImage<'a>> {
    let mut aliases: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for inst in &cx.df.instructions {
        let Args::From { image, alias } = &inst.args else {
            continue;
        };
        let resolved = cx.resolve_image(&image.value);
        let judged = resolved.as_deref().unwrap_or(&image.value);
        let is_stage = aliases.iter().any(|a| a.eq_ignore_ascii_case(judged));
        out.push(FromImage {
            image,
            resolved,
            is_stage,
        });
        if let Some(a) = alias {
            aliases.push(&a.value);
        }
    }
    out
}

crate::rules::group! {
    from_untagged,
    from_latest,
    from_no_digest,
    from_untrusted_registry,
    from_platform_fixed,
    from_platform_redundant,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[(
    "DL3029",
    "hadolint reports every FROM --platform, Plimsoll accepts values built from variables (--platform=$BUILDPLATFORM is the documented cross-compilation pattern) and reports fixed or invalid values; no corpus file uses --platform",
)];
