"""Shared option and argument types (`Annotated`), so every command spells them the same way.

```python
@app.command("delete")
def delete(ctx: typer.Context, locator: LocatorArg, yes: YesOpt = False) -> None: ...
```
A group of flags several commands take together is a frozen dataclass of such types (`ExecuteFlags`);
`@flag_group_params` lets a command take it as one parameter (see `flag_group_params`).
Global options (`-p`, `-o`, `-q`, `-v`, `--debug`, `--no-color`) are defined once, on the root; they work
anywhere on the line because `hoist_global_options` moves them in front of the command before parsing.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar, cast, get_args, get_origin, get_type_hints

import typer

from .output import FORMATS

__all__ = [
    "GLOBAL_FLAGS",
    "GLOBAL_VALUED",
    "ApiVersion",
    "Bump",
    "CallPurposeOpt",
    "CorrelationIdOpt",
    "DebugOpt",
    "DownloadType",
    "ExecuteFlags",
    "FileFilter",
    "ForceOpt",
    "IfExists",
    "InputArgs",
    "InputsOpt",
    "LocatorArg",
    "LogType",
    "NoColorOpt",
    "PollIntervalOpt",
    "ProfileOpt",
    "QueryOpt",
    "QuietOpt",
    "RecordsFileOpt",
    "ResponseFormat",
    "ResultFormat",
    "SourceSystemOpt",
    "TimeoutOpt",
    "UpgradeOpt",
    "ValidationType",
    "VerboseOpt",
    "VersionFilter",
    "YesOpt",
    "check_choice",
    "check_iso",
    "check_locator",
    "choices_of",
    "complete_locators",
    "complete_output",
    "complete_profiles",
    "flag_group_params",
    "hoist_global_options",
    "parse_json_object",
    "sdk_spelling",
]

_Choice = TypeVar("_Choice", bound=str)
_Command = TypeVar("_Command", bound=Callable[..., Any])


def complete_profiles(incomplete: str) -> list[str]:
    """Profile names for shell completion (never fails: completion must stay quiet)."""
    from .profiles import ProfileStore, config_dir

    try:
        names = ProfileStore(config_dir(os.environ)).load().profiles
    except Exception:
        return []
    return [name for name in names if name.startswith(incomplete)]


def complete_locators(ctx: typer.Context, incomplete: str) -> list[str]:
    """Folder and service names from the active profile, for Typer's completion (see `completion`)."""
    from .completion import locator_candidates
    from .context import AppContext

    try:
        cli = ctx.find_object(AppContext) or AppContext()
        return locator_candidates(cli, incomplete)
    except Exception:  # completion must stay quiet
        return []


def complete_output(incomplete: str) -> list[str]:
    return [f for f in FORMATS if f.startswith(incomplete)]


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
QueryOpt = Annotated[
    str | None,
    typer.Option(
        "--query",
        metavar="EXPR",
        help="A JMESPath expression applied to the JSON data (as -o json prints it); a single value prints"
        " bare: `--query outputs.doubled` prints 84.",
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
        metavar="FOLDER/SERVICE",
        help="A service: folder/service[version], service/<id> or version/<id>.",
        autocompletion=complete_locators,
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

# -- options several areas share (one definition each) ----------
CallPurposeOpt = Annotated[str | None, typer.Option("--call-purpose", help="Call purpose, for the logs.")]
SourceSystemOpt = Annotated[
    str | None, typer.Option("--source-system", help="Source system, for the logs (default: cspark).")
]
CorrelationIdOpt = Annotated[
    str | None, typer.Option("--correlation-id", help="Correlation id, for the logs.")
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.001, help="Seconds to wait for the job (exit 7 after).")
]
PollIntervalOpt = Annotated[
    float, typer.Option("--poll-interval", min=0, help="Seconds between status checks.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]
VersionOpt = Annotated[str | None, typer.Option("--version", help="Semantic version, e.g. 1.2.0.")]
VersionIdOpt = Annotated[str | None, typer.Option("--version-id", help="Version id (overrides --version).")]
TransactionDateOpt = Annotated[
    str | None,
    typer.Option("--transaction-date", "--active-since", help="Use the version active at this ISO date."),
]


# -- flag groups: flags several commands take together, one parameter of the command ----------
@dataclass(frozen=True)
class ExecuteFlags:
    """Which version runs and how the call is logged: the flags `services execute`, `validate` and
    `transform` share (the SDK's `ExecuteOptions` of those names)."""

    version: VersionOpt = None
    version_id: VersionIdOpt = None
    transaction_date: TransactionDateOpt = None
    call_purpose: CallPurposeOpt = None
    source_system: SourceSystemOpt = None
    correlation_id: CorrelationIdOpt = None

    def options(self) -> dict[str, Any]:
        """The SDK's execute options for the flags given (a usage error for a bad --transaction-date)."""
        options = {
            "version": self.version,
            "version_id": self.version_id,
            "active_since": check_iso("--transaction-date", self.transaction_date),
            "call_purpose": self.call_purpose,
            "source_system": self.source_system,
            "correlation_id": self.correlation_id,
        }
        return {key: value for key, value in options.items() if value is not None}


def flag_group_params(command: _Command) -> _Command:
    """Let `command` take a flag group (a dataclass of option types, such as `ExecuteFlags`) as one
    parameter: Typer reads the group's fields as the command's own options, in the group's place, and the
    command is called with the group built from them."""
    return cast(_Command, _FlagGroups(command))


class _FlagGroups:
    """A command whose signature, as Typer reads it (`inspect.signature` honours `__signature__`), has each
    flag group's fields in place of the group. Worked out when Typer builds the command, not at import:
    only the command that runs pays for evaluating its annotations."""

    def __init__(self, command: Callable[..., Any]) -> None:
        assigned = [name for name in functools.WRAPPER_ASSIGNMENTS if name != "__annotations__"]
        functools.update_wrapper(self, command, assigned=assigned)
        self._command = command

    @functools.cached_property
    def _layout(self) -> tuple[inspect.Signature, dict[str, Any]]:
        """The signature Typer reads (its annotations evaluated), and the groups' parameter names and
        classes."""
        hints = get_type_hints(self._command, include_extras=True)
        params: list[inspect.Parameter] = []
        groups: dict[str, Any] = {}
        for param in inspect.signature(self._command).parameters.values():
            kind = hints.get(param.name, param.annotation)
            if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
                params.append(param.replace(annotation=kind))
                continue
            groups[param.name] = kind
            fields = get_type_hints(kind, include_extras=True)
            params += [
                inspect.Parameter(f.name, param.kind, default=f.default, annotation=fields[f.name])
                for f in dataclasses.fields(kind)
            ]
        return inspect.Signature(params), groups

    @property
    def __signature__(self) -> inspect.Signature:
        return self._layout[0]

    @property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        """The annotations of `__signature__`, evaluated already: Typer reads them (`get_type_hints`) twice
        per command, and evaluating text annotations each time costs ~3 ms for `services execute`."""
        return {name: param.annotation for name, param in self._layout[0].parameters.items()}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for name, kind in self._layout[1].items():
            kwargs[name] = kind(**{f.name: kwargs.pop(f.name) for f in dataclasses.fields(kind)})
        return self._command(*args, **kwargs)


# -- global options: accepted anywhere on the line ----------
# The root callback defines them (once); `hoist_global_options` moves any that come after the command's
# name in front of it, as aws, gh and kubectl allow: `cspark services execute f/s value=1 -p local -o json`.
GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose", "--debug", "--no-color"})
GLOBAL_VALUED = frozenset({"-p", "--profile", "-o", "--output", "--query"})


def hoist_global_options(args: list[str]) -> list[str]:
    """`args` with every global option (and its value) moved to the front, order kept; nothing after `--`
    moves. A valued option at the very end stays, so its "requires an argument" error still shows."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg in GLOBAL_FLAGS:
            front.append(arg)
        elif arg in GLOBAL_VALUED and i + 1 < len(args):
            front.extend(args[i : i + 2])
            i += 1
        elif arg.startswith(("--profile=", "--output=", "--query=")) or (
            arg[:2] in ("-p", "-o") and len(arg) > 2
        ):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


# -- choice flags: one Literal per value set, spelled as the command line takes it ----------
# A flag annotated with one of these lists its values in help (`a|b|c`) and in the completion scripts, and
# `coercion` checks what it is given with `check_choice`, before the command runs: a bad value is one
# `error:` line naming the flag and the values, exit 2. The values are written here, not imported, because
# `--help` must not import the SDK; where the SDK has the same set (named beside each), a unit test
# (tests/unit/cli/test_choices.py) fails when the two differ. Multi-word values are kebab-case, like the
# flags (`add-version`); `check_choice` takes `_` for `-` too (`add_version`), the SDK's spelling.
Bump = Literal["major", "minor", "patch"]  # SDK: services.VERSIONING, impex.UPGRADES
IfExists = Literal["abort", "replace", "add-version"]  # SDK: impex.EXISTING (`add_version`)
FileFilter = Literal["migrate", "onpremises"]  # SDK: impex.FILE_FILTERS
VersionFilter = Literal["latest", "all"]  # SDK: impex.VERSION_FILTERS
LogType = Literal["csv", "json"]  # SDK: logs.LogType
DownloadType = Literal["original", "configured"]  # SDK: services.DOWNLOAD_TYPES
ResponseFormat = Literal["original", "alike"]  # SDK: services.RESPONSE_FORMATS
ValidationType = Literal["static", "dynamic"]  # SDK: services.VALIDATION_TYPES
ApiVersion = Literal["v3", "v4"]  # SDK: services.API_VERSIONS
ResultFormat = Literal["csv", "jsonl"]  # the CLI's own: a `batches run --out` results file


UpgradeOpt = Annotated[Bump, typer.Option("--upgrade", help="Version bump for added versions.")]


def choices_of(annotation: Any) -> tuple[str, ...] | None:
    """The values of a choice flag's type (one of the Literals above), else None."""
    if get_origin(annotation) is Literal:
        return tuple(map(str, get_args(annotation)))
    return None


def sdk_spelling(value: str) -> str:
    """A choice value as the SDK spells it: `add-version` -> `add_version`."""
    return value.replace("-", "_")


# -- checking values before the first request (usage errors, exit 2, naming the flag) ----------
def check_choice(flag: str, value: str, choices: Sequence[_Choice]) -> _Choice:
    """`value` when it is one of `choices` (`_` may stand for `-`: `add_version` is `add-version`); a
    `typer.BadParameter` naming `flag` otherwise. The one check of a choice: `coercion` runs it for every
    flag typed with a Literal above, and `context` for `-o`'s other sources (CSPARK_OUTPUT)."""
    for choice in choices:
        if choice in (value, value.replace("_", "-")):
            return choice
    raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=f"'{flag}'")


def parse_json_object(flag: str, raw: str | None) -> dict[str, Any] | None:
    """A flag's JSON object (`--extras`, `--summary`; None when not given); a usage error naming `flag` for
    bad JSON or another JSON value."""
    from .inputs import parse_json_option

    if raw is None:
        return None
    value = parse_json_option(flag, raw)
    if not isinstance(value, dict):
        raise typer.BadParameter(f"must be a JSON object, got {type(value).__name__}", param_hint=f"'{flag}'")
    return value


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
