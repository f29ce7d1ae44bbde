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
    os_upgrade,
    zypper_dist_upgrade,
    update_alone,
    apt_get_yes,
    yum_yes,
    zypper_yes,
    dnf_yes,
    apt_no_recommends,
    apk_no_cache,
    apt_used,
    apt_lists,
    yum_clean,
    dnf_clean,
    zypper_clean,
    yarn_cache,
    pip_cache,
}

/// hadolint rules of this group where Plimsoll deliberately differs, with the reason.
pub const HADOLINT_DEVIATIONS: &[(&str, &str)] = &[(
    "DL3009",
    "hadolint accepts any `rm -rf` as removing the apt lists but not `apt-get dist-clean` (apt >= 2.7) or `rm -r /var/lib/apt/lists`; \
     Plimsoll requires the lists (or a parent directory) to be removed: e.g. docker-library+php/8.2/trixie/cli/Dockerfile:32 \
     (dist-clean, hadolint reports), vimagick+dockerfiles/nodebb/Dockerfile.debian:17 (`rm -rf /tmp/npm*`, hadolint silent)",
)];
