"""Call history builders and readers, and the log-download job rules. No sockets."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from cspark_core import JobFailedError, SparkSdkError
from cspark_core.polling import wait_for
from cspark_core.resources.logs import (
    LogResponse,
    decode_log,
    download_request,
    download_status_request,
    get_request,
    log_download_job,
    rehydrate_request,
)
from cspark_core.response import SparkResponse


def test_get_path_and_index() -> None:
    req = get_request("c 1")
    assert (req.method, req.path, req.params) == ("GET", "api/v3/log/getexecutionhistorybycallid/c%201", None)
    assert get_request("c", index=2).params == {"index": 2}
    for bad in (-1, True, "1"):
        with pytest.raises(SparkSdkError, match="index"):
            get_request("c", index=bad)  # type: ignore[arg-type]
    with pytest.raises(SparkSdkError, match="call id"):
        get_request(" ")


def test_the_log_is_decoded_and_data_kept_as_sent() -> None:
    log = {"EngineCallId": "c-1", "EngineDetails": {"response_data": {"outputs": {"x": 1}}}}
    body = {"status": "Success", "response_data": json.dumps(log), "response_meta": {}, "error": None}
    res = LogResponse.of(SparkResponse(200, body, b"", {}, "rid"))
    assert res.log == log and res.data is body and res.request_id == "rid"
    assert decode_log({"response_data": "{not json"}) is None
    assert decode_log({"response_data": {"already": "an object"}}) == {"already": "an object"}
    assert decode_log(None) is None


def test_rehydrate_paths() -> None:
    req = rehydrate_request("my folder/quote", "c-1", None, False)
    assert (req.method, req.path, req.json, req.params) == (
        "POST", "api/v3/folders/my%20folder/services/quote/download/xml/c-1", {}, None,
    )  # fmt: skip
    legacy = rehydrate_request("f/s[1.0.0]", "c-1", 3, True)
    assert (legacy.path, legacy.params) == ("api/v3/folders/f/services/s/download/c-1", {"index": 3})
    with pytest.raises(SparkSdkError, match="folder/service"):
        rehydrate_request("version/9f8e", "c-1", None, False)


def test_download_body_with_call_ids_and_dates() -> None:
    req = download_request(
        "f/s", "csv", call_ids=["a", "b"], start_date=date(2025, 3, 1), end_date="2025-03-02T00:00:00Z",
        version_id="v-1", timezone_offset=2,
    )  # fmt: skip
    assert (req.method, req.path) == ("POST", "api/v3/folders/f/services/s/log/downloadcsv")
    assert req.json == {
        "request_data": {
            "call_ids": ["a", "b"], "start_date": "2025-03-01", "end_date": "2025-03-02T00:00:00Z",
            "timezone_offset": 2,
        },
        "request_meta": {"version_id": "v-1"},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("options", "call_ids"),
    [
        ({"correlation_id": "corr", "source_system": "crm"}, ["corr"]),
        ({"source_system": "crm"}, ["crm"]),
        ({"call_ids": "one", "correlation_id": "corr"}, ["one"]),
        ({}, []),
    ],
)
def test_call_ids_fall_back_to_correlation_id_then_source_system(
    options: dict[str, Any], call_ids: list[str]
) -> None:
    body = download_request("f/s", **options).json
    assert body["request_data"]["call_ids"] == call_ids
    assert body["request_data"]["timezone_offset"] is None and body["request_meta"] == {"version_id": None}
    assert "start_date" not in body["request_data"]


def test_download_type_and_dates_are_checked() -> None:
    assert download_request("f/s", "JSON").path.endswith("/log/downloadjson")
    with pytest.raises(SparkSdkError, match="json or csv"):
        download_request("f/s", "xml")
    with pytest.raises(SparkSdkError, match="end_date"):
        download_request("f/s", end_date="02/03/2025")
    assert download_request("f/s", start_date=datetime(2025, 3, 1, 9)).json["request_data"]["start_date"] == (
        "2025-03-01T09:00:00"
    )
    status = download_status_request("f/s", "csv", "j 1")
    assert (status.method, status.path) == ("GET", "api/v3/folders/f/services/s/log/downloadcsv/status/j%201")


def reply(progress: int, url: str | None = None) -> SparkResponse:
    return SparkResponse(
        200, {"status": "Success", "response_data": {"progress": progress, "download_url": url}}
    )


def test_the_job_waits_for_progress_100_and_a_url() -> None:
    replies = iter([reply(0), reply(40), reply(100, "https://x/logs.zip")])
    done = wait_for(lambda: next(replies), log_download_job("j-1"), interval=0, sleep=lambda s: None)
    assert done.data["response_data"]["download_url"] == "https://x/logs.zip"
    assert log_download_job("j-1").describe(reply(40)) == "progress 40%"


def test_a_job_that_finishes_without_a_url_fails() -> None:
    with pytest.raises(JobFailedError, match="log download j-1 failed") as info:
        wait_for(lambda: reply(100), log_download_job("j-1"), job_id="j-1", interval=0)
    assert info.value.job_id == "j-1" and info.value.last_status == "progress 100%"
