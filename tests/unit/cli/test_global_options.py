"""Global options anywhere on the line (issue #11, item 1): `-p`, `-o`, `-q`, `-v`, `--debug`, `--no-color`
are defined once, on the root, and work before or after the command, as in aws, gh and kubectl."""

from __future__ import annotations

import os

import pytest

from cspark_cli.options import hoist_global_options
from cspark_cli.profiles import ProfileStore, config_dir
from tests.unit.cli.conftest import Harness

URL = "https://excel.uat.us.coherent.global/acme"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["services", "execute", "f/s", "value=1", "-p", "local"],
            ["-p", "local", "services", "execute", "f/s", "value=1"],
        ),
        (
            ["folders", "find", "-o", "json", "-q", "--debug"],
            ["-o", "json", "-q", "--debug", "folders", "find"],
        ),
        (["folders", "find", "--output=csv", "-pwork"], ["--output=csv", "-pwork", "folders", "find"]),
        (["-v", "folders", "find", "--no-color"], ["-v", "--no-color", "folders", "find"]),
        (["services", "execute", "f/s", "--", "-p", "x"], ["services", "execute", "f/s", "--", "-p", "x"]),
        (["folders", "find", "-o"], ["folders", "find", "-o"]),  # no value: click reports it
    ],
)
def test_global_options_move_in_front_of_the_command(args: list[str], expected: list[str]) -> None:
    assert hoist_global_options(args) == expected


def test_profile_after_the_command(harness: Harness) -> None:
    result = harness.run(["folders", "find", "-o", "json", "--profile", "work"])
    assert result.exit_code == 4  # no profile 'work': --profile was read as the global option
    assert "no profile named 'work'" in result.stderr


def test_a_bad_global_option_after_the_command_is_a_usage_error(harness: Harness) -> None:
    result = harness.run(["folders", "find", "-o", "yaml"])
    assert result.exit_code == 2
    assert "'yaml' is not one of table, json, csv" in result.stderr


def test_auth_login_takes_the_profile_name_from_profile(harness: Harness) -> None:
    result = harness.run(
        ["auth", "login", "--profile", "work", "--base-url", URL, "--api-key-stdin", "--no-verify"], input="k"
    )
    assert result.exit_code == 0, result.stderr
    assert ProfileStore(config_dir(os.environ)).load().profiles["work"].base_url == URL
