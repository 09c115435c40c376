"""`cspark logs`: API call history. `get` shows one call's log, `rehydrate` saves the
workbook with a call's inputs, `download` runs a log download job and saves its ZIP (`--no-wait` only starts
the job; `download-status` then shows its progress and, when done, the archive's temporary URL, which
`cspark files download` fetches)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..context import AppContext
from ..downloads import OutPathOpt, render_saved, save_download
from ..options import (
    ForceOpt,
    LocatorArg,
    LogType,
    NoWaitOpt,
    PollIntervalOpt,
    TimeoutOpt,
    check_iso,
    check_locator,
)

if TYPE_CHECKING:
    from pathlib import Path

    from cspark_core import SparkResponse

app = typer.Typer(
    help="Show a call's log, rebuild the workbook a call ran with, download logs as CSV or JSON.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

CallIdArg = Annotated[
    str, typer.Argument(metavar="CALL_ID", help="The call id of an execution.", show_default=False)
]
IndexOpt = Annotated[
    int | None,
    typer.Option(min=0, help="The record's index in a many-record (v4) call.", show_default=False),
]


LOG_FIELDS = (
    "EngineCallId", "LogTime", "TransactionDate", "Product", "Service", "ServiceRevision", "APIVersion",
    "SourceSystem", "Purpose", "UserName", "CalcTime", "SparkTotalTime",
)  # fmt: skip


def log_view(log: Any) -> dict[str, Any]:
    """The fields of a decoded log worth a table: who, what, when, and the call's inputs and outputs."""
    if not isinstance(log, Mapping):
        return {"log": log}
    from cspark_core.resources.logs import call_io

    view = {name: log.get(name) for name in LOG_FIELDS if name in log}
    if isinstance(log.get("EngineDetails"), Mapping):
        view["inputs"], view["outputs"] = call_io(log)
    return view


def _service_name(locator: str) -> str:
    from cspark_core.locator import Uri

    return Uri.parse(locator).service or "service"


@app.command("get")
def get(ctx: typer.Context, call_id: CallIdArg, index: IndexOpt = None) -> None:
    """Show one call's log (`-o json`: Spark's reply, which carries the log as a JSON string)."""
    cli = AppContext.of(ctx)
    res = cli.client().logs.get(call_id, index=index)
    cli.out.kv(log_view(res.log), data=res.data)


@app.command("rehydrate")
def rehydrate(
    ctx: typer.Context,
    locator: LocatorArg,
    call_id: CallIdArg,
    index: IndexOpt = None,
    legacy: Annotated[bool, typer.Option("--legacy", help="Spark's legacy workbook format.")] = False,
    out: OutPathOpt = None,
    force: ForceOpt = False,
) -> None:
    """Save the workbook of a service with a past call's inputs in it."""
    cli = AppContext.of(ctx)
    target = check_locator(locator, folder_service=True)
    client = cli.client()

    def fetch(to: Path) -> SparkResponse:
        return client.logs.rehydrate(target, call_id, index, legacy, to=to)

    saved = save_download(cli.out, fetch, dest=out, force=force, fallback=f"{call_id}.xlsx", what="workbook")
    render_saved(cli.out, saved)


@app.command("download")
def download(
    ctx: typer.Context,
    locator: LocatorArg,
    call_id: Annotated[
        list[str] | None,
        typer.Option(
            "--call-id", metavar="CALL_ID", help="A call to include. Repeatable.", show_default=False
        ),
    ] = None,
    start_date: Annotated[
        str | None, typer.Option(help="From this ISO date or timestamp.", show_default=False)
    ] = None,
    end_date: Annotated[
        str | None, typer.Option(help="Until this ISO date or timestamp.", show_default=False)
    ] = None,
    correlation_id: Annotated[
        str | None,
        typer.Option(help="Calls with this correlation id (without --call-id).", show_default=False),
    ] = None,
    source_system: Annotated[
        str | None,
        typer.Option(help="Calls from this source system (without --call-id).", show_default=False),
    ] = None,
    version_id: Annotated[
        str | None, typer.Option(help="Only calls to this version.", show_default=False)
    ] = None,
    timezone_offset: Annotated[
        float | None, typer.Option(help="Shift timestamps by this many hours.", show_default=False)
    ] = None,
    type: Annotated[LogType, typer.Option("--type", help="Log format.")] = "json",
    out: OutPathOpt = None,
    force: ForceOpt = False,
    timeout: TimeoutOpt = 600.0,
    poll_interval: PollIntervalOpt = 1.0,
    no_wait: NoWaitOpt = False,
) -> None:
    """Run a log download job for a service, wait for it (a spinner on a terminal), and save the ZIP."""
    cli = AppContext.of(ctx)
    target = check_locator(locator, folder_service=True)
    filters: dict[str, Any] = {
        "call_ids": call_id or None,
        "start_date": check_iso("--start-date", start_date),
        "end_date": check_iso("--end-date", end_date),
        "correlation_id": correlation_id,
        "source_system": source_system,
        "version_id": version_id,
        "type": type,
        "timezone_offset": timezone_offset,
    }
    client = cli.client()
    if no_wait:
        _render_started(cli, client.logs.initiate_download(target, **filters), locator, type)
        return

    def fetch(to: Path) -> SparkResponse:
        return client.logs.download(target, **filters, timeout=timeout, poll_interval=poll_interval, to=to)

    fallback = f"{_service_name(locator)}_logs_{type}.zip"  # the name the emulator gives it
    saved = save_download(
        cli.out, fetch, dest=out, force=force, fallback=fallback, what=f"{type} logs",
        doing="Waiting for the log download job, then downloading the logs",
    )  # fmt: skip
    render_saved(cli.out, saved)


def _render_started(cli: AppContext, res: SparkResponse, locator: str, type: LogType) -> None:
    """The job id on stdout (a table), or Spark's reply with `-o json`, and what to run next."""
    from cspark_core.resources.logs import job_id_of

    job_id = job_id_of(res)
    if cli.out.bare:
        cli.out.raw(job_id)
    else:
        cli.out.result(res.data, rows=[{"job_id": job_id}])
    cli.out.success(f"Started; check with `cspark logs download-status {locator} {job_id} --type {type}`")


@app.command("download-status")
def download_status(
    ctx: typer.Context,
    locator: LocatorArg,
    job_id: Annotated[str, typer.Argument(metavar="JOB_ID", help="From `logs download --no-wait`.")],
    type: Annotated[LogType, typer.Option("--type", help="The job's log format.")] = "json",
) -> None:
    """Show a log download job's progress; when done, the temporary URL of its archive."""
    cli = AppContext.of(ctx)
    target = check_locator(locator, folder_service=True)
    res = cli.client().logs.get_download_status(target, job_id, type=type)
    cli.out.kv(res.body, data=res.data)
