"""The call history: one log per execute call, kept in a bounded ring, written through
to the store; look-ups by call id, rehydration and the filters of log downloads."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ..models import CallLog, bad_request, not_found, parse_date
from .core import Core
from .services import ServicesBackend, version_of

MAX_CALL_LOGS = 10_000
MAX_CALL_LOG_RECORDS = 100_000


class CallLogs:
    """The call history: a ring of the most recent calls, so memory stays flat however many records run.

    At most ``max_calls`` calls and ``max_records`` records (a v4 call holds one per record) are kept; the
    oldest calls fall off first. A call that fell off is unknown, like one that never ran. Not thread-safe:
    the State lock guards it.
    """

    def __init__(self, max_calls: int = MAX_CALL_LOGS, max_records: int = MAX_CALL_LOG_RECORDS) -> None:
        if max_calls < 1 or max_records < 1:
            raise ValueError("the call log must hold at least one call and one record")
        self.max_calls = max_calls
        self.max_records = max_records
        self.records = 0
        self._logs: OrderedDict[str, CallLog] = OrderedDict()

    def add(self, log: CallLog) -> list[str]:
        """Keep ``log``; the ids of the calls that fell off to make room."""
        old = self._logs.pop(log.call_id, None)
        if old is not None:
            self.records -= len(old.inputs)
        self._logs[log.call_id] = log
        self.records += len(log.inputs)
        dropped = []
        while len(self._logs) > 1 and (len(self._logs) > self.max_calls or self.records > self.max_records):
            call_id, gone = self._logs.popitem(last=False)
            self.records -= len(gone.inputs)
            dropped.append(call_id)
        return dropped

    def get(self, call_id: str) -> CallLog | None:
        return self._logs.get(call_id)

    def values(self) -> Iterator[CallLog]:
        return iter(self._logs.values())

    def clear(self) -> None:
        self._logs.clear()
        self.records = 0

    def __len__(self) -> int:
        return len(self._logs)


class HistoryBackend:
    def __init__(
        self,
        core: Core,
        services: ServicesBackend,
        max_calls: int = MAX_CALL_LOGS,
        max_records: int = MAX_CALL_LOG_RECORDS,
    ) -> None:
        self.core = core
        self.services = services
        self.logs = CallLogs(max_calls, max_records)

    def load(self) -> None:
        for row in self.core.load("log"):  # oldest first: a smaller cap than last time keeps the newest
            for call_id in self.logs.add(CallLog.from_dict(row)):
                self.core.drop("log", call_id)

    def reset(self) -> None:
        self.logs.clear()

    def record(self, log: CallLog) -> None:
        with self.core.lock:
            dropped = self.logs.add(log)
            self.core.save("log", log.call_id, log.to_dict())
            for call_id in dropped:  # the store keeps what memory keeps
                self.core.drop("log", call_id)

    def call_log(self, call_id: str) -> CallLog:
        with self.core.lock:
            log = self.logs.get(call_id.lower())
        if log is None:
            raise not_found(f"call {call_id} was not found")
        return log

    def rehydrate(
        self, folder: str, name: str, call_id: str, index: int | None
    ) -> tuple[CallLog, bytes, str]:
        service = self.services.get(folder, name)
        log = self.call_log(call_id)
        if log.service_id != service.id:
            raise not_found(f"call {call_id} does not belong to {folder}/{name}")
        position = len(log.inputs) - 1 if index is None else index
        if not 0 <= position < len(log.inputs):
            raise bad_request(f"index {index} is out of range: the call has {len(log.inputs)} record(s)")
        version = version_of(service, log.version_id)
        content = self.services.model(version).rehydrate(log.inputs[position])
        return log, content, version.filename

    def logs_for(
        self, folder: str, name: str, request: Mapping[str, Any], version_id: str | None
    ) -> list[CallLog]:
        service = self.services.get(folder, name)
        ids = request.get("call_ids") or []
        wanted = [str(c).lower() for c in ([ids] if isinstance(ids, str) else ids) if c]
        start = _maybe_date(request.get("start_date"))
        end = _maybe_date(request.get("end_date"))
        with self.core.lock:
            logs = [log for log in self.logs.values() if log.service_id == service.id]
        return [
            log
            for log in logs
            if (not version_id or log.version_id == version_id)
            and (
                not wanted
                or {log.call_id, (log.correlation_id or "").lower(), log.source_system.lower()} & set(wanted)
            )
            and (start is None or parse_date(log.log_time, "log time") >= start)
            and (end is None or parse_date(log.log_time, "log time") <= end)
        ]


def _maybe_date(value: Any) -> datetime | None:
    return parse_date(value, "date") if value not in (None, "") else None
