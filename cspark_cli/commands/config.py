"""`cspark config`: the tenant's platform configuration (Spark accepts bearer tokens only here)."""

from __future__ import annotations

import typer

from ..context import AppContext
from ..exit_codes import SetupError, api_message

app = typer.Typer(
    help="Show the tenant's platform configuration.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("get")
def get(ctx: typer.Context) -> None:
    """Print the platform settings as name/value rows (`-o json`: Spark's reply). Needs a bearer token."""
    from cspark_core import UnauthorizedError

    cli = AppContext.of(ctx)
    try:
        res = cli.client().config.get()
    except UnauthorizedError as exc:
        credentials = cli.connection().credentials
        if credentials is None or credentials.kind != "api_key":
            raise
        raise SetupError(
            f"Spark takes bearer tokens only here, and this profile has an API key: {api_message(exc)}",
            hint="log in with an OAuth client or a token: `cspark auth login --client-id ID`, --token-stdin",
        ) from None
    cli.out.kv(res.body, data=res.data)
