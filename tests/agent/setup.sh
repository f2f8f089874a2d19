#!/usr/bin/env bash
# Installs what the agent tests need from Debian: prometheus-alertmanager (the real Alertmanager
# the alert test posts to and reads back) and prometheus (for `promtool check metrics`).
# Idempotent: does nothing when both are there.
set -euo pipefail
need=()
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
command -v promtool >/dev/null || need+=(prometheus)
if [ ${#need[@]} -eq 0 ]; then
    echo "agent test dependencies: present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends: the packages' daemons are started by the tests, not by the system.
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The packages enable system services; the tests start their own instances on free ports.
for svc in prometheus prometheus-alertmanager; do
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
echo "agent test dependencies: installed ${need[*]}"
