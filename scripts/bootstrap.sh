#!/usr/bin/env bash
# Creates .venv and installs the locked dependencies from pylock.toml (PEP 751; every package
# pinned, every file checked against its hash) with the pinned uv of scripts/uv.sh, then the project
# itself without resolving anything, and checks the result with pip check. Runs again only when
# pylock.toml, pyproject.toml or the uv pin changed. The lock is made by scripts/lock.sh.
#
# Bytecode is written ahead of time (the packages at install, the project's own modules on every run,
# only those that changed): with PYTHONDONTWRITEBYTECODE set, as on our CI machines, every process
# would otherwise compile its imports from source, about 1.7 s for a job or worker process to start
# (phonenumbers' metadata alone is hundreds of modules).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
stamp=".venv/.installed-$(cat pylock.toml pyproject.toml scripts/uv-requirements.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv || { apt-get update -qq && apt-get install -y -qq python3-venv && "$PYTHON" -m venv .venv; }
  fi
  source scripts/uv.sh
  echo "[bootstrap] installing the locked Python dependencies into .venv"
  "$UV" pip install -q --compile-bytecode --require-hashes --python .venv/bin/python -r pylock.toml
  .venv/bin/pip install -q --no-deps -e .
  .venv/bin/pip check
  rm -f .venv/.installed-*
  touch "$stamp"
fi
.venv/bin/python -m compileall -q -j 0 api_service indexer_worker shared bench >/dev/null
