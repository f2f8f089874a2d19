#!/usr/bin/env bash
# Installs what tests/it/oracle.rs and tests/it/stack.rs need, idempotently: sqlglot (PyPI,
# pinned) for the Oracle-dialect parse of sql/*.sql, into
# ${LMD_CACHE:-$HOME/.cache/logminer-doctor}/py, and Debian's docker-compose to validate and
# resolve docker-compose.yml (its dependency python3-yaml turns that output into JSON for
# tests/it/stack.rs). No Oracle Client or Docker engine.
set -euo pipefail
CACHE="${LMD_CACHE:-$HOME/.cache/logminer-doctor}"
if [ ! -d "$CACHE/py/sqlglot" ]; then
  python3 -m pip install --quiet --target "$CACHE/py" 'sqlglot==30.30.0'
fi
echo "sqlglot in $CACHE/py"

# Debian's docker-compose (1.29, Python): `docker-compose config` validates docker-compose.yml
# without a Docker engine (tests/it/oracle.rs).
if ! command -v docker-compose >/dev/null; then
  echo "setup.sh: installing Debian's docker-compose package" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends docker-compose >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends docker-compose >&2
  fi
fi
command -v docker-compose >/dev/null || { echo "setup.sh: docker-compose missing after install" >&2; exit 1; }
python3 -c 'import yaml' || { echo "setup.sh: python3-yaml (docker-compose's dependency) missing" >&2; exit 1; }
echo "docker-compose: $(docker-compose version --short 2>/dev/null || echo present)"
