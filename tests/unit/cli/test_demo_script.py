"""`scripts/demo.sh` reinstalls only when the virtualenv is not current (issue #11, item 10): a stamp records
this checkout and its pyproject.toml; `--needs-install` says whether the install step would run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "scripts" / "demo.sh"


def needs_install(venv: Path, stamp: Path) -> str:
    env = {**os.environ, "CSPARK_VENV": str(venv), "CSPARK_DEMO_STAMP": str(stamp)}
    proc = subprocess.run(
        ["bash", str(DEMO), "--needs-install"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.skipif(not (Path(sys.prefix) / "bin" / "python").exists(), reason="needs a virtualenv")
def test_the_install_runs_only_when_the_environment_changed(tmp_path: Path) -> None:
    venv, stamp = Path(sys.prefix), tmp_path / "stamp"
    assert needs_install(venv, stamp) == "yes"  # never installed by the demo
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp.write_text(f"{digest} {ROOT}\n")
    assert needs_install(venv, stamp) == "no"  # this checkout, same pyproject.toml, packages import
    stamp.write_text(f"{'0' * 64} {ROOT}\n")
    assert needs_install(venv, stamp) == "yes"  # pyproject.toml changed since
    assert needs_install(tmp_path / "no-venv", stamp) == "yes"
