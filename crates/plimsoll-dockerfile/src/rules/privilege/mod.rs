//! Privilege rules.

mod modes;
mod ports;
mod stage_env;

crate::rules::group! {
    user_root,
    user_missing,
    run_sudo,
    run_su,
    chmod_world_writable,
    chmod_setuid,
    expose_sensitive_port,
    expose_invalid_port,
    expose_host_port,
    expose_wide_range,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[];
