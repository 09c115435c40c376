"""ImpEx builders and readers: export bodies, import multipart, destination mappings, job
rules and package paths. No sockets."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from cspark_core import JobFailedError, SparkSdkError, UriParams
from cspark_core.polling import wait_for
from cspark_core.resources.impex import (
    cancel_request,
    export_files,
    export_request,
    impex_job,
    import_request,
    package_path,
    services_modify,
    status_request,
)
from cspark_core.response import SparkResponse


def test_export_body() -> None:
    req = export_request(
        folders="pricing", services=["pricing/quote[1.4]", "service/5c0d", "version/9f8e", "5c0e"],
        version_ids=["9f8f"], version_filter="all", correlation_id="c-1",
    )  # fmt: skip
    assert (req.method, req.path) == ("POST", "api/v4/export")
    assert req.json == {
        "inputs": {
            "folders": ["pricing"],
            "services": ["pricing/quote[1.4]", "5c0d", "5c0e"],
            "version_ids": ["9f8e", "9f8f"],
        },
        "file_filter": "migrate",
        "version_filter": "all",
        "source_system": "cspark",
        "correlation_id": "c-1",
    }
    assert export_request(services=UriParams(folder="f", service="s")).json["inputs"] == {"services": ["f/s"]}


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({}, "at least one"),
        ({"folders": []}, "at least one"),
        ({"folders": [" "]}, "blank"),
        ({"services": "proxy/x"}, "proxy"),
        ({"services": "f/s", "file_filter": "all"}, "file_filter"),
        ({"services": "f/s", "version_filter": "newest"}, "version_filter"),
    ],
)
def test_bad_export_arguments(options: dict[str, Any], word: str) -> None:
    with pytest.raises(SparkSdkError, match=word):
        export_request(**options)


def test_job_paths() -> None:
    assert status_request("export", "e 1").path == "api/v4/export/e%201/status"
    assert status_request("import", "i-1").path == "api/v4/import/i-1/status"
    cancel = cancel_request("e-1")
    assert (cancel.method, cancel.path, cancel.json) == (
        "PATCH",
        "api/v4/export/e-1",
        {"export_status": "cancelled"},
    )
    with pytest.raises(SparkSdkError, match="job id"):
        status_request("export", "")


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        ("f/s", [("f/s", "f/s", "minor")]),
        ({"f/s": "g/t", "f/u": "g/u"}, [("f/s", "g/t", "minor"), ("f/u", "g/u", "minor")]),
        ({"source": "f/s", "target": "g/t", "upgrade": "major"}, [("f/s", "g/t", "major")]),
        (["f/s", {"service_uri_source": "f/u", "update_version_type": "patch"}],
         [("f/s", "f/s", "minor"), ("f/u", "f/u", "patch")]),
    ],
)  # fmt: skip
def test_destination_mappings(destination: Any, expected: list[tuple[str, str, str]]) -> None:
    items = services_modify(destination)
    got = [(i["service_uri_source"], i["service_uri_destination"], i["update_version_type"]) for i in items]
    assert got == expected


@pytest.mark.parametrize(
    "destination", [[], {}, [{"target": "g/t"}], {"source": "f/s", "upgrade": "huge"}, [" "]]
)
def test_bad_destinations(destination: Any) -> None:
    with pytest.raises(SparkSdkError):
        services_modify(destination)


def test_import_is_multipart_with_a_json_entity(tmp_path: Path) -> None:
    package = tmp_path / "p.zip"
    package.write_bytes(b"PK zip")
    req = import_request(package, destination={"f/s": "g/s"}, services_existing="replace", correlation_id="c")
    assert (req.method, req.path) == ("POST", "api/v4/import")
    assert req.files == {"file": ("package.zip", b"PK zip", "application/zip")}
    assert req.form is not None
    assert json.loads(req.form["importRequestEntity"]) == {
        "inputs": {"services_modify": [
            {"service_uri_source": "f/s", "service_uri_destination": "g/s", "update_version_type": "minor"}
        ]},
        "services_existing": "replace",
        "source_system": "cspark",
        "correlation_id": "c",
    }  # fmt: skip
    from_file = import_request(io.BytesIO(b"PK"), destination="f/s")
    assert from_file.files is not None and from_file.files["file"][1] == b"PK"
    with pytest.raises(SparkSdkError, match="binary"):
        import_request(io.StringIO("text"), destination="f/s")  # type: ignore[arg-type]
    with pytest.raises(SparkSdkError, match="services_existing"):
        import_request(b"PK", destination="f/s", services_existing="merge")


def status(state: str, **extra: Any) -> SparkResponse:
    return SparkResponse(200, {"object": "export", "id": "e-1", "status": state, **extra})


FILES = {
    "outputs": {"files": [{"file": "https://x/1.zip"}, {"file": "https://x/2.zip"}, {"hash": "no file"}]}
}


def test_export_job_rules() -> None:
    job = impex_job("export", "e-1")
    replies = iter([status("created"), status("in_progress"), status("completed", **FILES)])
    done = wait_for(lambda: next(replies), job, interval=0, sleep=lambda s: None)
    assert export_files(done) == ["https://x/1.zip", "https://x/2.zip"]
    assert job.is_done(status("closed", **FILES)) and job.describe(status("in_progress")) == "in_progress"
    assert job.failure(status("completed")) == "it finished without a package file"
    assert job.failure(status("cancelled")) == "status cancelled"
    errors = status("in_progress", errors=[{"message": "folder has no services"}, "other"])
    with pytest.raises(JobFailedError, match="export e-1 failed: folder has no services; other"):
        wait_for(lambda: errors, job, job_id="e-1", interval=0)


def test_import_done_without_files() -> None:
    assert impex_job("import", "i-1").failure(status("closed")) is None


def test_package_paths() -> None:
    assert package_path("out/pkg.zip", 0) == Path("out/pkg.zip")
    assert package_path("out/pkg.zip", 1) == Path("out/pkg-2.zip")
