"""requirements.txt is pylock.toml in pip's format: same packages, versions, markers and hashes."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _converter() -> ModuleType:
    path = ROOT / "scripts/pylock_to_requirements.py"
    spec = importlib.util.spec_from_file_location("pylock_to_requirements", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_requirements_txt_is_the_committed_lock_in_pips_format() -> None:
    expected = _converter().requirements_text((ROOT / "pylock.toml").read_text())
    hint = "run scripts/lock.sh (or scripts/pylock_to_requirements.py)"
    assert (ROOT / "requirements.txt").read_text() == expected, hint


def test_every_locked_package_is_pinned_with_the_hash_of_each_of_its_files() -> None:
    lock = tomllib.loads((ROOT / "pylock.toml").read_text())
    text = (ROOT / "requirements.txt").read_text()
    for package in lock["packages"]:
        assert f"\n{package['name']}=={package['version']}" in text
        for file in [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]:
            assert f"--hash=sha256:{file['hashes']['sha256']}" in text
    assert "fastapi==0.165.0" in text and "pytest==9.2.0" in text
