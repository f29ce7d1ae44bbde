//! Privilege rules.

mod stage_env;

crate::rules::group! {
    user_root,
    user_missing,
    run_sudo,
    run_su,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[];
