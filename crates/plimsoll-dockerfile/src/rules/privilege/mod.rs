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
    volume_sensitive,
    useradd_no_log_init,
    user_non_numeric,
    workdir_system_dir,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[(
    "DL3046",
    "hadolint's ShellCheck-based arguments replace every variable with the placeholder ${VAR}, six characters, so `useradd -u $NB_UID` counts as a high UID even with ENV NB_UID 1000; Plimsoll expands ARG/ENV defaults and reports only UIDs >= 100000 or without a default (yinyuanzhang+dockerfiles/data/r/rpy2/odsc-pdaibp-slides/Dockerfile:89)",
)];
