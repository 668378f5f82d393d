# Sourced by scripts/lock.sh and scripts/bootstrap.sh (from the project root): puts the pinned uv of
# scripts/uv-requirements.txt into var/lock-tool (its own venv, pip checking every hash) unless it is
# there already, and sets UV to its path.
UV_VERSION=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' scripts/uv-requirements.txt)
UV=var/lock-tool/bin/uv
if [ ! -x "$UV" ] || [ "$("$UV" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  rm -rf var/lock-tool
  "${PYTHON:-python3}" -m venv var/lock-tool
  var/lock-tool/bin/pip install -q --require-hashes -r scripts/uv-requirements.txt
fi
