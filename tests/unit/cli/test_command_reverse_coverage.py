"""The reverse of test_command_coverage: every CLI command maps to an SDK method, or is named here as
CLI-only with the reason. A command that does neither is logic the SDK lacks (STYLE.md: the SDK does the
work, a command is parse → call → render).

A command maps to `<area>.<name>` or `<area>.get_<name>` (`-` as `_`), to a method of an object the area
hands out (`batches.of(id).info`, `impex.exports.describe`), or to a `RENAMED` entry of the forward test.
"""

from __future__ import annotations

import typer

from cspark_cli.app import app as root_app
from cspark_cli.app import load_group
from cspark_cli.commands import COMMANDS

from .test_command_coverage import RENAMED, _client, areas, sdk_methods

# whole groups with no SDK area: they manage the CLI's own state or run the emulator
CLI_ONLY_GROUPS: dict[str, str] = {
    "auth": "credentials of the CLI's profiles (the SDK takes them as Settings)",
    "profiles": "the CLI's saved profiles",
    "emulator": "runs the local emulator (cspark_emulator), not a Spark call",
}
# "group command" -> the SDK function it calls, where that is not `<area>.<command>`
ELSEWHERE: dict[str, str] = {
    "services promote": "impex.migrate",  # between two profiles' clients, so not under impex
    "services compare": "compare.compare_services",  # cspark_core.compare, beside the Client
}
# "group command" (or "command" on the root) -> why no SDK method
CLI_ONLY_COMMANDS: dict[str, str] = {
    "__complete-locator": "the hidden helper the shell completion scripts call",
}


def _commands(group: typer.Typer) -> list[str]:
    return sorted(typer.main.get_group(group).commands)


def _sdk_paths() -> set[str]:
    client = _client()
    try:
        return {path for area in areas() for path, _ in sdk_methods(getattr(client, area), area)}
    finally:
        client.close()


def _covered_by(area: str, command: str, paths: set[str]) -> bool:
    if f"{area} {command}" in ELSEWHERE:
        return True
    if any(wanted.split()[:2] == [area, command] for wanted in RENAMED.values()):
        return True
    name = command.replace("-", "_")
    return any(path.split(".")[0] == area and path.split(".")[-1] in (name, f"get_{name}") for path in paths)


def uncovered() -> list[str]:
    paths = _sdk_paths()
    found = []
    for area in COMMANDS:
        if area in CLI_ONLY_GROUPS:
            continue
        for command in _commands(load_group(area)):
            if f"{area} {command}" not in CLI_ONLY_COMMANDS and not _covered_by(area, command, paths):
                found.append(f"cspark {area} {command}")
    return found


def test_every_command_maps_to_an_sdk_method_or_is_named_cli_only() -> None:
    missing = uncovered()
    assert not missing, "commands with no SDK method (add one, or name them CLI-only):\n  " + "\n  ".join(
        missing
    )


def test_root_commands_are_groups_or_named_cli_only() -> None:
    root = typer.main.get_command(root_app)
    ctx = typer.Context(root)
    extra = set(root.list_commands(ctx)) - set(COMMANDS)  # type: ignore[attr-defined]
    assert extra <= set(CLI_ONLY_COMMANDS), sorted(extra - set(CLI_ONLY_COMMANDS))


def test_the_elsewhere_table_names_real_sdk_functions() -> None:
    import importlib

    paths = _sdk_paths()
    for target in ELSEWHERE.values():
        module, _, name = target.rpartition(".")
        assert target in paths or callable(getattr(importlib.import_module(f"cspark_core.{module}"), name))


def test_a_command_without_an_sdk_method_is_reported() -> None:
    paths = _sdk_paths()
    assert _covered_by("batches", "info", paths)  # batches.of(id).get_info
    assert _covered_by("impex", "export-status", paths)  # RENAMED
    assert not _covered_by("services", "frobnicate", paths)


def test_the_cli_only_tables_name_real_commands() -> None:
    assert set(CLI_ONLY_GROUPS) <= set(COMMANDS)
    root = typer.main.get_command(root_app)
    names = set(root.list_commands(typer.Context(root)))  # type: ignore[attr-defined]
    for entry in CLI_ONLY_COMMANDS:
        group, _, command = entry.rpartition(" ")
        assert (command in _commands(load_group(group))) if group else (command in names), entry
