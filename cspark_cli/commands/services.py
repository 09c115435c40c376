"""`cspark services`: create (upload → compile → publish), execute (one record, or many through v4 in
concurrent chunks), validate, transform, versions, Swagger, schema, metadata, search, download, recompile
and delete. One command per SDK method: `get_versions` is `services versions`, and so on.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..context import AppContext
from ..downloads import OutPathOpt, render_saved, save_download
from ..exit_codes import Incomplete
from ..inputs import iter_records, parse_inputs, parse_json_option, read_stdin
from ..options import (
    ApiVersion,
    Bump,
    DownloadType,
    ExecuteFlags,
    ForceOpt,
    InputArgs,
    InputsOpt,
    LocatorArg,
    NoWaitOpt,
    PollIntervalOpt,
    ResponseFormat,
    TimeoutOpt,
    ValidationType,
    YesOpt,
    check_iso,
    check_locator,
    flag_group_params,
    parse_json_object,
)
from ..output import Column, Output, cell
from ..results import HOLD

if TYPE_CHECKING:
    from cspark_core import SparkResponse
    from cspark_core.bulk import RecordResult

app = typer.Typer(
    help="Create, execute, inspect, download, recompile and delete services.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

# -- shared option types ----------
FileOpt = Annotated[
    Path,
    typer.Option(
        "--file", metavar="PATH", help="The Excel workbook.", exists=True, dir_okay=False, show_default=False
    ),
]
FileNameOpt = Annotated[
    str | None, typer.Option("--file-name", help="File name to send (default: the file's).")
]
VersioningOpt = Annotated[Bump, typer.Option("--versioning", help="Version bump of the new version.")]
StartDateOpt = Annotated[str | None, typer.Option("--start-date", help="Effective from (ISO; default: now).")]
EndDateOpt = Annotated[
    str | None, typer.Option("--end-date", help="Effective until (ISO; default: start + 10 years).")
]
TagsOpt = Annotated[
    list[str] | None, typer.Option("--tag", metavar="TAGS", help="Tag (repeatable, or comma-separated).")
]
DEFAULT_TIMEOUT = 600.0


# -- parsing helpers (usage errors name the flag) ----------


def _names(values: Sequence[str] | None) -> list[str] | None:
    """Repeatable and comma-separated values as one list (None when none were given)."""
    names = [name.strip() for value in values or [] for name in value.split(",") if name.strip()]
    return names or None


def _done(out: Output, data: Any, message: str) -> None:
    """An action's reply: Spark's body with `-o json`, else one line on stderr."""
    if out.format == "json":
        out.json(data)
    out.success(message)


# -- execute: many records ----------
def execute_records(
    cli: AppContext, locator: str, source: str, options: dict[str, Any], chunk_size: int, concurrency: int,
    echo: bool,
) -> None:  # fmt: skip
    """Stream the records of `source` through the SDK's `execute_many` and render the results as they come
    (a table waits for them all: it is for people, and sized to the screen)."""
    records = iter_records(source, flag="--records")
    first = next(records, None)
    if first is None:
        origin = "stdin" if source == "-" else repr(source)
        raise typer.BadParameter(f"{origin} holds no records", param_hint="'--records'")
    client = cli.client()
    with cli.out.progress(None, "Executing records") as bar:
        results = client.services.execute_many(
            locator, itertools.chain([first], records), chunk_size=chunk_size, concurrency=concurrency,
            on_progress=lambda stats: bar.update(stats.records), **options,
        )  # fmt: skip
        try:
            render_many(cli.out, results, echo)
        except BaseException:
            done = results.stats.records
            if done and cli.out.format != "table":
                cli.out.warn(f"stopped after {done} records: the output holds those {done} only")
            raise
    stats = results.stats
    if stats.failed:
        cli.out.warn(f"of {stats.records} records, {stats.failed} came back with errors (-o json shows them)")


def render_many(out: Output, results: Iterable[RecordResult], echo: bool) -> None:
    """JSON: an array with one object per record (index, outputs, errors, warnings, and inputs
    with --echo-inputs), written as the results come. CSV: one row per record (inputs first with
    --echo-inputs). Table: the same rows, drawn once all are in."""
    if out.format == "json":
        stream = out.stdout
        stream.write("[")
        for n, result in enumerate(results):
            item = {"index": result.index, **result.to_dict(), **({"inputs": result.inputs} if echo else {})}
            stream.write(("\n" if n == 0 else ",\n") + json.dumps(item, ensure_ascii=False, default=str))
        stream.write("\n]\n")
        stream.flush()
        return
    if out.format == "csv":
        _stream_csv(out, results, echo)
        return
    kept = list(results)
    rows, columns = record_table([r.outputs for r in kept], [r.inputs or {} for r in kept] if echo else None)
    out.result(None, rows=rows, columns=columns)


def _stream_csv(out: Output, results: Iterable[RecordResult], echo: bool) -> None:
    """CSV rows as they come; the header is known at the first record with outputs (records before it wait,
    a bounded number). Outputs that a later record brings beyond the header are reported (exit 7)."""
    writer = csv.writer(out.stdout, lineterminator="\n")
    held: list[RecordResult] = []
    columns: tuple[list[str], list[str]] | None = None
    unknown: dict[str, None] = {}

    def start() -> tuple[list[str], list[str]]:
        ins = _keys([r.inputs or {} for r in held]) if echo else []
        outs = _keys([r.outputs for r in held])
        writer.writerow([f"input.{n}" if n in outs else n for n in ins] + outs)
        return ins, outs

    def write(item: RecordResult, ins: list[str], outs: list[str]) -> None:
        unknown.update(dict.fromkeys(k for k in item.outputs if k not in outs))
        given = item.inputs or {}
        writer.writerow([*(cell(given.get(n)) for n in ins), *(cell(item.outputs.get(n)) for n in outs)])

    for result in results:
        if columns is not None:
            write(result, *columns)
            continue
        held.append(result)
        if result.outputs or len(held) >= HOLD:
            columns = start()
            for item in held:
                write(item, *columns)
            held = []
    if columns is None and held:  # no record had outputs
        columns = start()
        for item in held:
            write(item, *columns)
    out.stdout.flush()
    if unknown:
        raise Incomplete(f"some records had outputs the CSV header lacks ({', '.join(unknown)}): use -o json")


# -- execute: rendering ----------
def _keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(str(key) for key in row))
    return list(seen)


def _at(index: int) -> Any:
    return lambda row: cell(row[index])


def record_table(
    outputs: Sequence[Mapping[str, Any]], inputs: Sequence[Mapping[str, Any]] | None
) -> tuple[list[list[Any]], list[Column]]:
    """One row per record: the inputs' columns first (when given), then the outputs'. An input whose name
    an output also has is headed `input.<name>`. Rows are lists, so any name works as a header."""
    in_names = _keys(inputs) if inputs else []
    out_names = _keys(outputs)
    headers = [f"input.{name}" if name in out_names else name for name in in_names] + out_names
    rows = []
    for index, record in enumerate(outputs):
        given = inputs[index] if inputs and index < len(inputs) else {}
        rows.append([given.get(name) for name in in_names] + [record.get(name) for name in out_names])
    return rows, [Column(header, "", fmt=_at(i)) for i, header in enumerate(headers)]


def _messages(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [str(item.get("message")) for item in items if isinstance(item, Mapping) and item.get("message")]


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(row, Mapping) for row in value)


def _one_record_table(out: Output, outputs: Mapping[str, Any]) -> None:
    """Name/value rows for the single values, then each table output (a list of rows) as a table under
    its name, rather than a line of JSON."""
    out.kv({name: value for name, value in outputs.items() if not _is_table(value)})
    for name, value in outputs.items():
        if _is_table(value):
            out.raw("")
            out.raw(f"{name}:")
            out.result(value, rows=value)


def render_execute(
    out: Output, data: Any, *, single: bool, inputs: Sequence[Mapping[str, Any]] | None
) -> None:
    """`-o json`: the body as is. Table: name/value rows for one record, one row per record for many.
    CSV: one row per record (inputs first when echoed)."""
    from cspark_core import SparkResponse

    body = SparkResponse(200, data)  # for its readers of v3 and v4 bodies
    outputs = body.records
    if out.query is not None and isinstance(data, Mapping):  # `--query outputs.doubled`, for v3 and v4 alike
        out.json({**data, "outputs": outputs[0] if single and outputs else outputs, "call_id": body.call_id})
        return
    if out.format == "table" and single:
        _one_record_table(out, outputs[0] if outputs else {})
    else:
        rows, columns = record_table(outputs, inputs)
        out.result(data, rows=rows, columns=columns)
    if out.format == "table" and body.call_id:  # -o json carries it in the body, as Spark sent it
        out.info(f"call id: {body.call_id} (`cspark logs get {body.call_id}`)")
    errors, warnings = body.errors, body.warnings
    if single:
        said = [*_messages(errors[0] if errors else None), *_messages(warnings[0] if warnings else None)]
        for message in said:
            out.warn(message)
        return
    failed, warned = sum(1 for e in errors if e), sum(1 for w in warnings if w)
    if failed or warned:
        out.warn(
            f"of {max(len(outputs), 1)} records, {failed} came back with errors and {warned} with warnings "
            "(-o json shows them)"
        )


def _echoed(res: SparkResponse, sent: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    echoed = res.body.get("inputs")
    return [echoed if isinstance(echoed, Mapping) else sent]


@app.command("execute")
@flag_group_params
def execute(
    ctx: typer.Context,
    locator: LocatorArg,
    more_inputs: InputArgs = None,
    inputs: InputsOpt = None,
    records: Annotated[
        str | None,
        typer.Option(
            "--records",
            metavar="FILE",
            help="Many records: a .jsonl, .json (array) or .csv file, or - for stdin.",
        ),
    ] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Records per v4 request.")] = 100,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Requests in flight at once.")] = 4,
    call: ExecuteFlags = ExecuteFlags(),
    selected: Annotated[
        list[str] | None,
        typer.Option(
            "--outputs",
            "--output-names",
            metavar="NAMES",
            help="Only these outputs (repeatable, or comma-separated).",
        ),
    ] = None,
    outputs_filter: Annotated[
        str | None, typer.Option("--outputs-filter", help="Only outputs matching this regex (one record).")
    ] = None,
    tables_as_array: Annotated[
        list[str] | None,
        typer.Option(
            "--tables-as-array", metavar="NAMES", help="Return these tables as arrays (one record)."
        ),
    ] = None,
    subservices: Annotated[
        list[str] | None,
        typer.Option("--subservices", metavar="NAMES", help="Only these subservices (comma-separated)."),
    ] = None,
    echo_inputs: Annotated[
        bool, typer.Option("--echo-inputs", help="Show the inputs beside the outputs.")
    ] = False,
    debug_solve: Annotated[bool, typer.Option("--debug-solve", help="Ask Spark to debug the solve.")] = False,
    downloadable: Annotated[
        bool, typer.Option("--downloadable", help="Ask for an Excel file of the calculation (one record).")
    ] = False,
    compiler_type: Annotated[
        str | None, typer.Option("--compiler-type", help="Neuron (default), Type3, Type2, Type1, Xconnector.")
    ] = None,
    extras: Annotated[
        str | None,
        typer.Option("--extras", metavar="JSON", help="A JSON object merged into the request meta."),
    ] = None,
    response_format: Annotated[
        ResponseFormat,
        typer.Option("--response-format", help="original, or alike (a v3 reply shaped like v4)."),
    ] = "original",
) -> None:
    """Execute a service: one record (--inputs) through v3, or many (--records) through v4 in chunks.

    Examples: `--inputs value=42`, `value=42 plan=gold` (after the locator), `--inputs 'table:=[{"a":1}]'`,
    `--inputs @in.json`, `--records in.csv`.
    """
    cli = AppContext.of(ctx)
    check_locator(locator)
    inputs = [*(inputs or []), *(more_inputs or [])] or None
    if inputs and records and "-" in inputs and records == "-":
        raise typer.BadParameter(
            "stdin ('-') can feed --inputs or --records, not both", param_hint="'--records'"
        )
    options = call.options()
    flags = {
        "selected_outputs": _names(selected),
        "outputs_filter": outputs_filter,
        "tables_as_array": _names(tables_as_array),
        "subservices": _names(subservices),
        "echo_inputs": echo_inputs or None,
        "debug_solve": debug_solve or None,
        "downloadable": downloadable or None,
        "compiler_type": compiler_type,
        "extras": parse_json_object("--extras", extras),
    }
    options.update({key: value for key, value in flags.items() if value is not None})
    if records is not None:
        if response_format != "original":
            raise typer.BadParameter("applies to one record only", param_hint="'--response-format'")
        if inputs:
            raise typer.BadParameter("give --inputs or --records, not both", param_hint="'--records'")
        execute_records(cli, locator, records, options, chunk_size, concurrency, echo_inputs)
        return
    record = parse_inputs(inputs)
    res = cli.client().services.execute(locator, record, response_format=response_format, **options)
    render_execute(cli.out, res.data, single=True, inputs=_echoed(res, record) if echo_inputs else None)


# -- validate, transform, metadata ----------
VALIDATION_COLUMNS = [
    Column("Input", "name"),
    Column("Allow", "validation_allow"),
    Column("Type", "validation_type"),
    Column("Min", "min"),
    Column("Max", "max"),
    Column("Options", "options"),
    Column("Depends on", "dependent_inputs"),
]


@app.command("validate")
@flag_group_params
def validate(
    ctx: typer.Context,
    locator: LocatorArg,
    more_inputs: InputArgs = None,
    inputs: InputsOpt = None,
    validation_type: Annotated[
        ValidationType,
        typer.Option(
            "--validation-type", help="static (the workbook's rules) or dynamic (for these inputs)."
        ),
    ] = "static",
    call: ExecuteFlags = ExecuteFlags(),
) -> None:
    """Show each input's validation rules (allowed values, ranges, options)."""
    cli = AppContext.of(ctx)
    check_locator(locator)
    options = call.options()
    record = parse_inputs([*(inputs or []), *(more_inputs or [])])
    res = cli.client().services.validate(locator, record, validation_type=validation_type, **options)
    rules = res.body.get("outputs")
    rows = [{"name": name, **rule} for name, rule in rules.items()] if isinstance(rules, Mapping) else []
    cli.out.result(res.data, rows=rows, columns=VALIDATION_COLUMNS)


@app.command("transform")
@flag_group_params
def transform(
    ctx: typer.Context,
    locator: LocatorArg,
    inputs: Annotated[
        str | None,
        typer.Option(
            "--inputs", metavar="JSON", help="The body to transform: JSON, @file.json or - for stdin."
        ),
    ] = None,
    using: Annotated[
        str | None,
        typer.Option("--using", help="Transform: a name, or folder/name (default: the service's)."),
    ] = None,
    api_version: Annotated[
        ApiVersion, typer.Option("--api-version", help="v3 or v4 execute behind the transform.")
    ] = "v3",
    call: ExecuteFlags = ExecuteFlags(),
) -> None:
    """Execute through a transform document: send any JSON, get what the transform maps it to."""
    cli = AppContext.of(ctx)
    check_locator(locator)
    body = _transform_body(inputs)
    options = call.options()
    res = cli.client().services.transform(locator, body, using=using, api_version=api_version, **options)
    cli.out.result(res.data)


def _transform_body(raw: str | None) -> Any:
    if raw is None:
        return None
    if raw == "-":
        return parse_json_option("--inputs", read_stdin("--inputs"))
    if raw.startswith("@"):
        try:
            text = Path(raw[1:]).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise typer.BadParameter(
                f"cannot read {raw[1:]!r}: {exc.strerror or exc}", param_hint="'--inputs'"
            ) from None
        return parse_json_option("--inputs", text)
    return parse_json_option("--inputs", raw)


@app.command("metadata")
def metadata(ctx: typer.Context, locator: LocatorArg) -> None:
    """Show a service's metadata outputs (`-o json`: Spark's reply)."""
    cli = AppContext.of(ctx)
    res = cli.client().services.get_metadata(check_locator(locator))
    outputs = res.body.get("outputs")
    if not outputs and cli.out.format == "table":
        cli.out.info(f"{locator} has no metadata outputs")
        return
    cli.out.kv(outputs if isinstance(outputs, Mapping) else {}, data=res.data)


# -- versions, schema, swagger, search, exists ----------
VERSION_COLUMNS = [
    Column("Version", "revision"),
    Column("Id", "id"),
    Column("Active", "isActive"),
    Column("Label", "versionLabel"),
    Column("Created", "createdAt"),
    Column("Author", "author"),
    Column("Notes", "releaseNote"),
]
SCHEMA_COLUMNS = [
    Column("Kind", "kind"),
    Column("Name", "name"),
    Column("Type", "dataType"),
    Column("Sheet", "sheetName"),
    Column("Address", "address"),
    Column("Default", "value"),
]
SEARCH_COLUMNS = [
    Column("Folder", "folderName"),
    Column("Service", "serviceName"),
    Column("Version", "version"),
    Column("Version id", "versionId"),
    Column("Modified", "modifiedDate"),
    Column("Id", "id"),
]


@app.command("versions")
def versions(ctx: typer.Context, locator: LocatorArg) -> None:
    """List a service's versions."""
    cli = AppContext.of(ctx)
    res = cli.client().services.get_versions(check_locator(locator, folder_service=True))
    cli.out.result(res.data, rows=res.items, columns=VERSION_COLUMNS)


@app.command("schema")
def schema(
    ctx: typer.Context,
    locator: LocatorArg,
    version_id: Annotated[
        str | None, typer.Option("--version-id", help="This version (default: latest).")
    ] = None,
) -> None:
    """List a service's inputs and outputs (`-o json`: the whole schema)."""
    cli = AppContext.of(ctx)
    res = cli.client().services.get_schema(check_locator(locator), version_id=version_id)
    from cspark_core.resources.services import schema_fields

    inputs, outputs = schema_fields(res)
    rows = [{"kind": "input", **item} for item in inputs]
    rows += [{"kind": "output", **item} for item in outputs]
    cli.out.result(res.data, rows=rows, columns=SCHEMA_COLUMNS)


@app.command("swagger")
def swagger(
    ctx: typer.Context,
    locator: LocatorArg,
    category: Annotated[str, typer.Option("--category", help="Subservice category, or All.")] = "All",
    downloadable: Annotated[
        bool, typer.Option("--downloadable", help="Ask for the downloadable form.")
    ] = False,
    version_id: Annotated[
        str | None, typer.Option("--version-id", help="This version (default: latest).")
    ] = None,
) -> None:
    """Print a service's Swagger (OpenAPI) document as JSON."""
    cli = AppContext.of(ctx)
    res = cli.client().services.get_swagger(
        check_locator(locator), category=category, downloadable=downloadable, version_id=version_id
    )
    if res.data is None:
        cli.out.raw(res.buffer.decode("utf-8", errors="replace"))
    else:
        cli.out.json(res.data)


@app.command("search")
def search(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="Part of a service name (default: all).", show_default=False),
    ] = None,
    folder: Annotated[str | None, typer.Option("--folder", help="Only services in this folder.")] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number.")] = 1,
    size: Annotated[int, typer.Option("--size", min=-1, help="Services per page (-1: all).")] = 100,
    sort: Annotated[str, typer.Option("--sort", help="Sort key.")] = "name1_co",
    fields: Annotated[
        list[str] | None, typer.Option("--field", metavar="NAME", help="Field to return (repeatable).")
    ] = None,
) -> None:
    """Search services by name and folder."""
    cli = AppContext.of(ctx)
    if size == 0:
        raise typer.BadParameter("must be positive, or -1 for all", param_hint="'--size'")
    res = cli.client().services.search(name, folder=folder, page=page, size=size, sort=sort,
                                       fields=_names(fields))  # fmt: skip
    rows = res.items
    if not rows and cli.out.format == "table":
        cli.out.info("No services found")
        return
    cli.out.result(res.data, rows=rows, columns=SEARCH_COLUMNS)


@app.command("exists")
def exists(ctx: typer.Context, locator: LocatorArg) -> None:
    """Print true when the service exists, else false (exit 0 either way)."""
    cli = AppContext.of(ctx)
    cli.out.result(cli.client().services.exists(check_locator(locator, folder_service=True)))


# -- create, compile, publish, compilation status, recompile ----------
def _upload_view(upload: SparkResponse) -> dict[str, Any]:
    """The ids an upload reply holds, under the names the publish flags use (read by the SDK)."""
    from cspark_core.resources.services import upload_ids

    return dict(zip(("job_id", "file_id", "engine_id"), upload_ids(upload), strict=True))


def _upload_args(
    locator: str, file_name: str | None, versioning: Bump, start_date: str | None, end_date: str | None
) -> dict[str, Any]:
    check_locator(locator, folder_service=True)
    return {
        "file_name": file_name,
        "versioning": versioning,
        "start_date": check_iso("--start-date", start_date),
        "end_date": check_iso("--end-date", end_date),
    }


def _start_compilation(cli: AppContext, locator: str, file: Path, args: dict[str, Any]) -> None:
    """Upload without waiting: print the compilation job and document ids, and what to run next."""
    res = cli.client().services.upload(locator, file=file, **args)
    view = _upload_view(res)
    cli.out.kv(view, data=res.data)
    cli.out.info(
        f"Compiling; check with `cspark services compilation-status {locator} {view['job_id']}`, then "
        f"`cspark services publish {locator} --file-id {view['file_id']} --engine-id {view['engine_id']}`"
    )


@app.command("upload")
def upload(
    ctx: typer.Context,
    locator: LocatorArg,
    file: FileOpt,
    file_name: FileNameOpt = None,
    versioning: VersioningOpt = "minor",
    start_date: StartDateOpt = None,
    end_date: EndDateOpt = None,
) -> None:
    """Upload a workbook and start its compilation without waiting (prints the job and document ids)."""
    cli = AppContext.of(ctx)
    _start_compilation(cli, locator, file, _upload_args(locator, file_name, versioning, start_date, end_date))


@app.command("create")
def create(
    ctx: typer.Context,
    locator: LocatorArg,
    file: FileOpt,
    file_name: FileNameOpt = None,
    versioning: VersioningOpt = "minor",
    start_date: StartDateOpt = None,
    end_date: EndDateOpt = None,
    draft_name: Annotated[
        str | None, typer.Option("--draft-name", help="Service name (default: LOCATOR's).")
    ] = None,
    track_user: Annotated[
        bool, typer.Option("--track-user", help="Record the user in Spark's history.")
    ] = False,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    poll_interval: PollIntervalOpt = 1.0,
    no_wait: NoWaitOpt = False,
) -> None:
    """Upload a workbook as folder/service, wait for it to compile, and publish it (exit 7 if it fails).
    With --no-wait: upload, print the compilation job id, and publish later with `services publish`."""
    cli = AppContext.of(ctx)
    args = _upload_args(locator, file_name, versioning, start_date, end_date)
    if no_wait:
        _start_compilation(cli, locator, file, args)
        return
    with cli.out.spinner(f"Uploading and compiling {file.name}"):
        res = cli.client().services.create(
            locator,
            file=file,
            draft_name=draft_name,
            track_user=track_user,
            timeout=timeout,
            poll_interval=poll_interval,
            **args,
        )
    from cspark_core.resources.services import step

    view = {"service": locator, **_upload_view(step(res, "upload"))}
    view["version_id"] = step(res, "publication").body.get("version_id")
    cli.out.kv(view, data=res.data)
    cli.out.success(f"Published {locator}")


@app.command("compile")
def compile_(
    ctx: typer.Context,
    locator: LocatorArg,
    file: FileOpt,
    file_name: FileNameOpt = None,
    versioning: VersioningOpt = "minor",
    start_date: StartDateOpt = None,
    end_date: EndDateOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    poll_interval: PollIntervalOpt = 1.0,
    no_wait: NoWaitOpt = False,
) -> None:
    """Upload a workbook and wait for it to compile, without publishing (then: `services publish`).
    With --no-wait it does not wait (the same as `services upload`)."""
    cli = AppContext.of(ctx)
    args = _upload_args(locator, file_name, versioning, start_date, end_date)
    if no_wait:
        _start_compilation(cli, locator, file, args)
        return
    with cli.out.spinner(f"Uploading and compiling {file.name}"):
        res = cli.client().services.compile(
            locator, file=file, timeout=timeout, poll_interval=poll_interval, **args
        )
    from cspark_core.resources.services import step

    cli.out.kv(_upload_view(step(res, "upload")), data=res.data)
    cli.out.success(
        f"Compiled; publish with `cspark services publish {locator} --file-id ... --engine-id ...`"
    )


@app.command("publish")
def publish(
    ctx: typer.Context,
    locator: LocatorArg,
    file_id: Annotated[str, typer.Option("--file-id", help="original_file_documentid (from compile).")],
    engine_id: Annotated[str, typer.Option("--engine-id", help="engine_file_documentid (from compile).")],
    draft_name: Annotated[
        str | None, typer.Option("--draft-name", help="Service name (default: LOCATOR's).")
    ] = None,
    versioning: VersioningOpt = "minor",
    start_date: StartDateOpt = None,
    end_date: EndDateOpt = None,
    track_user: Annotated[
        bool, typer.Option("--track-user", help="Record the user in Spark's history.")
    ] = False,
    label: Annotated[str | None, typer.Option("--label", help="Version label.")] = None,
    release_notes: Annotated[str | None, typer.Option("--release-notes", help="Release notes.")] = None,
    tags: TagsOpt = None,
) -> None:
    """Publish a compiled upload as a new version."""
    cli = AppContext.of(ctx)
    check_locator(locator, folder_service=True)
    res = cli.client().services.publish(
        locator, file_id=file_id, engine_id=engine_id, draft_name=draft_name,
        versioning=versioning,
        start_date=check_iso("--start-date", start_date), end_date=check_iso("--end-date", end_date),
        track_user=track_user, version_label=label,
        release_notes=release_notes, tags=_names(tags),
    )  # fmt: skip
    cli.out.kv(res.body, data=res.data)


@app.command("compilation-status")
def compilation_status(ctx: typer.Context, locator: LocatorArg, job_id: str) -> None:
    """Show a compilation job's status and progress."""
    cli = AppContext.of(ctx)
    res = cli.client().services.get_compilation_status(check_locator(locator, folder_service=True), job_id)
    cli.out.kv(res.body, data=res.data)


@app.command("recompile")
def recompile(
    ctx: typer.Context,
    locator: LocatorArg,
    version_id: Annotated[
        str | None, typer.Option("--version-id", help="Version to recompile (default: latest).")
    ] = None,
    upgrade: Annotated[Bump, typer.Option("--upgrade", help="Version bump of the new version.")] = "patch",
    compiler: Annotated[str | None, typer.Option("--compiler", help="Neuron compiler version.")] = None,
    release_notes: Annotated[str | None, typer.Option("--release-notes", help="Release notes.")] = None,
    label: Annotated[str | None, typer.Option("--label", help="Version label.")] = None,
    start_date: StartDateOpt = None,
    end_date: EndDateOpt = None,
    tags: TagsOpt = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait for the job (--no-wait prints its id).")
    ] = True,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    poll_interval: PollIntervalOpt = 1.0,
) -> None:
    """Recompile a version with another compiler, as a new version (exit 7 if the job fails)."""
    cli = AppContext.of(ctx)
    check_locator(locator, folder_service=True)
    with cli.out.spinner(f"Recompiling {locator}"):
        res = cli.client().services.recompile(
            locator, version_id=version_id, upgrade=upgrade, compiler=compiler,
            release_notes=release_notes, label=label, start_date=check_iso("--start-date", start_date),
            end_date=check_iso("--end-date", end_date), tags=_names(tags), wait=wait, timeout=timeout,
            poll_interval=poll_interval,
        )  # fmt: skip
    body = res.body
    if not wait and cli.out.bare:
        cli.out.raw(str(body.get("jobId") or ""))
        return
    cli.out.kv(body, data=res.data)


# -- download, delete ----------
@app.command("download")
def download(
    ctx: typer.Context,
    locator: LocatorArg,
    version_id: Annotated[
        str | None, typer.Option("--version-id", help="This version (default: latest).")
    ] = None,
    file_name: Annotated[
        str | None, typer.Option("--file-name", help="File name to ask the server for.")
    ] = None,
    kind: Annotated[
        DownloadType, typer.Option("--type", help="original, or configured (with Spark's metadata).")
    ] = "original",
    out: OutPathOpt = None,
    force: ForceOpt = False,
) -> None:
    """Download a service's workbook (the server's file name in the current folder, unless --out)."""
    cli = AppContext.of(ctx)
    check_locator(locator, folder_service=True)
    client = cli.client()

    def fetch(to: Path) -> Any:
        return client.services.download(locator, version_id=version_id, file_name=file_name, type=kind, to=to)

    fallback = file_name or f"{locator.rstrip(']').split('[')[0].rsplit('/', 1)[-1]}.xlsx"
    saved = save_download(cli.out, fetch, dest=out, force=force, fallback=fallback, what="workbook")
    render_saved(cli.out, saved)


@app.command("delete")
def delete(ctx: typer.Context, locator: LocatorArg, yes: YesOpt = False) -> None:
    """Delete a service and all its versions."""
    cli = AppContext.of(ctx)
    check_locator(locator, folder_service=True)
    cli.confirm_or_require_yes(yes, f"Delete service {locator!r} and all its versions?")
    res = cli.client().services.delete(locator)
    _done(cli.out, res.data, f"Deleted service {locator!r}")


# -- promote, compare: their own module (cspark_cli/commands/promote.py) ----------
from .promote import register  # noqa: E402

register(app)
