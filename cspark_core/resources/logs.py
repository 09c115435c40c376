"""API call history: one log by call id, rehydrating the workbook of a call, and downloading
logs as a CSV or JSON archive (a job: start, poll, fetch the file)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from ..errors import SparkSdkError
from ..locator import Uri, UriParams
from ..polling import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, Job, await_job, check_wait, wait_for
from ..request import ApiRequest, segment
from ..response import SparkResponse
from ._base import AsyncResource, Resource
from .files import Target, file_request

__all__ = [
    "AsyncLogs",
    "LogResponse",
    "Logs",
    "call_io",
    "decode_log",
    "download_request",
    "download_status_request",
    "get_request",
    "job_id_of",
    "log_download_job",
    "rehydrate_request",
]

LogType = Literal["json", "csv"]
When = str | date | None
OnPoll = Callable[[SparkResponse], None] | None


# --- get ----------------------------------------------------------------------------------------------------


def _call_id(call_id: str) -> str:
    if not isinstance(call_id, str) or not call_id.strip():
        raise SparkSdkError("call id must not be blank", cause=call_id)
    return call_id.strip()


def _index(index: int | None) -> dict[str, int] | None:
    if index is None:
        return None
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise SparkSdkError(f"index must be a record index (an integer >= 0), got {index!r}", cause=index)
    return {"index": index}


def get_request(call_id: str, index: int | None = None) -> ApiRequest:
    path = f"api/v3/log/getexecutionhistorybycallid/{segment(_call_id(call_id))}"
    return ApiRequest("GET", path, params=_index(index))


def decode_log(data: Any) -> Any:
    """The log object of a get-log-by-call-id reply: `response_data` is a JSON-encoded string (decoded here);
    an object is taken as is, in case Spark ever sends one; anything that does not decode gives None."""
    inner = data.get("response_data") if isinstance(data, Mapping) else None
    if isinstance(inner, str | bytes):
        try:
            return json.loads(inner)
        except ValueError:
            return None
    return inner


def call_io(log: Any) -> tuple[Any, Any]:
    """(inputs, outputs) of the call a decoded log records (its engine request and response), None for
    what the log does not hold."""
    details = log.get("EngineDetails") if isinstance(log, Mapping) else None
    if not isinstance(details, Mapping):
        return None, None
    request, response = details.get("request_data"), details.get("response_data")
    inputs = request.get("inputs") if isinstance(request, Mapping) else None
    return inputs, response.get("outputs") if isinstance(response, Mapping) else None


@dataclass(frozen=True, repr=False)
class LogResponse(SparkResponse):
    """A get-log-by-call-id reply: `.data` as Spark sent it, `.log` the decoded log object (or None)."""

    @property
    def log(self) -> Any:
        return decode_log(self.data)

    @classmethod
    def of(cls, res: SparkResponse) -> LogResponse:
        return cls(res.status, res.data, res.buffer, res.headers, res.request_id)


# --- rehydrate ----------------------------------------------------------------------------------------------


def rehydrate_request(uri: str | UriParams, call_id: str, index: int | None, legacy: bool) -> ApiRequest:
    """`POST .../download/xml/{call_id}` (legacy format: `.../download/{call_id}`), body `{}`."""
    kind = "download" if legacy else "download/xml"
    path = f"api/v3/{Uri.of(uri).long_path()}/{kind}/{segment(_call_id(call_id))}"
    return ApiRequest("POST", path, params=_index(index), json={})


def download_url_of(res: SparkResponse, what: str) -> str:
    inner = res.data.get("response_data") if isinstance(res.data, Mapping) else None
    url = inner.get("download_url") if isinstance(inner, Mapping) else None
    if not isinstance(url, str) or not url:
        raise SparkSdkError(f"Spark's {what} reply has no download_url", cause=res.data)
    return url


# --- download (job) -----------------------------------------------------------------------------------------


def _log_type(type: str) -> LogType:
    kind = str(type).lower()
    if kind not in ("json", "csv"):
        raise SparkSdkError(f"log download type must be json or csv, not {type!r}", cause=type)
    return "csv" if kind == "csv" else "json"


def _when(name: str, value: When) -> str | None:
    if value is None or isinstance(value, date):  # datetime is a date too
        return value.isoformat() if value is not None else None
    try:
        datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise SparkSdkError(f"{name} must be an ISO date or timestamp, got {value!r}", cause=value) from None
    return value.strip()


def _call_ids(
    call_ids: Sequence[str] | None, correlation_id: str | None, source_system: str | None
) -> list[str]:
    """`call_ids` may instead hold one correlation id or one source system (when no call ids)."""
    if isinstance(call_ids, str):
        call_ids = [call_ids]
    ids = [_call_id(c) for c in call_ids or []]
    return ids or [v for v in (correlation_id or source_system,) if v]


def download_request(
    uri: str | UriParams, type: str = "json", *, call_ids: Sequence[str] | None = None,
    start_date: When = None, end_date: When = None, correlation_id: str | None = None,
    source_system: str | None = None, version_id: str | None = None, timezone_offset: float | None = None,
) -> ApiRequest:  # fmt: skip
    request_data: dict[str, Any] = {
        "call_ids": _call_ids(call_ids, correlation_id, source_system),
        "start_date": _when("start_date", start_date),
        "end_date": _when("end_date", end_date),
    }
    request_data = {k: v for k, v in request_data.items() if v is not None}
    request_data["timezone_offset"] = timezone_offset  # sent as null when unset, like the official SDK
    body = {"request_data": request_data, "request_meta": {"version_id": version_id}}
    path = f"api/v3/{Uri.of(uri).long_path()}/log/download{_log_type(type)}"
    return ApiRequest("POST", path, json=body)


def download_status_request(uri: str | UriParams, type: str, job_id: str) -> ApiRequest:
    if not isinstance(job_id, str) or not job_id.strip():
        raise SparkSdkError("log download job id must not be blank", cause=job_id)
    kind, job = _log_type(type), segment(job_id.strip())
    path = f"api/v3/{Uri.of(uri).long_path()}/log/download{kind}/status/{job}"
    return ApiRequest("GET", path)


def job_id_of(res: SparkResponse) -> str:
    inner = res.data.get("response_data") if isinstance(res.data, Mapping) else None
    job_id = inner.get("job_id") if isinstance(inner, Mapping) else None
    if not job_id:
        raise SparkSdkError("Spark's log download reply has no job_id", cause=res.data)
    return str(job_id)


def _progress(res: SparkResponse) -> tuple[float, bool]:
    inner = res.data.get("response_data") if isinstance(res.data, Mapping) else None
    inner = inner if isinstance(inner, Mapping) else {}
    try:
        progress = float(inner.get("progress") or 0)
    except (TypeError, ValueError):
        progress = 0.0
    return progress, bool(inner.get("download_url"))


def log_download_job(job_id: str) -> Job:
    """Done at progress 100 with a `download_url`; 100 without one is a failure."""

    def failure(res: SparkResponse) -> str | None:
        progress, has_url = _progress(res)
        return "it finished without a download_url" if progress >= 100 and not has_url else None

    return Job(
        name=f"log download {job_id}",
        is_done=lambda res: _progress(res) == (100.0, True),
        failure=failure,
        describe=lambda res: f"progress {_progress(res)[0]:g}%",
    )


def _file_reply(file: SparkResponse, reply: SparkResponse) -> SparkResponse:
    """The file's bytes (`.buffer`, empty when streamed to a path) and headers, with Spark's JSON reply
    that led to it as `.data`."""
    return replace(file, data=reply.data)


# --- resources ----------------------------------------------------------------------------------------------


class Logs(Resource):
    def get(self, call_id: str, *, index: int | None = None) -> LogResponse:
        """One call's log; `.log` is the decoded `response_data`."""
        return LogResponse.of(self._send(get_request(call_id, index)))

    def rehydrate(
        self, uri: str | UriParams, call_id: str, index: int | None = None, legacy: bool = False,
        to: Target = None,
    ) -> SparkResponse:  # fmt: skip
        """The workbook with a call's inputs: `.data` is Spark's reply, the file goes to `to` or `.buffer`."""
        reply = self._send(rehydrate_request(uri, call_id, index, legacy))
        return _file_reply(self._fetch(download_url_of(reply, "rehydrate"), to), reply)

    def initiate_download(
        self, uri: str | UriParams, *, call_ids: Sequence[str] | None = None, start_date: When = None,
        end_date: When = None, correlation_id: str | None = None, source_system: str | None = None,
        version_id: str | None = None, type: str = "json", timezone_offset: float | None = None,
    ) -> SparkResponse:  # fmt: skip
        """Start a log download job without waiting; `.data["response_data"]["job_id"]` is its id."""
        return self._send(download_request(
            uri, type, call_ids=call_ids, start_date=start_date, end_date=end_date,
            correlation_id=correlation_id, source_system=source_system, version_id=version_id,
            timezone_offset=timezone_offset,
        ))  # fmt: skip

    def get_download_status(self, uri: str | UriParams, job_id: str, *, type: str = "json") -> SparkResponse:
        """A log download job's progress; at 100 it holds the archive's `download_url`."""
        return self._send(download_status_request(uri, type, job_id))

    def download(
        self, uri: str | UriParams, *, call_ids: Sequence[str] | None = None, start_date: When = None,
        end_date: When = None, correlation_id: str | None = None, source_system: str | None = None,
        version_id: str | None = None, type: str = "json", timezone_offset: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT, poll_interval: float = DEFAULT_POLL_INTERVAL,
        on_poll: OnPoll = None, to: Target = None,
    ) -> SparkResponse:  # fmt: skip
        """Start a log download job, wait for it, fetch the ZIP (to `to`, else `.buffer`); `.data` is the
        final job status."""
        check_wait(timeout, poll_interval)
        job_id = job_id_of(self.initiate_download(
            uri, call_ids=call_ids, start_date=start_date, end_date=end_date, correlation_id=correlation_id,
            source_system=source_system, version_id=version_id, type=type, timezone_offset=timezone_offset,
        ))  # fmt: skip
        status = wait_for(
            lambda: self.get_download_status(uri, job_id, type=type), log_download_job(job_id),
            job_id=job_id, timeout=timeout, interval=poll_interval, on_poll=on_poll,
        )  # fmt: skip
        return _file_reply(self._fetch(download_url_of(status, "log download status"), to), status)

    def _fetch(self, url: str, to: Target) -> SparkResponse:
        return self._download(file_request(url), to)


class AsyncLogs(AsyncResource):
    async def get(self, call_id: str, *, index: int | None = None) -> LogResponse:
        return LogResponse.of(await self._send(get_request(call_id, index)))

    async def rehydrate(
        self, uri: str | UriParams, call_id: str, index: int | None = None, legacy: bool = False,
        to: Target = None,
    ) -> SparkResponse:  # fmt: skip
        reply = await self._send(rehydrate_request(uri, call_id, index, legacy))
        return _file_reply(await self._fetch(download_url_of(reply, "rehydrate"), to), reply)

    async def initiate_download(
        self, uri: str | UriParams, *, call_ids: Sequence[str] | None = None, start_date: When = None,
        end_date: When = None, correlation_id: str | None = None, source_system: str | None = None,
        version_id: str | None = None, type: str = "json", timezone_offset: float | None = None,
    ) -> SparkResponse:  # fmt: skip
        """Start a log download job without waiting; `.data["response_data"]["job_id"]` is its id."""
        return await self._send(download_request(
            uri, type, call_ids=call_ids, start_date=start_date, end_date=end_date,
            correlation_id=correlation_id, source_system=source_system, version_id=version_id,
            timezone_offset=timezone_offset,
        ))  # fmt: skip

    async def get_download_status(
        self, uri: str | UriParams, job_id: str, *, type: str = "json"
    ) -> SparkResponse:
        """A log download job's progress; at 100 it holds the archive's `download_url`."""
        return await self._send(download_status_request(uri, type, job_id))

    async def download(
        self, uri: str | UriParams, *, call_ids: Sequence[str] | None = None, start_date: When = None,
        end_date: When = None, correlation_id: str | None = None, source_system: str | None = None,
        version_id: str | None = None, type: str = "json", timezone_offset: float | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT, poll_interval: float = DEFAULT_POLL_INTERVAL,
        on_poll: OnPoll = None, to: Target = None,
    ) -> SparkResponse:  # fmt: skip
        check_wait(timeout, poll_interval)
        job_id = job_id_of(await self.initiate_download(
            uri, call_ids=call_ids, start_date=start_date, end_date=end_date, correlation_id=correlation_id,
            source_system=source_system, version_id=version_id, type=type, timezone_offset=timezone_offset,
        ))  # fmt: skip
        status = await await_job(
            lambda: self.get_download_status(uri, job_id, type=type), log_download_job(job_id),
            job_id=job_id, timeout=timeout, interval=poll_interval, on_poll=on_poll,
        )  # fmt: skip
        return _file_reply(await self._fetch(download_url_of(status, "log download status"), to), status)

    async def _fetch(self, url: str, to: Target) -> SparkResponse:
        return await self._download(file_request(url), to)
