"""`cspark profiles`: list, show, switch and remove saved profiles (secrets are always masked)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..context import AppContext
from ..exit_codes import SetupError
from ..options import YesOpt
from ..output import Column
from ..profiles import forget_tokens

app = typer.Typer(
    help="List, show, switch and remove saved profiles.", no_args_is_help=True, rich_markup_mode=None
)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Profile name.", show_default=False)]
COLUMNS = [
    Column("Name", "name"),
    Column("Default", "default", fmt=lambda v: "*" if v else ""),
    Column("Location", "location"),
    Column("Auth", "auth"),
]


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the saved profiles; `*` marks the default."""
    cli = AppContext.of(ctx)
    config = cli.config()
    rows = [
        {
            "name": p.name,
            "default": p.name == config.default,
            "location": p.location,
            "auth": p.credentials.kind if p.credentials else None,
        }
        for p in config.profiles.values()
    ]
    if not rows and cli.out.format == "table":
        cli.out.info("No profiles yet: run `cspark auth login`")
        return
    cli.out.result({"default": config.default, "profiles": rows}, rows=rows, columns=COLUMNS)


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="Profile (default: the selected one).", show_default=False),
    ] = None,
) -> None:
    """Show a profile's settings, secrets masked."""
    cli = AppContext.of(ctx)
    profile_name = name or cli.profile_name()
    if profile_name is None:
        raise SetupError("no profile is selected and there is no default", hint="`cspark profiles list`")
    profile = cli.store.get(profile_name)
    view: dict[str, Any] = profile.masked()
    view["default"] = cli.config().default == profile_name
    cli.out.kv(view)


@app.command("use")
def use(ctx: typer.Context, name: NameArg) -> None:
    """Make a profile the default."""
    cli = AppContext.of(ctx)
    cli.store.use(name)
    cli.out.success(f"Profile {name!r} is now the default")


@app.command("rm")
def rm(ctx: typer.Context, name: NameArg, yes: YesOpt = False) -> None:
    """Remove a profile and its cached tokens."""
    cli = AppContext.of(ctx)
    cli.store.get(name)
    cli.confirm_or_require_yes(yes, f"Remove profile {name!r} and its credentials?")
    cli.store.remove(name)
    forget_tokens(name, cli.environ)
    cli.out.success(f"Removed profile {name!r}")
