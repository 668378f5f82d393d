#!/usr/bin/env bash
# Creates .venv and installs the locked dependencies from requirements.lock (every package pinned,
# every file checked against its hash), then the project itself without resolving anything. Runs
# again only when requirements.lock or pyproject.toml changed. The lock is made by scripts/lock.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
stamp=".venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv || { apt-get update -qq && apt-get install -y -qq python3-venv && "$PYTHON" -m venv .venv; }
  fi
  echo "[bootstrap] installing the locked Python dependencies into .venv"
  .venv/bin/pip install -q --require-hashes --no-deps -r requirements.lock
  .venv/bin/pip install -q --no-deps -e .
  .venv/bin/pip check
  rm -f .venv/.installed-*
  touch "$stamp"
fi
