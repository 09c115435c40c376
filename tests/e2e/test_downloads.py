"""WASM and temporary-file downloads against the emulator: to memory, to a path,
and no partial file when the download fails."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cspark_core import InternalServerError, NotFoundError, UnknownApiError
from tests.emulator.emuhelp import admin_call

SERVICE = "my-folder/my-service"


def manifest(archive: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return dict(json.loads(zf.read("manifest.json")))


def test_wasm_to_memory_by_name_and_by_version_id(spark: Any) -> None:
    by_name = spark.wasm.download(SERVICE)
    info = manifest(by_name.buffer)
    assert info["service"] == "my-service"
    by_version = spark.wasm.download(f"version/{info['version_id']}")
    assert manifest(by_version.buffer)["version_id"] == info["version_id"]
    by_service = spark.wasm.download(f"service/{info['service_id']}")
    assert manifest(by_service.buffer)["service_id"] == info["service_id"]


def test_wasm_to_a_path(spark: Any, tmp_path: Path) -> None:
    target = tmp_path / "module.zip"
    res = spark.wasm.download(SERVICE, to=target)
    assert res.buffer == b"" and res.status == 200
    assert manifest(target.read_bytes())["folder"] == "my-folder"
    assert [p.name for p in tmp_path.iterdir()] == ["module.zip"]


def test_wasm_of_an_unknown_service_creates_no_file(spark: Any, tmp_path: Path) -> None:
    target = tmp_path / "module.zip"
    with pytest.raises(NotFoundError):
        spark.wasm.download("my-folder/nope", to=target)
    assert list(tmp_path.iterdir()) == []


def file_url(spark: Any) -> str:
    call_id = spark.services.execute(SERVICE, inputs={"value": 2}).data["response_meta"]["call_id"]
    return str(spark.logs.rehydrate(SERVICE, call_id).data["response_data"]["download_url"])


def test_files_to_memory_and_to_a_path(spark: Any, tmp_path: Path) -> None:
    url = file_url(spark)
    in_memory = spark.files.download(url)
    assert zipfile.is_zipfile(io.BytesIO(in_memory.buffer))
    target = tmp_path / "book.xlsx"
    spark.files.download(url, to=target)
    assert target.read_bytes() == in_memory.buffer


def test_files_as_a_stream_of_chunks(spark: Any, emulator: Any) -> None:
    url = file_url(spark)
    whole = spark.files.download(url).buffer
    chunks = list(spark.files.stream(url, chunk_size=1024))
    assert len(chunks) > 1 and all(len(c) <= 1024 for c in chunks)
    assert b"".join(chunks) == whole
    add_fault(emulator, "500", 1)
    with pytest.raises(InternalServerError):
        list(spark.files.stream(url))


def add_fault(emulator: Any, kind: str, count: int) -> None:
    body = {"kind": kind, "count": count, "path": "/docstore/"}
    admin_call(emulator, "POST", "faults", body)


@pytest.mark.parametrize(("kind", "error"), [("500", InternalServerError), ("drop", UnknownApiError)])
def test_a_failed_download_leaves_the_target_as_it_was(
    spark: Any, emulator: Any, tmp_path: Path, kind: str, error: type[Exception]
) -> None:
    url = file_url(spark)
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"previous content")
    add_fault(emulator, kind, count=5)  # more than the transport's retries
    with pytest.raises(error):
        spark.files.download(url, to=target)
    assert target.read_bytes() == b"previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # no .part file left behind


def test_a_failed_log_download_leaves_no_file(spark: Any, emulator: Any, tmp_path: Path) -> None:
    call_id = spark.services.execute(SERVICE, inputs={"value": 2}).data["response_meta"]["call_id"]
    add_fault(emulator, "500", count=5)
    with pytest.raises(InternalServerError):
        spark.logs.download(SERVICE, call_ids=[call_id], poll_interval=0.05, to=tmp_path / "logs.zip")
    assert list(tmp_path.iterdir()) == []
