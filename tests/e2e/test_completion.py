"""Dynamic completion of locators (issue #11, item 13): folder names, then `folder/service`, from the active
profile, cached for a minute, quiet and quick when Spark is unreachable; the bash script uses it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cspark_core import Client
from tests.e2e.conftest import Run

ROOT = Path(__file__).resolve().parents[2]


def test_folders_then_services(run: Run) -> None:
    assert run("__complete-locator").stdout.splitlines() == ["my-folder/", "pricing/"]
    assert run("__complete-locator", "pri").stdout.splitlines() == ["pricing/"]
    assert run("__complete-locator", "pricing/q").stdout.splitlines() == ["pricing/quote"]


def test_names_are_cached_for_a_minute(run: Run, sdk: Client) -> None:
    assert "pricing/quote" in run("__complete-locator", "pricing/").stdout
    sdk.services.delete("pricing/quote")
    assert "pricing/quote" in run("__complete-locator", "pricing/").stdout  # from the cache, no request


def test_an_unreachable_spark_completes_nothing_quickly(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CSPARK_BASE_URL", f"http://127.0.0.1:{port}/local")
    started = time.monotonic()
    result = run("__complete-locator", "pri")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert time.monotonic() - started < 5


def test_bash_completes_a_locator(emulator: Any) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CSPARK_BASE_URL": emulator.url,
        "CSPARK_API_KEY": emulator.api_key,
    }
    script = (
        f"source {ROOT / 'completions' / 'cspark.bash'}; "
        "COMP_WORDS=(cspark services execute pricing/qu); COMP_CWORD=3; _cspark; echo ${COMPREPLY[@]}"
    )
    proc = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["pricing/quote"], proc.stderr


def test_a_cached_completion_loads_neither_the_sdk_nor_pydantic(emulator: Any, tmp_path: Path) -> None:
    from tests.unit.cli.test_startup import imported_by

    env = {**os.environ, "CSPARK_BASE_URL": emulator.url, "CSPARK_API_KEY": emulator.api_key}
    env["CSPARK_CACHE_DIR"] = str(tmp_path)
    first = imported_by("__complete-locator", "pri", env=env)
    assert "cspark_core.resources.services" in first  # asked Spark, and cached the names
    again = {name.split(".")[0] for name in imported_by("__complete-locator", "pri", env=env)}
    assert not again & {"cspark_core", "httpx", "pydantic", "rich", "asyncio"}
