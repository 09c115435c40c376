"""Profiles and precedence through the installed `cspark` executable, against the real emulator."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

CANARY = "canary-SECRET-profile-key-0123456789"
EXE = os.path.join(os.path.dirname(sys.executable), "cspark")


def run(*args: str, input: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], input=input, capture_output=True, text=True, timeout=60, env={**os.environ, **env}
    )


def test_environment_variables_alone_are_enough(emulator: Any, hermetic_env: dict[str, Path]) -> None:
    proc = run("-o", "json", "auth", "status", CSPARK_BASE_URL=emulator.url, CSPARK_API_KEY=emulator.api_key)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["sources"] == {"location": "env", "auth": "env"}
    assert not (hermetic_env["config"] / "config.toml").exists()


def test_profiles_flags_env_precedence_and_masking(emulator: Any, hermetic_env: dict[str, Path]) -> None:
    good = run(
        "auth",
        "login",
        "--name",
        "good",
        "--base-url",
        emulator.url,
        "--api-key-stdin",
        input=emulator.api_key,
    )
    assert good.returncode == 0, good.stderr
    bad = run(
        "auth",
        "login",
        "--name",
        "bad",
        "--base-url",
        emulator.url,
        "--api-key-stdin",
        "--no-verify",
        input=CANARY,
    )
    assert bad.returncode == 0, bad.stderr
    config = hermetic_env["config"] / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600

    assert run("auth", "status").returncode == 0  # the default profile is the first one
    assert run("-p", "bad", "auth", "status").returncode == 4
    assert run("auth", "status", CSPARK_PROFILE="bad").returncode == 4
    assert run("-p", "good", "auth", "status", CSPARK_PROFILE="bad").returncode == 0  # the flag wins
    assert (
        run("-p", "bad", "auth", "status", CSPARK_API_KEY=emulator.api_key).returncode == 0
    )  # env over profile

    assert run("profiles", "use", "bad").returncode == 0
    listed = json.loads(run("-o", "json", "profiles", "list").stdout)
    assert listed["default"] == "bad" and [p["name"] for p in listed["profiles"]] == ["good", "bad"]
    shown = run("profiles", "show", "bad")
    assert shown.returncode == 0 and "****6789" in shown.stdout
    for proc in (bad, shown, run("-o", "csv", "profiles", "list"), run("-p", "bad", "-v", "auth", "status")):
        assert CANARY not in proc.stdout + proc.stderr
    assert run("profiles", "rm", "bad").returncode == 2  # no terminal, no --yes
    assert run("profiles", "rm", "bad", "--yes").returncode == 0
    assert run("auth", "status").returncode == 4  # no default profile any more
