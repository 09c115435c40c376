"""`cspark wasm`: download a service's WASM module (the ZIP a Hybrid Runner executes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..context import AppContext
from ..downloads import OutPathOpt, render_saved, save_download
from ..options import ForceOpt, LocatorArg, check_locator

app = typer.Typer(help="Download a service's WASM module.", no_args_is_help=True, rich_markup_mode=None)


def _fallback(locator: str) -> str:
    """A file name when the server sends none: the service's name, else `service`."""
    from cspark_core.locator import Uri

    return f"{Uri.parse(locator).service or 'service'}.zip"


@app.command("download")
def download(
    ctx: typer.Context,
    locator: LocatorArg,
    version_id: Annotated[
        str | None, typer.Option("--version-id", help="This version (default: the latest).")
    ] = None,
    out: OutPathOpt = None,
    force: ForceOpt = False,
) -> None:
    """Download a service's WASM ZIP (the server's file name in the current folder, unless --out)."""
    cli = AppContext.of(ctx)
    check_locator(locator)
    target = f"version/{version_id}" if version_id else locator
    client = cli.client()

    def fetch(to: Path) -> Any:
        return client.wasm.download(target, to=to)

    saved = save_download(
        cli.out, fetch, dest=out, force=force, fallback=_fallback(locator), what="WASM module"
    )
    render_saved(cli.out, saved)
