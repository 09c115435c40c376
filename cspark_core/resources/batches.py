"""Asynchronous batch pipelines.

`batches.create(uri)` opens a pipeline on Spark; `batches.of(id)` returns a `Pipeline` to push chunks of
records into it, poll its status, pull results and close (`dispose`) or `cancel` it. Records travel in
chunks: a columnar table whose first row names the inputs. `create_chunks()` splits records into
chunks and `ResultRows` puts pulled results back in input order.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack

from ..errors import SparkSdkError
from ..locator import Uri, UriParams
from ..request import ApiRequest, segment, timestamp
from ..response import SparkResponse
from ._base import AsyncResource, Resource

if TYPE_CHECKING:  # the bulk engine (asyncio, threads) is imported only when a bulk run starts
    from ..bulk import AsyncBatchRun, BatchRun, Progress, RecordSource
    from ..transport import AsyncTransport, SyncTransport

__all__ = [
    "AsyncBatches",
    "AsyncPipeline",
    "Batches",
    "CreateOptions",
    "Pipeline",
    "ResultRows",
    "batch_detail",
    "batch_id_of",
    "chunk_results",
    "create_chunks",
    "described_batches",
    "pulled_rows",
    "records_available",
    "records_progress",
    "to_columnar",
]

Chunk = dict[str, Any]
# list of record dicts, a columnar table (header row first), or a mapping of column name -> values
Records = Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]] | Mapping[str, Sequence[Any]]
Names = str | Sequence[str] | None
Duplicates = Literal["replace", "ignore", "throw"]
PipelineState = Literal["open", "closed", "cancelled"]

DEFAULT_CHUNK_SIZE = 200
CALL_PURPOSE = "Async Batch Execution"
SOURCE_SYSTEM = "cspark"


# --- chunks -------------------------------------------------------------------------------------------------


def to_columnar(records: Records) -> list[list[Any]]:
    """Records as Spark's columnar table: row 0 holds the input names, then one row per record.

    Accepts a list of dicts (the header is every key in first-seen order; a key a record lacks is sent as
    null), a table that already starts with a header row, or a mapping of column name to values."""
    if isinstance(records, Mapping):
        return _from_columns(records)
    if isinstance(records, str | bytes) or not isinstance(records, Sequence):
        raise SparkSdkError("records must be a list of dicts, a table with a header row, or columns", records)
    rows = list(records)
    if not rows:
        return []
    if all(isinstance(r, Mapping) for r in rows):
        return _from_dicts(rows)  # type: ignore[arg-type]
    if all(isinstance(r, Sequence) and not isinstance(r, str | bytes) for r in rows):
        return _from_table(rows)  # type: ignore[arg-type]
    raise SparkSdkError("records must all be dicts, or all be rows of a table", cause=rows[0])


def _from_dicts(rows: list[Mapping[str, Any]]) -> list[list[Any]]:
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(str(k) for k in row))
    names = list(header)
    return [names, *([row.get(name) for name in names] for row in rows)]


def _from_table(rows: list[Sequence[Any]]) -> list[list[Any]]:
    header = list(rows[0])
    if not header or not all(isinstance(name, str) for name in header):
        raise SparkSdkError("the first row of a table must name the inputs", cause=header)
    for number, row in enumerate(rows[1:], start=1):
        if len(row) != len(header):
            raise SparkSdkError(f"row {number} has {len(row)} values, the header has {len(header)}", row)
    return [header, *(list(row) for row in rows[1:])]


def _from_columns(columns: Mapping[str, Sequence[Any]]) -> list[list[Any]]:
    names = [str(name) for name in columns]
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise SparkSdkError("every column must have the same number of values", cause=sorted(lengths))
    count = lengths.pop() if lengths else 0
    return [names, *([columns[name][i] for name in columns] for i in range(count))]


def make_chunk(
    table: list[list[Any]],
    *,
    id: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    summary: Mapping[str, Any] | None = None,
) -> Chunk:
    """One pushed chunk from a columnar table (header row first)."""
    data: dict[str, Any] = {"inputs": table, "parameters": dict(parameters or {})}
    if summary is not None:
        data["summary"] = dict(summary)
    return {"id": id or str(uuid.uuid4()), "size": max(len(table) - 1, 0), "data": data}


def create_chunks(
    records: Records,
    size: int = DEFAULT_CHUNK_SIZE,
    *,
    parameters: Mapping[str, Any] | None = None,
    summary: Mapping[str, Any] | None = None,
) -> list[Chunk]:
    """Split records into chunks of at most `size` records, the header row repeated in each, every chunk with
    a fresh UUID as its id. No records, no chunks."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise SparkSdkError(f"chunk size must be a positive integer, got {size!r}", cause=size)
    table = to_columnar(records)
    if len(table) < 2:
        return []
    header, rows = table[0], table[1:]
    return [
        make_chunk([header, *rows[start : start + size]], parameters=parameters, summary=summary)
        for start in range(0, len(rows), size)
    ]


def as_chunks(data: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Chunk]:
    """Chunk objects as given (one or a list), or one chunk's `data` ({"inputs": ...}) wrapped in a chunk;
    a missing `id` gets a UUID, a missing `size` is counted from the inputs."""
    items = [data] if isinstance(data, Mapping) else list(data)
    if not items:
        raise SparkSdkError("data must hold at least one chunk", cause=data)
    return [_chunk(item) for item in items]


def _chunk(item: Any) -> Chunk:
    if not isinstance(item, Mapping):
        raise SparkSdkError("a chunk must be an object with data.inputs", cause=item)
    if "data" not in item and "inputs" in item:  # a chunk's data on its own
        item = {"data": item}
    inner = item.get("data")
    if not isinstance(inner, Mapping) or not isinstance(inner.get("inputs"), list):
        raise SparkSdkError("a chunk must be an object with data.inputs (a table, header row first)", item)
    inputs = inner["inputs"]
    chunk = {"id": str(item.get("id") or uuid.uuid4()), "size": item.get("size"), "data": dict(inner)}
    if chunk["size"] is None:
        chunk["size"] = max(len(inputs) - 1, 0)
    chunk["data"].setdefault("parameters", {})
    return chunk


def dedupe(chunks: list[Chunk], seen: set[str], policy: Duplicates) -> list[Chunk]:
    """Chunk ids must be unique within a pipeline (what the server does otherwise is unknown). `replace` gives
    a duplicate a new UUID, `ignore` drops it, `throw` refuses the push."""
    if policy not in ("replace", "ignore", "throw"):
        raise SparkSdkError(
            f"if_chunk_id_duplicated must be replace, ignore or throw, not {policy!r}", policy
        )
    taken, kept = set(seen), []
    for chunk in chunks:
        if chunk["id"] in taken:
            if policy == "throw":
                raise SparkSdkError(f"chunk id {chunk['id']!r} was already pushed", cause=chunk["id"])
            if policy == "ignore":
                continue
            chunk = {**chunk, "id": str(uuid.uuid4())}
        taken.add(chunk["id"])
        kept.append(chunk)
    return kept


# --- create -------------------------------------------------------------------------------------------------


def _joined(name: str, value: Names) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    items = [str(v).strip() for v in value]
    if not all(items):
        raise SparkSdkError(f"{name} must not hold blank names", cause=list(value))
    return ",".join(items) or None


def _positive(name: str, value: float | None, *, whole: bool = True) -> float | None:
    if value is None:
        return None
    number_types = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, number_types) or value <= 0:
        kind = "integer" if whole else "number"
        raise SparkSdkError(f"{name} must be a positive {kind}, got {value!r}", cause=value)
    return value


def error_percentage(accuracy: float) -> int:
    """`ceil((1 - min(accuracy, 1)) * 100)`, rounded first so 0.95 gives 5, not 6."""
    if isinstance(accuracy, bool) or not isinstance(accuracy, int | float) or accuracy < 0:
        raise SparkSdkError(f"accuracy must be a number between 0 and 1, got {accuracy!r}", cause=accuracy)
    return math.ceil(round((1 - min(accuracy, 1)) * 100, 6))


def create_request(
    uri: str | UriParams, *, active_since: str | date | None = None, subservices: Names = None,
    selected_outputs: Names = None, call_purpose: str | None = None, source_system: str | None = None,
    correlation_id: str | None = None, unique_record_key: Names = None, min_runners: int | None = None,
    max_runners: int | None = None, chunks_per_vm: int | None = None, runners_per_vm: int | None = None,
    max_input_size: float | None = None, max_output_size: float | None = None, accuracy: float = 1.0,
    extras: Mapping[str, Any] | None = None,
) -> ApiRequest:  # fmt: skip
    params = Uri.of(uri)
    service = params.service_uri()
    if not (service or params.version_id):
        raise SparkSdkError(
            f"a batch needs a folder/service, service id or version id, not {params}", str(params)
        )
    low, high = _positive("min_runners", min_runners), _positive("max_runners", max_runners)
    if low is not None and high is not None and low > high:
        raise SparkSdkError("min_runners cannot exceed max_runners", cause={"min": low, "max": high})
    body = {
        "service": service,
        "version_id": params.version_id,
        "version_by_timestamp": timestamp(active_since),
        "subservice": _joined("subservices", subservices),
        "output": _joined("selected_outputs", selected_outputs),
        "call_purpose": call_purpose or CALL_PURPOSE,
        "source_system": source_system or SOURCE_SYSTEM,
        "correlation_id": correlation_id,
        "unique_record_key": _joined("unique_record_key", unique_record_key),
        "initial_workers": low,
        "max_workers": high,
        "chunks_per_request": _positive("chunks_per_vm", chunks_per_vm),
        "runner_thread_count": _positive("runners_per_vm", runners_per_vm),
        # The official SDKs disagree; the newer Python SDK's `_in_mb` names are believed.
        "max_input_size_in_mb": _positive("max_input_size", max_input_size, whole=False),
        "max_output_size_in_mb": _positive("max_output_size", max_output_size, whole=False),
        "acceptable_error_percentage": error_percentage(accuracy),
    }
    return ApiRequest("POST", "api/v4/batch", json={**_no_nulls(body), **dict(extras or {})})


def _no_nulls(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


# --- pipeline requests --------------------------------------------------------------------------------------

DESCRIBE = ApiRequest("GET", "api/v4/batch/status")


def _batch_path(batch_id: str, suffix: str = "") -> str:
    return f"api/v4/batch/{segment(batch_id)}{suffix}"


def info_request(batch_id: str) -> ApiRequest:
    return ApiRequest("GET", _batch_path(batch_id))


def status_request(batch_id: str) -> ApiRequest:
    return ApiRequest("GET", _batch_path(batch_id, "/status"))


def push_request(batch_id: str, chunks: list[Chunk]) -> ApiRequest:
    return ApiRequest("POST", _batch_path(batch_id, "/chunks"), json={"chunks": chunks})


def raw_push_request(batch_id: str, raw: str | bytes) -> ApiRequest:
    """A body sent exactly as given (after checking that it is JSON)."""
    content = raw.encode() if isinstance(raw, str) else bytes(raw)
    return ApiRequest(
        "POST",
        _batch_path(batch_id, "/chunks"),
        content=content,
        headers={"Content-Type": "application/json"},
    )


def pull_request(batch_id: str, max: int) -> ApiRequest:
    if isinstance(max, bool) or not isinstance(max, int) or max < 1:
        raise SparkSdkError(f"max must be a positive integer, got {max!r}", cause=max)
    # `max` (the newer Python SDK) rather than the TypeScript SDK's `max_chunks`.
    # Pulled results leave Spark's output buffer: a pull is never resent blindly (resend=False); after a
    # lost reply the bulk runner finds the chunks whose results went missing and pushes them again.
    return ApiRequest("GET", _batch_path(batch_id, "/chunkresults"), params={"max": max}, resend=False)


def patch_request(batch_id: str, status: Literal["closed", "cancelled"]) -> ApiRequest:
    return ApiRequest("PATCH", _batch_path(batch_id), json={"batch_status": status})


def _batch_id(batch_id: str) -> str:
    if not isinstance(batch_id, str) or not batch_id.strip():
        raise SparkSdkError("batch id must not be blank", cause=batch_id)
    return batch_id.strip()


def _raw_ids(raw: str | bytes | Mapping[str, Any]) -> tuple[str | bytes | None, list[str]]:
    """Validate a raw push body; return it as text/bytes to send (None: send the mapping as JSON) and the
    chunk ids it holds."""
    body: Any = raw
    if isinstance(raw, str | bytes):
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise SparkSdkError(f"raw must be a JSON document: {exc}", cause="raw") from None
    if not isinstance(body, Mapping) or not isinstance(body.get("chunks"), list):
        raise SparkSdkError('raw must be a JSON object with a "chunks" list', cause="raw")
    ids = [str(c["id"]) for c in body["chunks"] if isinstance(c, Mapping) and c.get("id")]
    return (None if isinstance(raw, Mapping) else raw), ids


# --- replies ------------------------------------------------------------------------------------------------


def batch_id_of(res: SparkResponse) -> str:
    """The pipeline id from a create reply."""
    data = res.data if isinstance(res.data, Mapping) else {}
    if not data.get("id"):
        raise SparkSdkError("Spark's batch create reply has no id", cause=res.data)
    return str(data["id"])


def batch_detail(res: SparkResponse) -> dict[str, Any]:
    """A create, info, close or cancel reply as one object: the pipeline `id` and the detail Spark sends
    beside it (under `data`, or `meta` in some close/cancel replies); {} when the reply is not an object."""
    data = res.data
    if not isinstance(data, Mapping):
        return {}
    detail = data.get("data") or data.get("meta") or {}
    return {"id": data.get("id"), **(detail if isinstance(detail, Mapping) else {})}


def described_batches(res: SparkResponse) -> list[Any]:
    """The pipelines of a describe reply: those in progress, then those finished lately."""
    data = res.data if isinstance(res.data, Mapping) else {}
    return [*data.get("in_progress_batches", []), *data.get("recent_batches", [])]


def pulled_rows(res: SparkResponse) -> list[dict[str, Any]]:
    """One row per record of a pull reply, chunk by chunk: `chunk_id`, `index` (in its chunk), `outputs`,
    `errors`, `warnings`, `process_time`."""
    rows: list[dict[str, Any]] = []
    for item in chunk_results(res):
        outputs = item.get("outputs")
        collected = ResultRows(
            [{"id": item.get("id"), "size": len(outputs) if isinstance(outputs, list) else 0}]
        )
        collected.add([item])
        rows.extend({**row, "index": i} for i, row in enumerate(collected.rows()) if row is not None)
    return rows


def _status_of(data: Any) -> Mapping[str, Any]:
    """The pipeline status object: `data` itself, or what a pull reply carries under `status`."""
    if not isinstance(data, Mapping):
        return {}
    inner = data.get("status")
    return inner if isinstance(inner, Mapping) else data


def records_available(res: SparkResponse) -> int:
    """Records done but not pulled yet, from a status, push or pull reply."""
    return int(_status_of(res.data).get("records_available") or 0)


def records_progress(res: SparkResponse) -> tuple[int, int]:
    """(records completed, records submitted) from a status, push or pull reply. Spark spells the second
    `record_submitted`; `records_submitted` is accepted too."""
    status = _status_of(res.data)
    submitted = status.get("record_submitted", status.get("records_submitted"))
    return int(status.get("records_completed") or 0), int(submitted or 0)


def chunk_results(res: SparkResponse) -> list[Mapping[str, Any]]:
    """The chunk results of a pull reply; `[]` when nothing was ready."""
    data = res.data.get("data") if isinstance(res.data, Mapping) else None
    return [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []


class ResultRows:
    """Puts pulled chunk results back into input order: record i of the chunk pushed k-th lands at the
    position of that record in the original input. Pure bookkeeping, no I/O.

        rows = ResultRows(chunks)             # the chunks, in the order their records were given
        rows.add(pipeline.pull())             # as often as needed
        rows.complete, rows.rows()            # rows()[i] is None until record i is back
    """

    FIELDS = ("outputs", "warnings", "errors", "process_time")

    def __init__(self, chunks: Iterable[Mapping[str, Any]]) -> None:
        self._offsets: dict[str, tuple[int, int]] = {}
        position = 0
        for chunk in chunks:
            size = int(chunk.get("size") or 0)
            self._offsets[str(chunk["id"])] = (position, size)
            position += size
        self._rows: list[dict[str, Any] | None] = [None] * position
        self.received = 0

    @property
    def complete(self) -> bool:
        return self.received == len(self._rows)

    def add(self, pulled: SparkResponse | Iterable[Mapping[str, Any]]) -> int:
        """Record the results of one pull (a reply or its `data` list); returns how many records it held.
        Results for chunk ids this batch never pushed are refused."""
        items = chunk_results(pulled) if isinstance(pulled, SparkResponse) else list(pulled)
        count = 0
        for item in items:
            count += self._add_chunk(item)
        return count

    def _add_chunk(self, item: Mapping[str, Any]) -> int:
        chunk_id = str(item.get("id"))
        if chunk_id not in self._offsets:
            raise SparkSdkError(f"a pulled result names chunk {chunk_id!r}, which was not pushed", chunk_id)
        start, size = self._offsets[chunk_id]
        outputs = item.get("outputs")
        outputs = outputs if isinstance(outputs, list) else []
        for i in range(min(size, len(outputs))):
            if self._rows[start + i] is None:
                self.received += 1
            self._rows[start + i] = {"chunk_id": chunk_id, **{f: _nth(item.get(f), i) for f in self.FIELDS}}
        return min(size, len(outputs))

    def rows(self) -> list[dict[str, Any] | None]:
        """One entry per input record, in input order: {chunk_id, outputs, warnings, errors, process_time}."""
        return list(self._rows)


def _nth(values: Any, index: int) -> Any:
    return values[index] if isinstance(values, list) and index < len(values) else None


# --- client-side pipeline state ----------------------------------------------------------------------

_REFUSED: dict[str, tuple[PipelineState, ...]] = {
    "push": ("closed", "cancelled"),
    "pull": ("cancelled",),
    "dispose": ("cancelled",),
    "cancel": ("cancelled",),
}


def check_action(state: PipelineState, action: str, batch_id: str) -> None:
    """No push once closed or cancelled; nothing but info/status once cancelled."""
    if state in _REFUSED.get(action, ()):
        raise SparkSdkError(f"cannot {action}: batch {batch_id} is {state}", cause=batch_id)


class _PipelineState:
    """What both pipeline twins keep and decide; no I/O."""

    def _init_state(self, batch_id: str) -> None:
        self.batch_id = _batch_id(batch_id)
        self._state: PipelineState = "open"
        self._chunk_ids: set[str] = set()

    @property
    def id(self) -> str:
        return self.batch_id

    @property
    def state(self) -> PipelineState:
        """`open`, `closed` (disposed) or `cancelled`: what this object has done, not what Spark says."""
        return self._state

    @property
    def is_disposed(self) -> bool:
        return self._state != "open"

    def _pull(self, max: int) -> ApiRequest:
        check_action(self._state, "pull", self.batch_id)
        return pull_request(self.batch_id, max)

    def _patch(self, action: Literal["dispose", "cancel"]) -> ApiRequest:
        check_action(self._state, action, self.batch_id)
        return patch_request(self.batch_id, "closed" if action == "dispose" else "cancelled")

    def _patched(self, action: Literal["dispose", "cancel"]) -> None:
        self._state = "closed" if action == "dispose" else "cancelled"

    def _push(
        self, data: Any, inputs: Records | None, raw: Any, chunk_size: int,
        parameters: Mapping[str, Any] | None, summary: Mapping[str, Any] | None, duplicates: Duplicates,
    ) -> tuple[ApiRequest, list[str]]:  # fmt: skip
        """The push request and the chunk ids it sends (recorded once Spark accepted them)."""
        check_action(self._state, "push", self.batch_id)
        given = [
            name for name, value in (("data", data), ("inputs", inputs), ("raw", raw)) if value is not None
        ]
        if len(given) != 1:
            raise SparkSdkError("push takes exactly one of data, inputs or raw", cause=given)
        if raw is not None:
            text, ids = _raw_ids(raw)
            req = (
                raw_push_request(self.batch_id, text)
                if text is not None
                else push_request(self.batch_id, raw)
            )
            return req, ids
        if data is not None:
            chunks = as_chunks(data)
        else:
            chunks = create_chunks(inputs or [], chunk_size, parameters=parameters, summary=summary)
            if not chunks:
                raise SparkSdkError("inputs holds no records to push", cause="inputs")
        chunks = dedupe(chunks, self._chunk_ids, duplicates)
        if not chunks:
            raise SparkSdkError("every chunk was already pushed (if_chunk_id_duplicated='ignore')", "data")
        return push_request(self.batch_id, chunks), [c["id"] for c in chunks]


# --- run: the whole trip (the engine is cspark_core.bulk) -------------------------------------------------


class CreateOptions(TypedDict, total=False):
    """The options of `create`, as `run` takes them."""

    active_since: str | date
    subservices: Names
    selected_outputs: Names
    call_purpose: str
    source_system: str
    correlation_id: str
    unique_record_key: Names
    min_runners: int
    max_runners: int
    chunks_per_vm: int
    runners_per_vm: int
    max_input_size: float
    max_output_size: float
    accuracy: float
    extras: Mapping[str, Any]


def _run_options(
    uri: str | UriParams, chunk_size: int, parameters: Mapping[str, Any] | None,
    summary: Mapping[str, Any] | None, timeout: float | None, poll_interval: float, max_in_flight: int,
    journal: str | os.PathLike[str] | None, resume: bool, fingerprint: Mapping[str, Any] | None,
    on_progress: Progress | None, create: CreateOptions,
) -> dict[str, Any]:  # fmt: skip
    """The engine's options; with `journal`, the journal opened (or resumed) for exactly this run."""
    unknown = sorted(set(create) - CreateOptions.__optional_keys__)
    if unknown:
        raise SparkSdkError(f"unknown batch option(s): {', '.join(unknown)}", cause=unknown)
    if resume and journal is None:
        raise SparkSdkError("resume needs the journal of the run to resume", cause="resume")
    opened = None
    if journal is not None:
        key = {
            "service": str(uri),
            "chunk_size": chunk_size,
            "parameters": dict(parameters or {}),
            "summary": summary,
            "create": {name: str(value) for name, value in create.items()},
            **dict(fingerprint or {}),
        }
        from ..journal import Journal

        opened = Journal(journal, key, resume=resume)
    return {
        "chunk_size": chunk_size, "max_in_flight": max_in_flight, "timeout": timeout,
        "poll_interval": poll_interval, "parameters": parameters, "summary": summary, "create": create,
        "journal": opened, "on_progress": on_progress,
    }  # fmt: skip


# --- resources ----------------------------------------------------------------------------------------------


class Pipeline(Resource, _PipelineState):
    """One batch pipeline. Build it with `client.batches.of(batch_id)`."""

    def __init__(self, transport: SyncTransport, batch_id: str) -> None:
        super().__init__(transport)
        self._init_state(batch_id)

    def __repr__(self) -> str:
        return f"Pipeline({self.batch_id!r}, state={self._state!r})"

    def get_info(self) -> SparkResponse:
        return self._send(info_request(self.batch_id))

    def get_status(self) -> SparkResponse:
        return self._send(status_request(self.batch_id))

    def push(
        self, data: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None, *,
        inputs: Records | None = None, raw: str | bytes | Mapping[str, Any] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE, parameters: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None, if_chunk_id_duplicated: Duplicates = "replace",
    ) -> SparkResponse:  # fmt: skip
        """Push chunks: `data` (chunk objects, or one chunk's data), `inputs` (records, split into chunks of
        `chunk_size` with `parameters`/`summary` in each) or `raw` (a JSON body sent as is)."""
        req, ids = self._push(data, inputs, raw, chunk_size, parameters, summary, if_chunk_id_duplicated)
        res = self._send(req)
        self._chunk_ids.update(ids)
        return res

    def pull(self, max: int = 100) -> SparkResponse:
        """Up to `max` completed chunks; they leave Spark's output buffer once returned."""
        return self._send(self._pull(max))

    def dispose(self) -> SparkResponse:
        """Close the pipeline: no more chunks; what was pushed still finishes and stays pullable."""
        res = self._send(self._patch("dispose"))
        self._patched("dispose")
        return res

    def cancel(self) -> SparkResponse:
        """Stop at once; pending input and output are discarded."""
        res = self._send(self._patch("cancel"))
        self._patched("cancel")
        return res


class AsyncPipeline(AsyncResource, _PipelineState):
    def __init__(self, transport: AsyncTransport, batch_id: str) -> None:
        super().__init__(transport)
        self._init_state(batch_id)

    def __repr__(self) -> str:
        return f"AsyncPipeline({self.batch_id!r}, state={self._state!r})"

    async def get_info(self) -> SparkResponse:
        return await self._send(info_request(self.batch_id))

    async def get_status(self) -> SparkResponse:
        return await self._send(status_request(self.batch_id))

    async def push(
        self, data: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None, *,
        inputs: Records | None = None, raw: str | bytes | Mapping[str, Any] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE, parameters: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None, if_chunk_id_duplicated: Duplicates = "replace",
    ) -> SparkResponse:  # fmt: skip
        req, ids = self._push(data, inputs, raw, chunk_size, parameters, summary, if_chunk_id_duplicated)
        res = await self._send(req)
        self._chunk_ids.update(ids)
        return res

    async def pull(self, max: int = 100) -> SparkResponse:
        return await self._send(self._pull(max))

    async def dispose(self) -> SparkResponse:
        res = await self._send(self._patch("dispose"))
        self._patched("dispose")
        return res

    async def cancel(self) -> SparkResponse:
        res = await self._send(self._patch("cancel"))
        self._patched("cancel")
        return res


class Batches(Resource):
    def describe(self) -> SparkResponse:
        """Pipelines in progress and those finished within about the last hour."""
        return self._send(DESCRIBE)

    def create(
        self, uri: str | UriParams, *, active_since: str | date | None = None, subservices: Names = None,
        selected_outputs: Names = None, call_purpose: str | None = None, source_system: str | None = None,
        correlation_id: str | None = None, unique_record_key: Names = None, min_runners: int | None = None,
        max_runners: int | None = None, chunks_per_vm: int | None = None, runners_per_vm: int | None = None,
        max_input_size: float | None = None, max_output_size: float | None = None, accuracy: float = 1.0,
        extras: Mapping[str, Any] | None = None,
    ) -> SparkResponse:  # fmt: skip
        """Open a pipeline on a service; `batch_id_of(res)` (or `res.data["id"]`) is its id."""
        return self._send(create_request(
            uri, active_since=active_since, subservices=subservices, selected_outputs=selected_outputs,
            call_purpose=call_purpose, source_system=source_system, correlation_id=correlation_id,
            unique_record_key=unique_record_key, min_runners=min_runners, max_runners=max_runners,
            chunks_per_vm=chunks_per_vm, runners_per_vm=runners_per_vm, max_input_size=max_input_size,
            max_output_size=max_output_size, accuracy=accuracy, extras=extras,
        ))  # fmt: skip

    def of(self, batch_id: str) -> Pipeline:
        return Pipeline(self._transport, batch_id)

    def run(
        self, uri: str | UriParams, records: RecordSource, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
        parameters: Mapping[str, Any] | None = None, summary: Mapping[str, Any] | None = None,
        timeout: float | None = 3600.0, poll_interval: float = 0.5, max_in_flight: int = 16,
        journal: str | os.PathLike[str] | None = None, resume: bool = False,
        fingerprint: Mapping[str, Any] | None = None, on_progress: Progress | None = None,
        **options: Unpack[CreateOptions],
    ) -> BatchRun:  # fmt: skip
        """Run every record through a new pipeline; iterate the returned `BatchRun` for the results, in input
        order, while `records` is still being read. See `cspark_core.bulk` for how faults are survived.

        `journal` (a file path) makes the run resumable: run the same call again with `resume=True` after a
        kill, and call `checkpoint()` whenever what you have written is safe, `finish()` at the end.
        `fingerprint` is what else identifies the run (e.g. a hash of the input file)."""
        from ..bulk import BatchRun

        return BatchRun(self, uri, records, **_run_options(
            uri, chunk_size, parameters, summary, timeout, poll_interval, max_in_flight, journal, resume,
            fingerprint, on_progress, options,
        ))  # fmt: skip


class AsyncBatches(AsyncResource):
    async def describe(self) -> SparkResponse:
        return await self._send(DESCRIBE)

    async def create(
        self, uri: str | UriParams, *, active_since: str | date | None = None, subservices: Names = None,
        selected_outputs: Names = None, call_purpose: str | None = None, source_system: str | None = None,
        correlation_id: str | None = None, unique_record_key: Names = None, min_runners: int | None = None,
        max_runners: int | None = None, chunks_per_vm: int | None = None, runners_per_vm: int | None = None,
        max_input_size: float | None = None, max_output_size: float | None = None, accuracy: float = 1.0,
        extras: Mapping[str, Any] | None = None,
    ) -> SparkResponse:  # fmt: skip
        return await self._send(create_request(
            uri, active_since=active_since, subservices=subservices, selected_outputs=selected_outputs,
            call_purpose=call_purpose, source_system=source_system, correlation_id=correlation_id,
            unique_record_key=unique_record_key, min_runners=min_runners, max_runners=max_runners,
            chunks_per_vm=chunks_per_vm, runners_per_vm=runners_per_vm, max_input_size=max_input_size,
            max_output_size=max_output_size, accuracy=accuracy, extras=extras,
        ))  # fmt: skip

    def of(self, batch_id: str) -> AsyncPipeline:
        return AsyncPipeline(self._transport, batch_id)

    def run(
        self, uri: str | UriParams, records: RecordSource, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
        parameters: Mapping[str, Any] | None = None, summary: Mapping[str, Any] | None = None,
        timeout: float | None = 3600.0, poll_interval: float = 0.5, max_in_flight: int = 16,
        journal: str | os.PathLike[str] | None = None, resume: bool = False,
        fingerprint: Mapping[str, Any] | None = None, on_progress: Progress | None = None,
        **options: Unpack[CreateOptions],
    ) -> AsyncBatchRun:  # fmt: skip
        """`Batches.run` for `AsyncClient`: `async for result in spark.batches.run(...)`."""
        from ..bulk import AsyncBatchRun

        return AsyncBatchRun(self, uri, records, **_run_options(
            uri, chunk_size, parameters, summary, timeout, poll_interval, max_in_flight, journal, resume,
            fingerprint, on_progress, options,
        ))  # fmt: skip
