//! Packages rules: version pins and package-manager hygiene.

mod cmdargs;

crate::rules::group! {
    apt_get_pin,
    apk_add_pin,
    pip_install_pin,
    npm_install_pin,
    gem_install_pin,
    yum_install_pin,
    zypper_install_pin,
    dnf_install_pin,
    go_install_pin,
    apt_get_yes,
    yum_yes,
    zypper_yes,
    dnf_yes,
    apt_no_recommends,
    apk_no_cache,
    apt_used,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[];
