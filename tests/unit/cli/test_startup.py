"""Start-up budget (issue #13): what a command imports and builds, not how long it takes (timings belong to
`bench/startup.py`; a shared CI machine is too noisy to assert them).

- Every parameter of every command converts without pydantic (Typer 0.29 would import it and build a
  TypeAdapter per option, ~130 ms); plain conversions still refuse bad values with exit 2.
- A group builds only the command that runs.
- `services execute --help` imports neither the SDK nor httpx, pydantic, rich or asyncio.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cspark_cli.app import CommandsGroup, build_group, load_group
from cspark_cli.coercion import PlainParam
from cspark_cli.commands import COMMANDS
from cspark_cli.main import app


def _all_commands() -> list[tuple[str, object]]:
    found = []
    for area in COMMANDS:
        group = build_group(load_group(area), area, COMMANDS[area])
        ctx = typer.Context(group)
        for name in group.list_commands(ctx):  # type: ignore[attr-defined]
            found.append((f"{area} {name}", group.get_command(ctx, name)))  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize(("path", "command"), _all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_parameter_converts_without_pydantic(path: str, command: object) -> None:
    ctx = typer.Context(command)  # type: ignore[arg-type]
    for param in command.get_params(ctx):  # type: ignore[attr-defined]
        assert isinstance(param._runtime_param, PlainParam), f"{path}: {param.name} would import pydantic"


def test_the_root_options_convert_without_pydantic() -> None:
    root = typer.main.get_command(app)
    root.make_context("cspark", ["--version"], resilient_parsing=True)
    for param in root.get_params(typer.Context(root)):
        assert isinstance(param._runtime_param, PlainParam), param.name


def test_a_group_builds_only_the_command_that_runs() -> None:
    group = build_group(load_group("services"), "services", COMMANDS["services"])
    assert isinstance(group, CommandsGroup)
    ctx = typer.Context(group)
    assert "execute" in group.list_commands(ctx) and group.commands == {}
    group.get_command(ctx, "execute")
    assert list(group.commands) == ["execute"]


def test_group_help_lists_every_command_without_building_them() -> None:
    result = CliRunner().invoke(app, ["services", "--help"])
    assert result.exit_code == 0
    for name in ("execute", "download", "compilation-status", "delete"):
        assert f"  {name} " in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunk-size", "0"], "0 is less than the minimum, 1"),
        (["--chunk-size", "ten"], "'ten' is not a whole number"),
        (["--concurrency", "2.5"], "'2.5' is not a whole number"),
    ],
)
def test_plain_conversion_refuses_bad_values_naming_the_flag(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["services", "execute", "f/s", *args])
    assert result.exit_code == 2
    assert message in result.stderr and args[0] in result.stderr


def test_plain_conversion_of_floats_paths_and_lists(tmp_path: Path) -> None:
    info = typer.models.OptionInfo(min=0.001)
    param = PlainParam(parameter_info=info, annotation=float)
    assert param._coerce_value("1.5", None, None) == 1.5
    with pytest.raises(typer.BadParameter, match="not a finite number"):
        param._coerce_value("nan", None, None)
    listed = PlainParam(parameter_info=typer.models.OptionInfo(), annotation=list[int])
    assert listed._coerce_value(("1", "2"), None, None) == [1, 2]
    exists = PlainParam(parameter_info=typer.models.OptionInfo(exists=True), annotation=Path)
    with pytest.raises(typer.BadParameter, match="does not exist"):
        exists._coerce_value(str(tmp_path) + "/missing.xlsx", None, None)


_PROBE = """
import json, sys
sys.argv = ["cspark", *sys.argv[1:]]
from cspark_cli.main import run
try:
    run()
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def imported_by(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a `cspark` command line imports, run in a fresh interpreter."""
    command = [sys.executable, "-c", _PROBE, *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    line = proc.stderr.rsplit("MODULES ", 1)[-1]
    return set(json.loads(line))


def test_execute_help_imports_no_sdk_http_or_rich() -> None:
    modules = imported_by("services", "execute", "--help")
    tops = {name.split(".")[0] for name in modules}
    assert not tops & {"cspark_core", "httpx", "httpcore", "pydantic", "rich", "asyncio", "cspark_emulator"}


@pytest.mark.parametrize(("path", "command"), _all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_help_names_values_for_people(path: str, command: object) -> None:
    """Help says `N`, `SECONDS`, `NAME`, `FOLDER/SERVICE`, `table|json|csv`; never Typer's type dump."""
    result = CliRunner().invoke(app, [*path.split(), "--help"])
    assert result.exit_code == 0, result.stderr
    usage = result.stdout.splitlines()[0]
    assert "{" not in usage, usage
    for dump in ("<str>", "<int", "<float", "<list[", "<path>", "<file>"):
        assert dump not in result.stdout, f"`cspark {path} --help` shows {dump!r}"


@pytest.mark.parametrize(("path", "command"), _all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_examples_that_use_its_own_flags(path: str, command: object) -> None:
    import shlex

    from cspark_cli.examples import EXAMPLES
    from cspark_cli.options import GLOBAL_FLAGS, GLOBAL_VALUED

    examples = EXAMPLES[path]
    assert examples and "Examples:" in (command.epilog or "")  # type: ignore[attr-defined]
    ctx = typer.Context(command)  # type: ignore[arg-type]
    known = {o for p in command.get_params(ctx) for o in (*p.opts, *p.secondary_opts)}  # type: ignore[attr-defined]
    for line in examples:
        words = shlex.split(line.split("#", 1)[0].replace("$(", " ").replace(")", " "))
        start = words.index("cspark")
        assert " ".join(words[start + 1 : start + 1 + len(path.split())]) == path, line
        flags = {w.split("=", 1)[0] for w in words if w.startswith("-")}
        assert flags <= known | GLOBAL_FLAGS | GLOBAL_VALUED, f"{line}: {flags - known}"


def test_only_the_output_format_flag_shows_the_formats() -> None:
    """`--selected-output` names an output of the service, not `table|json|csv`."""
    result = CliRunner().invoke(app, ["batches", "run", "--help"], env={"COLUMNS": "120"})
    assert "--selected-output OUTPUT" in result.stdout and "table|json|csv" not in result.stdout
