"""`cspark config`: the tenant's platform configuration (Spark accepts bearer tokens only here)."""

from __future__ import annotations

from collections.abc import Mapping

import typer

from ..context import AppContext
from ..options import OutputOpt

app = typer.Typer(
    help="Show the tenant's platform configuration.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("get")
def get(ctx: typer.Context, _output: OutputOpt = None) -> None:
    """Print the platform settings as name/value rows (`-o json`: Spark's reply)."""
    cli = AppContext.of(ctx)
    res = cli.client().config.get()
    settings = res.data.get("data") if isinstance(res.data, Mapping) else None
    cli.out.kv(settings if isinstance(settings, Mapping) else {}, data=res.data)
