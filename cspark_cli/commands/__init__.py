"""The registry of command groups: one Typer sub-app per area (`<area>.py`, defining `app`).

Adding an API area is one line in `COMMANDS`: its name (the module `cspark_cli.commands.<name>`, with `-` as
`_`, must define a Typer `app`) and its one-line help. Groups are imported only when used, so `cspark --help`
lists them without importing them (or httpx, or the SDK): this module imports nothing.
"""

from __future__ import annotations

__all__ = ["COMMANDS"]

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
