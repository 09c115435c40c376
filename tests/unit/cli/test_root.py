"""The root app: version, help everywhere, lazy loading, and errors -> one line + exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from cspark._version import __version__
from cspark_cli.commands import COMMANDS
from cspark_cli.exit_codes import describe
from cspark_cli.main import app
from cspark_core import (
    BadRequestError,
    JobFailedError,
    NotFoundError,
    RateLimitError,
    UnauthorizedError,
    UnknownApiError,
)
from tests.unit.cli.conftest import Harness
from tests.unit.cli.test_startup import imported_by

ENV_ONLY = [
    "CSPARK_BASE_URL=https://excel.test.coherent.global/acme",
    "CSPARK_BEARER_TOKEN=env-token-0123456789",
]


def test_version_from_both_paths() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"cspark {__version__}\n")
    fast = subprocess.run(
        [sys.executable, "-m", "cspark_cli", "--version"], capture_output=True, text=True, check=True
    )
    assert fast.stdout == result.stdout


def _command_paths() -> Iterator[list[str]]:
    from cspark_cli.app import LazyGroup

    root = LazyGroup.registry
    for name in root:
        yield [name]
        group = __import__(f"cspark_cli.commands.{name.replace('-', '_')}", fromlist=["app"]).app
        import typer.main

        for sub in typer.main.get_group(group).list_commands(None):  # type: ignore[arg-type]
            yield [name, sub]


@pytest.mark.parametrize("path", [[], *_command_paths()], ids=lambda p: " ".join(p) or "root")
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_on_every_command(path: list[str], flag: str) -> None:
    result = CliRunner().invoke(app, [*path, flag])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Usage: cspark {' '.join(path)}".rstrip())


def test_root_help_lists_every_registered_group() -> None:
    result = CliRunner().invoke(app, ["--help"])
    for name, help_line in COMMANDS.items():
        assert name in result.stdout and help_line[:30] in result.stdout


def _loaded_after(*args: str) -> set[str]:
    """Which heavy modules (httpx, the SDK, Typer, rich, command modules) a fresh `cspark` run imports."""
    modules = imported_by(*args)
    commands = {m for m in modules if m.startswith("cspark_cli.commands.")}
    return {m for m in modules if m in {"httpx", "cspark_core", "typer", "rich"} or m in commands}


def test_version_imports_nothing_heavy() -> None:
    assert _loaded_after("--version") == set()


def test_help_imports_no_sdk_and_no_command_module() -> None:
    loaded = _loaded_after("--help")
    assert "httpx" not in loaded and "cspark_core" not in loaded
    assert not any(m.startswith("cspark_cli.commands.") for m in loaded)


def test_a_group_is_imported_only_when_used() -> None:
    loaded = _loaded_after("profiles", "list")
    assert "cspark_cli.commands.profiles" in loaded and "cspark_cli.commands.auth" not in loaded
    assert "httpx" not in loaded  # a local command never loads the SDK


def test_unknown_command_is_a_usage_error_with_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["profils"])
    assert result.exit_code == 2
    assert "No such command 'profils'" in result.stderr and "'profiles'" in result.stderr
    assert result.stdout == ""


def test_bad_output_flag_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["-o", "yaml", "profiles", "list"])
    assert result.exit_code == 2 and "'yaml' is not one of table, json, csv" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "yaml", "profiles", "list"], "error: Invalid value for '--output': 'yaml' is not one of"),
        (["profiles", "list", "--bogus"], "error: No such option: --bogus"),
        (["profiles", "use"], "error: Missing argument 'NAME'"),
        (["auth", "login", "--default-output", "yaml"], "error: Invalid value for '--default-output'"),
    ],
)
def test_usage_errors_are_one_line_and_a_hint_like_every_other_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines  # not Click's usage line, "Try ..." line, blank line and "Error: ..."
    assert lines[0].startswith(message) and lines[1].startswith("hint: see `cspark") and "--help`" in lines[1]


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (
            NotFoundError("folder not found", request_id="rid-404"),
            3,
            "folder not found (HTTP 404, request id rid-404)",
        ),
        (UnauthorizedError("invalid API key", request_id="rid-401"), 4, "invalid API key (HTTP 401"),
        (BadRequestError("bad request"), 5, "bad request (HTTP 400)"),
        (UnknownApiError("Spark is unreachable"), 6, "Spark is unreachable"),
        (RateLimitError("too many requests"), 6, "too many requests (HTTP 429)"),
        (JobFailedError("export failed", request_id="j1"), 7, "export failed"),
        (ZeroDivisionError("boom"), 1, "unexpected error: ZeroDivisionError: boom"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
)
def test_errors_become_one_line_and_an_exit_code(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, error: BaseException, code: int, message: str
) -> None:
    for item in ENV_ONLY:
        monkeypatch.setenv(*item.split("=", 1))
    harness.error = error
    result = harness.run(["auth", "token"])
    assert result.exit_code == code
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and message in first
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert harness.clients[0].closed  # closed through ctx.call_on_close


def test_debug_shows_the_traceback_and_keeps_the_code(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    for item in ENV_ONLY:
        monkeypatch.setenv(*item.split("=", 1))
    harness.error = NotFoundError("gone")
    result = harness.run(["--debug", "auth", "token"])
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr and "NotFoundError: gone" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: gone")


def test_no_configuration_at_all_is_exit_4_with_a_hint() -> None:
    result = CliRunner().invoke(app, ["auth", "token"])
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "error: no Spark profile or base URL is configured",
        "hint: run `cspark auth login`, or set CSPARK_BASE_URL and CSPARK_API_KEY",
    ]


def test_quiet_keeps_errors(harness: Harness) -> None:
    result = harness.run(["-q", "profiles", "use", "nope"])
    assert result.exit_code == 4 and result.stderr.startswith("error: no profile named 'nope'")


def test_command_level_output_flag(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    for item in ENV_ONLY:
        monkeypatch.setenv(*item.split("=", 1))
    result = harness.run(["auth", "status", "-o", "json"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["authenticated"] is True and data["sources"] == {"location": "env", "auth": "env"}


def test_install_completion_writes_the_shell_script(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "/bin/bash")
    proc = subprocess.run(
        [sys.executable, "-m", "cspark_cli", "--install-completion"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "_CSPARK_COMPLETE" in (tmp_path / ".bash_completions" / "cspark.sh").read_text()


def test_an_unknown_profile_hints_at_the_profile_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPARK_PROFILE", "nope")
    result = CliRunner().invoke(app, ["auth", "token"])
    assert result.exit_code == 4 and result.stderr.splitlines() == [
        "error: no profile named 'nope' (CSPARK_PROFILE) (there are no profiles yet)",
        "hint: `cspark profiles list` shows them; `cspark auth login --name nope` creates it",
    ]  # not "set CSPARK_BASE_URL and CSPARK_API_KEY": the variables would not be used with a bad profile


@pytest.mark.parametrize("args", [["--help"], ["services", "execute", "f/s"]])
def test_without_the_cli_extra_one_line_names_the_install_command(args: list[str]) -> None:
    """`pip install cspark` (the SDK alone) installs `cspark` without Typer: one line and exit 4."""
    probe = "import sys; sys.modules['typer'] = None; from cspark_cli.main import run; run()"
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 4
    assert proc.stdout == ""
    assert proc.stderr == (
        "error: the cspark command needs its CLI extra (typer is missing): pip install 'cspark[cli]'\n"
    )


def test_a_missing_cli_package_found_late_is_reported_the_same_way() -> None:
    failure = describe(ModuleNotFoundError("No module named 'platformdirs'", name="platformdirs"))
    assert failure.code == 4 and "pip install 'cspark[cli]'" in failure.message
    assert describe(ModuleNotFoundError("No module named 'numpy'", name="numpy")).code == 1
