"""`cspark health`: is Spark up? (No credentials needed.)"""

from __future__ import annotations

import typer

from ..context import AppContext
from ..exit_codes import ExitCode

app = typer.Typer(help="Check that Spark is up.", no_args_is_help=True, rich_markup_mode=None)


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Print Spark's health reply."""
    cli = AppContext.of(ctx)
    res = cli.client(anonymous=True).health.check()
    cli.out.result(res.data)


@app.command("ok")
def ok(ctx: typer.Context) -> None:
    """Print true when Spark is up (exit 0), else false (exit 6)."""
    cli = AppContext.of(ctx)
    up = cli.client(anonymous=True).health.ok()
    cli.out.result(up)
    if not up:
        raise typer.Exit(int(ExitCode.UNAVAILABLE))
