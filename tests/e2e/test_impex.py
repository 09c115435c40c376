"""ImpEx against the emulator: export, then import the package back, step by step too."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cspark_core import JobFailedError, SparkSdkError
from cspark_core.resources.impex import export_files

SERVICE = "my-folder/my-service"


def test_export_then_import_round_trip(spark: Any, tmp_path: Path) -> None:
    package = tmp_path / "package.zip"
    (res,) = spark.impex.exp(services=[SERVICE], poll_interval=0.05, to=package)
    assert res.data["status"] in ("completed", "closed") and res.buffer == b""
    assert zipfile.is_zipfile(package)
    sources = [s["service_uri_source"] for s in res.data["outputs"]["services"]]
    assert sources == [SERVICE]

    done = spark.impex.imp(package, destination={SERVICE: "my-folder/my-service-copy"}, poll_interval=0.05)
    assert done.data["status"] in ("completed", "closed")
    (imported,) = done.data["outputs"]["services"]
    assert imported["service_uri_destination"] == "my-folder/my-service-copy"
    copy = spark.services.execute("my-folder/my-service-copy", inputs={"value": 21})
    assert copy.outputs["doubled"] == 42


def test_export_to_memory_and_import_bytes_as_a_new_version(spark: Any) -> None:
    (res,) = spark.impex.exp(folders="my-folder", poll_interval=0.05)
    with zipfile.ZipFile(io.BytesIO(res.buffer)) as zf:
        assert zf.namelist()
    done = spark.impex.imp(
        res.buffer, destination=SERVICE, services_existing="add_version", poll_interval=0.05
    )
    assert done.data["outputs"]["service_versions"]


def test_export_steps(spark: Any, tmp_path: Path) -> None:
    started = spark.impex.exports.initiate(services=SERVICE)
    job_id = started.data["id"]
    status = spark.impex.exports.get_status(job_id)
    assert status.data["id"] == job_id
    files = spark.impex.exports.download(job_id, to=tmp_path / "p.zip")
    assert len(files) == len(export_files(files[0])) == 1
    assert zipfile.is_zipfile(tmp_path / "p.zip")
    described = spark.impex.exports.describe().data
    listed = described["in_progress_exports"] + described["recent_exports"]
    assert job_id in [job["id"] for job in listed]


def test_cancel_an_export(spark: Any, emulator: Any) -> None:
    from tests.emulator.emuhelp import admin_call

    admin_call(emulator, "POST", "speed", {"mode": "realistic"})
    try:
        job_id = spark.impex.exports.initiate(services=SERVICE).data["id"]
        cancelled = spark.impex.exports.cancel(job_id)
        assert cancelled.data["id"] == job_id
        assert spark.impex.exports.get_status(job_id).data["status"] == "cancelled"
        with pytest.raises(SparkSdkError, match="no package"):
            spark.impex.exports.download(job_id)
    finally:  # the emulator's reset does not restore the speed
        admin_call(emulator, "POST", "speed", {"mode": "instant"})


def test_import_steps_and_describe(spark: Any) -> None:
    (res,) = spark.impex.exp(services=[SERVICE], poll_interval=0.05)
    started = spark.impex.imports.initiate(res.buffer, destination=[{"source": SERVICE, "upgrade": "patch"}])
    status = spark.impex.imports.get_status(started.data["id"])
    assert status.data["object"] == "import"
    described = spark.impex.imports.describe().data
    assert isinstance(described, dict)


def test_import_failures_are_job_errors_with_spark_s_reason(spark: Any) -> None:
    (res,) = spark.impex.exp(services=[SERVICE], poll_interval=0.05)
    with pytest.raises(JobFailedError, match="no-such-folder") as info:
        spark.impex.imp(res.buffer, destination={SERVICE: "no-such-folder/x"}, poll_interval=0.05)
    assert info.value.job_id and info.value.last_status == "failed"
    with pytest.raises(JobFailedError, match="already exists"):
        spark.impex.imp(res.buffer, destination=SERVICE, services_existing="abort", poll_interval=0.05)


def test_bad_arguments_are_refused_before_sending(spark: Any) -> None:
    with pytest.raises(SparkSdkError, match="at least one"):
        spark.impex.exp()
    with pytest.raises(SparkSdkError, match="file_filter"):
        spark.impex.exp(services=SERVICE, file_filter="everything")
    with pytest.raises(SparkSdkError, match="services_existing"):
        spark.impex.imp(b"PK", destination=SERVICE, services_existing="merge")
    with pytest.raises(SparkSdkError, match="cannot read package"):
        spark.impex.imp("/no/such/package.zip", destination=SERVICE)
