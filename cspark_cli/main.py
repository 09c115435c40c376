"""Entry point of the `cspark` executable. The registry of command groups is `cspark_cli.commands.COMMANDS`
(re-exported here). The Typer app itself lives in `cspark_cli.app`; `cspark_cli.main.app` is the same object,
built on first access.

`cspark --version` takes a fast path that does not import Typer at all.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .commands import COMMANDS

if TYPE_CHECKING:
    import typer

    app: typer.Typer

__all__ = ["COMMANDS", "app", "run"]

_VERSION_FLAGS = (["--version"],)


def run() -> None:
    """The console script: `cspark ...`."""
    if sys.argv[1:] in _VERSION_FLAGS:
        from cspark._version import __version__

        sys.stdout.write(f"cspark {__version__}\n")
        return
    try:
        from .app import app as root
    except ModuleNotFoundError as exc:  # `pip install cspark`, the SDK alone: one line, not a traceback
        from .exit_codes import CLI_REQUIRES, describe

        if (exc.name or "").split(".")[0] not in CLI_REQUIRES:
            raise
        failure = describe(exc)
        sys.stderr.write(f"error: {failure.message}\n")
        raise SystemExit(int(failure.code)) from None
    root(prog_name="cspark")


def __getattr__(name: str) -> Any:
    if name == "app":
        from .app import app as root

        return root
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
