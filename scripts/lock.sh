#!/usr/bin/env bash
# Regenerates requirements.lock (runtime + dev dependencies of pyproject.toml, every package pinned
# with its hashes) with uv, a pinned version from PyPI installed into var/lock-tool. Run it after
# any change to the dependencies in pyproject.toml and commit both files; scripts/bootstrap.sh
# installs from the lock with --require-hashes.
#   scripts/lock.sh            regenerate from the pins in pyproject.toml (keeps other locked versions)
#   scripts/lock.sh --upgrade  also move the transitive dependencies to their newest versions
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
PYTHON=${PYTHON:-python3}
tool=var/lock-tool
if [ ! -x "$tool/bin/uv" ] || [ "$("$tool/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  "$PYTHON" -m venv "$tool"
  "$tool/bin/pip" install -q "uv==$UV_VERSION"
fi
"$tool/bin/uv" pip compile pyproject.toml --extra dev --generate-hashes \
  --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  --custom-compile-command scripts/lock.sh --no-strip-extras \
  --output-file requirements.lock "$@"
