"""Converting flag values without pydantic: plain conversions for the few types cspark's commands use.

Typer 0.29 converts every option and argument through a pydantic `TypeAdapter`, built when the command
runs: importing pydantic and building the adapters of one command with options costs ~130 ms, more than
the rest of a `cspark services execute`. Our commands take only `str`, `int`, `float` (with `min`/`max`),
`bool`, `Path` (maybe `exists=True`), an `Enum` of choices, and lists of these, which need no pydantic:
`install()` gives each such parameter a plain converter through Typer's per-parameter hook
(`_TyperParameter._runtime_param`, a private attribute of Typer 0.29, hence the `<0.30` pin). A parameter
of any other type keeps Typer's own conversion; `tests/unit/cli/test_startup.py` fails if any command has
one, and checks that `services execute` never imports pydantic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
from typer._coercion import RuntimeParam  # Typer 0.29's per-parameter conversion contract
from typer._param_types import coerce_cli_choice, coerce_cli_path
from typer.core import TyperCommand

__all__ = ["PlainCommand", "PlainHelp", "install", "install_param", "is_plain"]

_LEAVES = (str, int, float, bool)


def _leaf_supported(annotation: Any) -> bool:
    return annotation in _LEAVES or (
        isinstance(annotation, type) and (issubclass(annotation, Path) or issubclass(annotation, Enum))
    )


def is_plain(annotation: Any, parameter_info: Any) -> bool:
    """True when `PlainParam` converts this annotation exactly (no custom parser, no tuple, no date)."""
    if getattr(parameter_info, "parser", None) is not None:
        return False
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return _leaf_supported(item)
    return _leaf_supported(annotation)


@dataclass(frozen=True)
class PlainParam(RuntimeParam):
    """Converts one parameter's value(s) with plain Python; errors are `BadParameter` (exit 2)."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if get_origin(self.annotation) is list:
            (item,) = get_args(self.annotation)
            values = value if isinstance(value, (list, tuple)) else [value]
            return [self._leaf(item, v, param, ctx) for v in values]
        return self._leaf(self.annotation, value, param, ctx)

    def _leaf(self, annotation: Any, value: Any, param: Any, ctx: Any) -> Any:
        info = self.parameter_info
        if annotation is str:
            return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        if annotation is bool:
            return _bool(value, param, ctx)
        if annotation is int or annotation is float:
            return _number(annotation, value, info, param, ctx)
        if issubclass(annotation, Enum):
            try:
                choices = list(annotation)
                return coerce_cli_choice(value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), ctx=ctx, param=param) from None
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


def install_param(param: Any) -> None:
    """Give one parameter a plain converter when Typer made it and its type allows (else leave it)."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
        return
    if descriptor.file_annotation is None and is_plain(descriptor.annotation, descriptor.parameter_info):
        info, annotation = descriptor.parameter_info, descriptor.annotation
        param._runtime_param = PlainParam(parameter_info=info, annotation=annotation)


def install(command: Any) -> Any:
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
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            install_param(option)
        return option


class PlainCommand(PlainHelp, TyperCommand):
    """A Typer command whose parameters (its `--help` included) convert without pydantic."""
