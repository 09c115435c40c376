"""Asynchronous batch pipelines, processed by one background worker thread.

Chunks pushed by the client wait in an input queue; the worker runs them through the workbook and moves the
results to an output queue that ``chunkresults`` drains. Counters only ever grow. In ``instant``
speed, status and pull calls wait (briefly) for the queue to drain so results are there by the first poll;
in ``realistic`` speed each chunk takes a little wall time.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..jobs import INSTANT
from ..models import ApiError, bad_request, iso_ms, new_id, not_found
from .core import Core
from .execution import ExecOptions, ExecutionBackend
from .targets import Target

MB = 1024 * 1024
IDLE_TIMEOUT = 30 * 60.0
REALISTIC_CHUNK_SECONDS = 0.25
INSTANT_WAIT_SECONDS = 10.0
OPEN = ("created", "in_progress")
FINISHED = ("completed", "completed_by_timeout", "failed", "cancelled", "closed_by_timeout")


@dataclass
class Chunk:
    id: str
    records: list[dict[str, Any]]
    summary: dict[str, Any] | None
    size_bytes: int


@dataclass
class Batch:
    id: str
    target: Target
    options: ExecOptions
    service_id: str
    version_id: str
    service_uri: str
    compiler_version: str
    unique_record_key: str | None
    configuration: dict[str, int]
    created: str
    updated: str
    batch_status: str = "created"
    last_activity: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    pending: deque[Chunk] = field(default_factory=deque)
    results: deque[dict[str, Any]] = field(default_factory=deque)
    busy: int = 0
    counters: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "chunks_submitted",
                "chunks_completed",
                "chunks_failed",
                "chunks_retried",
                "records_submitted",
                "records_completed",
                "records_failed",
                "records_retried",
                "compute_time_ms",
                "input_used",
                "output_used",
            ),
            0,
        )
    )

    @property
    def records_available(self) -> int:
        return sum(len(r["outputs"]) for r in self.results)

    @property
    def finished(self) -> bool:
        """Done for good: a final status, or closed before any chunk arrived (that one stays ``closed``)."""
        return self.batch_status in FINISHED or (
            self.batch_status == "closed" and self.counters["chunks_submitted"] == 0
        )

    @property
    def pipeline_status(self) -> str:
        if self.finished:
            return "closed"
        return "processing" if self.pending or self.busy else "idle"


class Batches:
    def __init__(self, core: Core, execution: ExecutionBackend) -> None:
        self.core = core
        self.execution = execution
        self._batches: dict[str, Batch] = {}
        self._cond = threading.Condition(core.lock)  # the State's one lock
        self._stop = False
        self._worker: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="emulator-batches", daemon=True)
            self._worker.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=5)

    def reset(self) -> None:
        with self._cond:
            self._batches.clear()
            self._cond.notify_all()

    # ------------------------------------------------------------------ operations

    def create(self, body: dict[str, Any], target: Target, options: ExecOptions) -> Batch:
        service, version = self.execution.resolve(target)
        in_mb = _number(body, ("max_input_size_in_mb", "max_input_size"), 70)
        out_mb = _number(body, ("max_output_size_in_mb", "max_output_size"), 80)
        configuration = {
            "initial_workers": int(_number(body, ("initial_workers",), 10)),
            "chunks_per_request": int(_number(body, ("chunks_per_request",), 2)),
            "runner_thread_count": int(_number(body, ("runner_thread_count",), 2)),
            "acceptable_error_percentage": int(_number(body, ("acceptable_error_percentage",), 0)),
            "input_buffer_allocated_bytes": int(in_mb * MB),
            "output_buffer_allocated_bytes": int(out_mb * MB),
            "max_workers": int(_number(body, ("max_workers",), 100)),
        }
        now = iso_ms()
        batch = Batch(
            id=new_id(),
            target=Target(version_id=version.id),
            options=options,
            service_id=service.id,
            version_id=version.id,
            service_uri=f"{service.folder}/{service.name}[{version.version}]",
            compiler_version=version.compiler_version,
            unique_record_key=body.get("unique_record_key"),
            configuration=configuration,
            created=now,
            updated=now,
        )
        with self._cond:
            self._batches[batch.id] = batch
        return batch

    def get(self, batch_id: str) -> Batch:
        with self._cond:
            batch = self._batches.get(batch_id.lower())
            if batch is None:
                raise not_found(f"batch {batch_id} was not found")
            self._expire(batch)
            return batch

    def all(self) -> list[Batch]:
        with self._cond:
            for batch in self._batches.values():
                self._expire(batch)
            return list(self._batches.values())

    def push(self, batch_id: str, chunks: Any) -> Batch:
        if not isinstance(chunks, list) or not chunks:
            raise bad_request("chunks must be a non-empty array")
        parsed = [_parse_chunk(c, i) for i, c in enumerate(chunks)]
        with self._cond:
            batch = self.get(batch_id)
            if batch.batch_status not in OPEN:
                raise ApiError(
                    409, f"batch is {batch.batch_status}; it accepts no more chunks", "BATCH_CLOSED"
                )
            incoming = sum(c.size_bytes for c in parsed)
            allocated = batch.configuration["input_buffer_allocated_bytes"]
            if batch.counters["input_used"] + incoming > allocated:
                raise ApiError(429, "the input buffer is full: pull results and retry", "INPUT_BUFFER_FULL")
            batch.pending.extend(parsed)
            batch.counters["input_used"] += incoming
            batch.counters["chunks_submitted"] += len(parsed)
            batch.counters["records_submitted"] += sum(len(c.records) for c in parsed)
            batch.batch_status = "in_progress"
            self._touch(batch)
            self._cond.notify_all()
            return batch

    def pull(self, batch_id: str, limit: int) -> tuple[Batch, list[dict[str, Any]]]:
        if limit < 1:
            raise bad_request("max must be >= 1")
        self._settle(batch_id)
        with self._cond:
            batch = self.get(batch_id)
            taken = [batch.results.popleft() for _ in range(min(limit, len(batch.results)))]
            batch.counters["output_used"] -= sum(r.pop("_bytes") for r in taken)
            self._touch(batch)
            self._maybe_complete(batch)
            self._cond.notify_all()
            return batch, taken

    def status(self, batch_id: str) -> Batch:
        self._settle(batch_id)
        return self.get(batch_id)

    def set_status(self, batch_id: str, wanted: str) -> Batch:
        with self._cond:
            batch = self.get(batch_id)
            if wanted not in ("closed", "cancelled"):
                raise bad_request("batch_status must be 'closed' or 'cancelled'")
            if batch.finished:
                raise ApiError(409, f"batch is already {batch.batch_status}", "BATCH_CLOSED")
            if wanted == "cancelled":
                batch.pending.clear()
                batch.results.clear()
                batch.counters["input_used"] = 0
                batch.counters["output_used"] = 0
            batch.batch_status = wanted
            self._touch(batch)
            self._maybe_complete(batch)
            self._cond.notify_all()
            return batch

    # ------------------------------------------------------------------ worker

    def _settle(self, batch_id: str) -> None:
        """In instant speed, wait until the worker has drained the input queue."""
        if self.core.jobs.speed != INSTANT:
            return
        deadline = time.monotonic() + INSTANT_WAIT_SECONDS
        with self._cond:
            batch = self.get(batch_id)
            while (batch.pending and not self._output_full(batch)) or batch.busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._next()
                while job is None and not self._stop:
                    self._cond.wait(1.0)
                    job = self._next()
                if self._stop or job is None:
                    return
                batch, chunk = job
                batch.busy += 1
                realistic = self.core.jobs.speed != INSTANT
            result = self._run(batch, chunk)
            if realistic:
                time.sleep(REALISTIC_CHUNK_SECONDS)
            with self._cond:
                batch.busy -= 1
                self._finish_chunk(batch, chunk, result)
                self._cond.notify_all()

    def _next(self) -> tuple[Batch, Chunk] | None:
        for batch in self._batches.values():
            if batch.pending and batch.batch_status in (*OPEN, "closed") and not self._output_full(batch):
                return batch, batch.pending.popleft()
        return None

    @staticmethod
    def _output_full(batch: Batch) -> bool:
        return batch.counters["output_used"] >= batch.configuration["output_buffer_allocated_bytes"]

    def _run(self, batch: Batch, chunk: Chunk) -> dict[str, Any] | None:
        """The chunk's result, or None when it failed; never raises, so the worker thread lives on."""
        try:
            run = self.execution.run_records(batch.target, chunk.records, batch.options)
            summary_output = _aggregate(chunk.summary, run.outputs)
        except Exception:
            return None
        return {
            "id": chunk.id,
            "summary_output": summary_output,
            "outputs": run.outputs,
            "warnings": run.warnings,
            "errors": run.errors,
            "process_time": run.process_time,
        }

    def _finish_chunk(self, batch: Batch, chunk: Chunk, result: dict[str, Any] | None) -> None:
        counters = batch.counters
        counters["input_used"] = max(0, counters["input_used"] - chunk.size_bytes)
        if batch.batch_status == "cancelled":
            return
        if result is None:
            counters["chunks_failed"] += 1
            counters["records_failed"] += len(chunk.records)
            allowed = batch.configuration["acceptable_error_percentage"]
            if counters["records_failed"] * 100 > allowed * max(1, counters["records_submitted"]):
                batch.batch_status = "failed"
                _discard_pending(batch)
        else:
            size = len(json.dumps(result, separators=(",", ":")))
            result["_bytes"] = size
            counters["output_used"] += size
            counters["chunks_completed"] += 1
            counters["records_completed"] += len(chunk.records)
            counters["compute_time_ms"] += sum(result["process_time"])
            batch.results.append(result)
        self._touch(batch)
        self._maybe_complete(batch)

    @staticmethod
    def _maybe_complete(batch: Batch) -> None:
        if batch.batch_status != "closed" or not batch.counters["chunks_submitted"]:
            return  # closing a pipeline that never got work leaves it closed
        if not batch.pending and not batch.busy and not batch.results:
            batch.batch_status = "completed"

    @staticmethod
    def _touch(batch: Batch) -> None:
        batch.updated = iso_ms()
        batch.last_activity = time.monotonic()

    @staticmethod
    def _expire(batch: Batch) -> None:
        if batch.batch_status in OPEN and time.monotonic() - batch.last_activity > IDLE_TIMEOUT:
            batch.batch_status = "closed_by_timeout"
            _discard_pending(batch)


def _parse_chunk(chunk: Any, position: int) -> Chunk:
    if not isinstance(chunk, dict) or not isinstance(chunk.get("data"), dict):
        raise bad_request(f"chunk {position} must be an object with a 'data' object")
    data = chunk["data"]
    parameters = data.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise bad_request(f"chunk {position}: data.parameters must be an object")
    records = [{**parameters, **record} for record in records_from(data.get("inputs"), f"chunk {position}")]
    summary = _parse_summary(data.get("summary"), position)
    size = len(json.dumps(chunk, separators=(",", ":")))
    return Chunk(str(chunk.get("id") or new_id()), records, summary, size)


def _discard_pending(batch: Batch) -> None:
    """Drop the chunks still waiting and give their input buffer space back."""
    released = sum(chunk.size_bytes for chunk in batch.pending)
    batch.counters["input_used"] = max(0, batch.counters["input_used"] - released)
    batch.pending.clear()


def _number(body: dict[str, Any], names: tuple[str, ...], default: float) -> float:
    """The first of ``names`` present in the create body (both buffer-size spellings), as a number."""
    for name in names:
        value = body.get(name)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"{name} must be a number") from exc
        if isinstance(value, bool) or number < 0 or number != number:
            raise bad_request(f"{name} must be a non-negative number")
        return number
    return default


def _parse_summary(summary: Any, position: int) -> dict[str, Any] | None:
    """``data.summary``: null, or ``ignore_error`` and a list of ``{output_name, operator}``."""
    if summary is None:
        return None
    if not isinstance(summary, dict):
        raise bad_request(f"chunk {position}: data.summary must be an object or null")
    aggregation = summary.get("aggregation") or []
    if not isinstance(aggregation, list) or not all(
        isinstance(item, dict) and isinstance(item.get("output_name"), str) for item in aggregation
    ):
        raise bad_request(f"chunk {position}: aggregation must be a list of {{output_name, operator}}")
    return summary


def records_from(inputs: Any, what: str) -> list[dict[str, Any]]:
    """Records as objects, or a columnar JSON array whose first row holds the input names."""
    if not isinstance(inputs, list):
        raise bad_request(f"{what}: inputs must be an array")
    if inputs and isinstance(inputs[0], list):
        header = inputs[0]
        if not all(isinstance(name, str) for name in header):
            raise bad_request(f"{what}: the first row of a columnar array must hold input names")
        rows = inputs[1:]
        if any(not isinstance(row, list) or len(row) != len(header) for row in rows):
            raise bad_request(f"{what}: every row must be an array as long as the header row")
        return [dict(zip(header, row, strict=True)) for row in rows]
    if any(not isinstance(record, dict) for record in inputs):
        raise bad_request(f"{what}: records must all be objects (or use a columnar array)")
    return list(inputs)


def _aggregate(summary: dict[str, Any] | None, outputs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``SUM`` is the only operator Spark documents; others answer ``null`` (their rule is unknown)."""
    if not summary or not summary.get("aggregation"):
        return [[]]
    totals: list[dict[str, Any]] = []
    for item in summary["aggregation"]:
        name: str = item.get("output_name")
        if str(item.get("operator", "")).upper() == "SUM":
            values = [o.get(name) for o in outputs if isinstance(o.get(name), int | float)]
            totals.append({name: sum(values)})
        else:
            totals.append({name: None})
    return [totals]


def status_body(batch: Batch) -> dict[str, Any]:
    c = batch.counters
    return {
        "request_timestamp": iso_ms(),
        "response_timestamp": iso_ms(),
        "batch_status": batch.batch_status,
        "pipeline_status": batch.pipeline_status,
        "chunks_available": len(batch.results),
        "chunks_submitted": c["chunks_submitted"],
        "record_submitted": c["records_submitted"],
        "records_submitted": c["records_submitted"],
        "chunks_completed": c["chunks_completed"],
        "records_completed": c["records_completed"],
        "chunks_failed": c["chunks_failed"],
        "records_failed": c["records_failed"],
        "compute_time_ms": c["compute_time_ms"],
        "input_buffer_used_bytes": c["input_used"],
        "input_buffer_remaining_bytes": batch.configuration["input_buffer_allocated_bytes"] - c["input_used"],
        "output_buffer_used_bytes": c["output_used"],
        "output_buffer_remaining_bytes": batch.configuration["output_buffer_allocated_bytes"]
        - c["output_used"],
        "workers_in_use": batch.busy,
        "records_available": batch.records_available,
    }


def detail_body(batch: Batch, user: str, with_summary: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service_id": batch.service_id,
        "version_id": batch.version_id,
        "compiler_version": batch.compiler_version,
        "correlation_id": batch.options.correlation_id,
        "source_system": batch.options.source_system,
        "unique_record_key": batch.unique_record_key,
        "response_timestamp": iso_ms(),
        "batch_status": batch.batch_status,
        "pipeline_status": batch.pipeline_status,
        "created_by": user,
        "created_timestamp": batch.created,
        "updated_timestamp": batch.updated,
        "service_uri": batch.service_uri,
    }
    if with_summary:
        c = batch.counters
        done = max(1, c["chunks_completed"])
        data["summary"] = {
            "chunks_submitted": c["chunks_submitted"],
            "chunks_retried": c["chunks_retried"],
            "chunks_completed": c["chunks_completed"],
            "chunks_failed": c["chunks_failed"],
            "records_retried": c["records_retried"],
            "input_size_bytes": c["input_used"],
            "output_size_bytes": c["output_used"],
            "avg_compute_time_ms": c["compute_time_ms"] // done,
            "records_submitted": c["records_submitted"],
            "records_failed": c["records_failed"],
            "records_completed": c["records_completed"],
            "compute_time_ms": c["compute_time_ms"],
            "batch_time_ms": round((time.monotonic() - batch.started) * 1000),
        }
        data["configuration"] = dict(batch.configuration)
    return data
