"""Services request builders and reply readers, without sockets."""

from __future__ import annotations

import inspect
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cspark_core import Client, JobFailedError, SparkResponse, SparkSdkError, UriParams
from cspark_core.resources import services as sv
from cspark_core.resources.services import AsyncServices, Services

NOW = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
DATES = ("2025-03-02T09:00:00.000Z", "2035-03-02T09:00:00.000Z")


def meta(req: Any) -> dict[str, Any]:
    return dict(req.json["request_meta"])


# --- execute: v3 / v4 choice, paths, option names -----------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("pricing/quote", "api/v3/folders/pricing/services/quote/execute"),
        ("pricing/quote[1.4.0]", "api/v3/folders/pricing/services/quote/execute"),
        ("my folder/café", "api/v3/folders/my%20folder/services/caf%C3%A9/execute"),
        ("service/5c0d", "api/v3/service/5c0d"),
        ("version/9f8e", "api/v3/version/9f8e"),
        ("proxy/custom/end", "api/v3/proxy/custom/end"),
        (
            UriParams(folder="pricing", service="quote", public=True),
            "api/v3/public/folders/pricing/services/quote/execute",
        ),
        (UriParams(folder="f", service="s", version_id="v1"), "api/v3/version/v1"),
    ],
)
def test_v3_paths(uri: Any, path: str) -> None:
    req = sv.execute_request(uri, {"age": 1}, {})
    assert (req.method, req.path, req.scope) == ("POST", path, "tenant")
    assert req.json["request_data"] == {"inputs": {"age": 1}}


def test_v3_defaults_and_locator_fields() -> None:
    req = sv.execute_request("pricing/quote[1.4.0]", None, {})
    assert req.json["request_data"] == {"inputs": {}}
    assert meta(req) == {
        "version": "1.4.0",
        "call_purpose": "Single Execution",
        "source_system": "cspark",
        "compiler_type": "Neuron",
        "excel_file": False,
        "response_data_inputs": False,
    }
    assert meta(sv.execute_request("service/abc", {}, {}))["service_id"] == "abc"
    assert meta(sv.execute_request("version/xyz", {}, {}))["version_id"] == "xyz"


def test_v3_every_option_has_its_wire_name() -> None:
    options: sv.ExecuteOptions = {
        "version": "2.0.0",
        "version_id": "vid",
        "active_since": datetime(2024, 1, 1, tzinfo=UTC),
        "call_purpose": "test",
        "source_system": "me",
        "correlation_id": "c-1",
        "selected_outputs": ["premium", "tax"],
        "outputs_filter": "^p",
        "tables_as_array": "schedule",
        "subservices": ["main", "extra"],
        "echo_inputs": True,
        "debug_solve": True,
        "downloadable": True,
        "compiler_type": "type3",
        "extras": {"xreport_options": {"a": 1}, "call_purpose": "overridden"},
    }
    req = sv.execute_request("pricing/quote[1.0.0]", {"age": 1}, options)
    assert req.path == "api/v3/version/vid"  # version_id wins the path
    assert meta(req) == {
        "version": "2.0.0",
        "version_id": "vid",
        "transaction_date": "2024-01-01T00:00:00.000Z",
        "call_purpose": "overridden",
        "source_system": "me",
        "correlation_id": "c-1",
        "requested_output": "premium,tax",
        "requested_output_regex": "^p",
        "array_outputs": "schedule",
        "service_category": "main,extra",
        "response_data_inputs": True,
        "debug_solve": True,
        "excel_file": True,
        "compiler_type": "Type3",
        "xreport_options": {"a": 1},
    }


def test_active_since_string_passes_through() -> None:
    assert (
        meta(sv.execute_request("f/s", {}, {"active_since": "2024-01-01"}))["transaction_date"]
        == "2024-01-01"
    )


@pytest.mark.parametrize(
    "inputs",
    [
        [{"age": 1}, {"age": 2}],
        ({"age": 1},),
        [["age"], [1], [2]],
        '[{"age": 1}, {"age": 2}]',
    ],
)
def test_lists_go_to_v4(inputs: Any) -> None:
    req = sv.execute_request("pricing/quote", inputs, {})
    assert req.path == "api/v4/execute"
    assert req.json["inputs"] in ([{"age": 1}, {"age": 2}], [{"age": 1}], [["age"], [1], [2]])
    assert req.json["service"] == "pricing/quote"
    assert req.json["call_purpose"] == "Sync Batch Execution"
    assert req.json["source_system"] == "cspark"


def test_v4_body_fields_and_v3_only_options_dropped() -> None:
    options: sv.ExecuteOptions = {
        "version": "1.4.0",
        "active_since": "2025-01-01",
        "subservices": ["main", "extra"],
        "selected_outputs": "premium",
        "correlation_id": "run-17",
        "tables_as_array": "x",
        "echo_inputs": True,
        "debug_solve": True,
        "downloadable": True,
        "compiler_type": "Type3",
        "outputs_filter": "p",
        "extras": {"custom": 1},
    }
    req = sv.execute_request(UriParams(folder="pricing", service="quote", public=True), [{"a": 1}], options)
    assert req.path == "api/v4/public/execute"
    assert req.json == {
        "inputs": [{"a": 1}],
        "service": "pricing/quote[1.4.0]",
        "version_by_timestamp": "2025-01-01",
        "subservice": "main,extra",
        "output": "premium",
        "call_purpose": "Sync Batch Execution",
        "source_system": "cspark",
        "correlation_id": "run-17",
        "custom": 1,
    }


def test_v4_locator_in_body() -> None:
    assert sv.execute_request("service/sid", [{}], {}).json["service"] == "sid"
    both = sv.execute_request("service/sid", [{}], {"version_id": "vid"}).json  # the service id if any
    assert (both["service"], both["version_id"]) == ("sid", "vid")
    by_version = sv.execute_request("version/vid", [{}], {}).json
    assert by_version["version_id"] == "vid" and "service" not in by_version
    with pytest.raises(SparkSdkError, match="folder/service"):
        sv.execute_request("proxy/x", [{}], {})


@pytest.mark.parametrize(("inputs", "expected"), [(None, {}), ([], {}), ("{}", {}), ('{"a": 1}', {"a": 1})])
def test_one_record_forms(inputs: Any, expected: dict[str, Any]) -> None:
    assert sv.execute_inputs(inputs) == expected


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ("{not json", "not valid JSON"),
        ([{"a": 1}, 2], r"inputs\[1\]"),
        ([["a", "b"], [1]], "row 1"),
        ([["a"]], "at least one row"),
        (42, "int"),
    ],
)
def test_bad_inputs_fail_before_sending(inputs: Any, message: str) -> None:
    with pytest.raises(SparkSdkError, match=message):
        sv.execute_request("f/s", inputs, {})


def test_unknown_option_is_named() -> None:
    with pytest.raises(SparkSdkError, match="corelation_id"):
        sv.execute_request("f/s", {}, {"corelation_id": "x"})  # type: ignore[typeddict-unknown-key]


@pytest.mark.parametrize(
    ("given", "sent"), [(None, "Neuron"), ("TYPE1", "Type1"), ("xconnector", "Xconnector")]
)
def test_compiler_type(given: str | None, sent: str) -> None:
    assert sv.compiler_type(given) == sent


# --- alike, chunks and merge -------------------------------------------------------------------------------


def test_alike_reshapes_v3_like_v4() -> None:
    v3 = {
        "status": "Success",
        "response_data": {"outputs": {"y": 2}, "warnings": None, "errors": None, "service_chain": None},
        "response_meta": {"service_id": "s", "version_id": "v", "version": "1.0.0", "process_time": 3,
                          "call_id": "c", "compiler_version": "1", "correlation_id": None,
                          "request_timestamp": "t"},
    }  # fmt: skip
    shaped = sv.alike(v3)
    assert shaped["outputs"] == [{"y": 2}] and shaped["process_time"] == [3] and shaped["errors"] == [None]
    assert (shaped["call_id"], shaped["version"], shaped["request_timestamp"]) == ("c", "1.0.0", "t")
    v4 = {"outputs": [{"y": 2}]}
    assert sv.alike(v4) is v4


# --- transform, validate, metadata -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("using", "path"),
    [
        (None, "api/v4/transforms/pricing/quote/for/pricing/quote"),
        ("my-tf", "api/v4/transforms/my-tf/for/folders/pricing/services/quote"),
        ({"folder": "tfs", "name": "t 1"}, "api/v4/transforms/tfs/t%201/for/pricing/quote"),
        ("tfs/t1", "api/v4/transforms/tfs/t1/for/pricing/quote"),
    ],
)
def test_transform_paths(using: Any, path: str) -> None:
    assert sv.transform_request("pricing/quote", {"x": 1}, using, "v3", {}).path == path


def test_transform_meta_header() -> None:
    req = sv.transform_request("pricing/quote[1.0.0]", {"anything": [1]}, None, "v3", {"correlation_id": "c"})
    assert req.json == {"anything": [1]}
    value = dict(req.headers or {})["x-request-meta"]
    assert value.startswith("'{") and value.endswith("}'") and ", " not in value and '": ' not in value
    sent = json.loads(value[1:-1])
    assert (
        sent["version"] == "1.0.0"
        and sent["correlation_id"] == "c"
        and sent["call_purpose"] == "Single Execution"
    )
    v4 = sv.transform_request("pricing/quote", None, None, "v4", {})
    assert v4.json == {}
    assert json.loads(dict(v4.headers or {})["x-meta"][1:-1])["call_purpose"] == "Sync Batch Execution"
    with pytest.raises(SparkSdkError, match="api_version"):
        sv.transform_request("pricing/quote", {}, None, "v5", {})
    with pytest.raises(SparkSdkError, match="folder/service"):
        sv.transform_request("service/abc", {}, None, "v3", {})


@pytest.mark.parametrize(("given", "sent"), [("static", "default_values"), ("dynamic", "dynamic")])
def test_validation_type_mapping(given: str, sent: str) -> None:
    req = sv.validate_request("pricing/quote", {"age": 3}, given, {})
    assert req.path == "api/v3/folders/pricing/services/quote/validation"
    assert meta(req)["validation_type"] == sent
    assert req.json["request_data"] == {"inputs": {"age": 3}}


def test_validate_rejects_bad_type_and_lists() -> None:
    with pytest.raises(SparkSdkError, match="validation_type"):
        sv.validate_request("f/s", {}, "default_values", {})
    with pytest.raises(SparkSdkError, match="one record"):
        sv.validate_request("f/s", [{"a": 1}, {"a": 2}], "static", {})


def test_metadata_paths() -> None:
    assert sv.metadata_request("f/s").path == "api/v3/folders/f/services/s/metadata"
    public = sv.metadata_request(UriParams(service_id="id", public=True))
    assert (public.method, public.path) == ("GET", "api/v3/public/service/id/metadata")


# --- exists, versions, swagger, schema, search, download, delete -----------------------------------------


def test_v1_engine_paths() -> None:
    assert sv.exists_request("my f/s").path == "api/v3/folders/my%20f/services/s/exists"
    versions = sv.versions_request("pricing/quote")
    assert (versions.method, versions.path, versions.scope) == (
        "GET",
        "api/v1/product/pricing/engines/getversions/quote",
        "host",
    )
    delete = sv.delete_request("pricing/quote")
    assert (delete.method, delete.path, delete.scope) == (
        "DELETE",
        "api/v1/product/pricing/engines/delete/quote",
        "host",
    )
    with pytest.raises(SparkSdkError, match="folder/service"):
        sv.versions_request("service/abc")


def test_service_exists_reader() -> None:
    yes = SparkResponse(200, {"status": "Success", "response_data": {"is_exists": True}})
    no = SparkResponse(200, {"status": "Success", "response_data": {"is_exists": False, "id": None}})
    assert sv.service_exists(yes) and not sv.service_exists(no) and not sv.service_exists(SparkResponse(200))


def test_swagger_paths() -> None:
    assert (
        sv.swagger_request("f/s", "All", False, None).path
        == "api/v3/folders/f/services/s/downloadswagger/All/false/"
    )
    req = sv.swagger_request("f/s", "#Default#", True, "v1")
    assert req.path == "api/v3/folders/f/services/s/downloadswagger/%23Default%23/true/v1"


def test_schema_variants() -> None:
    by_name = sv.schema_request("pricing/quote", None)
    assert (by_name.method, by_name.path, by_name.scope) == (
        "GET",
        "api/v1/product/pricing/engines/get/quote",
        "host",
    )
    assert sv.schema_request("pricing/quote", "v9").path == "api/v1/product/pricing/engines/get/quote/v9"
    by_id = sv.schema_request("version/v9", None)
    assert (by_id.method, by_id.path, by_id.scope) == (
        "POST",
        "api/v3/GetEngineDetailByVersionId/versionid/v9",
        "tenant",
    )
    with pytest.raises(SparkSdkError):
        sv.schema_request("service/abc", None)


def test_search_body_and_paging() -> None:
    req = sv.search_request("quo", "pricing", 2, 10, "-name1_co", None)
    assert req.path == "api/v3/services/search"
    assert req.json == {
        "request_data": {
            "page": 2,
            "page_size": 10,
            "sort": "-name1_co",
            "search": [{"field": "foldername", "value": "pricing"}, {"field": "filename", "value": "quo"}],
            "fields": ["id", "foldername", "filename", "version", "modifiedDate"],
        }
    }
    assert sv.search_request(None, None, 1, -1, "name1_co", ["id"]).json["request_data"]["search"] == []
    with pytest.raises(SparkSdkError):
        sv.search_request(None, None, 0, 10, "name1_co", None)
    reply = SparkResponse(200, {"response_meta": {"page": 1, "page_total": 3}})
    assert sv.next_page(reply) == 2
    assert sv.next_page(SparkResponse(200, {"response_meta": {"page": 3, "page_total": 3}})) is None


def test_download_request() -> None:
    req = sv.download_request("pricing/quote", None, None, "original")
    assert (req.path, req.scope) == ("api/v1/product/pricing/engines/quote/download/", "host")
    assert req.params == {"filename": "", "type": ""}
    configured = sv.download_request("pricing/quote", "v1", "q.xlsx", "configured")
    assert configured.path.endswith("/download/v1") and configured.params == {
        "filename": "q.xlsx",
        "type": "withmetadata",
    }
    with pytest.raises(SparkSdkError, match="type"):
        sv.download_request("pricing/quote", None, None, "raw")


# --- upload, compilation, publish, recompile ---------------------------------------------------------------


def test_effective_dates() -> None:
    assert sv.effective_dates(None, None, NOW) == DATES
    assert sv.effective_dates("2024-02-29", None) == ("2024-02-29T00:00:00.000Z", "2034-02-28T00:00:00.000Z")
    with pytest.raises(SparkSdkError, match="start_date"):
        sv.effective_dates("yesterday", None)
    with pytest.raises(SparkSdkError, match="after"):
        sv.effective_dates("2025-01-02", "2025-01-01")


def test_upload_request(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"PK-fake")
    target = UriParams(folder="my f", service="svc")
    req = sv.upload_request(target, sv.workbook_part(book, None, target), "major", *DATES)
    assert req.path == "api/v3/folders/my%20f/services/svc/upload"
    entity = json.loads(dict(req.form or {})["engineUploadRequestEntity"])
    assert entity == {
        "request_data": {
            "effective_start_date": DATES[0],
            "effective_end_date": DATES[1],
            "version_difference": "major",
        }
    }
    name, content, ctype = dict(req.files or {})["serviceFile"]
    assert (name, content) == ("book.xlsx", b"PK-fake") and "spreadsheetml" in ctype
    with pytest.raises(SparkSdkError, match="versioning"):
        sv.upload_request(target, ("a.xlsx", b"", "x"), "huge", None, None)


def test_workbook_part_sources(tmp_path: Path) -> None:
    target = UriParams(folder="f", service="svc")
    assert sv.workbook_part(b"abc", None, target)[:2] == ("svc.xlsx", b"abc")
    assert sv.workbook_part(io.BytesIO(b"abc"), "x.xlsx", target)[:2] == ("x.xlsx", b"abc")
    with pytest.raises(SparkSdkError, match="cannot read"):
        sv.workbook_part(tmp_path / "missing.xlsx", None, target)
    with pytest.raises(SparkSdkError, match="binary"):
        sv.workbook_part(io.StringIO("text"), None, target)  # type: ignore[arg-type]


def test_upload_ids() -> None:
    body = {"response_data": {"nodegen_compilation_jobid": "j", "original_file_documentid": "o",
                              "engine_file_documentid": "e"}}  # fmt: skip
    assert sv.upload_ids(SparkResponse(200, body)) == ("j", "o", "e")
    with pytest.raises(SparkSdkError):
        sv.upload_ids({"response_data": {}})


def test_compilation_job_reading() -> None:
    job = sv.compilation_job("j1")

    def status(text: str, progress: int, message: str = "null") -> SparkResponse:
        return SparkResponse(
            200, {"response_data": {"status": text, "progress": progress, "last_error_message": message}}
        )

    assert (
        sv.compilation_status_request("f/s", "j 1").path
        == "api/v3/folders/f/services/s/getcompilationprogess/j%201"
    )
    assert job.is_done(status("Success", 100)) and job.failure(status("Success", 100)) is None
    assert not job.is_done(status("In Progress", 40)) and job.failure(status("In Progress", 40)) is None
    assert job.failure(status("Fail", 100, "bad formula")) == "bad formula"
    assert job.failure(status("Fail", 30)) == "Fail"
    assert job.describe(status("In Progress", 40)) == "In Progress (40%)"


def test_publish_request() -> None:
    target = UriParams(folder="f", service="s")
    req = sv.publish_request(target, "o", "e", None, "patch", DATES, True, "v-label", "notes", ["a", "b"])
    assert req.path == "api/v3/folders/f/services/s/publish"
    assert req.json == {
        "request_data": {
            "original_file_documentid": "o",
            "engine_file_documentid": "e",
            "draft_service_name": "s",
            "effective_start_date": DATES[0],
            "effective_end_date": DATES[1],
            "version_difference": "patch",
            "should_trck_user_action": "true",
            "version_label": "v-label",
            "releasenote": "notes",
            "tags": "a,b",
        }
    }
    minimal = sv.publish_request(target, "o", "e", "renamed", "minor", DATES, False).json["request_data"]
    assert minimal["draft_service_name"] == "renamed" and minimal["should_trck_user_action"] == "false"
    assert "releasenote" not in minimal


def test_recompile_request() -> None:
    req = sv.recompile_request("f/s", None, "patch", None, None, "lbl", DATES, None)
    assert req.path == "api/v3/folders/f/services/s/recompileNodgen"
    assert req.json == {
        "request_data": {
            "versionId": None,
            "upgradeType": "patch",
            "neuronCompilerVersion": "StableLatest",
            "releaseNotes": "Recompiled via cspark",
            "label": "lbl",
            "versionLabel": "lbl",
            "effectiveStartDate": DATES[0],
            "effectiveEndDate": DATES[1],
        }
    }
    assert sv.recompile_job_id(SparkResponse(200, {"response_data": {"jobId": "j"}})) == "j"


@pytest.mark.parametrize(
    ("name", "folder", "expected"),
    [
        ("svc", "fold", ("fold", "svc")),
        ("fold/svc", None, ("fold", "svc")),
        (UriParams(folder="fold", service="svc"), None, ("fold", "svc")),
    ],
)
def test_create_target_forms(name: Any, folder: str | None, expected: tuple[str, str]) -> None:
    target = sv._service_target(name, folder)
    assert (target.folder, target.service) == expected


# --- through a mock transport: the twins wire the builders together ---------------------------------------


def _fake_spark(progress: list[dict[str, Any]], seen: list[httpx.Request]) -> httpx.MockTransport:
    upload = {"status": "Success", "response_data": {"nodegen_compilation_jobid": "job",
              "original_file_documentid": "orig", "engine_file_documentid": "eng"}}  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith("/upload"):
            return httpx.Response(200, json=upload)
        if "/getcompilationprogess/" in path:
            return httpx.Response(200, json={"status": "Success", "response_data": progress.pop(0)})
        return httpx.Response(200, json={"status": "Success", "response_data": {"version_id": "v2"}})

    return httpx.MockTransport(handler)


def _client(transport: httpx.MockTransport) -> Client:
    http = httpx.Client(transport=transport)
    return Client("http://127.0.0.1:1/acme", api_key="k", environ={}, logger=False, http_client=http)


def test_create_uploads_polls_then_publishes() -> None:
    seen: list[httpx.Request] = []
    steps = [{"status": "In Progress", "progress": 40}, {"status": "Success", "progress": 100}]
    with _client(_fake_spark(steps, seen)) as spark:
        res = spark.services.create("svc", "fold", file=b"PK", poll_interval=0, draft_name="renamed")
    assert [r.url.path.rsplit("/", 1)[-1] for r in seen] == ["upload", "job", "job", "publish"]
    assert set(res.data) == {"upload", "compilation", "publication"}
    assert res.data["publication"]["response_data"] == {"version_id": "v2"}
    published = json.loads(seen[-1].content)["request_data"]
    assert (published["original_file_documentid"], published["engine_file_documentid"]) == ("orig", "eng")
    assert published["draft_service_name"] == "renamed"


def test_failed_compilation_raises_and_does_not_publish() -> None:
    seen: list[httpx.Request] = []
    steps = [{"status": "Fail", "progress": 100, "last_error_message": "unsupported function"}]
    with (
        _client(_fake_spark(steps, seen)) as spark,
        pytest.raises(JobFailedError, match="unsupported function"),
    ):
        spark.services.create("fold/svc", file=b"PK", poll_interval=0)
    assert not any(r.url.path.endswith("/publish") for r in seen)


def test_twins_have_identical_signatures() -> None:
    own = {name: member for name, member in vars(Services).items() if inspect.isfunction(member)}
    assert set(own) == {name for name, m in vars(AsyncServices).items() if inspect.isfunction(m)}
    for name, method in own.items():
        twin = getattr(AsyncServices, name)
        if name == "execute_many":  # returns an iterator (async: an async iterator), not a reply
            mine, theirs = inspect.signature(method), inspect.signature(twin)
            assert mine.replace(return_annotation=None) == theirs.replace(return_annotation=None)
            assert not inspect.iscoroutinefunction(twin)
            continue
        assert inspect.signature(method) == inspect.signature(twin), name
        assert inspect.iscoroutinefunction(twin), name


def test_transform_body_is_any_json() -> None:
    assert sv.transform_request("f/s", "[1, 2]", None, "v3", {}).json == [1, 2]
    assert sv.transform_request("f/s", ["x"], None, "v3", {}).json == ["x"]
    with pytest.raises(SparkSdkError, match="not valid JSON"):
        sv.transform_request("f/s", "{oops", None, "v3", {})


def test_service_paths_and_schema_fields_read_their_replies() -> None:
    from cspark_core import SparkResponse
    from cspark_core.resources.services import schema_fields, service_paths

    found = {
        "response_data": [{"folderName": "f", "serviceName": "b"}, {"folderName": "f", "fileName": "a"}, {}]
    }
    assert service_paths(SparkResponse(200, found)) == ["f/a", "f/b"]
    book = {"status": "Success", "data": {"xlInputs": [{"name": "x"}], "xOutput": None}}
    assert schema_fields(SparkResponse(200, book)) == ([{"name": "x"}], [])
