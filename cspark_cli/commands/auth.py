"""`cspark auth`: log in (save a verified profile), check, print a bearer token, log out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ..context import AppContext
from ..exit_codes import CliError, SetupError, api_message
from ..output import OutputFormat
from ..profiles import Connection, Credentials, FileTokenCache, Profile, forget_tokens, resolve_connection

app = typer.Typer(
    help="Log in to Spark, and check, print or remove credentials.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

METHODS = ("api-key", "token", "oauth", "oauth-file")
_LOGIN_NAMES = {
    "api_key": "the API key",
    "token": "the bearer token",
    "client_id": "--client-id",
    "client_secret": "the OAuth client secret",
}
_CREDENTIAL_FLAGS = "--api-key-stdin, --token-stdin, --client-id with --client-secret-stdin, or --oauth-file"


# -- login ----------
@app.command("login")
def login(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option("--name", help="Profile name (default: -p, or 'default').")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="https://excel.<env>.coherent.global/<tenant>.")
    ] = None,
    env: Annotated[
        str | None, typer.Option("--env", help="Spark environment, e.g. uat.us (with --tenant).")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Tenant name.")] = None,
    api_key_stdin: Annotated[
        bool, typer.Option("--api-key-stdin", help="Read an API key from stdin.")
    ] = False,
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help="Read a bearer token from stdin.")
    ] = False,
    client_id: Annotated[str | None, typer.Option("--client-id", help="OAuth client id.")] = None,
    client_secret_stdin: Annotated[
        bool, typer.Option("--client-secret-stdin", help="Read the OAuth client secret from stdin.")
    ] = False,
    oauth_file: Annotated[
        Path | None, typer.Option("--oauth-file", help="JSON file with client_id and client_secret.")
    ] = None,
    default: Annotated[bool, typer.Option("--default", help="Make this the default profile.")] = False,
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Check the credentials with Spark.")
    ] = True,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Request timeout in milliseconds.")
    ] = None,
    max_retries: Annotated[int | None, typer.Option("--max-retries", help="Retries per request.")] = None,
    retry_interval: Annotated[
        float | None, typer.Option("--retry-interval", help="Seconds between retries.")
    ] = None,
    default_output: Annotated[
        OutputFormat | None, typer.Option("--default-output", help="This profile's output format.")
    ] = None,
) -> None:
    """Save a profile: where Spark is and how to authenticate. Asks on a terminal; takes flags in scripts.

    Secrets are never taken from the command line: pipe them in (--api-key-stdin, --token-stdin,
    --client-secret-stdin) or answer the hidden prompt. The credentials are checked before saving.
    """
    cli = AppContext.of(ctx)
    methods = [api_key_stdin, token_stdin, bool(client_id or client_secret_stdin), oauth_file is not None]
    if sum(methods) > 1:
        raise typer.BadParameter(
            f"give one way to authenticate: {_CREDENTIAL_FLAGS}", param_hint="'--api-key-stdin'"
        )
    if client_secret_stdin and not client_id:
        raise typer.BadParameter("--client-secret-stdin needs --client-id", param_hint="'--client-id'")
    ask = _Asker(cli)
    profile_name = ask.name(name or cli.options.profile)
    location = ask.location(base_url, env, tenant)
    credentials = ask.credentials(api_key_stdin, token_stdin, client_id, client_secret_stdin, oauth_file)
    cli.out.redact(*credentials.secrets())
    credentials.check(_LOGIN_NAMES.__getitem__)
    previous = cli.config().profiles.get(profile_name)
    profile = _build_profile(profile_name, location, credentials, previous)
    profile = replace(
        profile,
        timeout=_pick(timeout, profile.timeout),
        max_retries=_pick(max_retries, profile.max_retries),
        retry_interval=_pick(retry_interval, profile.retry_interval),
        output=_pick(default_output, profile.output),
    )
    connection = resolve_connection(profile, {})
    if verify:
        _verify(cli, connection)
    else:
        _check_address(connection)
    config = cli.store.put(profile, make_default=default)
    is_default = " (default)" if config.default == profile_name else ""
    verb = "Logged in to" if verify else "Saved without checking:"
    cli.out.success(
        f"{verb} {connection.location} with {credentials.label}; profile {profile_name!r}{is_default}"
    )


def _pick(new: Any, old: Any) -> Any:
    return old if new is None else new


def _build_profile(
    name: str,
    location: tuple[str | None, str | None, str | None],
    credentials: Credentials,
    previous: Profile | None,
) -> Profile:
    """The new profile: location and credentials replaced, other settings kept from the previous one."""
    base_url, env, tenant = location
    keep = previous or Profile(name=name)
    return replace(
        keep,
        base_url=base_url,
        env=env,
        tenant=tenant,
        api_key=credentials.api_key,
        token=credentials.token,
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        oauth_path=credentials.oauth_path,
    )


class _Asker:
    """Each login value from its flag, else a prompt on a terminal, else a usage error naming the flag."""

    def __init__(self, cli: AppContext) -> None:
        self.cli = cli
        self.prompter = cli.prompter
        self.interactive = cli.prompter.interactive

    def name(self, given: str | None) -> str:
        from ..profiles import validate_profile_name

        if given is None:
            given = self.prompter.text("Profile name", default="default") if self.interactive else "default"
        try:
            return validate_profile_name(given)
        except SetupError as exc:
            raise typer.BadParameter(exc.message, param_hint="'--name'") from None

    def location(
        self, base_url: str | None, env: str | None, tenant: str | None
    ) -> tuple[str | None, str | None, str | None]:
        if base_url:
            if env:
                raise typer.BadParameter("give --base-url or --env, not both", param_hint="'--env'")
            return base_url, None, tenant
        if env and tenant:
            return None, env, tenant
        if not self.interactive:
            missing = "--tenant" if env else "--env" if tenant else "--base-url"
            raise typer.BadParameter(
                "is required without a terminal (or --env with --tenant)", param_hint=f"'{missing}'"
            )
        if env:
            return None, env, self.prompter.text("Tenant")
        answer = self.prompter.text(
            "Spark base URL (https://excel.<env>.coherent.global/<tenant>, or <env>/<tenant>)"
        )
        return answer, None, tenant

    def credentials(
        self,
        api_key_stdin: bool,
        token_stdin: bool,
        client_id: str | None,
        client_secret_stdin: bool,
        oauth_file: Path | None,
    ) -> Credentials:
        if api_key_stdin:
            return Credentials("api_key", api_key=_read_stdin("--api-key-stdin"))
        if token_stdin:
            return Credentials("token", token=_read_stdin("--token-stdin"))
        if oauth_file is not None:
            return Credentials("oauth_file", oauth_path=str(oauth_file.expanduser().resolve()))
        if client_id:
            secret = self._client_secret(client_secret_stdin)
            return Credentials("oauth", client_id=client_id, client_secret=secret)
        if not self.interactive:
            raise typer.BadParameter(
                f"no credentials: pass {_CREDENTIAL_FLAGS}", param_hint="'--api-key-stdin'"
            )
        return self._ask_credentials()

    def _client_secret(self, from_stdin: bool) -> str:
        if from_stdin:
            return _read_stdin("--client-secret-stdin")
        if not self.interactive:
            raise typer.BadParameter(
                "is required with --client-id without a terminal", param_hint="'--client-secret-stdin'"
            )
        return self.prompter.secret("OAuth client secret")

    def _ask_credentials(self) -> Credentials:
        method = self.prompter.choice("Authentication method", METHODS, default="api-key")
        if method == "api-key":
            return Credentials("api_key", api_key=self.prompter.secret("API key"))
        if method == "token":
            return Credentials("token", token=self.prompter.secret("Bearer token"))
        if method == "oauth-file":
            path = Path(self.prompter.text("Path of the OAuth JSON file")).expanduser().resolve()
            return Credentials("oauth_file", oauth_path=str(path))
        client_id = self.prompter.text("OAuth client id")
        return Credentials(
            "oauth", client_id=client_id, client_secret=self.prompter.secret("OAuth client secret")
        )


def _read_stdin(flag: str) -> str:
    from ..inputs import read_stdin

    value = read_stdin(flag).strip()
    if not value:
        raise typer.BadParameter("stdin was empty", param_hint=f"'{flag}'")
    if "\n" in value:
        raise typer.BadParameter("expected one line on stdin", param_hint=f"'{flag}'")
    return value


def _verify(cli: AppContext, connection: Connection) -> None:
    """One cheap authenticated call. A refusal is exit 4 and nothing is saved; other errors propagate."""
    from cspark_core import ForbiddenError, UnauthorizedError

    client = cli.make_client(connection)
    try:
        with cli.out.spinner(f"Checking the credentials with {connection.location}"):
            if connection.credentials is not None and connection.credentials.kind.startswith("oauth"):
                client.auth_token(fresh=True)  # a cached token proves nothing about this secret
            client.folders.find(page=1, size=1)
    except (UnauthorizedError, ForbiddenError) as exc:
        raise SetupError(
            f"Spark refused these credentials, so the profile was not saved: {api_message(exc)}",
            hint="check the credentials and the tenant, or save them anyway with --no-verify",
        ) from None


def _check_address(connection: Connection) -> None:
    """Without --verify: still refuse an address the SDK would refuse, without any network call."""
    from cspark_core.settings import BaseUrl

    BaseUrl(connection.base_url, env=connection.env, tenant=connection.tenant)


# -- status ----------
@app.command("status")
def status(ctx: typer.Context) -> None:
    """Show which profile and credentials are in use, and check them with Spark (exit 4 if refused)."""
    from cspark_core import SparkError

    cli = AppContext.of(ctx)
    connection = cli.connection()
    view = _status_view(cli, connection)
    try:
        client = cli.client()
        view.update(base_url=client.settings.base_url.value, tenant=client.settings.base_url.tenant)
        with cli.out.spinner("Checking the credentials"):
            client.folders.find(page=1, size=1)
    except (SparkError, CliError) as exc:
        if connection.location or connection.credentials:  # something to show beside the error
            view.update(authenticated=False, error=cli.out.scrub(str(exc)))
            cli.out.kv(view, flatten=True)
        raise
    view["authenticated"] = True
    _add_token_expiry(cli, connection, view)
    cli.out.kv(view, flatten=True)


def _status_view(cli: AppContext, connection: Connection) -> dict[str, Any]:
    credentials = connection.credentials
    return {
        "profile": connection.profile,
        "base_url": connection.location or None,
        "tenant": connection.tenant,
        "auth": credentials.kind if credentials else None,
        "sources": dict(connection.sources),
        "authenticated": None,
    }


def _add_token_expiry(cli: AppContext, connection: Connection, view: dict[str, Any]) -> None:
    if connection.credentials is None or not connection.credentials.kind.startswith("oauth"):
        return
    expires = FileTokenCache.for_connection(connection, cli.environ).expires_at()
    if expires is not None:
        view["token_expires_at"] = datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds")


# -- token ----------
@app.command("token")
def token(ctx: typer.Context) -> None:
    """Print a bearer token for scripts (OAuth: the cached one, or a fresh one). Keep it secret."""
    cli = AppContext.of(ctx)
    connection = cli.connection()
    if connection.credentials is not None and connection.credentials.kind == "api_key":
        raise SetupError("these credentials are an API key: there is no bearer token to print")
    cli.out.raw(cli.client().auth_token())


# -- logout ----------
@app.command("logout")
def logout(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="Profile (default: the selected one).", show_default=False),
    ] = None,
) -> None:
    """Remove a profile's secrets and cached tokens (its address and client id stay)."""
    cli = AppContext.of(ctx)
    profile_name = name or cli.profile_name()
    if profile_name is None:
        raise SetupError("there is no profile to log out of")
    profile = cli.store.get(profile_name)
    cli.store.put(profile.without_secrets())
    removed = forget_tokens(profile_name, cli.environ)
    if profile.secrets() or removed:
        cli.out.success(f"Removed the credentials of profile {profile_name!r}")
    else:
        cli.out.info(f"Profile {profile_name!r} had no credentials to remove")
    if any(cli.environ.get(v) for v in ("CSPARK_API_KEY", "CSPARK_BEARER_TOKEN", "CSPARK_CLIENT_SECRET")):
        cli.out.warn("CSPARK_* credential variables are still set in this shell")
