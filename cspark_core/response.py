"""The object every SDK call returns. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import SparkSdkError

__all__ = ["SparkResponse"]


@dataclass(frozen=True, repr=False)
class SparkResponse:
    """`.data` is the JSON body exactly as Spark sent it (None when the body is not JSON);
    `.buffer` the raw bytes (downloads); helpers such as `.outputs` sit on top of `.data`."""

    status: int
    data: Any = None
    buffer: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    request_id: str | None = None

    def __repr__(self) -> str:
        return f"SparkResponse(status={self.status}, request_id={self.request_id!r})"

    @property
    def body(self) -> dict[str, Any]:
        """The reply without its envelope, when that is an object: v3 `response_data`, v1 `data`, or the
        whole v4 body; {} otherwise (a list is in `.items`)."""
        payload = self._payload()
        return dict(payload) if isinstance(payload, Mapping) else {}

    @property
    def items(self) -> list[Any]:
        """The list a listing reply carries (v3 `response_data` or v1 `data`, as a list); [] otherwise."""
        payload = self._payload()
        return list(payload) if isinstance(payload, list) else []

    def _payload(self) -> Any:
        data = self.data
        if not isinstance(data, Mapping):
            return data
        for key in ("response_data", "data"):  # v3, then v1; a v4 body has neither
            if key in data:
                return data[key]
        return data

    @property
    def outputs(self) -> dict[str, Any]:
        """Outputs of a one-record execute: v3 `response_data.outputs`, or the only v4 record, or {}. A reply
        with several records raises `SparkSdkError` (read `.records`, one dict per record): returning the
        first record's outputs would quietly drop the others."""
        records = self.records
        if len(records) > 1:
            raise SparkSdkError(
                f"this reply holds {len(records)} records: read .records (a list, one dict of outputs per "
                "record); .outputs is for one record",
                cause=len(records),
            )
        return records[0] if records else {}

    @property
    def records(self) -> list[dict[str, Any]]:
        """Outputs per record: v4 `outputs` (objects, or the columnar `[[names], [values]...]` form turned
        into objects), or v3 `response_data.outputs` as a one-item list. A record without outputs is {}."""
        data = self.data
        if not isinstance(data, Mapping):
            return []
        if isinstance(data.get("response_data"), Mapping):  # v3 envelope
            out = data["response_data"].get("outputs")
            return [dict(out)] if isinstance(out, Mapping) else []
        out = data.get("outputs")
        if not isinstance(out, list):
            return []
        if _is_columnar(out):  # the output shape of columnar v4 inputs is unknown: accept this one too
            return [dict(zip(out[0], row, strict=False)) for row in out[1:]]
        return [dict(o) if isinstance(o, Mapping) else {} for o in out]

    @property
    def call_id(self) -> str | None:
        """The execute call's id (v3 `response_meta.call_id`, v4 `call_id`), for `logs get`; else None."""
        data = self.data
        if not isinstance(data, Mapping):
            return None
        meta = data.get("response_meta")
        found = meta.get("call_id") if isinstance(meta, Mapping) else data.get("call_id")
        return str(found) if found else None

    @property
    def errors(self) -> list[Any]:
        """Spark's calculation errors per record (v3: a one-item list), None where a record has none."""
        return self._per_record("errors")

    @property
    def warnings(self) -> list[Any]:
        """Spark's warnings per record (v3: a one-item list), None where a record has none."""
        return self._per_record("warnings")

    def _per_record(self, key: str) -> list[Any]:
        data = self.data
        if not isinstance(data, Mapping):
            return []
        if isinstance(data.get("response_data"), Mapping):  # v3 envelope
            return [data["response_data"].get(key) or None]
        items = data.get(key)
        return [item or None for item in items] if isinstance(items, list) else []


def _is_columnar(rows: list[Any]) -> bool:
    return (
        bool(rows)
        and isinstance(rows[0], list)
        and all(isinstance(name, str) for name in rows[0])
        and all(isinstance(row, list) for row in rows[1:])
    )
