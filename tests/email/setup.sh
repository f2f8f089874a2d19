#!/usr/bin/env bash
# Installs aiosmtpd (PyPI) into a virtualenv in ${LMD_CACHE:-$HOME/.cache/logminer-doctor}: the
# real SMTP server tests/it/email.rs sends to. Idempotent: does nothing when it is there.
set -euo pipefail
cache="${LMD_CACHE:-$HOME/.cache/logminer-doctor}"
venv="$cache/aiosmtpd-venv"
if "$venv/bin/python" -c "import aiosmtpd" 2>/dev/null; then
    echo "email test dependencies: present"
    exit 0
fi
mkdir -p "$cache"
python3 -m venv "$venv"
"$venv/bin/pip" install -q "aiosmtpd==1.4.6"
echo "email test dependencies: installed aiosmtpd in $venv"
