"""Every public SDK method has a CLI command: walk every area on `Client` (and the objects its methods and
properties hand out, such as the pipeline of `batches.of(id)` or `impex.exports`) and look for the command.

The rule (STYLE.md): a method's command is `cspark <area> <name>`, with `get_` dropped and `_` as `-`.
`RENAMED` lists where a command has another name; `NOT_COMMANDS` the methods that need none, with the reason.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from functools import cached_property
from typing import Any

import pytest
import typer

from cspark_cli.app import load_group
from cspark_cli.commands import COMMANDS
from cspark_core import Client
from cspark_core.resources._base import Resource

# SDK path -> the command that covers it ("group command", or "group command --flag")
RENAMED: dict[str, str] = {
    "impex.exp": "impex export",
    "impex.imp": "impex import",
    "impex.exports.initiate": "impex export --no-wait",
    "impex.exports.get_status": "impex export-status",
    "impex.exports.download": "impex download-export",
    "impex.exports.cancel": "impex cancel-export",
    "impex.exports.describe": "impex describe-exports",
    "impex.imports.initiate": "impex import --no-wait",
    "impex.imports.get_status": "impex import-status",
    "impex.imports.describe": "impex describe-imports",
    "logs.initiate_download": "logs download --no-wait",
    "files.stream": "files download",  # the command streams to a file; an iterator is for Python callers
    "services.execute_many": "services execute --records",
}
# SDK path -> why no command
NOT_COMMANDS: dict[str, str] = {
    "batches.of": "a factory: the pipeline it returns has the commands (batches info/status/push/...)",
    "impex.migrate": "its command is `services promote` (between profiles), in another group than impex",
}


def _client() -> Client:
    return Client("https://excel.test.coherent.global/tenant", api_key="not-a-key", environ={}, logger=False)


def _nested(obj: Any, name: str, member: Any) -> Any | None:
    """The SDK object a member hands out (a cached_property, or a factory such as `of(id)`), else None."""
    if isinstance(inspect.getattr_static(type(obj), name, None), cached_property):
        value = getattr(obj, name)
        return value if isinstance(value, Resource) else None
    if not callable(member):
        return None
    annotation = inspect.signature(member).return_annotation
    module = inspect.getmodule(type(obj))
    returned = getattr(module, annotation, None) if isinstance(annotation, str) else annotation
    if inspect.isclass(returned) and issubclass(returned, Resource):
        return member("an-id")
    return None


def sdk_methods(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    """(SDK path, default command) for every public method under `obj`; nested objects stay in the area."""
    area = path.split(".")[0]
    for name in sorted(dir(type(obj))):
        if name.startswith("_"):
            continue
        member = getattr(obj, name)
        if not (callable(member) or isinstance(member, Resource)):
            continue
        child = _nested(obj, name, member)
        if child is not None:
            if callable(member):  # a factory is a method too (listed, then its object walked)
                yield f"{path}.{name}", f"{area} {name}"
            yield from sdk_methods(child, f"{path}.{name}")
            continue
        if callable(member):
            yield f"{path}.{name}", f"{area} {name.removeprefix('get_').replace('_', '-')}"


def areas() -> list[str]:
    return sorted(n for n, v in vars(Client).items() if isinstance(v, cached_property))


def command_names(area: str) -> dict[str, Any]:
    group = typer.main.get_group(load_group(area))
    return dict(group.commands)


def test_every_area_is_a_registered_group() -> None:
    assert set(areas()) - set(COMMANDS) == set()


@pytest.mark.parametrize("area", areas())
def test_every_public_method_has_a_command(area: str) -> None:
    client = _client()
    try:
        methods = dict(sdk_methods(getattr(client, area), area))
    finally:
        client.close()
    missing = missing_commands(methods, command_names(area))
    assert not missing, "SDK methods without a command:\n  " + "\n  ".join(missing)


def missing_commands(methods: dict[str, str], commands: dict[str, Any]) -> list[str]:
    """The SDK paths (with the command wanted) that no command covers."""
    missing = []
    for path, default in methods.items():
        if path in NOT_COMMANDS:
            continue
        wanted = RENAMED.get(path, default).split()
        command = commands.get(wanted[1])
        flags = {opt for param in getattr(command, "params", []) for opt in param.opts}
        if command is None or not set(wanted[2:]) <= flags:
            missing.append(f"{path} -> cspark {' '.join(wanted)}")
    return missing


def test_a_missing_command_or_flag_is_reported() -> None:
    group = typer.main.get_group(load_group("impex"))
    commands = {name: cmd for name, cmd in group.commands.items() if name != "export-status"}
    methods = {"impex.exports.get_status": "impex status", "impex.imports.initiate": "impex initiate"}
    assert missing_commands(methods, commands) == ["impex.exports.get_status -> cspark impex export-status"]
    no_flag = {**commands, "import": group.commands["import-status"]}  # a command without --no-wait
    assert missing_commands(methods, no_flag)[-1] == "impex.imports.initiate -> cspark impex import --no-wait"


def test_the_exception_tables_name_real_methods() -> None:
    client = _client()
    try:
        known = {path for area in areas() for path, _ in sdk_methods(getattr(client, area), area)}
    finally:
        client.close()
    assert set(RENAMED) | set(NOT_COMMANDS) <= known


def test_the_walk_reaches_nested_objects() -> None:
    """The pipeline of `batches.of(id)` and `impex.exports` are walked, not just the areas' own methods."""
    client = _client()
    try:
        batches = dict(sdk_methods(client.batches, "batches"))
        impex = dict(sdk_methods(client.impex, "impex"))
    finally:
        client.close()
    assert batches["batches.of.get_info"] == "batches info"
    assert batches["batches.of.cancel"] == "batches cancel"
    assert "impex.exports.get_status" in impex and "impex.imports.describe" in impex
