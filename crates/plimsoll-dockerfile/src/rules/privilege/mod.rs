//! Privilege rules.

mod modes;
mod stage_env;

crate::rules::group! {
    user_root,
    user_missing,
    run_sudo,
    run_su,
    chmod_world_writable,
    chmod_setuid,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[];
