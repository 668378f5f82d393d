#!/usr/bin/env bash
# Regenerates pylock.toml (PEP 751: runtime + dev dependencies of pyproject.toml, every package
# pinned with the hashes of its files) with uv, the pinned version of scripts/uv-requirements.txt
# installed into var/lock-tool (scripts/uv.sh). Run it after any change to the dependencies in
# pyproject.toml and commit both files; scripts/bootstrap.sh installs from the lock, every file
# checked against its hash.
# It also writes requirements.txt, the same pins and hashes in pip's format (scripts/pylock_to_requirements.py).
#   scripts/lock.sh            regenerate from the pins in pyproject.toml (keeps other locked versions)
#   scripts/lock.sh --upgrade  also move the transitive dependencies to their newest versions
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv.sh
"$UV" pip compile pyproject.toml --extra dev --generate-hashes \
  --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  --custom-compile-command scripts/lock.sh --no-strip-extras \
  --output-file pylock.toml "$@"
# The same lock in pip's requirements format, for tools that read only that (pip, dependency scanners).
.venv/bin/python scripts/pylock_to_requirements.py pylock.toml requirements.txt 2>/dev/null \
  || python3 scripts/pylock_to_requirements.py pylock.toml requirements.txt
