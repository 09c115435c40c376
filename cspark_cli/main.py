"""Entry point of the `cspark` executable, and the registry of command groups.

Adding an API area is one line in `COMMANDS`: its name (the module `cspark_cli.commands.<name>`, with `-` as
`_`, must define a Typer `app`) and its one-line help. Groups are imported only when used, so
`cspark --help` lists them without importing them (or httpx, or the SDK). The Typer app itself lives in
`cspark_cli.app`; `cspark_cli.main.app` is the same object, built on first access.

`cspark --version` takes a fast path that does not import Typer at all.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    app: typer.Typer

__all__ = ["COMMANDS", "app", "run"]

# name -> one-line help (shown by `cspark --help` without importing the module)
COMMANDS: dict[str, str] = {
    "auth": "Log in to Spark, and check, print or remove credentials.",
    "profiles": "List, show, switch and remove saved profiles.",
    "folders": "Find, show, create, update and delete folders.",
    "services": "Create, execute, inspect, download, recompile and delete services.",
    "health": "Check that Spark is up.",
    "config": "Show the tenant's platform configuration.",
    "wasm": "Download a service's WASM module.",
    "files": "Download files Spark hands out as URLs.",
    "emulator": "Run a local Spark emulator.",
    "batches": "Run records through a service asynchronously, in batch pipelines.",
    "logs": "Show a call's log, rebuild a call's workbook, download logs as CSV or JSON.",
    "impex": "Export services as a package, and import packages.",
}

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
