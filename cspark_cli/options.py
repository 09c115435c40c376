"""Shared option and argument types (`Annotated`), so every command spells them the same way.

```python
@app.command("delete")
def delete(ctx: typer.Context, locator: LocatorArg, yes: YesOpt = False) -> None: ...
```
`OutputOpt` may be added to any command so `-o json` also works after the command name; it takes effect
through a callback and is not passed to the function (declare it as `_output: OutputOpt = None`).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated

import typer

from .output import FORMATS

__all__ = [
    "DebugOpt",
    "InputArgs",
    "InputsOpt",
    "LocatorArg",
    "NoColorOpt",
    "OutputOpt",
    "ProfileOpt",
    "QuietOpt",
    "RecordsFileOpt",
    "VerboseOpt",
    "YesOpt",
    "check_iso",
    "check_locator",
    "complete_output",
    "complete_profiles",
]


def complete_profiles(incomplete: str) -> list[str]:
    """Profile names for shell completion (never fails: completion must stay quiet)."""
    from .profiles import ProfileStore, config_dir

    try:
        names = ProfileStore(config_dir(os.environ)).load().profiles
    except Exception:
        return []
    return [name for name in names if name.startswith(incomplete)]


def complete_output(incomplete: str) -> list[str]:
    return [f for f in FORMATS if f.startswith(incomplete)]


def _apply_output(ctx: typer.Context, value: str | None) -> str | None:
    """Callback of a command-level `-o`: switch the run's Output to that format."""
    if value is None or ctx.resilient_parsing:
        return value
    from .context import AppContext, resolve_output_format

    cli = ctx.find_object(AppContext)
    if cli is not None:
        cli.out.format = resolve_output_format(value, {}, None)
    return value


ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "-p",
        "--profile",
        help="Profile to use (default: CSPARK_PROFILE, then the default profile).",
        autocompletion=complete_profiles,
        show_default=False,
    ),
]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        help="Output format: table, json or csv (default: CSPARK_OUTPUT, the profile's, then table).",
        autocompletion=complete_output,
        callback=_apply_output,
        expose_value=False,
        show_default=False,
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colours (also NO_COLOR).")]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Print data and errors only.")]
VerboseOpt = Annotated[
    bool,
    typer.Option("-v", "--verbose", help="Log each HTTP request and its status on stderr (secrets masked)."),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the traceback when a command fails.")]
YesOpt = Annotated[
    bool, typer.Option("-y", "--yes", help="Do not ask for confirmation (required without a terminal).")
]
LocatorArg = Annotated[
    str,
    typer.Argument(
        metavar="LOCATOR",
        help="A service: folder/service[version], service/<id> or version/<id>.",
        show_default=False,
    ),
]
InputsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--inputs",
        metavar="INPUT",
        help="Inputs: key=value (typed), key:=<json>, a JSON object, @file.json or - for stdin. Repeatable.",
        show_default=False,
    ),
]
InputArgs = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="INPUT",
        help="More inputs after the locator, as --inputs takes them: `value=42 plan=gold`.",
        show_default=False,
    ),
]
RecordsFileOpt = Annotated[
    str,
    typer.Option(
        "--file",
        metavar="PATH",
        help="Records: a .jsonl, .json (array) or .csv file, or - for stdin.",
        show_default=False,
    ),
]
NoWaitOpt = Annotated[bool, typer.Option("--no-wait", help="Start the job, print its id and return.")]


# -- checking dates and locators before the first request (usage errors, exit 2, naming the flag) ----------
def check_iso(flag: str, value: str | None) -> str | None:
    """An ISO date or timestamp (None passes); a `typer.BadParameter` naming `flag` otherwise."""
    if value is None:
        return None
    try:
        datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO date or timestamp (e.g. 2025-03-01 or 2025-03-01T09:00:00)",
            param_hint=f"'{flag}'",
        ) from None
    return value.strip()


# -- checking a locator before the first request (a usage error, exit 2, not a settings error) ----------
def check_locator(value: str, *, folder_service: bool = False, param: str = "LOCATOR") -> str:
    """Parse a service locator with the SDK's parser; raise `typer.BadParameter` naming `param` when it is
    malformed, or (with `folder_service`) when the command needs the `folder/service` form."""
    from cspark_core.errors import SparkSdkError
    from cspark_core.locator import Uri

    try:
        target = Uri.parse(value)
        if folder_service:
            target.long_path()
    except SparkSdkError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{param}'") from None
    return value
