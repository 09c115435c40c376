"""AppContext: what every command gets from the root. Global options, Output, a prompter, the profile
store, and the Spark client, built lazily on first use (so `--help` and local commands never import httpx).

Commands use it as `cli = AppContext.of(ctx)`, then `cli.client()`, `cli.out`, `cli.confirm_or_require_yes()`.
Tests build one with a fake client (`AppContext(client=fake)`) and pass it to CliRunner as `obj=`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import typer

from .exit_codes import ConfirmationRequired, Declined, SetupError
from .options import check_choice
from .output import FORMATS, Output, OutputFormat
from .profiles import (
    Connection,
    FileTokenCache,
    Profile,
    ProfileConfig,
    ProfileStore,
    config_dir,
    resolve_connection,
    select_profile_name,
)

if TYPE_CHECKING:
    from cspark_core import AsyncClient, Client

__all__ = [
    "AppContext",
    "ClientFactory",
    "GlobalOptions",
    "Prompter",
    "compile_query",
    "resolve_output_format",
]

ClientFactory = Callable[..., Any]  # called with cspark_core.Client's keyword arguments


class GlobalOptions(NamedTuple):
    """The root command's options, as given (`None`: not given)."""

    profile: str | None = None
    output: str | None = None
    no_color: bool = False
    quiet: bool = False
    verbose: bool = False
    debug: bool = False
    query: str | None = None


def compile_query(expression: str | None) -> Any:
    """A compiled JMESPath expression (None for none); a usage error naming --query when it is malformed."""
    if expression is None:
        return None
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        reason = " ".join(str(exc).split())
        raise typer.BadParameter(
            f"{expression!r} is not a JMESPath expression: {reason}", param_hint="'--query'"
        ) from None


def resolve_output_format(
    flag: str | None, environ: Mapping[str, str], profile_default: str | None
) -> OutputFormat:
    """`-o` > `CSPARK_OUTPUT` > the profile's default > table."""
    for value, source in ((flag, "--output"), (environ.get("CSPARK_OUTPUT"), "CSPARK_OUTPUT")):
        if value:
            return check_choice(source, value, FORMATS)
    return next((fmt for fmt in FORMATS if fmt == profile_default), "table")


class Prompter:
    """Questions on the terminal (prompts go to stderr, so stdout stays data). `interactive` is False
    unless both stdin and stderr are terminals; callers must not ask then."""

    def __init__(self, interactive: bool | None = None) -> None:
        self._interactive = interactive

    @property
    def interactive(self) -> bool:
        if self._interactive is not None:
            return self._interactive
        return sys.stdin.isatty() and sys.stderr.isatty()

    def text(self, question: str, default: str | None = None) -> str:
        while True:
            answer = str(typer.prompt(question, default=default, err=True)).strip()
            if answer:
                return answer

    def secret(self, question: str) -> str:
        while True:
            answer = str(typer.prompt(question, hide_input=True, err=True)).strip()
            if answer:
                return answer

    def choice(self, question: str, choices: Sequence[str], default: str | None = None) -> str:
        listed = f"{question} ({'/'.join(choices)})"
        while True:
            answer = self.text(listed, default)
            if answer in choices:
                return answer
            typer.echo(f"Please answer one of: {', '.join(choices)}", err=True)

    def confirm(self, question: str, default: bool = False) -> bool:
        return bool(typer.confirm(question, default=default, err=True))


class AppContext:
    """Per-invocation state shared by the root and every command."""

    def __init__(
        self,
        options: GlobalOptions | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        out: Output | None = None,
        prompter: Prompter | None = None,
        client: Client | None = None,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self.options = options or GlobalOptions()
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.prompter = prompter or Prompter()
        self._client: Client | None = client
        self._client_factory = client_factory
        self._owned_clients: list[Any] = []
        self._config: ProfileConfig | None = None
        self._own_output = out is None
        self.out = out or self._default_output()

    def apply(self, options: GlobalOptions) -> None:
        """Take the root's flags (for a context a test built); rebuild Output unless the test gave one."""
        self.options = options
        self._config = None
        if self._own_output:
            self.out = self._default_output()

    @classmethod
    def of(cls, ctx: typer.Context) -> AppContext:
        """The AppContext of a command's click context (built by the root callback, or given by a test)."""
        found = ctx.find_object(AppContext)
        if found is None:
            raise RuntimeError("no AppContext: commands must run under the cspark root app")
        return found

    def _default_output(self) -> Output:
        opts = self.options
        no_color = opts.no_color or bool(self.environ.get("NO_COLOR"))
        fmt = resolve_output_format(opts.output, self.environ, self._profile_output_default())
        return Output(fmt, quiet=opts.quiet, no_color=no_color, query=compile_query(opts.query))

    def _profile_output_default(self) -> str | None:
        try:  # a broken config must not stop `-o` from working; it is reported when the profile is used
            profile = self.profile()
        except SetupError:
            return None
        return profile.output if profile else None

    # -- profiles ----------
    @property
    def store(self) -> ProfileStore:
        return ProfileStore(config_dir(self.environ), warn=self._warn)

    def _warn(self, message: str) -> None:
        warned: set[str] = self.__dict__.setdefault("_warned", set())
        if message in warned:  # the config file may be read more than once in a run: say it once
            return
        warned.add(message)
        out = getattr(self, "out", None)
        if out is not None:
            out.warn(message)
        else:
            typer.echo(f"warning: {message}", err=True)

    def config(self, *, reload: bool = False) -> ProfileConfig:
        if self._config is None or reload:
            self._config = self.store.load()
        return self._config

    def profile_name(self) -> str | None:
        """The selected profile's name (`-p` > `CSPARK_PROFILE` > default), or None when there is none."""
        return select_profile_name(self.options.profile, self.environ, self.config())

    def profile(self) -> Profile | None:
        name = self.profile_name()
        return self.config().profiles[name] if name else None

    def connection(self) -> Connection:
        connection = resolve_connection(self.profile(), self.environ)
        if connection.credentials is not None:
            self.out.redact(*connection.credentials.secrets())
        return connection

    # -- the client ----------
    def client(self, *, anonymous: bool = False) -> Client:
        """The Spark client for this run, built on first use and closed when the command ends.
        `anonymous`: the call needs no credentials, so none configured is fine (the health check)."""
        if self._client is None:
            self._client = self.make_client(self.connection(), anonymous=anonymous)
        return self._client

    def client_for(self, profile: str | None) -> Client:
        """The client of a profile named by a command's flag (`--from`, `--to`, `--profile-b`), or this
        run's client when None. A named profile is used as saved: CSPARK_* variables apply to the run's own
        profile, not to one named on the command line."""
        if profile is None:
            return self.client()
        clients: dict[str, Client] = self.__dict__.setdefault("_named_clients", {})
        if profile not in clients:
            config = self.config()
            if profile not in config.profiles:
                known = ", ".join(sorted(config.profiles)) or "none yet"
                raise SetupError(
                    f"no profile named {profile!r} (known: {known})",
                    hint=f"`cspark auth login --name {profile}` creates it",
                )
            connection = resolve_connection(config.profiles[profile], {})
            if connection.credentials is not None:
                self.out.redact(*connection.credentials.secrets())
            clients[profile] = self.make_client(connection)
        return clients[profile]

    def client_origin(self) -> str | None:
        """The origin (`https://host`) of the client this run built, or None (no client, or a test's fake)."""
        settings = getattr(self._client, "settings", None)
        origin = getattr(getattr(settings, "base_url", None), "origin", None)
        return origin if isinstance(origin, str) else None

    def make_client(self, connection: Connection, *, anonymous: bool = False) -> Client:
        """A client for any connection (`auth login` verifies unsaved credentials with one)."""
        factory = self._client_factory or _core_client
        client = factory(**self._client_kwargs(connection, anonymous=anonymous))
        self._owned_clients.append(client)
        return client

    def async_client(self) -> AsyncClient:
        """An AsyncClient with the same settings, token cache and logging as `client()`, for commands
        that run requests concurrently. The caller closes it (`async with cli.async_client() as c:`)."""
        from cspark_core import AsyncClient

        return AsyncClient(**self._client_kwargs(self.connection()))

    def _client_kwargs(self, connection: Connection, *, anonymous: bool = False) -> dict[str, Any]:
        kwargs = connection.client_kwargs(anonymous=anonymous)
        if connection.credentials is not None and connection.credentials.kind.startswith("oauth"):
            kwargs["token_cache"] = FileTokenCache.for_connection(connection, self.environ)
        kwargs["logger"] = self._logger_options()
        from .sdklog import attach

        attach(self.out)
        return kwargs

    def _logger_options(self) -> Any:
        if self.options.quiet and not self.options.verbose:
            return False
        level = "DEBUG" if self.options.verbose else "WARNING"
        return {"level": level, "timestamp": False, "colorful": not self.out.no_color, "context": "cspark"}

    def close(self) -> None:
        if self._owned_clients:
            from .sdklog import detach

            detach()
        while self._owned_clients:
            close = getattr(self._owned_clients.pop(), "close", None)
            if close is not None:
                close()

    # -- helpers for commands ----------
    def confirm_or_require_yes(self, yes: bool, question: str) -> None:
        """Go on when `--yes` was given; otherwise ask on a terminal, and refuse (exit 2) without one."""
        if yes:
            return
        if not self.prompter.interactive:
            raise ConfirmationRequired(
                f"{question.rstrip('?')}? Pass --yes to confirm: there is no terminal to ask on"
            )
        if not self.prompter.confirm(question, default=False):
            raise Declined()


def _core_client(**kwargs: Any) -> Client:
    from cspark_core import Client

    return Client(**kwargs)
