"""Choice flags (issue #12): one mechanism, the Literals of `cspark_cli.options`.

- Every choice flag of every command is typed with one of them (no Enum, no hand check in a command).
- Where the SDK has the same set, the CLI's equals it (`_` written `-`): `--help` cannot import the SDK to
  read it, so this test is what keeps the two from drifting apart.
- A bad value is one `error:` line naming the flag and the values, exit 2; `add_version` still works.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, get_args, get_origin

import pytest
import typer
from typer.testing import CliRunner

from cspark_cli import options
from cspark_cli.main import app
from cspark_cli.options import check_choice, choices_of
from cspark_cli.output import OutputFormat
from cspark_core.resources import impex, logs, services

from .test_startup import _all_commands

# the CLI's set -> the SDK's set of the same values (as the SDK spells them)
SDK_SETS: list[tuple[Any, tuple[str, ...]]] = [
    (options.Bump, services.VERSIONING),
    (options.Bump, impex.UPGRADES),
    (options.IfExists, impex.EXISTING),
    (options.FileFilter, impex.FILE_FILTERS),
    (options.VersionFilter, impex.VERSION_FILTERS),
    (options.LogType, get_args(logs.LogType)),
    (options.DownloadType, tuple(services.DOWNLOAD_TYPES)),
    (options.ResponseFormat, services.RESPONSE_FORMATS),
    (options.ValidationType, tuple(services.VALIDATION_TYPES)),
    (options.ApiVersion, services.API_VERSIONS),
]
CLI_ONLY = [options.ResultFormat, OutputFormat]


@pytest.mark.parametrize(("cli", "sdk"), SDK_SETS, ids=lambda v: "" if isinstance(v, tuple) else str(v))
def test_each_choice_set_is_the_sdks_with_dashes(cli: Any, sdk: tuple[str, ...]) -> None:
    assert sorted(get_args(cli)) == sorted(value.replace("_", "-") for value in sdk)


def _choice_type(annotation: Any) -> Any:
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return annotation


@pytest.mark.parametrize(("path", "command"), _all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_choice_flag_uses_a_set_of_options(path: str, command: Any) -> None:
    known = [cli for cli, _ in SDK_SETS] + CLI_ONLY
    for param in command.get_params(typer.Context(command)):
        annotation = _choice_type(param.type_descriptor.annotation)
        assert not (isinstance(annotation, type) and issubclass(annotation, Enum)), f"{path}: {param.name}"
        if choices_of(annotation) is not None:
            assert any(annotation == cli for cli in known), f"{path}: {param.name} has its own choice set"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["impex", "import", "{zip}", "--if-exists", "bad"], "'--if-exists': 'bad' is not one of abort, "
         "replace, add-version"),
        (["services", "promote", "f/s", "--if-present", "bad"], "'--if-present': 'bad' is not one of abort, "
         "replace, add-version"),
        (["services", "download", "f/s", "--type", "xml"], "'--type': 'xml' is not one of original, "
         "configured"),
        (["logs", "download", "f/s", "--type", "xml"], "'--type': 'xml' is not one of csv, json"),
        (["services", "recompile", "f/s", "--upgrade", "huge"], "'--upgrade': 'huge' is not one of major, "
         "minor, patch"),
        (["services", "execute", "f/s", "--response-format", "v4"], "'--response-format': 'v4' is not one of "
         "original, alike"),
        (["batches", "run", "f/s", "--file", "x.csv", "--out", "y.csv", "--format", "xml"], "'--format': "
         "'xml' is not one of csv, jsonl"),
    ],
)  # fmt: skip
def test_a_bad_choice_is_one_error_line_naming_flag_and_values(
    args: list[str], line: str, tmp_path: Any
) -> None:
    package = tmp_path / "p.zip"
    package.write_bytes(b"PK")
    result = CliRunner().invoke(app, [a.replace("{zip}", str(package)) for a in args])
    assert result.exit_code == 2
    errors = [text for text in result.stderr.splitlines() if text.startswith("error:")]
    assert errors == [f"error: Invalid value for {line}"]


def test_the_sdk_spelling_of_a_value_is_taken_too() -> None:
    assert check_choice("--if-exists", "add_version", get_args(options.IfExists)) == "add-version"
    assert options.sdk_spelling("add-version") == "add_version"
    with pytest.raises(typer.BadParameter, match="'add version' is not one of abort, replace, add-version"):
        check_choice("--if-exists", "add version", get_args(options.IfExists))


@pytest.mark.parametrize("spelling", ["add-version", "add_version"])
def test_promote_takes_either_spelling_and_sends_the_sdks(spelling: str) -> None:
    from .test_promote_verify import Fake, run

    fake = Fake()
    result = run(fake, "services", "promote", "f/s", "--if-present", spelling, "--upgrade", "major")
    assert result.exit_code == 0, result.stderr
    assert fake.migrated[0]["services_existing"] == "add_version"
    assert fake.migrated[0]["update_version_type"] == "major"
