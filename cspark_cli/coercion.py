"""Converting flag values without pydantic: plain conversions for the few types cspark's commands use.

Typer 0.29 converts every option and argument through a pydantic `TypeAdapter`, built when the command
runs: importing pydantic and building the adapters of one command with options costs ~130 ms, more than
the rest of a `cspark services execute`. Our commands take only `str`, `int`, `float` (with `min`/`max`),
`bool`, `Path` (maybe `exists=True`), a `Literal` of choices (the sets in `options`), and lists of these,
which need no pydantic:
`install()` gives each such parameter a plain converter through Typer's per-parameter hook
(`_TyperParameter._runtime_param`, a private attribute of Typer 0.29, hence the `<0.30` pin). A parameter
of any other type keeps Typer's own conversion; `tests/unit/cli/test_startup.py` fails if any command has
one, and checks that `services execute` never imports pydantic.

The same pass writes help for people: each option's value is named (`N`, `SECONDS`, `NAME`, `a|b|c`)
instead of Typer's `<int range>` or `<str>`, and arguments show their metavar alone (`FOLDER/SERVICE`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

import typer
from typer._coercion import RuntimeParam  # Typer 0.29's per-parameter conversion contract
from typer._param_types import coerce_cli_path
from typer.core import TyperArgument, TyperCommand

from .options import check_choice, choices_of

__all__ = ["PlainCommand", "PlainHelp", "install", "install_param", "is_plain"]

_LEAVES = (str, int, float, bool)
_Command = TypeVar("_Command")


def _leaf_supported(annotation: Any) -> bool:
    return (
        annotation in _LEAVES
        or choices_of(annotation) is not None
        or (isinstance(annotation, type) and issubclass(annotation, Path))
    )


def is_plain(annotation: Any, parameter_info: Any) -> bool:
    """True when `PlainParam` converts this annotation exactly (no custom parser, no tuple, no date)."""
    if getattr(parameter_info, "parser", None) is not None:
        return False
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return _leaf_supported(item)
    return _leaf_supported(annotation)


class PlainParam(RuntimeParam):
    """Converts one parameter's value(s) with plain Python; errors are `BadParameter` (exit 2). (Typer's
    frozen dataclass adds no field here, so it is not decorated again: ~1 ms less at every start.)"""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        annotation: Any = self.annotation  # a type annotation (Typer declares the field loosely)
        if get_origin(annotation) is list:
            (item,) = get_args(annotation)
            values = value if isinstance(value, (list, tuple)) else [value]
            return [self._leaf(item, v, param, ctx) for v in values]
        return self._leaf(annotation, value, param, ctx)

    def _leaf(self, annotation: Any, value: Any, param: Any, ctx: Any) -> Any:
        info = self.parameter_info
        if annotation is str:
            return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        if annotation is bool:
            return _bool(value, param, ctx)
        if annotation is int or annotation is float:
            return _number(annotation, value, info, param, ctx)
        choices = choices_of(annotation)
        if choices is not None:  # a choice flag: the one check of `options`, naming the flag
            flag = max(param.opts, key=len) if param is not None else "value"
            return check_choice(flag, str(value), choices)
        # a Path: Typer's own checks (exists, file_okay, dir_okay, ...) on the string, then the Path type
        checked = coerce_cli_path(str(value), info, path_type=None, param=param, ctx=ctx)
        return annotation(checked)


_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}


def _bool(value: Any, param: Any, ctx: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise typer.BadParameter(f"{value!r} is not true or false", ctx=ctx, param=param)


def _number(kind: type, value: Any, info: Any, param: Any, ctx: Any) -> Any:
    if isinstance(value, kind) and not isinstance(value, bool):
        number = value
    else:
        try:
            number = kind(str(value).strip())
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise typer.BadParameter(f"{value!r} is not {what}", ctx=ctx, param=param) from None
        if kind is float and not math.isfinite(number):
            raise typer.BadParameter(f"{value!r} is not a finite number", ctx=ctx, param=param)
    low, high = info.min, info.max
    if info.clamp:
        if low is not None and number < low:
            return kind(low)
        return kind(high) if high is not None and number > high else number
    if low is not None and number < low:
        raise typer.BadParameter(f"{value} is less than the minimum, {low}", ctx=ctx, param=param)
    if high is not None and number > high:
        raise typer.BadParameter(f"{value} is more than the maximum, {high}", ctx=ctx, param=param)
    return number


class PlainArgument(TyperArgument):
    """An argument shown by its metavar alone: `FOLDER/SERVICE`, not `{LOCATOR}` and `LOCATOR <str>`."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return f"{name}..." if self.nargs != 1 else name


_NAMED = {  # option name (or its last word) -> the word its help shows for the value
    "output": "table|json|csv",  # -o/--output only: another option ending in -output names an output
    "selected-output": "OUTPUT",
    "profile": "NAME",
    "name": "NAME",
    "tenant": "NAME",
    "env": "ENV",
    "url": "URL",
    "version": "VERSION",
    "id": "ID",
    "date": "DATE",
    "since": "DATE",
    "purpose": "TEXT",
    "system": "NAME",
    "type": "TYPE",
}


def metavar_for(param: Any) -> str | None:
    """The word a person reads for an option's value (`N`, `SECONDS`, `NAME`, `a|b|c`), from its choices,
    name, help and type; None for flags and for options that chose their own."""
    if param.metavar is not None or getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    annotation = param.type_descriptor.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    choices = choices_of(annotation)
    if choices is not None:
        return "|".join(choices)
    long = max(param.opts, key=len).lstrip("-")
    help_text = (param.help or "").lower()
    if annotation is float or annotation is int:
        if "millisecond" in help_text:
            return "MS"
        if "second" in help_text or long.endswith(("timeout", "interval")):
            return "SECONDS"
        return "N" if annotation is int else "NUMBER"
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "FILE" if not param.type_descriptor.parameter_info.dir_okay else "PATH"
    last = long.rsplit("-", 1)[-1]
    for key in (long, last if last != "output" else ""):
        if key in _NAMED:
            return _NAMED[key]
    return "TEXT"


def install_param(param: Any) -> None:
    """Give one parameter a plain converter when Typer made it and its type allows (else leave it), and
    help written for people: a metavar for each option's value, arguments by their metavar alone."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
        return
    if type(param) is TyperArgument:
        param.__class__ = PlainArgument
    elif getattr(param, "param_type_name", "") == "option":
        param.metavar = metavar_for(param) or param.metavar
    if descriptor.file_annotation is None and is_plain(descriptor.annotation, descriptor.parameter_info):
        info, annotation = descriptor.parameter_info, descriptor.annotation
        param._runtime_param = PlainParam(parameter_info=info, annotation=annotation)


def install(command: _Command) -> _Command:
    """Give each parameter of `command` (and of the subcommands it already holds) a plain converter, when its
    type allows; returns `command`."""
    for param in getattr(command, "params", ()):
        install_param(param)
    for sub in getattr(command, "commands", {}).values():
        install(sub)
    return command


class PlainHelp:
    """Mixin for click commands: `--help`, made per command on first use, converts without pydantic too."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]  # a mixin: the click class follows it
        if option is not None:
            install_param(option)
        return option


class PlainCommand(PlainHelp, TyperCommand):
    """A Typer command whose parameters (its `--help` included) convert without pydantic."""
