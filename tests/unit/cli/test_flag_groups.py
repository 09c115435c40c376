"""Flag groups (issue #12): `ExecuteFlags` is the one home of the flags `services execute`, `validate` and
`transform` share; `flag_group_params` puts a group's fields in a command's signature, in its place."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from cspark_cli.app import build_group, load_group
from cspark_cli.commands import COMMANDS
from cspark_cli.options import ExecuteFlags, flag_group_params

SHARED = [
    "--version", "--version-id", "--transaction-date",
    "--call-purpose", "--source-system", "--correlation-id",
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Pair:
    left: Annotated[int, typer.Option("--left", help="Left.")] = 1
    right: Annotated[str | None, typer.Option("--right", help="Right.")] = None


def test_a_group_becomes_options_in_its_place_and_one_object_for_the_command() -> None:
    seen: list[tuple[str, Pair, bool]] = []
    app = typer.Typer()

    @app.command()
    @flag_group_params
    def run(name: str, pair: Pair = Pair(), last: Annotated[bool, typer.Option("--last")] = False) -> None:
        """Runs."""
        seen.append((name, pair, last))

    result = CliRunner().invoke(app, ["n", "--right", "r", "--left", "3", "--last"])
    assert result.exit_code == 0, result.output
    assert seen == [("n", Pair(3, "r"), True)]
    assert CliRunner().invoke(app, ["n"]).exit_code == 0 and seen[-1] == ("n", Pair(), False)
    help_text = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"}).stdout
    assert "Runs." in help_text
    assert help_text.index("--left") < help_text.index("--right") < help_text.index("--last")


def test_execute_validate_and_transform_take_the_execute_flags_in_the_same_order() -> None:
    assert [f.name for f in dataclasses.fields(ExecuteFlags)] == [
        flag.lstrip("-").replace("-", "_") for flag in SHARED
    ]
    group = build_group(load_group("services"), "services", COMMANDS["services"])
    ctx = typer.Context(group)
    for name in ("execute", "validate", "transform"):
        command = group.get_command(ctx, name)  # type: ignore[attr-defined]
        flags = [p.opts[0] for p in command.get_params(typer.Context(command)) if p.opts[0] in SHARED]
        assert flags == SHARED, name


def test_the_options_sent_are_the_flags_given_with_the_date_checked() -> None:
    flags = ExecuteFlags(version="1.2.0", transaction_date=" 2026-01-02 ", call_purpose="ci")
    assert flags.options() == {"version": "1.2.0", "active_since": "2026-01-02", "call_purpose": "ci"}
    with pytest.raises(typer.BadParameter, match="'soon' is not an ISO date") as info:
        ExecuteFlags(transaction_date="soon").options()
    assert info.value.param_hint == "'--transaction-date'"
