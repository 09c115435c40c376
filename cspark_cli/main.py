"""Entry point of the `cspark` executable. The registry of command groups is `cspark_cli.commands.COMMANDS`
(re-exported here). The Typer app itself lives in `cspark_cli.app`; `cspark_cli.main.app` is the same object,
built on first access.

`cspark --version` takes a fast path that does not import Typer at all. The console script is `main()`:
`run()`, then `quick_exit()`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, NoReturn

from .commands import COMMANDS

if TYPE_CHECKING:
    import typer

    app: typer.Typer

__all__ = ["COMMANDS", "app", "main", "quick_exit", "run"]

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


def main() -> NoReturn:
    """The console script: `cspark ...` as `run()`, ended by `quick_exit()`."""
    try:
        run()
    except SystemExit as exc:
        quick_exit(exc.code)
    quick_exit(0)


def quick_exit(code: object) -> NoReturn:
    """End the process the way `sys.exit(code)` would, without the interpreter's teardown.

    Tearing down every imported module costs a short command about 40 ms of CPU, as much as Spark's reply
    takes to arrive, for nothing: the process ends. Everything a normal exit does that matters is done here:
    `atexit` handlers (logging's flush, `weakref.finalize` clean-ups) and flushing stdout and stderr (a
    failed flush exits 120, as Python does; a closed pipe is not an error). While another non-daemon thread
    still runs, or when the interpreter lacks `atexit._run_exitfuncs`, this is a plain `sys.exit(code)`.
    """
    import atexit
    import os
    import threading

    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if others or run_exit_functions is None:
        raise SystemExit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on stderr, exit 1
        sys.stderr.write(f"{code}\n")
        status = 1
    run_exit_functions()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            pass
        except (OSError, ValueError):
            status = status or 120
    os._exit(status)


def __getattr__(name: str) -> Any:
    if name == "app":
        from .app import app as root

        return root
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
