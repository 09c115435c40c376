"""Global options after the command, against the emulator (issue #11, item 1)."""

from __future__ import annotations

import json

from tests.e2e.conftest import Run


def test_output_and_quiet_after_the_command(run: Run) -> None:
    result = run("services", "execute", "my-folder/my-service", "value=42", "-o", "json", "-q")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["response_data"]["outputs"]["doubled"] == 84
    assert result.stderr == ""


def test_verbose_after_the_command_logs_the_request(run: Run) -> None:
    result = run("folders", "find", "--verbose")
    assert result.exit_code == 0, result.stderr
    assert "POST" in result.stderr and "product/list" in result.stderr
