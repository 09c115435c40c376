"""The root Typer app: global options, lazily loaded command groups, and the one place errors become
exit codes. Reached through `cspark_cli.main` (`run()`, `app`); the registry of groups is `commands.COMMANDS`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from cspark._version import __version__

from .coercion import PlainCommand, PlainHelp
from .coercion import install as plain_coercion
from .commands import COMMANDS
from .context import AppContext, GlobalOptions
from .examples import epilog
from .exit_codes import Cancelled, describe
from .options import (
    DebugOpt,
    NoColorOpt,
    ProfileOpt,
    QueryOpt,
    QuietOpt,
    VerboseOpt,
    complete_output,
    hoist_global_options,
)
from .output import Output

__all__ = ["CommandsGroup", "LazyGroup", "app", "build_group", "load_group"]

if TYPE_CHECKING:  # Typer vendors click and exports neither the Context its groups take nor UsageError
    from typer._click.core import Context as ClickContext
    from typer._click.exceptions import UsageError as _UsageError
else:
    _UsageError = typer.BadParameter.__mro__[1]  # click's UsageError
_CLICK_ERRORS: tuple[type[BaseException], ...] = (
    typer.Exit,
    typer.BadParameter.__mro__[2],  # click's ClickException (Typer vendors click and does not export it)
    BrokenPipeError,  # `cspark ... | head`: Typer's main loop quiets it
)


class OneLineUsageError(_UsageError):
    """A usage error shown like every other error: `error: <what, naming the flag>` and a hint, on stderr
    (Click's default is the usage line, a "Try" line, a blank line and `Error: ...`). Exit code 2."""

    def __init__(self, original: Any) -> None:
        super().__init__(original.format_message(), original.ctx)
        self.exit_code = original.exit_code

    def show(self, file: Any = None) -> None:
        ctx = self.ctx
        cli = ctx.find_object(AppContext) if ctx is not None else None
        out = cli.out if cli is not None else Output()
        path = ctx.command_path if ctx is not None else "cspark"
        out.error(self.format_message(), f"see `{path} --help`")


def _one_line(exc: Any) -> Any:
    return exc if isinstance(exc, OneLineUsageError) else OneLineUsageError(exc)


def load_group(name: str) -> typer.Typer:
    """Import a registered group's module and return its Typer app."""
    module = importlib.import_module(f"cspark_cli.commands.{name.replace('-', '_')}")
    group: typer.Typer = module.app
    return group


class ListingGroup(PlainHelp, TyperGroup):
    """A group that, while it lists its commands (help, completion of names), builds none of them:
    `get_command` sees `_listing` and answers with a name and a line of help."""

    _listing = False

    def format_help(self, ctx: ClickContext, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: ClickContext, incomplete: str) -> Any:
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False


class CommandsGroup(ListingGroup):
    """A group of one area (`cspark services`) that builds a command only when it is looked up. Typer's
    `get_group()` builds every command of the area, reading each function's signature and making its
    parameters (~40 ms for `services`), when only one runs. Listing names (help, completion) builds none."""

    def __init__(self, typer_app: typer.Typer, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._infos = {_command_name(info): info for info in typer_app.registered_commands}
        self._typer_app = typer_app

    def list_commands(self, ctx: ClickContext) -> list[str]:
        return list(self._infos)

    def get_command(self, ctx: ClickContext, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        info = self._infos.get(cmd_name)
        if info is None:
            return None
        if self._listing:  # a name and the first line of help are enough
            doc = info.help or inspect.getdoc(info.callback) or ""
            return TyperCommand(name=cmd_name, help=doc, short_help=info.short_help, hidden=info.hidden)
        if info.cls in (None, TyperCommand):  # a PlainCommand: its --help converts without pydantic too
            info = copy.copy(info)
            info.cls = PlainCommand
        command = typer.main.get_command_from_info(
            info,
            pretty_exceptions_short=self._typer_app.pretty_exceptions_short,
            rich_markup_mode=self._typer_app.rich_markup_mode,
        )
        command.epilog = command.epilog or epilog(f"{self.name} {cmd_name}")
        self.commands[cmd_name] = plain_coercion(command)
        return command


def _command_name(info: Any) -> str:
    return str(info.name or typer.main.get_command_name(info.callback.__name__))


def build_group(typer_app: typer.Typer, name: str, help: str) -> TyperGroup:
    """The click group of one area's Typer app, its commands built on first use (see `CommandsGroup`)."""
    if typer_app.registered_callback or typer_app.registered_groups:  # not lazy: Typer builds it all
        group = typer.main.get_group(typer_app)
    else:
        solved = typer.main.solve_typer_info_defaults(typer.models.TyperInfo(typer_app))
        group = CommandsGroup(
            typer_app,
            name=name,
            commands={},
            no_args_is_help=solved.no_args_is_help,
            context_settings=solved.context_settings,
            help=solved.help,
            epilog=solved.epilog,
            short_help=solved.short_help,
            hidden=solved.hidden,
            rich_markup_mode=typer_app.rich_markup_mode,
            suggest_commands=typer_app.suggest_commands,
        )
    group.name = name
    group.help = group.help or help
    return plain_coercion(group)


class LazyGroup(ListingGroup):
    """The root group. Registered groups are listed from `COMMANDS` (help and completion of names need no
    import) and imported when a command in them runs. Exceptions from commands are reported here, once."""

    registry: dict[str, str] = COMMANDS

    def list_commands(self, ctx: ClickContext) -> list[str]:
        return sorted({*self.commands, *self.registry})

    def get_command(self, ctx: ClickContext, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self.registry:
            return None
        if self._listing:  # a name and a line of help are enough; do not import the group
            return TyperCommand(
                name=cmd_name, help=self.registry[cmd_name], short_help=self.registry[cmd_name]
            )
        command = build_group(load_group(cmd_name), cmd_name, self.registry[cmd_name])
        self.commands[cmd_name] = command  # (no per-group completion options)
        return command

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        plain_coercion(self)  # again: Typer adds its completion options after building the group
        # global options anywhere: `cspark services execute f/s -p local` is `cspark -p local services ...`
        try:
            return super().make_context(info_name, hoist_global_options(list(args)), parent, **extra)
        except _UsageError as exc:  # a bad root option (`-o yaml`, CSPARK_OUTPUT=yaml)
            raise _one_line(exc) from None

    def resolve_command(self, ctx: ClickContext, args: list[str]) -> Any:
        try:
            return self._click_resolve_command(ctx, args)
        except _UsageError as exc:  # suggest a registered name
            import difflib  # only for a mistyped command

            matches = difflib.get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageError as exc:
            raise _one_line(exc) from None
        except _CLICK_ERRORS:
            raise
        except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt, or a confirmation answered "no"
            raise typer.Exit(report(ctx, Cancelled())) from None
        except (Exception, KeyboardInterrupt) as exc:
            raise typer.Exit(report(ctx, exc)) from None


def report(ctx: ClickContext, exc: BaseException) -> int:
    """Print one line (and maybe a hint) for an exception, the traceback too with --debug; return the code."""
    cli = ctx.obj if isinstance(ctx.obj, AppContext) else None
    out = cli.out if cli is not None else Output()
    failure = describe(exc, origin=cli.client_origin() if cli is not None else None)
    if cli is not None and cli.options.debug:
        out.traceback(exc)
    out.error(failure.message, failure.hint)
    return int(failure.code)


app = typer.Typer(
    name="cspark",
    cls=LazyGroup,
    help="Work with Coherent Spark from the command line: folders, services, batches, logs and more.\n\n"
    "The options below work anywhere on the line: `cspark services execute f/s value=1 -p local -o json`.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


@app.command("__complete-locator", hidden=True, cls=PlainCommand)
def complete_locator(ctx: typer.Context, prefix: str = typer.Argument("")) -> None:
    """Locators for the completion scripts: `folder/`, then `folder/service` (nothing on error)."""
    from .completion import locator_candidates

    try:
        found = locator_candidates(AppContext.of(ctx), prefix)
    except Exception:  # completion must stay quiet: no profile, Spark unreachable, ...
        found = []
    for word in found:
        typer.echo(word)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cspark {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    profile: ProfileOpt = None,
    output: str | None = typer.Option(
        None,
        "-o",
        "--output",
        help="Output format: table, json or csv (default: CSPARK_OUTPUT, the profile's, then table).",
        autocompletion=complete_output,
        show_default=False,
    ),
    no_color: NoColorOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
    query: QueryOpt = None,
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Work with Coherent Spark from the command line: folders, services, batches, logs and more.

    Settings come from flags, then CSPARK_* environment variables, then the profile (`cspark auth login`).
    The options below work anywhere on the line: `cspark services execute f/s value=1 -p local -o json`.
    """
    options = GlobalOptions(
        profile=profile,
        output=output,
        no_color=no_color,
        quiet=quiet,
        verbose=verbose,
        debug=debug,
        query=query,
    )
    if isinstance(ctx.obj, AppContext):  # a test's context: keep its client and prompter, take the flags
        ctx.obj.apply(options)
    else:
        ctx.obj = AppContext(options)
    ctx.call_on_close(ctx.obj.close)
