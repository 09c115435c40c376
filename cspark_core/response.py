"""The object every SDK call returns. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    def outputs(self) -> dict[str, Any]:
        """Outputs of a one-record execute (v3 `response_data.outputs`, or the first v4 record)."""
        records = self.records
        if not records:
            return {}
        return records[0]

    @property
    def records(self) -> list[dict[str, Any]]:
        """Outputs per record: v4 `outputs` as sent, or v3 `response_data.outputs` as a one-item list."""
        data = self.data
        if not isinstance(data, Mapping):
            return []
        if isinstance(data.get("response_data"), Mapping):  # v3 envelope
            out = data["response_data"].get("outputs")
            return [dict(out)] if isinstance(out, Mapping) else []
        out = data.get("outputs")
        if isinstance(out, list):
            return [dict(o) if isinstance(o, Mapping) else {} for o in out]
        return []
