#!/usr/bin/env bash
# Creates .venv and installs the project with its pinned dependencies (again only when
# pyproject.toml changed).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv || { apt-get update -qq && apt-get install -y -qq python3-venv && "$PYTHON" -m venv .venv; }
  fi
  echo "[bootstrap] installing Python dependencies into .venv"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
