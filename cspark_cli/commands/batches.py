"""`cspark batches`: asynchronous batch pipelines.

`describe`, `create`, `info`, `status`, `push`, `pull`, `dispose` and `cancel` are one SDK call each, on one
pipeline. `run` makes the whole trip for a file of records: create a pipeline, push the records in chunks,
close it, pull the results as they come, write them in input order to `--out` (a temporary file renamed
at the end, so never a partial file), and cancel the pipeline if anything goes wrong.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, Literal

import typer

from ..context import AppContext
from ..inputs import parse_inputs, parse_json_option, read_records
from ..options import LocatorArg, RecordsFileOpt, YesOpt, check_iso, check_locator
from ..output import Column, Progress, cell

if TYPE_CHECKING:
    from cspark_core.resources.batches import Pipeline
    from cspark_core.response import SparkResponse

app = typer.Typer(
    help="Run records through a service asynchronously, in batch pipelines (`run` does it all at once).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

ResultFormat = Literal["csv", "jsonl"]
RESULT_FORMATS: dict[str, ResultFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
FAILED_STATES = ("failed", "cancelled", "closed_by_timeout", "completed_by_timeout")

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
CallPurposeOpt = Annotated[
    str | None, typer.Option(help="Call purpose (default: Async Batch Execution).", show_default=False)
]
SourceSystemOpt = Annotated[
    str | None, typer.Option(help="Source system tag (default: cspark).", show_default=False)
]
CorrelationIdOpt = Annotated[str | None, typer.Option(help="Correlation id tag.", show_default=False)]
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
TimeoutOpt = Annotated[float, typer.Option(min=0.001, help="Seconds to wait for the results (exit 7 after).")]
PollIntervalOpt = Annotated[float, typer.Option(min=0.0, help="Seconds between polls when nothing is ready.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format", metavar="csv|jsonl", help="Results file format (default: from --out).", show_default=False
    ),
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
def _json_object(flag: str, raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    value = parse_json_option(flag, raw)
    if not isinstance(value, dict):
        raise typer.BadParameter(f"must be a JSON object, got {type(value).__name__}", param_hint=f"'{flag}'")
    return value


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
            "extras": _json_object("--extras", self.extras),
        }


def result_format(out: str, given: str | None) -> ResultFormat:
    """`--format`, else the extension of `--out`."""
    if given is not None:
        if given not in ("csv", "jsonl"):
            raise typer.BadParameter(f"{given!r} is not one of csv, jsonl", param_hint="'--format'")
        return given  # type: ignore[return-value]
    fmt = RESULT_FORMATS.get(Path(out).suffix.lower())
    if fmt is None:
        raise typer.BadParameter(
            f"cannot tell the format of {out!r}: use a .csv or .jsonl file, or --format", param_hint="'--out'"
        )
    return fmt


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
def result_rows(pulled: Any) -> list[dict[str, Any]]:
    """One row per record of a pull reply: chunk id, index in the chunk, outputs, errors, warnings."""
    from cspark_core.resources.batches import ResultRows, chunk_results

    rows: list[dict[str, Any]] = []
    for item in chunk_results(pulled):
        outputs = item.get("outputs") if isinstance(item.get("outputs"), list) else []
        chunk = {"id": item.get("id"), "size": len(outputs)}
        collected = ResultRows([chunk])
        collected.add([item])
        rows.extend({**row, "index": i} for i, row in enumerate(collected.rows()) if row is not None)
    return rows


def output_names(rows: Sequence[Mapping[str, Any] | None]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        outputs = row.get("outputs") if row else None
        if isinstance(outputs, Mapping):
            names.update(dict.fromkeys(str(k) for k in outputs))
    return list(names)


def failed(row: Mapping[str, Any] | None) -> bool:
    return row is None or bool(row.get("errors"))


def _flat(row: Mapping[str, Any] | None, names: Sequence[str], lead: Sequence[str]) -> dict[str, Any]:
    row = row or {"errors": [{"message": "no result: the record's chunk failed"}]}
    outputs = row.get("outputs") if isinstance(row.get("outputs"), Mapping) else {}
    flat = {key: row.get(key) for key in lead}
    flat.update({name: outputs.get(name) for name in names})
    flat.update({"errors": row.get("errors"), "warnings": row.get("warnings")})
    return flat


def write_results(
    stream: IO[str], rows: Sequence[Mapping[str, Any] | None], fmt: ResultFormat, lead: Sequence[str] = ()
) -> None:
    """Rows in the order given. CSV: the `lead` columns, one column per output, then errors and warnings
    (nested values as JSON). JSONL: one object per line with `outputs`, `errors`, `warnings` (and `lead`)."""
    if fmt == "jsonl":
        for row in rows:
            record = row or {"errors": [{"message": "no result: the record's chunk failed"}]}
            line = {key: record.get(key) for key in (*lead, "outputs", "errors", "warnings")}
            stream.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        return
    names = output_names(rows)
    header = [*lead, *names, "errors", "warnings"]
    if len(set(header)) != len(header):
        header = [*lead, *(f"outputs.{n}" for n in names), "errors", "warnings"]
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(cell(value) for value in _flat(row, names, lead).values())


@contextmanager
def atomic_text(path: Path) -> Iterator[IO[str]]:
    """A text file written beside `path` and renamed over it only when the block succeeds (the SDK's
    atomic writer, which downloads use too)."""
    from cspark_core.resources._base import atomic_writer

    with atomic_writer(path) as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield stream
        stream.flush()
        stream.detach()  # the writer closes (and fsyncs) the file itself


# -- the `run` loop ----------
@dataclass
class BatchRun:
    """Drives one pipeline from records to results (push, close, pull until every record is back).

    The clock and sleep are injectable; `on_progress` hears the number of records back after each pull."""

    pipeline: Pipeline
    chunks: list[dict[str, Any]]
    timeout: float
    interval: float
    pull_max: int = 100
    on_progress: Callable[[int], None] = lambda done: None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    results: Any = field(init=False)
    finished: bool = field(init=False, default=False)  # Spark says the batch is over

    def __post_init__(self) -> None:
        from cspark_core.resources.batches import ResultRows

        self.results = ResultRows(self.chunks)

    @property
    def done(self) -> bool:
        return self.finished or self.results.complete

    def execute(self) -> list[dict[str, Any] | None]:
        """Every record's result in input order (None: its chunk failed within the allowed error rate).
        On a failed batch, a timeout or an interruption the pipeline is cancelled and the error raised."""
        deadline = self.clock() + self.timeout
        try:
            for chunk in self.chunks:
                reply = self.pipeline.push(data=[chunk], if_chunk_id_duplicated="throw")
                self._collect(reply)
            self.pipeline.dispose()
            while not self.done:
                if self._collect(None) == 0 and not self.done:
                    self._wait(deadline)
        except BaseException:
            with suppress(Exception):
                self.pipeline.cancel()
            raise
        return self.results.rows()  # type: ignore[no-any-return]

    def _collect(self, reply: SparkResponse | None) -> int:
        """Pull while results are ready (after a push, only if its reply says some are); check the status."""
        from cspark_core.resources.batches import records_available

        got = 0
        while reply is None or records_available(reply) > 0:
            reply = self.pipeline.pull(self.pull_max)
            count = self.results.add(reply)
            got += count
            self.on_progress(self.results.received)
            if count == 0 or self.results.complete:
                break
        self._check(reply)
        return got

    def _check(self, reply: SparkResponse) -> None:
        from cspark_core import JobFailedError

        status = _status(reply)
        state = status.get("batch_status")
        if state in FAILED_STATES:
            failures = status.get("records_failed")
            detail = f" ({failures} records failed)" if failures else ""
            raise JobFailedError(
                f"batch {self.pipeline.id} ended {state}{detail}", job_id=self.pipeline.id, last_status=state
            )
        if state == "completed":  # results still missing belong to chunks that failed within the allowed rate
            self.finished = True

    def _wait(self, deadline: float) -> None:
        from cspark_core import JobTimeoutError

        if self.clock() + self.interval > deadline:
            done, total = self.results.received, len(self.results.rows())
            raise JobTimeoutError(
                f"batch {self.pipeline.id} did not finish within {self.timeout:g} s "
                f"({done} of {total} records back)",
                job_id=self.pipeline.id,
                last_status=f"{done}/{total}",
            )
        self.sleep(self.interval)


def _status(reply: SparkResponse) -> Mapping[str, Any]:
    data = reply.data if isinstance(reply.data, Mapping) else {}
    inner = data.get("status")
    return inner if isinstance(inner, Mapping) else data


@dataclass(frozen=True)
class RunSummary:
    batch_id: str
    records: int
    failed: int
    seconds: float
    out: str

    def line(self) -> str:
        return f"{self.records} records, {self.failed} failed, {self.seconds:.1f} s -> {self.out}"


def run_batch(
    cli: AppContext, locator: Any, records: list[dict[str, Any]], create: dict[str, Any], plan: RunPlan
) -> RunSummary:
    """Create, push, wait, pull, write `plan.out` in input order, and report progress on stderr."""
    from cspark_core.resources.batches import batch_id_of, create_chunks

    started = time.monotonic()
    chunks = create_chunks(records, plan.chunk_size, parameters=plan.parameters, summary=plan.summary)
    client = cli.client()
    batch_id = batch_id_of(client.batches.create(locator, **create))
    with cli.out.progress(len(records), f"batch {batch_id}") as bar:
        rows = BatchRun(
            client.batches.of(batch_id), chunks, plan.timeout, plan.interval, on_progress=_updater(bar)
        ).execute()
    with atomic_text(plan.out) as stream:
        write_results(stream, rows, plan.format)
    seconds = time.monotonic() - started
    return RunSummary(batch_id, len(rows), sum(map(failed, rows)), seconds, str(plan.out))


def _updater(bar: Progress) -> Callable[[int], None]:
    return lambda done: bar.update(done)


@dataclass(frozen=True)
class RunPlan:
    out: Path
    format: ResultFormat
    chunk_size: int
    timeout: float
    interval: float
    parameters: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None


# -- commands ----------
@app.command("describe")
def describe(ctx: typer.Context) -> None:
    """List pipelines in progress and those finished within about the last hour."""
    cli = AppContext.of(ctx)
    res = cli.client().batches.describe()
    data = res.data if isinstance(res.data, Mapping) else {}
    rows = [*data.get("in_progress_batches", []), *data.get("recent_batches", [])]
    cli.out.result(res.data, rows=rows, columns=DESCRIBE_COLUMNS)


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
    render_created(cli, res.data)


def render_created(cli: AppContext, data: Any) -> None:
    """The new pipeline's id alone on stdout (`B=$(cspark batches create ...)`), Spark's reply with `-o json`,
    its id and details with `-o csv`."""
    body = data if isinstance(data, Mapping) else {}
    batch_id = body.get("id")
    if cli.out.bare:
        cli.out.raw(str(batch_id))
    else:
        view = {"id": batch_id, **(body.get("data") or {})}
        cli.out.result(data, rows=[view], columns=[Column(name, name) for name in view])
    cli.out.success(f"Opened pipeline {batch_id}: next `cspark batches push {batch_id} --file RECORDS`")


@app.command("info")
def info(ctx: typer.Context, batch_id: BatchIdArg) -> None:
    """Show a pipeline: service, status, summary counters and configuration."""
    cli = AppContext.of(ctx)
    res = cli.client().batches.of(batch_id).get_info()
    cli.out.kv({"id": res.data.get("id"), **res.data.get("data", {})}, data=res.data, flatten=True)


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
    chunk_summary = _json_object("--summary", summary)
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
        write_results(stream, rows, target[1], lead=("chunk_id", "index"))
    cli.out.success(f"Wrote {len(rows)} results to {out}")


def _output_cell(name: str) -> Callable[[Any], str]:
    return lambda row: cell((row.get("outputs") or {}).get(name))


@app.command("dispose")
def dispose(ctx: typer.Context, batch_id: BatchIdArg) -> None:
    """Close a pipeline: it takes no more chunks; what was pushed still finishes and stays pullable."""
    cli = AppContext.of(ctx)
    res = cli.client().batches.of(batch_id).dispose()
    cli.out.kv(_detail(res.data), data=res.data, flatten=True)


@app.command("cancel")
def cancel(ctx: typer.Context, batch_id: BatchIdArg, yes: YesOpt = False) -> None:
    """Cancel a pipeline at once: its pending records and unpulled results are discarded."""
    cli = AppContext.of(ctx)
    cli.confirm_or_require_yes(yes, f"Cancel batch {batch_id} and discard its pending records and results?")
    res = cli.client().batches.of(batch_id).cancel()
    cli.out.kv(_detail(res.data), data=res.data, flatten=True)


def _detail(data: Any) -> dict[str, Any]:
    """A close/cancel reply: the detail sits under `data` or `meta` (which one is unknown)."""
    if not isinstance(data, Mapping):
        return {}
    detail = data.get("data") or data.get("meta") or {}
    return {"id": data.get("id"), **(detail if isinstance(detail, Mapping) else {})}


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
    chunk_size: ChunkSizeOpt = 200,
    parameters: ParametersOpt = None,
    summary: SummaryOpt = None,
    timeout: TimeoutOpt = 600.0,
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

    CSV results have one column per output, then errors and warnings; JSONL lines hold outputs, errors and
    warnings. Exit 7 if the batch fails or --timeout passes (the pipeline is then cancelled).
    """
    cli = AppContext.of(ctx)
    target = check_locator(locator)
    plan = RunPlan(
        out=writable_target(out, force),
        format=result_format(out, format),
        chunk_size=chunk_size,
        timeout=timeout,
        interval=poll_interval,
        parameters=parse_inputs(parameters, flag="--parameters") or None,
        summary=_json_object("--summary", summary),
    )
    create_kwargs = CreateFlags(
        active_since, subservice, selected_output, call_purpose, source_system, correlation_id,
        unique_record_key, min_runners, max_runners, accuracy=accuracy,
    ).kwargs()  # fmt: skip
    records = read_records(file)
    if not records:
        raise typer.BadParameter(f"{file!r} holds no records", param_hint="'--file'")
    result = run_batch(cli, target, records, create_kwargs, plan)
    if cli.out.format == "json":
        cli.out.json(result.__dict__)
    cli.out.success(result.line())
