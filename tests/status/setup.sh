#!/usr/bin/env bash
# Installs what tests/it/status_page.rs needs from Debian: headless Chromium (the real browser
# that loads the status page, dumps its DOM with and without JavaScript and takes screenshots).
# Idempotent: does nothing when /usr/bin/chromium is there.
set -euo pipefail
if command -v chromium >/dev/null; then
    echo "status page test dependencies: present ($(chromium --version 2>/dev/null || echo chromium))"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends: no desktop integration; fonts-dejavu-core so text in screenshots renders.
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "status page test dependencies: installed chromium"
