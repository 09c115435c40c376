"""The installed `cspark` executable, run as a subprocess: the README demo flow against a separately started
emulator, and `cspark emulator start` writing the `local` profile and stopping on Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

pytest.importorskip("cspark_emulator")
CSPARK = shutil.which("cspark") or str(Path(sys.executable).with_name("cspark"))
pytestmark = pytest.mark.skipif(not Path(CSPARK).exists(), reason="the cspark executable is not installed")


def first_line(stream: IO[str]) -> dict[str, Any]:
    line = stream.readline()
    assert line, "the process printed nothing"
    return dict(json.loads(line))


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


@pytest.fixture
def server() -> Iterator[dict[str, Any]]:
    """`python -m cspark_emulator --port 0 --samples`, stopped after the test."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cspark_emulator", "--port", "0", "--samples"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        yield first_line(proc.stdout)
    finally:
        stop(proc)


def cspark(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CSPARK, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def environ(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("CSPARK_")}, **extra}


def test_the_demo_flow(server: dict[str, Any], hermetic_env: dict[str, Path]) -> None:
    env = environ(
        CSPARK_BASE_URL=server["url"], CSPARK_API_KEY=server["api_key"],
        CSPARK_CONFIG_DIR=str(hermetic_env["config"]), CSPARK_CACHE_DIR=str(hermetic_env["cache"]),
    )  # fmt: skip
    table = cspark("services", "execute", "my-folder/my-service", "--inputs", "value=42", env=env)
    assert table.returncode == 0, table.stderr
    shown = {k: v.strip() for k, v in (line.split(":", 1) for line in table.stdout.splitlines())}
    assert shown == {"doubled": "84", "squared": "1764", "label": "Value is 42"}
    as_json = cspark(
        "-o", "json", "services", "execute", "my-folder/my-service", "--inputs", "value=42", env=env
    )
    assert json.loads(as_json.stdout)["response_data"]["outputs"]["doubled"] == 84
    many = cspark("-o", "csv", "services", "execute", "my-folder/my-service", "--records", "-", env=env,
                  stdin="value\n1\n2\n")  # fmt: skip
    assert many.stdout.splitlines() == ["doubled,label,squared", "2,Value is 1,1", "4,Value is 2,4"]
    bad = cspark("services", "execute", "my-folder/my-service", "--inputs", "value", env=env)
    assert bad.returncode == 2 and bad.stdout == "" and "--inputs" in bad.stderr
    assert server["api_key"] not in table.stdout + table.stderr + bad.stderr


def test_emulator_start_writes_the_local_profile(hermetic_env: dict[str, Path]) -> None:
    env = environ(CSPARK_CONFIG_DIR=str(hermetic_env["config"]), CSPARK_CACHE_DIR=str(hermetic_env["cache"]))
    proc = subprocess.Popen(
        [CSPARK, "emulator", "start", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = first_line(proc.stdout)
        config = hermetic_env["config"] / "config.toml"
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert info["api_key"] in config.read_text() and info["url"] in config.read_text()
        found = cspark("-p", "local", "-o", "json", "services", "search", env=env)
        assert found.returncode == 0, found.stderr
        assert {s["serviceName"] for s in json.loads(found.stdout)["response_data"]} >= {
            "my-service",
            "quote",
        }
    finally:
        code = stop(proc)
    assert code == 0  # Ctrl-C is the documented way to stop it, not an interruption
    assert proc.stderr is not None
    said = proc.stderr.read()
    assert info["url"] in said and said.rstrip().endswith("Stopped the emulator") and "error" not in said
    restarted = subprocess.Popen(
        [CSPARK, "emulator", "start", "--port", "0", "--no-samples"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert restarted.stdout is not None
        again = first_line(restarted.stdout)
        assert again["api_key"] == info["api_key"]  # the profile's key is reused
        empty = cspark("-p", "local", "-o", "json", "services", "search", env=env)
        assert empty.returncode == 0 and json.loads(empty.stdout)["response_data"] == []
    finally:
        stop(restarted)
