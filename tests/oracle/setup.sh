#!/usr/bin/env bash
# Installs what tests/it/oracle.rs needs: sqlglot (PyPI, pinned) for the Oracle-dialect parse of
# sql/*.sql, into ${LMD_CACHE:-$HOME/.cache/logminer-doctor}/py. No Oracle Client is needed.
set -euo pipefail
CACHE="${LMD_CACHE:-$HOME/.cache/logminer-doctor}"
if [ ! -d "$CACHE/py/sqlglot" ]; then
  python3 -m pip install --quiet --target "$CACHE/py" 'sqlglot==30.30.0'
fi
echo "sqlglot in $CACHE/py"
