"""`cspark emulator start`: run the local Spark emulator in the foreground and point a profile at it.

Needs the `emulator` extra (`pip install 'cspark[emulator]'`). The emulator's URL and credentials go to
stderr for people, and as one JSON line to stdout for scripts; the profile (default `local`) keeps the API key
in the profile file (mode 0600), and the same key is reused on the next start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..context import AppContext
from ..exit_codes import SetupError
from ..profiles import Profile, validate_profile_name

app = typer.Typer(help="Run a local Spark emulator.", no_args_is_help=True, rich_markup_mode=None)

INSTALL_HINT = "install it with: pip install 'cspark[emulator]'"


def _server_module() -> Any:
    try:
        from cspark_emulator import server
    except ImportError as exc:
        raise SetupError(
            f"the Spark emulator is not installed ({exc.name} is missing)", hint=INSTALL_HINT
        ) from None
    return server


def _previous_key(cli: AppContext, name: str) -> str | None:
    """The API key the profile saved last time, so a restarted emulator accepts the same key."""
    profile = cli.config().profiles.get(name)
    return profile.api_key if profile is not None else None


def _save_profile(cli: AppContext, name: str, info: dict[str, Any], make_default: bool) -> None:
    old = cli.config().profiles.get(name)
    profile = Profile(
        name=name, base_url=info["url"], api_key=info["api_key"], output=old.output if old else None
    )
    cli.store.put(profile, make_default=make_default)


def _announce(cli: AppContext, info: dict[str, Any], profile: str) -> None:
    cli.out.raw(json.dumps(info))
    cli.out.info(f"Spark emulator listening on {info['url']}")
    cli.out.info(f"  API key:       {info['api_key']}")
    cli.out.info(f"  OAuth client:  {info['client_id']} / {info['client_secret']}")
    cli.out.info(f"  Admin token:   {info['admin_token']}  (for /_emulator/ controls)")
    cli.out.info(f"Profile {profile!r} points at it: cspark -p {profile} services search")
    cli.out.info("Press Ctrl-C to stop.")


@app.command("start")
def start(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0 picks a free one).")] = 0,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant name served.")] = "local",
    samples: Annotated[
        bool, typer.Option("--samples/--no-samples", help="Publish the sample services.")
    ] = True,
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="DIR", file_okay=False, help="Keep state in this folder across runs."),
    ] = None,
    profile: Annotated[str, typer.Option("--profile-name", help="Profile to create or update.")] = "local",
    default: Annotated[bool, typer.Option("--default", help="Make that profile the default.")] = False,
) -> None:
    """Run the emulator until Ctrl-C (then exit 0), and point a profile (default `local`) at it."""
    cli = AppContext.of(ctx)
    name = validate_profile_name(profile)
    server = _server_module()
    if data is not None:
        data.mkdir(parents=True, exist_ok=True)
    options = server.Options(tenant=tenant, host=host, port=port, data=data, samples=samples,
                             api_key=_previous_key(cli, name))  # fmt: skip
    try:
        sock = server.bind(host, port)
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", param_hint="'--port'"
        ) from None
    origin = server.origin_of(sock, host)
    runtime = server.build_runtime(options, origin)
    info = server.banner(runtime, origin)
    _save_profile(cli, name, info, default)
    _announce(cli, info, name)
    try:
        server.make_server(runtime).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C is how this command is meant to end: not an error, exit 0
        cli.out.info("Stopped the emulator")
    finally:
        runtime.batches.stop()
        if runtime.state.store:
            runtime.state.store.close()
