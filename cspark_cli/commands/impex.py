"""`cspark impex`: export services as a package and import packages.

`export` and `import` start a job, wait for it (a spinner on a terminal) and finish it: the export's package
is saved, the import's result shown. With `--no-wait` they print the job id instead; then the job commands
take over: `export-status`, `download-export`, `cancel-export`, `describe-exports` for exports (the SDK's
`impex.exports.get_status/download/cancel/describe`), `import-status`, `describe-imports` for imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from ..context import AppContext
from ..downloads import OutPathOpt, render_saved, save_download
from ..options import (
    Bump,
    CorrelationIdOpt,
    FileFilter,
    ForceOpt,
    IfExists,
    NoWaitOpt,
    PollIntervalOpt,
    SourceSystemOpt,
    TimeoutOpt,
    UpgradeOpt,
    VersionFilter,
    YesOpt,
    check_locator,
    sdk_spelling,
)
from ..output import Column

if TYPE_CHECKING:
    from cspark_core import SparkResponse

HELP = """Export services as a package, and import packages.

Whole jobs: `export` (saves the package) and `import FILE` (shows what was imported).
One step at a time: `export --no-wait` / `import --no-wait` print a job id; then `export-status`,
`download-export`, `cancel-export`, `describe-exports`, `import-status`, `describe-imports`."""

app = typer.Typer(help=HELP, no_args_is_help=True, rich_markup_mode=None)


JobIdArg = Annotated[str, typer.Argument(metavar="JOB_ID", help="The job id.", show_default=False)]
JOB_COLUMNS = [
    Column("ID", "id"),
    Column("Status", "status"),
    Column("Created by", "data.created_by"),
    Column("Created", "data.created_timestamp"),
    Column("Updated", "data.updated_timestamp"),
]
IMPORTED_COLUMNS = [
    Column("Source", "service_uri_source"),
    Column("Destination", "service_uri_destination"),
    Column("Status", "status"),
]


# -- parsing ----------
def export_selection(
    folders: list[str] | None, services: list[str] | None, version_ids: list[str] | None
) -> dict[str, list[str] | None]:
    """What to export; at least one flag is needed, and each --service must be a valid locator."""
    if not (folders or services or version_ids):
        raise typer.BadParameter(
            "give at least one --folder, --service or --version-id", param_hint="'--service'"
        )
    for service in services or []:
        check_locator(service, param="--service")
    return {"folders": folders or None, "services": services or None, "version_ids": version_ids or None}


def destinations(entries: list[str] | None, upgrade: Bump) -> list[dict[str, str]]:
    """`--destination SRC` (same name) or `SRC=DST`, both folder/service: the SDK's destination items."""
    if not entries:
        raise typer.BadParameter(
            "name at least one service of the package: SRC or SRC=DST (folder/service)",
            param_hint="'--destination'",
        )
    items = []
    for entry in entries:
        source, _, target = entry.partition("=")
        check_locator(source.strip(), folder_service=True, param="--destination")
        if target:
            check_locator(target.strip(), folder_service=True, param="--destination")
        items.append(
            {"source": source.strip(), "target": target.strip() or source.strip(), "upgrade": upgrade}
        )
    return items


# -- rendering ----------
def _job_view(data: Any) -> dict[str, Any]:
    """A job status without its bulky outputs (the services are listed apart)."""
    if not isinstance(data, Mapping):
        return {}
    return {key: value for key, value in data.items() if key != "outputs"}


def _render_job(cli: AppContext, res: SparkResponse) -> None:
    cli.out.kv(_job_view(res.data), data=res.data)


def _render_started(cli: AppContext, res: SparkResponse, what: str) -> None:
    """A job that was started and not waited for: its id on stdout (a table), Spark's reply with `-o json`."""
    from cspark_core.resources.impex import started_job_id

    job_id = started_job_id(res)
    if cli.out.bare:
        cli.out.raw(str(job_id))
    else:
        cli.out.result(res.data, rows=[res.data], columns=[Column("ID", "id"), Column("Status", "status")])
    cli.out.success(f"Started {what} job {job_id}")


def _describe_rows(res: SparkResponse, kind: Literal["export", "import"]) -> list[dict[str, Any]]:
    from cspark_core.resources.impex import described_jobs

    return described_jobs(res, kind)


def _first(responses: list[SparkResponse]) -> SparkResponse:
    return responses[0]


# -- export ----------
@app.command("export")
def export(
    ctx: typer.Context,
    folder: Annotated[
        list[str] | None,
        typer.Option("--folder", help="Export a folder's services. Repeatable.", show_default=False),
    ] = None,
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            help="Export a service: folder/service[version] or service/<id>. Repeatable.",
            show_default=False,
        ),
    ] = None,
    version_id: Annotated[
        list[str] | None,
        typer.Option("--version-id", help="Export a version. Repeatable.", show_default=False),
    ] = None,
    file_filter: Annotated[
        FileFilter, typer.Option(help="Everything to migrate, or only what a runner needs.")
    ] = "migrate",
    version_filter: Annotated[VersionFilter, typer.Option(help="The latest version, or all.")] = "latest",
    source_system: SourceSystemOpt = None,
    correlation_id: CorrelationIdOpt = None,
    out: OutPathOpt = None,
    force: ForceOpt = False,
    timeout: TimeoutOpt = 600.0,
    poll_interval: PollIntervalOpt = 1.0,
    no_wait: NoWaitOpt = False,
) -> None:
    """Export services as a package ZIP: start the job, wait for it, save the package."""
    cli = AppContext.of(ctx)
    options: dict[str, Any] = {
        **export_selection(folder, service, version_id),
        "file_filter": file_filter,
        "version_filter": version_filter,
        "source_system": source_system,
        "correlation_id": correlation_id,
    }
    impex = cli.client().impex
    if no_wait:
        _render_started(cli, impex.exports.initiate(**options), "export")
        return

    seen: list[str] = []  # the job's id, from its first status reply

    def remember(res: SparkResponse) -> None:
        from cspark_core.resources.impex import started_job_id

        job_id = started_job_id(res)
        if job_id and not seen:
            seen.append(job_id)

    def fetch(to: Path) -> SparkResponse:
        try:
            files = impex.exp(
                **options, timeout=timeout, poll_interval=poll_interval, on_poll=remember, to=to
            )
        except KeyboardInterrupt:  # Spark runs one export at a time: an abandoned job would block the next
            _cancel_quietly(cli, seen)
            raise
        if len(files) > 1:  # the SDK wrote the others beside the first: name-2.zip, ...
            cli.out.warn(f"the export has {len(files)} package files; only the first is named by --out")
        return _first(files)

    saved = save_download(
        cli.out, fetch, dest=out, force=force, fallback="package.zip", what="export package",
        doing="Waiting for the export job, then downloading the package",
    )  # fmt: skip
    render_saved(cli.out, saved)


def _cancel_quietly(cli: AppContext, seen: list[str]) -> None:
    from contextlib import suppress

    for job_id in seen:
        with suppress(Exception):
            cli.client().impex.exports.cancel(job_id)
            cli.out.info(f"Cancelled export job {job_id}")


@app.command("export-status")
def export_status(ctx: typer.Context, job_id: JobIdArg) -> None:
    """Show an export job's status (and, once done, its package URL)."""
    cli = AppContext.of(ctx)
    _render_job(cli, cli.client().impex.exports.get_status(job_id))


@app.command("download-export")
def download_export(
    ctx: typer.Context,
    job_id: JobIdArg,
    out: OutPathOpt = None,
    force: ForceOpt = False,
) -> None:
    """Save the package of a finished export job."""
    cli = AppContext.of(ctx)
    exports = cli.client().impex.exports

    def fetch(to: Path) -> SparkResponse:
        return _first(exports.download(job_id, to))

    saved = save_download(
        cli.out, fetch, dest=out, force=force, fallback="package.zip", what="export package"
    )
    render_saved(cli.out, saved)


@app.command("cancel-export")
def cancel_export(ctx: typer.Context, job_id: JobIdArg, yes: YesOpt = False) -> None:
    """Cancel a running export job."""
    cli = AppContext.of(ctx)
    cli.confirm_or_require_yes(yes, f"Cancel export job {job_id}?")
    _render_job(cli, cli.client().impex.exports.cancel(job_id))


@app.command("describe-exports")
def describe_exports(ctx: typer.Context) -> None:
    """List export jobs in progress and those finished within about the last hour."""
    cli = AppContext.of(ctx)
    res = cli.client().impex.exports.describe()
    cli.out.result(res.data, rows=_describe_rows(res, "export"), columns=JOB_COLUMNS)


# -- import ----------
@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", exists=True, dir_okay=False, readable=True, help="A package ZIP from `export`."
        ),
    ],
    destination: Annotated[
        list[str] | None,
        typer.Option(
            "--destination",
            metavar="SRC[=DST]",
            help="A service of the package (folder/service) and, after =, where it goes. Repeatable.",
            show_default=False,
        ),
    ] = None,
    if_exists: Annotated[
        IfExists, typer.Option(help="When the destination service exists: fail, replace it, or add versions.")
    ] = "add-version",
    upgrade: UpgradeOpt = "minor",
    source_system: SourceSystemOpt = None,
    correlation_id: CorrelationIdOpt = None,
    timeout: TimeoutOpt = 600.0,
    poll_interval: PollIntervalOpt = 1.0,
    no_wait: NoWaitOpt = False,
) -> None:
    """Import a package into this tenant: start the job, wait for it, list the imported services."""
    cli = AppContext.of(ctx)
    options: dict[str, Any] = {
        "destination": destinations(destination, upgrade),
        "services_existing": sdk_spelling(if_exists),
        "update_version_type": upgrade,
        "source_system": source_system,
        "correlation_id": correlation_id,
    }
    impex = cli.client().impex
    if no_wait:
        _render_started(cli, impex.imports.initiate(file, **options), "import")
        return
    with cli.out.spinner("Importing"):
        res = impex.imp(file, **options, timeout=timeout, poll_interval=poll_interval)
    from cspark_core.resources.impex import imported_services

    rows = imported_services(res)
    cli.out.result(res.data, rows=rows, columns=IMPORTED_COLUMNS)


@app.command("import-status")
def import_status(ctx: typer.Context, job_id: JobIdArg) -> None:
    """Show an import job's status."""
    cli = AppContext.of(ctx)
    _render_job(cli, cli.client().impex.imports.get_status(job_id))


@app.command("describe-imports")
def describe_imports(ctx: typer.Context) -> None:
    """List import jobs in progress and those finished within about the last hour."""
    cli = AppContext.of(ctx)
    res = cli.client().impex.imports.describe()
    cli.out.result(res.data, rows=_describe_rows(res, "import"), columns=JOB_COLUMNS)
