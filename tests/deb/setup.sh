#!/usr/bin/env bash
# Installs what tests/it/deb.rs needs, idempotently: cargo-deb (crates.io, pinned, built once
# into ${LMD_CACHE:-$HOME/.cache/logminer-doctor}/cargo-deb) to build the package, and Debian's
# systemd package for `systemd-analyze verify` of the unit the package installs.
set -euo pipefail
CACHE="${LMD_CACHE:-$HOME/.cache/logminer-doctor}"
VERSION=3.8.0
if ! "$CACHE/cargo-deb/bin/cargo-deb" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "setup.sh: building cargo-deb $VERSION (a few minutes, once)" >&2
  # Its own target dir, so a CARGO_TARGET_DIR set for the project's build is not filled.
  CARGO_TARGET_DIR="$CACHE/cargo-deb/target" \
    cargo install --locked --quiet --root "$CACHE/cargo-deb" cargo-deb --version "$VERSION"
  rm -rf "$CACHE/cargo-deb/target"
fi
echo "cargo-deb: $("$CACHE/cargo-deb/bin/cargo-deb" --version)"

if ! command -v systemd-analyze >/dev/null; then
  echo "setup.sh: installing Debian's systemd package (systemd-analyze)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y -qq --no-install-recommends systemd >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends systemd >/dev/null
  fi
fi
command -v systemd-analyze >/dev/null || { echo "setup.sh: systemd-analyze missing after install" >&2; exit 1; }
echo "systemd-analyze: $(systemd-analyze --version | head -1)"
