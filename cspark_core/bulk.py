"""Bulk runs: many records through a service, every result exactly once and in input order.

Two engines, each a sync class and its async twin, share the pure parts of this module:

- `BatchRun` (`batches.run`): an asynchronous batch pipeline. Chunks of records are pushed, results pulled
  as they are ready. Pulled results leave Spark's output buffer, so a pull is never resent; instead the
  runner keeps each chunk's inputs until its results are in, and pushes again (under a new chunk id) any
  chunk whose results went missing: a pull reply lost, a push whose fate is unknown, a pipeline that
  failed, was cancelled or vanished. Results that arrive twice for one chunk are dropped. With a
  `Journal`, a run killed at any instant is resumed by the same call with `resume=True`.
- `ExecuteMany` (`services.execute_many`): v4 execute calls, `concurrency` at a time. An execute has no
  side effect but its call log, so a chunk whose reply was lost is simply executed again.

Both read `records` lazily (any iterable of mappings; the async twins also take an async iterable) and
yield `RecordResult`s in input order while the input is still being read. Memory is bounded by chunk size
times chunks in flight, never by the size of the input. Transient failures (no reply, 408, 429, 5xx) are
retried with backoff for as long as `timeout` allows; they never discard finished results. A record that
Spark answers with its own error is a result (`ok` is False), not a fault.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from .errors import (
    ConflictError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    SparkApiError,
    SparkSdkError,
)
from .journal import Journal
from .log import LoggerOptions, SdkLogger
from .request import ApiRequest
from .response import SparkResponse

if TYPE_CHECKING:
    from .resources.batches import AsyncBatches, Batches
    from .resources.services import AsyncServices, ExecuteOptions, Services

__all__ = [
    "AsyncBatchRun",
    "AsyncExecuteMany",
    "BatchRun",
    "BulkStats",
    "ExecuteMany",
    "RecordResult",
    "RecordSource",
    "is_transient",
]

# Any iterable of records (mappings of input name to value); the async twins also take an async iterable.
RecordSource = Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]]
Progress = Callable[["BulkStats"], None]

MAX_ATTEMPTS = 8  # times one chunk's results may be lost before its records are reported missing
MAX_DELAY = 10.0  # seconds: the longest backoff between two tries of a bulk step
STALL = (
    300.0  # seconds without a result while Spark shows none waiting: the chunks out there are pushed again
)
FINISHED = ("completed", "completed_by_timeout", "failed", "cancelled", "closed_by_timeout", "closed")


# --- results and counters --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordResult:
    """One record's answer. `index` is its 0-based position in the input; `errors`/`warnings` are Spark's
    lists for that record (None or empty when there were none). `missing` means no answer came back at all
    (its chunk was given up): `errors` says why."""

    index: int
    outputs: dict[str, Any]
    errors: list[Any] | None = None
    warnings: list[Any] | None = None
    missing: bool = False
    inputs: dict[str, Any] | None = None  # the record as sent, where the engine still has it (execute_many)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {"outputs": self.outputs, "errors": self.errors, "warnings": self.warnings}


def missing(index: int, why: str) -> RecordResult:
    return RecordResult(index, {}, [{"message": f"no result: {why}"}], None, missing=True)


@dataclass
class BulkStats:
    """What a bulk run has done so far (`on_progress` receives this object after every step)."""

    records: int = 0  # results yielded
    ok: int = 0
    failed: int = 0  # answered with errors
    missing: int = 0  # never answered (their chunk was given up)
    retried: int = 0  # calls that failed transiently and were tried again
    repushed: int = 0  # chunks pushed (or executed) again because their results were lost
    pipelines: list[str] = field(default_factory=list)  # batch ids, first one first

    def count(self, result: RecordResult) -> None:
        self.records += 1
        if result.missing:
            self.missing += 1
        elif result.errors:
            self.failed += 1
        else:
            self.ok += 1

    @property
    def not_ok(self) -> int:
        return self.failed + self.missing


def is_transient(exc: BaseException) -> bool:
    """A failure worth trying again: no reply at all, 408, 429 or any 5xx. Job verdicts are not."""
    if not isinstance(exc, SparkApiError) or isinstance(exc, JobFailedError):
        return False
    return exc.status is None or exc.status in (408, 429) or exc.status >= 500


def backoff(attempt: int, interval: float, rand: Callable[[], float] = random.random) -> float:
    """`interval * 2**attempt`, jittered between half and all of it, never above `MAX_DELAY`."""
    base = min(MAX_DELAY, max(interval, 0.05) * 2.0 ** min(attempt, 16))
    return float(base / 2 + base / 2 * rand())


def read_chunk(source: Iterator[Mapping[str, Any]], size: int, start: int) -> list[dict[str, Any]]:
    """Up to `size` records from `source`; each must be a mapping (its position is named if not)."""
    chunk: list[dict[str, Any]] = []
    for record in source:
        if not isinstance(record, Mapping):
            raise SparkSdkError(
                f"record {start + len(chunk)} must be a mapping of input names to values", cause=record
            )
        chunk.append(dict(record))
        if len(chunk) == size:
            break
    return chunk


def check_size(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SparkSdkError(f"{name} must be a positive integer, got {value!r}", cause=value)
    return value


def _nth(values: Any, index: int) -> Any:
    return values[index] if isinstance(values, list) and index < len(values) else None


class _Clock:
    """A deadline and the backoff between tries, shared by every engine (the clock is injectable)."""

    def __init__(self, timeout: float | None, interval: float, clock: Callable[[], float]) -> None:
        self.timeout, self.interval, self.now = timeout, interval, clock
        self.deadline = None if timeout is None else clock() + timeout
        self.failures = 0  # transient failures in a row

    def left(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - self.now()

    def delay(self, what: str, exc: BaseException) -> float:
        """The wait before trying again after a transient failure; raises once the deadline is near."""
        wait = backoff(self.failures, self.interval)
        self.failures += 1
        if wait >= self.left():
            raise JobTimeoutError(
                f"{what} kept failing until the {self.timeout:g} s timeout; last error: {exc}",
                last_status=getattr(exc, "status", None),
            ) from exc
        return wait

    def succeeded(self) -> None:
        self.failures = 0


# --- batch pipelines -------------------------------------------------------------------------------------


@dataclass
class _Chunk:
    """A chunk not yet handed to the caller: its inputs until its results are in."""

    seq: int
    start: int
    records: list[dict[str, Any]]
    ids: list[str] = field(default_factory=list)  # every id it was pushed under
    queued: bool = False  # believed to be in the current pipeline
    attempts: int = 0  # pushes that were lost or died with a pipeline
    results: list[RecordResult] | None = None


def _pipeline_status(data: Any) -> Mapping[str, Any]:
    """The status object of a status reply, or of a pull reply that carries one under `status`."""
    if not isinstance(data, Mapping):
        return {}
    inner = data.get("status")
    return inner if isinstance(inner, Mapping) else data


def _count(status: Mapping[str, Any], *names: str) -> int:
    return sum(int(status.get(name) or 0) for name in names)


def settled(status: Mapping[str, Any]) -> bool:
    """Spark holds nothing more for us: no result waits to be pulled, and every record (or every chunk)
    pushed has been processed, completed or failed. Field names are Spark's; which counters real Spark
    fills in is not documented, so either family will do and a missing `*_failed` counts as 0."""
    if _count(status, "records_available", "chunks_available"):
        return False
    submitted = status.get("record_submitted", status.get("records_submitted"))
    records = submitted is not None and "records_completed" in status
    if records and _count(status, "records_completed", "records_failed") >= int(submitted):
        return True
    chunks = status.get("chunks_submitted")
    if chunks is None or "chunks_completed" not in status:
        return False
    return _count(status, "chunks_completed", "chunks_failed") >= int(chunks)


class _BatchRunState:
    """Everything `BatchRun` and its async twin decide, with no I/O: which chunk to push under which id,
    what a pull brought, when results are lost, what to hand out next. The drivers only send."""

    def __init__(
        self, uri: Any, records: Any, *, chunk_size: int, max_in_flight: int, timeout: float | None,
        poll_interval: float, parameters: Mapping[str, Any] | None, summary: Mapping[str, Any] | None,
        create: Mapping[str, Any], journal: Journal | None, on_progress: Progress | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        from .resources.batches import create_request

        self.chunk_size = check_size("chunk_size", chunk_size)
        self.window = check_size("max_in_flight", max_in_flight)
        self._create = create_request(uri, **create)  # checks the options before anything is sent
        self._records = records
        self._parameters = dict(parameters or {})
        self._summary = dict(summary) if summary is not None else None
        self.journal = journal
        self.on_progress = on_progress
        self.clock = _Clock(timeout, poll_interval, clock)
        self.interval = poll_interval
        self.stats = BulkStats()
        self.batch_id: str | None = None
        self._tag = journal.tag if journal else secrets.token_hex(4)
        self._chunks: deque[_Chunk] = deque()
        self._by_id: dict[str, _Chunk] = {}
        self._next_seq = 0
        self._exhausted = False
        self._next_index = journal.next_index if journal else 0  # the next record to hand out
        self._settled_twice = False
        self._progressed = clock()  # when results last came in
        self._reattached = False
        self._closed = False
        self.log = SdkLogger(LoggerOptions(disabled=True))  # the drivers give it the client's options

    # -- reading the input
    def _add_chunk(self, records: list[dict[str, Any]]) -> None:
        seq, start = self._next_seq, self._next_seq * self.chunk_size
        self._next_seq += 1
        if start + len(records) <= self._next_index:
            return  # handed out (and written) before a resume
        chunk = _Chunk(seq, start, records)
        if self.journal is not None:
            chunk.ids, payload = self.journal.chunk(seq)
            if payload is not None:
                chunk.results = [_from_row(start + i, row) for i, row in enumerate(payload)]
            chunk.queued = bool(chunk.ids) and self._reattached  # maybe still in the pipeline
        for chunk_id in chunk.ids:
            self._by_id[chunk_id] = chunk
        self._chunks.append(chunk)

    def _want_more(self) -> bool:
        return not self._exhausted and len(self._chunks) < self.window

    def _input_ended(self) -> None:
        self._exhausted = True

    # -- pushing
    def _pushes(self) -> list[_Chunk]:
        return [c for c in self._chunks if c.results is None and not c.queued]

    def _push_request(self, chunk: _Chunk) -> ApiRequest:
        from .resources.batches import make_chunk, push_request

        assert self.batch_id is not None
        chunk_id = f"{self._tag}-{chunk.seq}-{len(chunk.ids)}"
        chunk.ids.append(chunk_id)
        self._by_id[chunk_id] = chunk
        if self.journal is not None:  # written before it is sent: after a kill, its results are still ours
            self.journal.pushing(chunk.seq, chunk_id)
        names: dict[str, None] = {}
        for record in chunk.records:
            names.update(dict.fromkeys(record))
        table: list[list[Any]] = [list(names)]
        table += ([record.get(name) for name in names] for record in chunk.records)
        body = make_chunk(table, id=chunk_id, parameters=self._parameters, summary=self._summary)
        return push_request(self.batch_id, [body])

    def _pushed(self, chunk: _Chunk, reply: SparkResponse | None) -> None:
        """After a push: accepted, or unknown (no reply, 429, 5xx) and pushed again under a new id."""
        if reply is not None:
            chunk.queued = True

    # -- pulling
    def _pulled(self, reply: SparkResponse) -> int:
        """Take a pull reply's chunks (first result per chunk wins); returns how many records were new."""
        from .resources.batches import chunk_results

        new = 0
        for item in chunk_results(reply):
            chunk = self._by_id.get(str(item.get("id")))
            if chunk is None or chunk.results is not None:
                continue  # a duplicate, or a chunk handed out already
            outputs = item.get("outputs")
            if not isinstance(outputs, list) or len(outputs) < len(chunk.records):
                continue  # a malformed result: treated as lost, so the chunk is pushed again
            chunk.results = [
                RecordResult(
                    chunk.start + i,
                    outputs[i] if isinstance(outputs[i], dict) else {},
                    _nth(item.get("errors"), i) or None,
                    _nth(item.get("warnings"), i) or None,
                )
                for i in range(len(chunk.records))
            ]
            if self.journal is not None:
                self.journal.results(chunk.seq, [r.to_dict() for r in chunk.results])
            new += len(chunk.records)
        if new:
            self._progressed = self.clock.now()
        return new

    def _judge(self, status: Mapping[str, Any]) -> str:
        """After a pull that brought nothing: `wait`, `lost` (Spark holds nothing more, yet some chunks
        have no results: push them again) or `dead` (the pipeline takes no more work: start a new one)."""
        state = str(status.get("batch_status") or "")
        if state in FINISHED:
            return "dead"
        waiting = [c for c in self._chunks if c.results is None and c.queued]
        if not waiting:
            self._settled_twice = False
            return "wait"
        if not settled(status):
            self._settled_twice = False
            quiet = not _count(status, "records_available", "chunks_available")
            if quiet and self.clock.now() - self._progressed > STALL:  # counters that never add up
                self._progressed = self.clock.now()
                return "lost"
            return "wait"
        if not self._settled_twice:  # seen once: look again after a poll, in case a counter lags
            self._settled_twice = True
            return "wait"
        self._settled_twice = False
        return "lost"

    def _requeue(self, why: str) -> None:
        """Every chunk without results is pushed again (under a new id); one tried too often is given up."""
        lost = [chunk.seq for chunk in self._chunks if chunk.results is None and chunk.queued]
        if lost:
            self.log.warning("batch %s: chunks %s are pushed again (%s)", self.batch_id, lost, why)
        for chunk in self._chunks:
            if chunk.results is None and chunk.queued:
                chunk.queued = False
                chunk.attempts += 1
                self.stats.repushed += 1
                if chunk.attempts >= MAX_ATTEMPTS:
                    reason = f"its chunk was lost {chunk.attempts} times ({why})"
                    chunk.results = [missing(chunk.start + i, reason) for i in range(len(chunk.records))]

    def _reattach(self, reply: SparkResponse | None) -> bool:
        """On a resume: go on with the journal's pipeline if it still takes work."""
        if reply is None or _pipeline_status(reply.data).get("batch_status") in FINISHED:
            return False
        assert self.batch_id is not None
        self.stats.pipelines.append(self.batch_id)
        self._reattached = True
        return True

    def _created(self, reply: SparkResponse) -> None:
        from .resources.batches import batch_id_of

        self.batch_id = batch_id_of(reply)
        self.stats.pipelines.append(self.batch_id)
        if self.journal is not None:
            self.journal.pipeline(self.batch_id)

    # -- handing out
    def _ready(self) -> Iterator[RecordResult]:
        while self._chunks and self._chunks[0].results is not None:
            chunk = self._chunks.popleft()
            for chunk_id in chunk.ids:
                self._by_id.pop(chunk_id, None)
            assert chunk.results is not None
            for result in chunk.results:
                if result.index < self._next_index:
                    continue
                self._next_index = result.index + 1
                self.stats.count(result)
                yield result
        if self.on_progress is not None:
            self.on_progress(self.stats)

    @property
    def _done(self) -> bool:
        return self._exhausted and not self._chunks

    def checkpoint(self, cursor: Any = None) -> None:
        """Say that every result handed out so far is safely stored (and what `cursor` to give back on a
        resume, e.g. a byte offset). Without a journal this does nothing."""
        if self.journal is not None:
            self.journal.checkpoint(self._next_index, self.chunk_size, cursor)

    def finish(self) -> None:
        """Once every result is stored for good: forget the journal (its file is removed)."""
        if self.journal is not None:
            self.journal.remove()

    @property
    def resumed_cursor(self) -> Any:
        """The cursor of the last checkpoint before a resume (None on a fresh run)."""
        return self.journal.cursor if self.journal is not None else None

    def _call(self, what: str, exc: SparkApiError, pipeline: bool) -> float | None:
        """A failed call: the wait before going on (transient), None when the pipeline is gone, or raise."""
        if pipeline and isinstance(exc, NotFoundError | ConflictError):
            return None  # the pipeline vanished or takes no more chunks
        if not is_transient(exc):
            raise exc
        self.stats.retried += 1
        wait = self.clock.delay(what, exc)
        self.log.info("batch %s: %s failed (%s); trying again in %.1f s", self.batch_id, what, exc, wait)
        return wait

    def _timed_out(self) -> None:
        if self.clock.left() <= 0:
            waiting = sum(len(c.records) for c in self._chunks if c.results is None)
            raise JobTimeoutError(
                f"batch {self.batch_id} did not finish within {self.clock.timeout:g} s "
                f"({self.stats.records} records handed out, {waiting} still without results)",
                job_id=self.batch_id,
                last_status="timeout",
            )


def _from_row(index: int, row: Mapping[str, Any]) -> RecordResult:
    return RecordResult(index, row.get("outputs") or {}, row.get("errors"), row.get("warnings"))


class BatchRun(_BatchRunState):
    """Iterate for the results (see the module doc). `stats`, `batch_id`, `checkpoint()` are on the object.
    Abandoned without a journal (an error, or the iterator closed early), the pipeline is cancelled; with a
    journal it is left open for `resume=True` to pick up."""

    def __init__(self, batches: Batches, uri: Any, records: Any, **options: Any) -> None:
        super().__init__(uri, records, **options)
        self._batches = batches
        self.log = batches._transport.log.child("bulk")
        self._sleep = time.sleep

    def __iter__(self) -> Iterator[RecordResult]:
        source = iter(self._records)
        try:
            self._attach()
            while True:
                yield from self._ready()
                while self._want_more():
                    records = read_chunk(source, self.chunk_size, self._next_seq * self.chunk_size)
                    self._add_chunk(records) if records else self._input_ended()
                if self._done:
                    break
                self._timed_out()
                self._round()
            self._close()
        except BaseException:
            self._abandon()
            raise

    def _send(self, req: ApiRequest, what: str, pipeline: bool = True) -> SparkResponse | None:
        """One call. None: it failed transiently (after the backoff wait) or the pipeline is gone."""
        try:
            reply = self._batches._send(req)
        except SparkApiError as exc:
            wait = self._call(what, exc, pipeline)
            if wait is None:
                self._dead()
            else:
                self._sleep(wait)
            return None
        self.clock.succeeded()
        return reply

    def _attach(self) -> None:
        from .resources.batches import status_request

        known = self.journal.batch_id if self.journal is not None else None
        if known is not None:  # a resume: is the pipeline still taking work?
            self.batch_id, reply = known, None
            try:
                while reply is None:
                    self._timed_out()
                    reply = self._send(status_request(known), "the pipeline status", pipeline=False)
            except NotFoundError:
                pass
            if self._reattach(reply):
                return
        self._new_pipeline()

    def _new_pipeline(self) -> None:
        self.batch_id = None
        while self.batch_id is None:
            self._timed_out()
            reply = self._send(self._create, "creating the pipeline", pipeline=False)
            if reply is not None:
                self._created(reply)

    def _dead(self) -> None:
        self._requeue("the pipeline stopped")
        self._new_pipeline()

    def _round(self) -> None:
        from .resources.batches import pull_request, status_request

        for chunk in self._pushes():
            pipeline = self.batch_id
            reply = self._send(self._push_request(chunk), "pushing a chunk")
            if self.batch_id != pipeline:
                break  # the pipeline died: every chunk goes to the new one
            self._pushed(chunk, reply)
            if reply is None:
                break  # the input buffer may be full: pull first
        assert self.batch_id is not None
        pulled = self._send(pull_request(self.batch_id, self.window), "pulling results")
        if pulled is not None and self._pulled(pulled):
            return
        status = _pipeline_status(pulled.data) if pulled is not None else {}
        if "batch_status" not in status and self.batch_id is not None:
            reply = self._send(status_request(self.batch_id), "the pipeline status")
            status = _pipeline_status(reply.data) if reply is not None else {}
        verdict = self._judge(status) if status else "wait"
        if verdict == "dead":
            self._dead()
        elif verdict == "lost":
            self._requeue("its results were lost")
        else:
            self._sleep(self.interval)

    def _close(self) -> None:
        from .resources.batches import patch_request

        if self.batch_id is not None:
            try:
                self._batches._send(patch_request(self.batch_id, "closed"))
            except SparkApiError:
                pass  # every result is in: a pipeline left open closes itself after 30 minutes idle
        self._closed = True

    def _abandon(self) -> None:
        from .resources.batches import patch_request

        if self.journal is None and self.batch_id is not None and not self._closed:
            try:
                self._batches._send(patch_request(self.batch_id, "cancelled"))
            except SparkApiError:
                pass


class AsyncBatchRun(_BatchRunState):
    """`BatchRun` for `AsyncClient`: `async for result in run`."""

    def __init__(self, batches: AsyncBatches, uri: Any, records: Any, **options: Any) -> None:
        super().__init__(uri, records, **options)
        self._batches = batches
        self.log = batches._transport.log.child("bulk")
        self._sleep = asyncio.sleep

    async def __aiter__(self) -> AsyncIterator[RecordResult]:
        source = _aiter(self._records)
        try:
            await self._attach()
            while True:
                for result in self._ready():
                    yield result
                while self._want_more():
                    records = await _aread_chunk(source, self.chunk_size, self._next_seq * self.chunk_size)
                    self._add_chunk(records) if records else self._input_ended()
                if self._done:
                    break
                self._timed_out()
                await self._round()
            await self._close()
        except BaseException:
            await self._abandon()
            raise

    async def _send(self, req: ApiRequest, what: str, pipeline: bool = True) -> SparkResponse | None:
        try:
            reply = await self._batches._send(req)
        except SparkApiError as exc:
            wait = self._call(what, exc, pipeline)
            if wait is None:
                await self._dead()
            else:
                await self._sleep(wait)
            return None
        self.clock.succeeded()
        return reply

    async def _attach(self) -> None:
        from .resources.batches import status_request

        known = self.journal.batch_id if self.journal is not None else None
        if known is not None:
            self.batch_id, reply = known, None
            try:
                while reply is None:
                    self._timed_out()
                    reply = await self._send(status_request(known), "the pipeline status", pipeline=False)
            except NotFoundError:
                pass
            if self._reattach(reply):
                return
        await self._new_pipeline()

    async def _new_pipeline(self) -> None:
        self.batch_id = None
        while self.batch_id is None:
            self._timed_out()
            reply = await self._send(self._create, "creating the pipeline", pipeline=False)
            if reply is not None:
                self._created(reply)

    async def _dead(self) -> None:
        self._requeue("the pipeline stopped")
        await self._new_pipeline()

    async def _round(self) -> None:
        from .resources.batches import pull_request, status_request

        for chunk in self._pushes():
            pipeline = self.batch_id
            reply = await self._send(self._push_request(chunk), "pushing a chunk")
            if self.batch_id != pipeline:
                break
            self._pushed(chunk, reply)
            if reply is None:
                break
        assert self.batch_id is not None
        pulled = await self._send(pull_request(self.batch_id, self.window), "pulling results")
        if pulled is not None and self._pulled(pulled):
            return
        status = _pipeline_status(pulled.data) if pulled is not None else {}
        if "batch_status" not in status and self.batch_id is not None:
            reply = await self._send(status_request(self.batch_id), "the pipeline status")
            status = _pipeline_status(reply.data) if reply is not None else {}
        verdict = self._judge(status) if status else "wait"
        if verdict == "dead":
            await self._dead()
        elif verdict == "lost":
            self._requeue("its results were lost")
        else:
            await self._sleep(self.interval)

    async def _close(self) -> None:
        from .resources.batches import patch_request

        if self.batch_id is not None:
            try:
                await self._batches._send(patch_request(self.batch_id, "closed"))
            except SparkApiError:
                pass
        self._closed = True

    async def _abandon(self) -> None:
        from .resources.batches import patch_request

        if self.journal is None and self.batch_id is not None and not self._closed:
            try:
                await self._batches._send(patch_request(self.batch_id, "cancelled"))
            except SparkApiError:
                pass


async def _aiter(records: Any) -> AsyncIterator[Mapping[str, Any]]:
    if isinstance(records, AsyncIterable):
        async for record in records:
            yield record
    else:
        for record in records:
            yield record


async def _aread_chunk(
    source: AsyncIterator[Mapping[str, Any]], size: int, start: int
) -> list[dict[str, Any]]:
    chunk: list[Mapping[str, Any]] = []
    async for record in source:
        chunk.append(record)
        if len(chunk) == size:
            break
    return read_chunk(iter(chunk), size, start)


# --- v4 execute in chunks --------------------------------------------------------------------------------


def split_v4(reply: SparkResponse, start: int, sent: list[dict[str, Any]]) -> list[RecordResult]:
    """A v4 reply as one result per record sent; a reply that does not hold them all is an error."""
    records, errors, warnings = reply.records, reply.errors, reply.warnings
    if len(records) != len(sent):
        raise SparkApiError(f"Spark answered {len(records)} records for a chunk of {len(sent)}", status=None)
    return [
        RecordResult(
            start + i, dict(records[i]), _nth(errors, i) or None, _nth(warnings, i) or None, inputs=sent[i]
        )
        for i in range(len(sent))
    ]


class _ExecuteManyState:
    def __init__(
        self, uri: Any, records: Any, *, chunk_size: int, concurrency: int, timeout: float | None,
        on_progress: Progress | None, options: Mapping[str, Any],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        from .resources.services import execute_request

        self.chunk_size = check_size("chunk_size", chunk_size)
        self.concurrency = check_size("concurrency", concurrency)
        self._uri, self._options = uri, cast("ExecuteOptions", dict(options))
        execute_request(uri, [{}], self._options)  # checks the locator and options before anything is sent
        self._records = records
        self._timeout, self._clock = timeout, clock
        self._interval = 0.2  # the first backoff; the drivers take the client's retry interval
        self.on_progress = on_progress
        self.stats = BulkStats()

    def _request(self, records: list[dict[str, Any]]) -> ApiRequest:
        from .resources.services import execute_request

        return execute_request(self._uri, records, self._options)

    def _failed(self, exc: SparkApiError, attempt: int, start: int, first: float) -> float:
        """The wait before executing a chunk again; raises when it is not worth another try (not transient,
        or the chunk has kept failing for `timeout` seconds)."""
        if not is_transient(exc):
            raise exc
        wait = backoff(attempt, self._interval)
        if self._timeout is not None and self._clock() + wait - first >= self._timeout:
            raise JobTimeoutError(
                f"records {start} to {start + self.chunk_size - 1} kept failing for {self._timeout:g} s; "
                f"last error: {exc}"
            ) from exc
        self.stats.retried += 1
        return wait

    def _hand_out(self, results: list[RecordResult]) -> list[RecordResult]:
        for result in results:
            self.stats.count(result)
        if self.on_progress is not None:
            self.on_progress(self.stats)
        return results


class ExecuteMany(_ExecuteManyState):
    """Iterate for the results, in input order (see the module doc); `stats` counts them."""

    def __init__(self, services: Services, uri: Any, records: Any, **options: Any) -> None:
        super().__init__(uri, records, **options)
        self._services = services
        self._interval = services._transport.settings.retry_interval

    def _one(self, records: list[dict[str, Any]], start: int) -> list[RecordResult]:
        attempt, first = 0, self._clock()
        while True:
            try:
                return split_v4(self._services._send(self._request(records)), start, records)
            except SparkApiError as exc:
                time.sleep(self._failed(exc, attempt, start, first))
                attempt += 1

    def __iter__(self) -> Iterator[RecordResult]:
        source = iter(self._records)
        queue: deque[Future[list[RecordResult]]] = deque()
        start = 0
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="cspark-execute") as pool:
            try:
                while True:
                    while len(queue) < 2 * self.concurrency:
                        records = read_chunk(source, self.chunk_size, start)
                        if not records:
                            break
                        queue.append(pool.submit(self._one, records, start))
                        start += len(records)
                    if not queue:
                        return
                    yield from self._hand_out(queue.popleft().result())
            finally:
                for future in queue:
                    future.cancel()


class AsyncExecuteMany(_ExecuteManyState):
    """`ExecuteMany` for `AsyncClient`: `async for result in run`."""

    def __init__(self, services: AsyncServices, uri: Any, records: Any, **options: Any) -> None:
        super().__init__(uri, records, **options)
        self._services = services
        self._interval = services._transport.settings.retry_interval

    async def _one(
        self, records: list[dict[str, Any]], start: int, gate: asyncio.Semaphore
    ) -> list[RecordResult]:
        attempt, first = 0, self._clock()
        while True:
            try:
                async with gate:
                    reply = await self._services._send(self._request(records))
                return split_v4(reply, start, records)
            except SparkApiError as exc:
                await asyncio.sleep(self._failed(exc, attempt, start, first))
                attempt += 1

    async def __aiter__(self) -> AsyncIterator[RecordResult]:
        source = _aiter(self._records)
        queue: deque[asyncio.Future[list[RecordResult]]] = deque()
        gate = asyncio.Semaphore(self.concurrency)
        start = 0
        try:
            while True:
                while len(queue) < 2 * self.concurrency:
                    records = await _aread_chunk(source, self.chunk_size, start)
                    if not records:
                        break
                    queue.append(asyncio.ensure_future(self._one(records, start, gate)))
                    start += len(records)
                if not queue:
                    return
                for result in self._hand_out(await queue.popleft()):
                    yield result
        finally:
            for task in queue:
                task.cancel()
