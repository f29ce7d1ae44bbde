#!/usr/bin/env bash
# Fetch real rpm BerkeleyDB databases (CentOS 5, 6, 7 and 8 images, plain and
# with extra packages) and their ground truth (`rpm -qa` run in each image), as
# shipped in Debian's golang-github-knqyf263-go-rpmdb-dev package, and unpack
# the package into DIR. The plimsoll-sbom test `rpmdb_fixtures` reads them when
# PLIMSOLL_RPMDB_FIXTURES=DIR is set:
#
#   bash scripts/fetch-rpmdb-fixtures.sh /tmp/rpmdb-fixtures
#   PLIMSOLL_RPMDB_FIXTURES=/tmp/rpmdb-fixtures cargo test -p plimsoll-sbom --test rpmdb_fixtures
#
# Needs apt-get and dpkg (a Debian-based machine). Idempotent.
set -euo pipefail

dest=${1:?usage: $0 DIR}
pkg=golang-github-knqyf263-go-rpmdb-dev
marker="$dest/usr/share/gocode/src/github.com/knqyf263/go-rpmdb/pkg/rpmdb_testcase.go"

if [ -f "$marker" ]; then
  echo "$dest: already unpacked"
  exit 0
fi

mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chown _apt "$work" 2>/dev/null || true # lets apt download as its unprivileged user

download() { (cd "$work" && apt-get download -q "$pkg"); }
if ! download; then
  apt-get update -q
  download
fi

deb=$(ls "$work"/"$pkg"_*.deb)
dpkg-deb -x "$deb" "$dest"
test -f "$marker"
echo "$dest: unpacked $(basename "$deb")"
