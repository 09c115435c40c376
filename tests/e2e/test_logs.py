"""Call history against the emulator: get, rehydrate, and CSV/JSON log downloads."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cspark_core import JobTimeoutError, SparkSdkError
from tests.emulator.emuhelp import admin_call

SERVICE = "my-folder/my-service"


def execute(spark: Any, value: int, **options: Any) -> str:
    res = spark.services.execute(SERVICE, inputs={"value": value}, **options)
    return str(res.data["response_meta"]["call_id"])


def test_get_decodes_the_log_and_keeps_the_reply_as_sent(spark: Any) -> None:
    call_id = execute(spark, 4)
    res = spark.logs.get(call_id)
    assert isinstance(res.data["response_data"], str)  # JSON-encoded, as Spark sends it
    assert res.log["EngineCallId"] == call_id
    assert res.log["EngineDetails"]["response_data"]["outputs"]["doubled"] == 8


def test_rehydrate_to_memory_and_to_a_path(spark: Any, tmp_path: Path) -> None:
    call_id = execute(spark, 6)
    res = spark.logs.rehydrate(SERVICE, call_id)
    assert res.data["response_data"]["download_url"]
    assert zipfile.is_zipfile(io.BytesIO(res.buffer))  # an .xlsx is a ZIP
    target = tmp_path / "rehydrated.xlsx"
    streamed = spark.logs.rehydrate(SERVICE, call_id, legacy=True, to=target)
    assert streamed.buffer == b"" and zipfile.is_zipfile(target)
    assert [p.name for p in tmp_path.iterdir()] == ["rehydrated.xlsx"]


def test_rehydrate_needs_a_folder_service_locator(spark: Any) -> None:
    with pytest.raises(SparkSdkError, match="folder/service"):
        spark.logs.rehydrate("service/5c0d7e51", "c-1")


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_download_logs_of_some_calls(spark: Any, tmp_path: Path, kind: str) -> None:
    wanted = [execute(spark, 2), execute(spark, 3)]
    execute(spark, 9)  # not asked for
    polls: list[Any] = []
    res = spark.logs.download(
        SERVICE, call_ids=wanted, type=kind, poll_interval=0.05, timeout=10, on_poll=polls.append
    )
    assert res.data["response_data"]["progress"] == 100 and polls
    text = _only_member(res.buffer)
    if kind == "json":
        assert sorted(log["EngineCallId"] for log in json.loads(text)) == sorted(wanted)
    else:
        assert all(call_id in text for call_id in wanted) and "Call ID" in text.splitlines()[0]
    target = tmp_path / f"logs.{kind}.zip"
    spark.logs.download(SERVICE, call_ids=wanted, type=kind, poll_interval=0.05, to=target)
    assert _only_member(target.read_bytes()) == text


def test_initiate_download_and_poll_its_status(spark: Any) -> None:
    call_id = spark.services.execute(SERVICE, inputs={"value": 2}).data["response_meta"]["call_id"]
    started = spark.logs.initiate_download(SERVICE, call_ids=[call_id], type="csv")
    job_id = started.data["response_data"]["job_id"]
    status = spark.logs.get_download_status(SERVICE, job_id, type="csv")
    assert status.data["response_data"]["progress"] == 100
    assert status.data["response_data"]["download_url"].startswith("http")


def test_download_by_correlation_id(spark: Any) -> None:
    tagged = execute(spark, 5, correlation_id="corr-42")
    execute(spark, 6)
    res = spark.logs.download(SERVICE, correlation_id="corr-42", poll_interval=0.05)
    assert [log["EngineCallId"] for log in json.loads(_only_member(res.buffer))] == [tagged]


def test_a_slow_job_times_out_naming_the_job(spark: Any, emulator: Any) -> None:
    call_id = execute(spark, 1)
    admin_call(emulator, "POST", "speed", {"mode": "realistic"})
    try:
        with pytest.raises(JobTimeoutError) as info:
            spark.logs.download(SERVICE, call_ids=[call_id], timeout=0.3, poll_interval=0.1)
    finally:  # the emulator's reset does not restore the speed
        admin_call(emulator, "POST", "speed", {"mode": "instant"})
    assert "log download" in str(info.value) and info.value.job_id in str(info.value)
    assert info.value.last_status.startswith("progress")


def test_bad_arguments_are_refused_before_sending(spark: Any) -> None:
    with pytest.raises(SparkSdkError, match="type"):
        spark.logs.download(SERVICE, type="xml")
    with pytest.raises(SparkSdkError, match="start_date"):
        spark.logs.download(SERVICE, start_date="yesterday")
    with pytest.raises(SparkSdkError, match="timeout"):
        spark.logs.download(SERVICE, timeout=0)


def _only_member(archive: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        (name,) = zf.namelist()
        return zf.read(name).decode("utf-8-sig")
