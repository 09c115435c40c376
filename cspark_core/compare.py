"""Comparing two services' answers record by record: per output, how many records agree and differ, the
largest numeric difference, and the first few differences with both values.

The comparison itself is pure and streaming: `Comparison.add()` takes one record's outputs from each side
and keeps only counters and the first `sample_size` differences per output, so memory stays constant
however many records go through. `compare_results()` runs it over two streams in input order, either
`(index, outputs)` pairs or `RecordResult`-like objects (`.index`, `.outputs`, `.ok`).
`compare_services()` / `async_compare_services()` execute the same records through two services (two
versions, or the same service on two tenants) and compare what comes back.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import SparkSdkError

if TYPE_CHECKING:
    from .client import AsyncClient, Client
    from .locator import UriParams

__all__ = [
    "MISSING",
    "CompareReport",
    "Comparison",
    "Difference",
    "OutputStats",
    "Tolerance",
    "async_compare_services",
    "compare_results",
    "compare_services",
    "migrated_pairs",
    "verify_migration",
]

DEFAULT_SAMPLE_SIZE = 5


class _Missing:
    """An output one side did not return (the record failed there, or the output is not in that version)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Tolerance:
    """When two numbers count as equal: `|a - b| <= absolute`, or `|a - b| <= relative * max(|a|, |b|)`.
    Both 0 (the default) means exactly equal. Applies to numbers anywhere in an output, tables included."""

    absolute: float = 0.0
    relative: float = 0.0

    def __post_init__(self) -> None:
        for name in ("absolute", "relative"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not value >= 0:
                raise SparkSdkError(f"tolerance {name} must be a number >= 0, got {value!r}", cause=value)

    def accepts(self, a: float, b: float) -> bool:
        if a == b:
            return True
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        delta = abs(a - b)
        return delta <= self.absolute or delta <= self.relative * max(abs(a), abs(b))


@dataclass(frozen=True)
class Difference:
    """One output of one record that differs: `a` and `b` are the two values (`MISSING` when a side has
    none); `delta` is `b - a` when both are numbers, else None."""

    index: int
    output: str
    a: Any
    b: Any
    delta: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: a missing value is None, and `missing` says on which side(s)."""
        sides = [side for side, value in (("a", self.a), ("b", self.b)) if value is MISSING]
        row = {
            "index": self.index,
            "output": self.output,
            "a": None if self.a is MISSING else self.a,
            "b": None if self.b is MISSING else self.b,
            "delta": self.delta,
        }
        return {**row, "missing": sides[0] if len(sides) == 1 else None}


@dataclass
class OutputStats:
    """One output's tally: records where both sides agree (within the tolerance) or differ, the largest
    numeric difference seen (tolerated ones too; None when no numbers were compared), and the first
    differences."""

    name: str
    equal: int = 0
    different: int = 0
    max_difference: float | None = None
    samples: list[Difference] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.name,
            "equal": self.equal,
            "different": self.different,
            "max_difference": self.max_difference,
            "samples": [d.to_dict() for d in self.samples],
        }


@dataclass(frozen=True)
class CompareReport:
    """The result of a comparison. `equal` is True when no output differs in any record and no record
    failed on one side only (records that failed on both sides are counted in `failed_both`)."""

    records: int
    outputs: list[OutputStats]
    failed_a: int = 0
    failed_b: int = 0
    failed_both: int = 0
    ignored: list[str] = field(default_factory=list)
    tolerance: Tolerance = field(default_factory=Tolerance)
    ignored_unseen: list[str] = field(default_factory=list)  # ignored names no record had (a typo?)

    @property
    def different(self) -> int:
        """How many (record, output) pairs differ."""
        return sum(stats.different for stats in self.outputs)

    @property
    def equal(self) -> bool:
        return self.different == 0 and self.failed_a == 0 and self.failed_b == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "equal": self.equal,
            "records": self.records,
            "different": self.different,
            "failed": {"a": self.failed_a, "b": self.failed_b, "both": self.failed_both},
            "tolerance": {"absolute": self.tolerance.absolute, "relative": self.tolerance.relative},
            "ignored": list(self.ignored),
            "ignored_unseen": list(self.ignored_unseen),
            "outputs": [stats.to_dict() for stats in self.outputs],
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: Any, b: Any, tolerance: Tolerance) -> tuple[bool, float | None]:
    """Whether two output values agree, and the largest numeric difference inside them (None: no numbers
    were compared). Lists and objects (tables) are compared item by item."""
    if _is_number(a) and _is_number(b):
        delta = abs(float(a) - float(b))
        return tolerance.accepts(float(a), float(b)), (None if math.isnan(delta) else delta)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if set(a) != set(b):
            return False, _largest(_same(a[k], b[k], tolerance)[1] for k in a if k in b)
        results = [_same(a[k], b[k], tolerance) for k in a]
        return all(ok for ok, _ in results), _largest(d for _, d in results)
    if isinstance(a, list) and isinstance(b, list):
        results = [_same(x, y, tolerance) for x, y in zip(a, b, strict=False)]
        return len(a) == len(b) and all(ok for ok, _ in results), _largest(d for _, d in results)
    return a == b and type(a) is type(b), None


def _largest(deltas: Iterable[float | None]) -> float | None:
    return max((d for d in deltas if d is not None), default=None)


class Comparison:
    """A streaming tally. Feed it one record at a time with `add()`; read `report()` at any point."""

    def __init__(
        self, *, tolerance: Tolerance | None = None, ignore: Iterable[str] = (),
        sample_size: int = DEFAULT_SAMPLE_SIZE,
    ) -> None:  # fmt: skip
        if sample_size < 0:
            raise SparkSdkError(f"sample_size must be >= 0, got {sample_size!r}", cause=sample_size)
        self.tolerance = tolerance or Tolerance()
        self.ignore = frozenset(ignore)
        self.sample_size = sample_size
        self._stats: dict[str, OutputStats] = {}
        self._records = 0
        self._failed = {"a": 0, "b": 0, "both": 0}
        self._ignored_seen: set[str] = set()

    def add(
        self, index: int, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, *, a_ok: bool = True,
        b_ok: bool = True,
    ) -> list[Difference]:  # fmt: skip
        """Compare one record's outputs; returns its differences (in output-name order)."""
        self._records += 1
        if not a_ok or not b_ok:
            side = "both" if not (a_ok or b_ok) else ("a" if not a_ok else "b")
            self._failed[side] += 1
            if side == "both":
                return []
        a, b = a or {}, b or {}
        if self.ignore and len(self._ignored_seen) < len(self.ignore):
            self._ignored_seen.update(self.ignore.intersection({*a, *b}))
        found = []
        for name in sorted({*a, *b} - self.ignore, key=str):
            left, right = a.get(name, MISSING), b.get(name, MISSING)
            stats = self._stats.get(name)
            if stats is None:
                stats = self._stats[name] = OutputStats(str(name))
            ok, delta = (False, None) if MISSING in (left, right) else _same(left, right, self.tolerance)
            if delta is not None and (stats.max_difference is None or delta > stats.max_difference):
                stats.max_difference = delta
            if ok:
                stats.equal += 1
                continue
            stats.different += 1
            signed = float(right) - float(left) if _is_number(left) and _is_number(right) else None
            difference = Difference(index, str(name), left, right, signed)
            if len(stats.samples) < self.sample_size:
                stats.samples.append(difference)
            found.append(difference)
        return found

    @property
    def records(self) -> int:
        """How many records were added so far."""
        return self._records

    def report(self) -> CompareReport:
        outputs = [self._stats[name] for name in sorted(self._stats, key=str)]
        return CompareReport(
            records=self._records, outputs=outputs, failed_a=self._failed["a"], failed_b=self._failed["b"],
            failed_both=self._failed["both"], ignored=sorted(self.ignore), tolerance=self.tolerance,
            ignored_unseen=sorted(self.ignore - self._ignored_seen),
        )  # fmt: skip


OnDifference = Callable[[Difference], None] | None
OnProgress = Callable[[int], None] | None


def _unpack(item: Any) -> tuple[int, Mapping[str, Any], bool]:
    """`(index, outputs)` or a `RecordResult`-like object -> (index, outputs, ok)."""
    if isinstance(item, tuple):
        index, outputs = item
        return int(index), outputs or {}, True
    ok = bool(getattr(item, "ok", not getattr(item, "errors", None)))
    return int(item.index), item.outputs or {}, ok


def compare_results(
    a: Iterable[Any], b: Iterable[Any], *, tolerance: Tolerance | None = None, ignore: Iterable[str] = (),
    sample_size: int = DEFAULT_SAMPLE_SIZE, on_difference: OnDifference = None,
) -> CompareReport:  # fmt: skip
    """Compare two streams of results for the same records, in the same (input) order. `on_difference` is
    called for every difference as it is found, in input order (e.g. to write a full difference file)."""
    tally = Comparison(tolerance=tolerance, ignore=ignore, sample_size=sample_size)
    for left, right in itertools.zip_longest(a, b):
        _feed(tally, left, right, on_difference)
    return tally.report()


def _feed(tally: Comparison, left: Any, right: Any, on_difference: OnDifference) -> None:
    if left is None or right is None:
        raise SparkSdkError(
            "the two sides returned different numbers of records", cause=tally.report().records
        )
    (i, outputs_a, ok_a), (j, outputs_b, ok_b) = _unpack(left), _unpack(right)
    if i != j:
        raise SparkSdkError(f"records out of step: record {i} on one side, {j} on the other", cause=(i, j))
    for difference in tally.add(i, outputs_a, outputs_b, a_ok=ok_a, b_ok=ok_b):
        if on_difference is not None:
            on_difference(difference)


# --- running records through two services ----------------------------------------------------------------


def _shared(records: Iterable[Mapping[str, Any]]) -> tuple[Iterable[Any], Iterable[Any]]:
    """The same records for both sides: a sequence as is; any other iterable through a thread-safe tee (it
    keeps only the records one side has read and the other not yet)."""
    if isinstance(records, Sequence):
        return records, records
    lock = threading.Lock()
    first, second = itertools.tee(records, 2)

    def locked(branch: Iterator[Any]) -> Iterator[Any]:
        while True:
            with lock:
                item = next(branch, MISSING)
            if item is MISSING:
                return
            yield item

    return locked(first), locked(second)


def _execute_many(
    client: Any, uri: Any, records: Iterable[Any], chunk_size: int, concurrency: int,
    options: Mapping[str, Any],
) -> Iterable[Any]:  # fmt: skip
    return client.services.execute_many(  # type: ignore[no-any-return]
        uri, records, chunk_size=chunk_size, concurrency=concurrency, **options
    )


def _aexecute_many(
    client: Any, uri: Any, records: Iterable[Any], chunk_size: int, concurrency: int,
    options: Mapping[str, Any],
) -> AsyncIterator[Any]:  # fmt: skip
    run = client.services.execute_many(
        uri, records, chunk_size=chunk_size, concurrency=concurrency, **options
    )
    return run.__aiter__()  # type: ignore[no-any-return]


def _check_run(chunk_size: int, concurrency: int) -> None:
    for name, value in (("chunk_size", chunk_size), ("concurrency", concurrency)):
        if not isinstance(value, int) or value < 1:
            raise SparkSdkError(f"{name} must be a positive integer, got {value!r}", cause=value)


def compare_services(
    client: Client, a: str | UriParams, b: str | UriParams, records: Iterable[Mapping[str, Any]], *,
    client_b: Client | None = None, tolerance: Tolerance | None = None, ignore: Iterable[str] = (),
    sample_size: int = DEFAULT_SAMPLE_SIZE, chunk_size: int = 100, concurrency: int = 4,
    on_difference: OnDifference = None, on_progress: OnProgress = None,
    **execute_options: Any,
) -> CompareReport:  # fmt: skip
    """Execute every record through service `a` (on `client`) and service `b` (on `client_b`, default the
    same client) in chunks through v4, and compare the outputs per record. `execute_options` (version,
    transaction date, selected outputs, call purpose, ...) apply to both sides. `records` is read once, as
    the results come back (a one-shot iterator is fine); `on_progress` gets the count of records compared."""
    _check_run(chunk_size, concurrency)
    tally = Comparison(tolerance=tolerance, ignore=ignore, sample_size=sample_size)
    for_a, for_b = _shared(records)
    left = _execute_many(client, a, for_a, chunk_size, concurrency, execute_options)
    right = _execute_many(client_b or client, b, for_b, chunk_size, concurrency, execute_options)
    for x, y in itertools.zip_longest(left, right):
        _feed(tally, x, y, on_difference)
        if on_progress is not None:
            on_progress(tally.records)
    return tally.report()


async def async_compare_services(
    client: AsyncClient, a: str | UriParams, b: str | UriParams, records: Iterable[Mapping[str, Any]], *,
    client_b: AsyncClient | None = None, tolerance: Tolerance | None = None, ignore: Iterable[str] = (),
    sample_size: int = DEFAULT_SAMPLE_SIZE, chunk_size: int = 100, concurrency: int = 4,
    on_difference: OnDifference = None, on_progress: OnProgress = None,
    **execute_options: Any,
) -> CompareReport:  # fmt: skip
    """The `AsyncClient` twin of `compare_services`: both sides run side by side."""
    _check_run(chunk_size, concurrency)
    tally = Comparison(tolerance=tolerance, ignore=ignore, sample_size=sample_size)
    for_a, for_b = _shared(records)
    left = _aexecute_many(client, a, for_a, chunk_size, concurrency, execute_options)
    right = _aexecute_many(client_b or client, b, for_b, chunk_size, concurrency, execute_options)
    while True:
        x, y = await asyncio.gather(_anext_or_none(left), _anext_or_none(right))
        if x is None and y is None:
            return tally.report()
        _feed(tally, x, y, on_difference)
        if on_progress is not None:
            on_progress(tally.records)


async def _anext_or_none(iterator: AsyncIterator[Any]) -> Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return None


# --- checking a migration --------------------------------------------------------------------------------


def migrated_pairs(migration: Any) -> list[tuple[dict[str, Any], str, str]]:
    """Every version a migration moved, from `impex.migrate()`'s reply (or its `.data`): its row, and the
    source and target locators (`version/<id>` on each side, else `folder/service[version]`)."""
    data = getattr(migration, "data", migration)
    rows = data.get("services") if isinstance(data, Mapping) else None
    pairs = []
    for row in rows if isinstance(rows, list) else []:
        source = _version_locator(row.get("source_version_id"), row.get("service"), row.get("source_version"))
        target = _version_locator(row.get("target_version_id"), row.get("target"), row.get("target_version"))
        pairs.append((dict(row), source, target))
    if not pairs:
        raise SparkSdkError("the migration reply lists no migrated versions", cause=data)
    return pairs


def _version_locator(version_id: Any, service: Any, version: Any) -> str:
    if version_id:
        return f"version/{version_id}"
    return f"{service}[{version}]" if version else str(service)


def verify_migration(
    client: Client, to: Client, migration: Any, records: Sequence[Mapping[str, Any]], *,
    tolerance: Tolerance | None = None, ignore: Iterable[str] = (), sample_size: int = DEFAULT_SAMPLE_SIZE,
    chunk_size: int = 100, concurrency: int = 4, **execute_options: Any,
) -> list[tuple[dict[str, Any], CompareReport]]:  # fmt: skip
    """Run `records` through every version a migration moved, on the source (`client`) and on the target
    (`to`), and compare: one `(row, report)` per version, `row` being the migration's row for it."""
    reports = []
    for row, source, target in migrated_pairs(migration):
        report = compare_services(
            client, source, target, records, client_b=to, tolerance=tolerance, ignore=ignore,
            sample_size=sample_size, chunk_size=chunk_size, concurrency=concurrency, **execute_options,
        )  # fmt: skip
        reports.append((row, report))
    return reports
