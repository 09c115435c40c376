"""`cspark batches`: asynchronous batch pipelines.

`describe`, `create`, `info`, `status`, `push`, `pull`, `dispose` and `cancel` are one SDK call each, on one
pipeline. `run` makes the whole trip for a file of records over the SDK's `batches.run` (which survives
faults and resumes from a journal): it streams the file in, writes the results in input order to
`OUT.partial` as they come (renamed over `--out` at the end, so never a partial `--out`), keeps the journal
in `OUT.journal` until the run is done, and decides the exit code from `--accuracy`.
"""

from __future__ import annotations

import io
import itertools
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from ..context import AppContext
from ..exit_codes import Interrupted
from ..inputs import iter_records, parse_inputs, read_records
from ..options import (
    CallPurposeOpt,
    CorrelationIdOpt,
    ForceOpt,
    LocatorArg,
    PollIntervalOpt,
    RecordsFileOpt,
    ResultFormat,
    SourceSystemOpt,
    TimeoutOpt,
    YesOpt,
    check_iso,
    check_locator,
    parse_json_object,
)
from ..output import Column, Progress, cell
from ..results import ResultsFile, ResultWriter, partial_path

if TYPE_CHECKING:
    from cspark_core import SparkResponse
    from cspark_core.bulk import BatchRun, BulkStats

app = typer.Typer(
    help="Run records through a service asynchronously, in batch pipelines (`run` does it all at once).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

RESULT_FORMATS: dict[str, ResultFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# -- shared arguments and options ----------
BatchIdArg = Annotated[str, typer.Argument(metavar="ID", help="The batch (pipeline) id.", show_default=False)]
ActiveSinceOpt = Annotated[
    str | None,
    typer.Option(help="Use the version active at this date/time (ISO 8601).", show_default=False),
]
SubserviceOpt = Annotated[
    list[str] | None,
    typer.Option("--subservice", help="A subservice to run. Repeatable.", show_default=False),
]
SelectedOutputOpt = Annotated[
    list[str] | None,
    typer.Option("--selected-output", help="Only return this output. Repeatable.", show_default=False),
]
UniqueRecordKeyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--unique-record-key", help="An input that identifies records. Repeatable.", show_default=False
    ),
]
MinRunnersOpt = Annotated[
    int | None, typer.Option(min=1, help="Runners at start (experimental).", show_default=False)
]
MaxRunnersOpt = Annotated[
    int | None, typer.Option(min=1, help="Most runners (experimental).", show_default=False)
]
ChunksPerVmOpt = Annotated[
    int | None, typer.Option(min=1, help="Chunks per request to a VM (experimental).", show_default=False)
]
RunnersPerVmOpt = Annotated[
    int | None, typer.Option(min=1, help="Runner threads per VM (experimental).", show_default=False)
]
MaxInputSizeOpt = Annotated[
    float | None, typer.Option(help="Input buffer size in MB (experimental).", show_default=False)
]
MaxOutputSizeOpt = Annotated[
    float | None, typer.Option(help="Output buffer size in MB (experimental).", show_default=False)
]
AccuracyOpt = Annotated[
    float,
    typer.Option(min=0.0, max=1.0, help="Share of records that must succeed, 0 to 1 (1: any failure fails)."),
]
ExtrasOpt = Annotated[
    str | None,
    typer.Option(
        metavar="JSON", help="A JSON object merged into the create request as is.", show_default=False
    ),
]
ParametersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--parameters",
        metavar="INPUT",
        help="Inputs shared by every record: key=value, key:=<json>, a JSON object, @file.json. Repeatable.",
        show_default=False,
    ),
]
SummaryOpt = Annotated[
    str | None,
    typer.Option(
        metavar="JSON",
        help='Chunk summary, e.g. {"aggregation":[{"output_name":"premium","operator":"SUM"}]}.',
        show_default=False,
    ),
]
ChunkSizeOpt = Annotated[int, typer.Option(min=1, help="Records per chunk.")]
FormatOpt = Annotated[
    ResultFormat | None,
    typer.Option("--format", help="Results file format (default: from --out).", show_default=False),
]

DESCRIBE_COLUMNS = [
    Column("ID", "id"),
    Column("Status", "data.batch_status"),
    Column("Pipeline", "data.pipeline_status"),
    Column("Service", "data.service_uri"),
    Column("Submitted", "data.summary.records_submitted"),
    Column("Completed", "data.summary.records_completed"),
    Column("Failed", "data.summary.records_failed"),
    Column("Created", "data.created_timestamp"),
]


# -- parsing helpers ----------
def _positive(flag: str, value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise typer.BadParameter(f"must be greater than 0, got {value:g}", param_hint=f"'{flag}'")
    return value


@dataclass(frozen=True)
class CreateFlags:
    """Every `batches.create` option, as given on the command line."""

    active_since: str | None = None
    subservice: list[str] | None = None
    selected_output: list[str] | None = None
    call_purpose: str | None = None
    source_system: str | None = None
    correlation_id: str | None = None
    unique_record_key: list[str] | None = None
    min_runners: int | None = None
    max_runners: int | None = None
    chunks_per_vm: int | None = None
    runners_per_vm: int | None = None
    max_input_size: float | None = None
    max_output_size: float | None = None
    accuracy: float = 1.0
    extras: str | None = None

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `batches.create`, checked (usage errors name the flag)."""
        if self.min_runners and self.max_runners and self.min_runners > self.max_runners:
            raise typer.BadParameter("cannot exceed --max-runners", param_hint="'--min-runners'")
        return {
            "active_since": check_iso("--active-since", self.active_since),
            "subservices": self.subservice or None,
            "selected_outputs": self.selected_output or None,
            "call_purpose": self.call_purpose,
            "source_system": self.source_system,
            "correlation_id": self.correlation_id,
            "unique_record_key": self.unique_record_key or None,
            "min_runners": self.min_runners,
            "max_runners": self.max_runners,
            "chunks_per_vm": self.chunks_per_vm,
            "runners_per_vm": self.runners_per_vm,
            "max_input_size": _positive("--max-input-size", self.max_input_size),
            "max_output_size": _positive("--max-output-size", self.max_output_size),
            "accuracy": self.accuracy,
            "extras": parse_json_object("--extras", self.extras),
        }


def result_format(out: str, given: ResultFormat | None) -> ResultFormat:
    """`--format`, else the extension of `--out`."""
    if given is not None:
        return given
    by_suffix = RESULT_FORMATS.get(Path(out).suffix.lower())
    if by_suffix is None:
        raise typer.BadParameter(
            f"cannot tell the format of {out!r}: use a .csv or .jsonl file, or --format", param_hint="'--out'"
        )
    return by_suffix


def writable_target(out: str, force: bool) -> Path:
    """Where results go: refuse an existing file without --force, or a missing folder (before any request)."""
    path = Path(out)
    if path.is_dir():
        raise typer.BadParameter(f"{out!r} is a folder", param_hint="'--out'")
    if path.exists() and not force:
        raise typer.BadParameter(f"{out!r} exists: pass --force to overwrite it", param_hint="'--out'")
    if not path.parent.is_dir():
        raise typer.BadParameter(f"folder {str(path.parent)!r} does not exist", param_hint="'--out'")
    return path


# -- results files ----------
def result_rows(pulled: SparkResponse) -> list[dict[str, Any]]:
    """One row per record of a pull reply: chunk id, index in the chunk, outputs, errors, warnings."""
    from cspark_core.resources.batches import pulled_rows

    return pulled_rows(pulled)


def output_names(rows: Sequence[Mapping[str, Any] | None]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        outputs = row.get("outputs") if row else None
        if isinstance(outputs, Mapping):
            names.update(dict.fromkeys(str(k) for k in outputs))
    return list(names)


@contextmanager
def atomic_text(path: Path) -> Iterator[IO[str]]:
    """A text file written beside `path` and renamed over it only when the block succeeds (the SDK's
    atomic writer, which downloads use too)."""
    from cspark_core.resources.files import atomic_writer

    with atomic_writer(path) as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield stream
        stream.flush()
        stream.detach()  # the writer closes (and fsyncs) the file itself


# -- the `run` command's plan and report ----------
CHECKPOINT_SECONDS = 1.0  # how often `run` makes its results file durable and tells the journal


def journal_path(out: Path) -> Path:
    return out.with_name(out.name + ".journal")


def fingerprint(file: str) -> dict[str, Any]:
    """What identifies the input of a resumable run: a hash of its bytes (a renamed copy still resumes)."""
    import hashlib

    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"input_sha256": digest.hexdigest()}


def count_lines(file: str) -> int | None:
    """About how many records a .csv or .jsonl file holds (for the progress bar only)."""
    suffix = Path(file).suffix.lower()
    if file == "-" or suffix not in (".csv", ".jsonl", ".ndjson"):
        return None
    with open(file, "rb") as handle:
        lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - (1 if suffix == ".csv" else 0), 0)


def prepare_out(out: Path, force: bool, resume: bool) -> None:
    """Check `--out` against what an earlier run left (before any request): `--resume` needs its journal;
    a fresh run refuses an unfinished run's journal unless `--force` (which starts over)."""
    journal = journal_path(out)
    if resume:
        if not journal.exists():
            message = f"there is no unfinished run of {str(out)!r} to resume"
            raise typer.BadParameter(message, param_hint="'--resume'")
        return
    if journal.exists():
        if not force:
            raise typer.BadParameter(
                f"an unfinished run of {str(out)!r} left {journal.name}: pass --resume to go on with it, "
                "or --force to start over",
                param_hint="'--out'",
            )
        for stale in (journal, Path(f"{journal}-wal"), Path(f"{journal}-shm"), partial_path(out)):
            stale.unlink(missing_ok=True)
    writable_target(str(out), force)


def resume_command() -> str:
    """The command line that goes on with an interrupted run."""
    args = sys.argv[1:] if Path(sys.argv[0]).name.startswith("cspark") else None
    if args is None:
        return "the same command with --resume"
    return shlex.join(["cspark", *args, *([] if "--resume" in args else ["--resume"])])


@dataclass(frozen=True)
class RunSummary:
    batch_id: str
    records: int
    ok: int
    failed: int
    missing: int
    retried: int
    repushed: int
    seconds: float
    out: str

    def line(self) -> str:
        lost = f" ({self.missing} without a result)" if self.missing else ""
        failed = self.failed + self.missing
        return (
            f"batch {self.batch_id}: {self.records} records, {self.ok} ok, {failed} failed"
            f"{lost}; {self.retried} calls retried, {self.repushed} chunks re-pushed; "
            f"{self.seconds:.1f} s -> {self.out}"
        )


def accuracy_failure(summary: RunSummary, accuracy: float) -> str | None:
    """Why the run fails `--accuracy` (the share of records that must come back without an error)."""
    bad = summary.failed + summary.missing
    if not bad or bad <= (1 - accuracy) * summary.records + 1e-9:
        return None
    return (
        f"{bad} of {summary.records} records failed ({summary.missing} without a result), more than "
        f"--accuracy {accuracy:g} allows; every record is in {summary.out}, with its errors"
    )


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, `kill`) stops a run like Ctrl-C does."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (tests): nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- commands ----------
@app.command("describe")
def describe(ctx: typer.Context) -> None:
    """List pipelines in progress and those finished within about the last hour."""
    cli = AppContext.of(ctx)
    res = cli.client().batches.describe()
    from cspark_core.resources.batches import described_batches

    cli.out.result(res.data, rows=described_batches(res), columns=DESCRIBE_COLUMNS)


@app.command("create")
def create(
    ctx: typer.Context,
    locator: LocatorArg,
    active_since: ActiveSinceOpt = None,
    subservice: SubserviceOpt = None,
    selected_output: SelectedOutputOpt = None,
    call_purpose: CallPurposeOpt = None,
    source_system: SourceSystemOpt = None,
    correlation_id: CorrelationIdOpt = None,
    unique_record_key: UniqueRecordKeyOpt = None,
    min_runners: MinRunnersOpt = None,
    max_runners: MaxRunnersOpt = None,
    chunks_per_vm: ChunksPerVmOpt = None,
    runners_per_vm: RunnersPerVmOpt = None,
    max_input_size: MaxInputSizeOpt = None,
    max_output_size: MaxOutputSizeOpt = None,
    accuracy: AccuracyOpt = 1.0,
    extras: ExtrasOpt = None,
) -> None:
    """Open a pipeline on a service and print its id (then `push`, `pull`, `dispose`)."""
    cli = AppContext.of(ctx)
    target = check_locator(locator)
    flags = CreateFlags(
        active_since, subservice, selected_output, call_purpose, source_system, correlation_id,
        unique_record_key, min_runners, max_runners, chunks_per_vm, runners_per_vm, max_input_size,
        max_output_size, accuracy, extras,
    )  # fmt: skip
    kwargs = flags.kwargs()
    res = cli.client().batches.create(target, **kwargs)
    render_created(cli, res)


def render_created(cli: AppContext, res: SparkResponse) -> None:
    """The new pipeline's id alone on stdout (`B=$(cspark batches create ...)`), Spark's reply with `-o json`,
    its id and details with `-o csv`."""
    from cspark_core.resources.batches import batch_detail

    view = batch_detail(res)
    batch_id = view.get("id")
    if cli.out.bare:
        cli.out.raw(str(batch_id))
    else:
        cli.out.result(res.data, rows=[view], columns=[Column(name, name) for name in view])
    cli.out.success(f"Opened pipeline {batch_id}: next `cspark batches push {batch_id} --file RECORDS`")


@app.command("info")
def info(ctx: typer.Context, batch_id: BatchIdArg) -> None:
    """Show a pipeline: service, status, summary counters and configuration."""
    cli = AppContext.of(ctx)
    res = cli.client().batches.of(batch_id).get_info()
    cli.out.kv(_detail(res), data=res.data, flatten=True)


@app.command("status")
def status(ctx: typer.Context, batch_id: BatchIdArg) -> None:
    """Show a pipeline's progress: records submitted, completed and available, buffers, workers."""
    cli = AppContext.of(ctx)
    res = cli.client().batches.of(batch_id).get_status()
    cli.out.kv(res.data)


@app.command("push")
def push(
    ctx: typer.Context,
    batch_id: BatchIdArg,
    file: RecordsFileOpt,
    chunk_size: ChunkSizeOpt = 200,
    parameters: ParametersOpt = None,
    summary: SummaryOpt = None,
) -> None:
    """Push records (a .jsonl, .json or .csv file, or - for stdin) in chunks of --chunk-size."""
    cli = AppContext.of(ctx)
    records = read_records(file)
    if not records:
        raise typer.BadParameter(f"{file!r} holds no records", param_hint="'--file'")
    common = parse_inputs(parameters, flag="--parameters") or None
    chunk_summary = parse_json_object("--summary", summary)
    res = (
        cli.client()
        .batches.of(batch_id)
        .push(inputs=records, chunk_size=chunk_size, parameters=common, summary=chunk_summary)
    )
    cli.out.kv(res.data)
    cli.out.success(f"Pushed {len(records)} records in {-(-len(records) // chunk_size)} chunks")


@app.command("pull")
def pull(
    ctx: typer.Context,
    batch_id: BatchIdArg,
    max_chunks: Annotated[int, typer.Option("--max", min=1, help="Most chunks to pull.")] = 100,
    out: Annotated[
        str | None,
        typer.Option(
            metavar="PATH", help="Write the records' results to a .csv or .jsonl file.", show_default=False
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Pull finished chunks (they leave Spark's output buffer): one row per record, with its chunk id."""
    cli = AppContext.of(ctx)
    target = (writable_target(out, force), result_format(out, None)) if out else None
    res = cli.client().batches.of(batch_id).pull(max_chunks)
    rows = result_rows(res)
    if target is None:
        columns = [Column("Chunk", "chunk_id"), Column("Index", "index")]
        columns += [Column(name, "", fmt=_output_cell(name)) for name in output_names(rows)]
        cli.out.result(res.data, rows=rows, columns=[*columns, Column("Errors", "errors")])
        return
    with atomic_text(target[0]) as stream:
        writer = ResultWriter(stream, target[1], lead=("chunk_id", "index"))
        if target[1] == "csv":
            writer.start(output_names(rows))
        for row in rows:
            writer.write(row)
    cli.out.success(f"Wrote {len(rows)} results to {out}")


def _output_cell(name: str) -> Callable[[Any], str]:
    return lambda row: cell((row.get("outputs") or {}).get(name))


@app.command("dispose")
def dispose(ctx: typer.Context, batch_id: BatchIdArg) -> None:
    """Close a pipeline: it takes no more chunks; what was pushed still finishes and stays pullable."""
    cli = AppContext.of(ctx)
    res = cli.client().batches.of(batch_id).dispose()
    cli.out.kv(_detail(res), data=res.data, flatten=True)


@app.command("cancel")
def cancel(ctx: typer.Context, batch_id: BatchIdArg, yes: YesOpt = False) -> None:
    """Cancel a pipeline at once: its pending records and unpulled results are discarded."""
    cli = AppContext.of(ctx)
    cli.confirm_or_require_yes(yes, f"Cancel batch {batch_id} and discard its pending records and results?")
    res = cli.client().batches.of(batch_id).cancel()
    cli.out.kv(_detail(res), data=res.data, flatten=True)


def _detail(res: SparkResponse) -> dict[str, Any]:
    from cspark_core.resources.batches import batch_detail

    return batch_detail(res)


@app.command("run")
def run(
    ctx: typer.Context,
    locator: LocatorArg,
    file: RecordsFileOpt,
    out: Annotated[
        str,
        typer.Option(
            metavar="PATH", help="Results file (.csv or .jsonl), in input order.", show_default=False
        ),
    ],
    format: FormatOpt = None,
    force: ForceOpt = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Go on with an interrupted run of this command (its journal is beside --out)."
        ),
    ] = False,
    chunk_size: ChunkSizeOpt = 200,
    max_in_flight: Annotated[
        int, typer.Option("--max-in-flight", min=1, help="Chunks pushed and not yet written, at most.")
    ] = 16,
    parameters: ParametersOpt = None,
    summary: SummaryOpt = None,
    timeout: TimeoutOpt = 3600.0,
    poll_interval: PollIntervalOpt = 0.5,
    active_since: ActiveSinceOpt = None,
    subservice: SubserviceOpt = None,
    selected_output: SelectedOutputOpt = None,
    call_purpose: CallPurposeOpt = None,
    source_system: SourceSystemOpt = None,
    correlation_id: CorrelationIdOpt = None,
    unique_record_key: UniqueRecordKeyOpt = None,
    min_runners: MinRunnersOpt = None,
    max_runners: MaxRunnersOpt = None,
    accuracy: AccuracyOpt = 1.0,
) -> None:
    """Run every record of --file through a service and write the results to --out, in input order.

    Records are read, pushed and written as they go (memory stays flat, whatever the file's size). Faults
    that clear are retried and lost chunks pushed again, so every record comes back exactly once. A journal
    beside --out (OUT.journal) lets an interrupted run (Ctrl-C, SIGTERM, a kill) go on with --resume.

    CSV results have one column per output, then errors and warnings; JSONL lines hold outputs, errors and
    warnings. Exit 7 if more records fail than --accuracy allows (the file is still complete), or if
    --timeout passes (the journal is kept for --resume).
    """
    cli = AppContext.of(ctx)
    target = check_locator(locator)
    path = Path(out)
    fmt = result_format(out, format)
    if resume and file == "-":
        raise typer.BadParameter("a run reading stdin cannot be resumed", param_hint="'--resume'")
    prepare_out(path, force, resume)
    create_kwargs = CreateFlags(
        active_since, subservice, selected_output, call_purpose, source_system, correlation_id,
        unique_record_key, min_runners, max_runners, accuracy=accuracy,
    ).kwargs()  # fmt: skip
    common = parse_inputs(parameters, flag="--parameters") or None
    chunk_summary = parse_json_object("--summary", summary)
    records = iter_records(file)
    first = next(records, None)
    if first is None:
        raise typer.BadParameter(f"{file!r} holds no records", param_hint="'--file'")
    started = time.monotonic()
    with cli.out.progress(count_lines(file), "batch") as bar, sigterm_as_interrupt():
        batch = cli.client().batches.run(
            target, itertools.chain([first], records), chunk_size=chunk_size, parameters=common,
            summary=chunk_summary, timeout=timeout, poll_interval=poll_interval, max_in_flight=max_in_flight,
            journal=journal_path(path) if file != "-" else None, resume=resume,
            fingerprint=fingerprint(file) if file != "-" else None,
            on_progress=_reporter(cli, bar), **create_kwargs,
        )  # fmt: skip
        write_run(cli, batch, path, fmt, resume)
    stats = batch.stats
    result = RunSummary(
        stats.pipelines[-1], stats.records, stats.ok, stats.failed, stats.missing, stats.retried,
        stats.repushed, time.monotonic() - started, out,
    )  # fmt: skip
    if cli.out.format == "json":
        cli.out.json({**result.__dict__, "pipelines": stats.pipelines})
    failure = accuracy_failure(result, accuracy)
    if failure:
        cli.out.warn(result.line())
        from cspark_core import JobFailedError

        raise JobFailedError(failure, job_id=result.batch_id, last_status="accuracy")
    cli.out.success(result.line())


def write_run(cli: AppContext, batch: BatchRun, path: Path, fmt: ResultFormat, resume: bool) -> None:
    """Write the results as they come; make them durable (and tell the journal) about once a second. On an
    interruption or an error the journal and OUT.partial stay, and the way to go on is printed."""
    results = ResultsFile(path, fmt, batch.resumed_cursor if resume else None)
    last = time.monotonic()
    try:
        for result in batch:
            results.writer.write(result.to_dict())
            if time.monotonic() - last >= CHECKPOINT_SECONDS:
                last = time.monotonic()
                _checkpoint(batch, results)
        results.commit()
    except BaseException as exc:
        _checkpoint(batch, results)
        results.close()
        if batch.journal is None:
            results.partial.unlink(missing_ok=True)
            raise
        if isinstance(exc, KeyboardInterrupt):
            raise Interrupted(
                f"interrupted: batch {batch.batch_id} is left open; go on with: {resume_command()}"
            ) from None
        cli.out.warn(f"the run stopped; its journal is kept: go on with: {resume_command()}")
        raise
    batch.finish()


def _checkpoint(batch: BatchRun, results: ResultsFile) -> None:
    cursor = results.cursor()
    if cursor is not None:
        batch.checkpoint(cursor)


def _reporter(cli: AppContext, bar: Progress) -> Callable[[BulkStats], None]:
    """The progress bar, and a line on stderr whenever the run starts using a pipeline (also off a
    terminal, so a CI log holds the batch id)."""
    told: list[str] = []

    def report(stats: BulkStats) -> None:
        bar.update(stats.records)
        for batch_id in stats.pipelines[len(told) :]:
            said = "started" if not told else "started (the previous pipeline stopped taking work)"
            cli.out.info(f"batch {batch_id} {said}")
            told.append(batch_id)

    return report
