//! Trust rules.

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
