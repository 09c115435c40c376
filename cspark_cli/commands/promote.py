"""`cspark services promote` and `cspark services compare`: the CI gates.

`promote` moves services between tenants (the SDK's `impex.migrate`: export here, import there, both jobs
waited on) and, with `--verify FILE`, checks that the promoted versions answer FILE's records as the source
does. `compare` runs the same records through two services (two versions, or one service on two tenants)
and reports per output what differs. Both exit 8 when they find differences.

They are registered into the `services` group by `register(app)` (called at the end of `services.py`), so
they live in their own module.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from ..context import AppContext
from ..exit_codes import DifferencesFound
from ..inputs import iter_records, read_records
from ..options import (
    IfExists,
    PollIntervalOpt,
    UpgradeOpt,
    check_locator,
    complete_profiles,
    sdk_spelling,
)
from ..output import Column, Output, cell

if TYPE_CHECKING:
    from cspark_core.compare import CompareReport, Difference, Tolerance


ToleranceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tolerance",
        metavar="N|N%",
        help="Numbers this close count as equal: N absolute, N% relative. Repeatable (both may apply).",
        show_default=False,
    ),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="OUTPUT",
        help="Do not compare this output (repeatable, or comma-separated).",
        show_default=False,
    ),
]
SampleOpt = Annotated[int, typer.Option("--sample", min=0, help="Differing records to show per output.")]
ChunkSizeOpt = Annotated[int, typer.Option("--chunk-size", min=1, help="Records per v4 request.")]
ConcurrencyOpt = Annotated[int, typer.Option("--concurrency", min=1, help="Requests in flight at once.")]

MOVED_COLUMNS = [
    Column("Service", "service"),
    Column("Source version", "source_version"),
    Column("Target", "target"),
    Column("Target version", "target_version"),
    Column("Status", "status"),
]
OUTPUT_COLUMNS = [
    Column("Output", "output"),
    Column("Equal", "equal"),
    Column("Different", "different"),
    Column("Max difference", "max_difference"),
]
SAMPLE_COLUMNS = [
    Column("Record", "index"),
    Column("Output", "output"),
    Column("A", "a"),
    Column("B", "b"),
    Column("Difference", "delta"),
]
DIFF_FIELDS = ("index", "output", "a", "b", "delta", "missing")


# -- parsing ----------
def parse_tolerance(values: Sequence[str] | None) -> Tolerance:
    """`--tolerance 0.01` (absolute) and/or `--tolerance 0.5%` (relative); at most one of each."""
    from cspark_core.compare import Tolerance

    found: dict[str, float] = {}
    for raw in values or []:
        text = raw.strip()
        kind = "relative" if text.endswith("%") else "absolute"
        try:
            number = float(text.removesuffix("%"))
        except ValueError:
            number = -1.0
        if not number >= 0 or number == float("inf"):
            raise typer.BadParameter(
                f"{raw!r} is not a number >= 0, or a percentage such as 0.5%", param_hint="'--tolerance'"
            )
        if kind in found:
            raise typer.BadParameter(f"give one {kind} tolerance, not two", param_hint="'--tolerance'")
        found[kind] = number / 100 if kind == "relative" else number
    return Tolerance(**found)


def _names(values: Sequence[str] | None) -> list[str]:
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


def _records(path: str) -> list[dict[str, Any]]:
    rows = read_records(path, flag="--records")
    if not rows:
        where = "stdin" if path == "-" else repr(path)
        raise typer.BadParameter(f"{where} holds no records", param_hint="'--records'")
    return rows


def _streamed(path: str) -> Iterator[dict[str, Any]]:
    """The records of `--records`, read as they are used (the first one now, so an empty file is a usage
    error before any request)."""
    records = iter_records(path, flag="--records")
    first = next(records, None)
    if first is None:
        where = "stdin" if path == "-" else repr(path)
        raise typer.BadParameter(f"{where} holds no records", param_hint="'--records'")
    return itertools.chain([first], records)


def _diff_format(out: Path | None, force: bool) -> str | None:
    if out is None:
        return None
    kind = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(out.suffix.lower())
    if kind is None:
        raise typer.BadParameter("name a .csv or .jsonl file", param_hint="'--out'")
    if out.exists() and not force:
        raise typer.BadParameter(f"{str(out)!r} exists; add --force to replace it", param_hint="'--out'")
    return kind


# -- rendering ----------
def _sample_rows(report: CompareReport) -> list[dict[str, Any]]:
    return [difference.to_dict() for stats in report.outputs for difference in stats.samples]


def render_report(out: Output, report: CompareReport, *, a: str, b: str, data: Any = None) -> None:
    """Per output: equal and different records and the largest difference; then the first differences."""
    rows = [stats.to_dict() for stats in report.outputs]
    out.result(report.to_dict() if data is None else data, rows=rows, columns=OUTPUT_COLUMNS)
    samples = _sample_rows(report)
    if samples and out.format == "table":
        out.raw("")
        out.raw(f"First differences (A: {a}, B: {b}):")
        out.result(None, rows=samples, columns=SAMPLE_COLUMNS)


def summary(report: CompareReport) -> str:
    failed = [
        f"{count} failed on {side}"
        for side, count in (
            ("A only", report.failed_a),
            ("B only", report.failed_b),
            ("both", report.failed_both),
        )
        if count
    ]
    extra = f" ({', '.join(failed)})" if failed else ""
    if report.equal:
        return f"all {report.records} records answer the same{extra}"
    outputs = [stats.name for stats in report.outputs if stats.different]
    return (
        f"{report.different} differences in {report.records} records, in output(s) "
        f"{', '.join(outputs) or '-'}{extra}"
    )


@contextmanager
def difference_file(path: Path | None, kind: str | None) -> Iterator[Callable[[Difference], None] | None]:
    """A writer for every difference, in input order: CSV (JSON spellings for values) or JSON lines."""
    if path is None or kind is None:
        yield None
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield _csv_writer(handle) if kind == "csv" else _jsonl_writer(handle)


def _csv_writer(handle: TextIO) -> Callable[[Difference], None]:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(DIFF_FIELDS)

    def write(difference: Difference) -> None:
        row = difference.to_dict()
        writer.writerow([cell(row[name]) for name in DIFF_FIELDS])

    return write


def _jsonl_writer(handle: TextIO) -> Callable[[Difference], None]:
    def write(difference: Difference) -> None:
        handle.write(json.dumps(difference.to_dict(), ensure_ascii=False, default=str) + "\n")

    return write


# -- compare ----------
def compare(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(metavar="A", help="A service: folder/service[version], version/<id>.")],
    b: Annotated[str, typer.Argument(metavar="B", help="The service to compare A with (same forms).")],
    records: Annotated[
        str,
        typer.Option(
            "--records", metavar="FILE", help="Records: a .jsonl, .json (array) or .csv file, or - for stdin."
        ),
    ],
    profile_b: Annotated[
        str | None,
        typer.Option(
            "--profile-b",
            metavar="PROFILE",
            help="Run B with this profile (default: the same as A).",
            autocompletion=complete_profiles,
            show_default=False,
        ),
    ] = None,
    tolerance: ToleranceOpt = None,
    ignore: IgnoreOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="PATH", help="Write every difference to a .csv or .jsonl file, in input order."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")] = False,
    sample: SampleOpt = 5,
    chunk_size: ChunkSizeOpt = 100,
    concurrency: ConcurrencyOpt = 4,
) -> None:
    """Run every record through A and B and compare their outputs; exit 8 when any differs.

    Examples: `compare pricing/quote[1.2.0] pricing/quote --records cases.csv`,
    `compare pricing/quote pricing/quote --profile-b prod --records cases.jsonl --tolerance 0.01`.
    """
    from cspark_core.compare import compare_services

    cli = AppContext.of(ctx)
    check_locator(a, param="A")
    check_locator(b, param="B")
    tol, ignored, kind = parse_tolerance(tolerance), _names(ignore), _diff_format(out, force)
    rows = _streamed(records)
    client, client_b = cli.client(), cli.client_for(profile_b)
    with difference_file(out, kind) as write, cli.out.progress(None, "Comparing") as bar:
        report = compare_services(
            client, a, b, rows, client_b=client_b, tolerance=tol, ignore=ignored, sample_size=sample,
            chunk_size=chunk_size, concurrency=concurrency, on_difference=write, on_progress=bar.update,
        )  # fmt: skip
    render_report(cli.out, report, a=a, b=b)
    _unmatched(cli.out, report)
    if not report.equal:
        raise DifferencesFound(f"A and B differ: {summary(report)}")
    cli.out.success(summary(report))


def _unmatched(out: Output, report: CompareReport) -> None:
    if report.records and report.ignored_unseen:
        out.warn(f"--ignore {', '.join(report.ignored_unseen)}: no record has such an output")
    if report.records and not report.outputs and report.ignored:
        out.warn("every output was ignored: nothing was compared")


# -- promote ----------
def promote(
    ctx: typer.Context,
    services: Annotated[
        list[str],
        typer.Argument(
            metavar="SERVICE",
            help="Services to promote: folder/service, or folder/service[version] (default: the latest).",
            show_default=False,
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="PROFILE",
            help="Profile to export from (default: the run's profile, -p or CSPARK_*).",
            autocompletion=complete_profiles,
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="PROFILE",
            help="Profile to import into (default: the run's profile).",
            autocompletion=complete_profiles,
            show_default=False,
        ),
    ] = None,
    to_folder: Annotated[
        str | None,
        typer.Option(
            "--to-folder", help="Import into this folder (default: each service's own).", show_default=False
        ),
    ] = None,
    if_present: Annotated[
        IfExists,
        typer.Option(
            "--if-present", help="When the target service exists: fail, replace it, or add versions."
        ),
    ] = "add-version",
    upgrade: UpgradeOpt = "minor",
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=0.001, help="Seconds to wait for both jobs in all (exit 7 after)."),
    ] = 600.0,
    poll_interval: PollIntervalOpt = 1.0,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say what would be exported and where it would go; create nothing."),
    ] = False,
    verify: Annotated[
        str | None,
        typer.Option(
            "--verify",
            metavar="FILE",
            help="After the import, run FILE's records through source and target; exit 8 if any differ.",
            show_default=False,
        ),
    ] = None,
    tolerance: ToleranceOpt = None,
    ignore: IgnoreOpt = None,
    sample: SampleOpt = 5,
) -> None:
    """Promote services from one tenant to another (export, import, wait), optionally verified.

    Example: `promote pricing/quote --from uat --to prod --if-present add-version --verify cases.csv -o json`.
    """
    cli = AppContext.of(ctx)
    for service in services:
        check_locator(service, folder_service=True, param="SERVICE")
    if (tolerance or ignore) and verify is None:
        flag = "--tolerance" if tolerance else "--ignore"
        raise typer.BadParameter("applies to --verify only", param_hint=f"'{flag}'")
    rows = _records(verify) if verify is not None else None
    tol, ignored = parse_tolerance(tolerance), _names(ignore)
    client, to = cli.client_for(source), cli.client_for(target)
    what = "Planning the promotion" if dry_run else f"Promoting {len(services)} service(s)"
    with cli.out.spinner(what):
        res = client.impex.migrate(
            to, services=services, to_folder=to_folder, services_existing=sdk_spelling(if_present),
            update_version_type=upgrade, dry_run=dry_run, timeout=timeout, poll_interval=poll_interval,
        )  # fmt: skip
    if rows is None or dry_run:
        cli.out.result(res.data, rows=res.data["services"], columns=MOVED_COLUMNS)
        if rows is not None:
            cli.out.info(f"Dry run: would then verify {len(rows)} records against the promoted versions")
        return
    from cspark_core.compare import verify_migration

    with cli.out.spinner(f"Verifying {len(rows)} records"):
        checks = verify_migration(client, to, res, rows, tolerance=tol, ignore=ignored, sample_size=sample)
    _render_verified(cli.out, res.data, checks)


def _versioned(service: Any, version: Any) -> str:
    return f"{service}[{version}]" if version else str(service)


def _render_verified(
    out: Output, data: Mapping[str, Any], checks: list[tuple[dict[str, Any], CompareReport]]
) -> None:
    verdicts = [{**row, **report.to_dict()} for row, report in checks]
    out.result({**data, "verify": verdicts}, rows=data["services"], columns=MOVED_COLUMNS)
    failed = []
    for row, report in checks:
        source = _versioned(row["service"], row["source_version"])
        target = _versioned(row["target"], row["target_version"])
        if report.equal:
            out.success(f"verified {target} against {source}: {summary(report)}")
        else:
            failed.append((source, target, report))
    if not failed:
        return
    if out.format == "table":
        for source, target, report in failed:
            out.raw("")
            out.raw(f"Verification of {target} against {source}:")
            render_report(out, report, a=source, b=target)
    where = "; ".join(f"{target}: {summary(report)}" for _, target, report in failed)
    raise DifferencesFound(f"the promoted version answers differently (the import stays in place): {where}")


def register(app: typer.Typer) -> None:
    """Add `promote` and `compare` to the services group."""
    app.command("promote")(promote)
    app.command("compare")(compare)
