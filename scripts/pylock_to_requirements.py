"""Writes requirements.txt from pylock.toml: the same pins, markers and file hashes in pip's format.

pylock.toml (PEP 751, made by scripts/lock.sh with uv) is what scripts/bootstrap.sh installs; this
derived copy is for tools that read only the requirements format (pip, dependency scanners):
``pip install --require-hashes -r requirements.txt`` installs exactly the same files. scripts/lock.sh
regenerates it after every lock, and tests/unit/test_lock_files.py fails when the two disagree.

    python scripts/pylock_to_requirements.py [pylock.toml] [requirements.txt]
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

HEADER = (
    "# Generated from pylock.toml by scripts/lock.sh (scripts/pylock_to_requirements.py); do not edit.\n"
    "# The same pins and hashes: pip install --require-hashes -r requirements.txt\n"
)


def requirements_text(pylock: str) -> str:
    """The requirements.txt equivalent of a pylock.toml document, packages in name order."""
    lock = tomllib.loads(pylock)
    lines = [HEADER]
    for package in sorted(lock["packages"], key=lambda p: p["name"]):
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        hashes = sorted({f["hashes"]["sha256"] for f in files})
        if not hashes:
            raise ValueError(f"{package['name']} has no file hash in the lock")
        requirement = f"{package['name']}=={package['version']}"
        if "marker" in package:
            requirement += f" ; {package['marker']}"
        lines.append(" \\\n".join([requirement, *(f"    --hash=sha256:{h}" for h in hashes)]) + "\n")
    return "".join(lines)


def main(argv: list[str]) -> None:
    source = Path(argv[0] if argv else "pylock.toml")
    target = Path(argv[1] if len(argv) > 1 else "requirements.txt")
    target.write_text(requirements_text(source.read_text()))


if __name__ == "__main__":
    main(sys.argv[1:])
