"""`cspark files`: download a temporary file Spark handed out as a URL (a rehydrated workbook, a log
archive, an export package)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from ..context import AppContext
from ..downloads import OutPathOpt, render_saved, save_download
from ..options import ForceOpt

app = typer.Typer(help="Download files Spark hands out as URLs.", no_args_is_help=True, rich_markup_mode=None)

UrlArg = Annotated[
    str, typer.Argument(metavar="URL", help="The file's URL, as Spark gave it.", show_default=False)
]


def _url(value: str) -> str:
    text = value.strip()
    parts = urlsplit(text)
    if not (parts.scheme in ("http", "https") and parts.netloc) and not text.startswith("/"):
        raise typer.BadParameter("expected an http(s) URL", param_hint="'URL'")
    return text


def _fallback(url: str) -> str:
    """The URL's last path segment, else `download`."""
    name = Path(urlsplit(url).path).name
    return name if name not in ("", ".", "..") else "download"


@app.command("download")
def download(
    ctx: typer.Context,
    url: UrlArg,
    out: OutPathOpt = None,
    force: ForceOpt = False,
) -> None:
    """Download a file Spark handed out (the server's file name in the current folder, unless --out)."""
    cli = AppContext.of(ctx)
    checked = _url(url)
    client = cli.client()

    def fetch(to: Path) -> Any:
        return client.files.download(checked, to=to)

    saved = save_download(cli.out, fetch, dest=out, force=force, fallback=_fallback(checked), what="file")
    render_saved(cli.out, saved)
