"""Services: upload -> compile -> publish, versioning rules, schema, swagger, metadata, search, download,
recompile, validation, delete, WASM stand-in."""

from __future__ import annotations

import io
import zipfile

import httpx

from tests.emulator.emuhelp import publish, sample, upload

SVC = "api/v3/folders/my-folder/services/my-service"


def test_exists(api: httpx.Client) -> None:
    found = api.get(f"{SVC}/exists").json()["response_data"]
    assert found["is_exists"] is True and found["version"] == "0.1.0" and found["name"] == "my-service"
    missing = api.get("api/v3/folders/my-folder/services/nope/exists").json()["response_data"]
    assert missing["is_exists"] is False and missing["id"] is None


def test_upload_reports_stats_and_publish_bumps_semver(api: httpx.Client, v1: httpx.Client) -> None:
    content = sample("my-folder", "my-service")
    data = upload(api, "my-folder", "my-service", content)["response_data"]
    assert data["no_of_inputs"] >= 1 and data["no_of_outputs"] == 3
    assert publish(api, "my-folder", "my-service", content, version_difference="patch")
    publish(api, "my-folder", "my-service", content, version_difference="major", release_note="big")
    publish(api, "my-folder", "my-service", content)  # default minor
    versions = v1.get("/api/v1/product/my-folder/engines/getversions/my-service").json()["data"]
    assert [v["revision"] for v in versions] == ["1.1.0", "1.0.0", "0.1.1", "0.1.0"]
    assert versions[0]["isActive"] is True and versions[1]["releaseNote"] == "big"
    assert len({v["id"] for v in versions}) == 4


def test_new_service_starts_at_per_bump_rules(api: httpx.Client) -> None:
    content = sample("my-folder", "my-service")
    publish(api, "my-folder", "m", content, version_difference="major")
    publish(api, "my-folder", "p", content, version_difference="patch")
    assert api.get("api/v3/folders/my-folder/services/m/exists").json()["response_data"]["version"] == "1.0.0"
    assert api.get("api/v3/folders/my-folder/services/p/exists").json()["response_data"]["version"] == "0.0.1"


def test_broken_workbook_fails_compilation_and_publish(api: httpx.Client) -> None:
    data = upload(api, "my-folder", "broken", b"not a workbook")["response_data"]
    status = api.get(
        f"api/v3/folders/my-folder/services/broken/getcompilationprogess/{data['nodegen_compilation_jobid']}"
    )
    result = status.json()["response_data"]
    assert result["progress"] == 100 and result["status"] == "Fail" and result["last_error_message"] != "null"
    body = {"request_data": {k: data[k] for k in ("original_file_documentid", "engine_file_documentid")}}
    assert api.post("api/v3/folders/my-folder/services/broken/publish", json=body).status_code == 400


def test_upload_to_missing_folder_is_404(api: httpx.Client) -> None:
    reply = api.post("api/v3/folders/none/services/x/upload", files={"serviceFile": ("x.xlsx", b"x")})
    assert reply.status_code == 404


def test_schema_v1_and_by_version_id(api: httpx.Client, v1: httpx.Client) -> None:
    data = v1.get("/api/v1/product/my-folder/engines/get/my-service").json()["data"]
    assert {c["name"] for c in data["xOutput"]} == {"doubled", "squared", "label"}
    assert data["metadata"]["engineInformation"]["serviceName"] == "my-service"
    version_id = data["bookSummary"]["versionId"]
    by_id = api.post(f"api/v3/GetEngineDetailByVersionId/versionid/{version_id}").json()["data"]
    assert by_id["bookSummary"]["versionId"] == version_id
    pinned = v1.get(f"/api/v1/product/my-folder/engines/get/my-service/{version_id}").json()["data"]
    assert pinned["bookSummary"]["bookRevision"] == "0.1.0"


def test_swagger_json_and_downloadable(api: httpx.Client) -> None:
    doc = api.get(f"{SVC}/downloadswagger/All/False/").json()
    assert doc["swagger"] == "2.0"
    path = "/acme/api/v3/folders/my-folder/services/my-service/execute"
    example = doc["paths"][path]["post"]["parameters"][-1]["schema"]["example"]
    assert "value" in example["request_data"]["inputs"]
    download = api.get(f"{SVC}/downloadswagger/All/true/")
    assert "attachment" in download.headers["content-disposition"]


def test_metadata_and_validation(api: httpx.Client) -> None:
    meta = api.get(f"{SVC}/metadata").json()
    assert meta["status"] == "Success" and all(
        k.startswith("Metadata.") for k in meta["response_data"]["outputs"]
    )
    for kind in ("static", "default_values", "dynamic"):
        reply = api.post(
            "api/v3/folders/pricing/services/quote/validation",
            json={"request_data": {"inputs": {}}, "request_meta": {"validation_type": kind}},
        )
        assert reply.status_code == 200, kind
        entries = reply.json()["response_data"]["outputs"]
        assert entries and all("validation_type" in e for e in entries.values())
    bad = api.post(f"{SVC}/validation", json={"request_meta": {"validation_type": "odd"}})
    assert bad.status_code == 400


def test_search_paginates(api: httpx.Client) -> None:
    first = api.post(
        "api/v3/services/search", json={"request_data": {"page": 1, "page_size": 2, "sort": "name"}}
    )
    body = first.json()
    assert body["response_meta"]["count"] == 3 and body["response_meta"]["page_total"] == 2
    assert [r["fileName"] for r in body["response_data"]] == ["my-service", "portfolio"]
    everything = api.post(
        "api/v3/services/search",
        json={"request_data": {"page_size": -1, "search": [{"field": "foldername", "value": "pricing"}]}},
    ).json()
    assert {r["fileName"] for r in everything["response_data"]} == {"quote", "portfolio"}


def test_download_returns_the_stored_bytes(v1: httpx.Client) -> None:
    reply = v1.get(
        "/api/v1/product/my-folder/engines/my-service/download/", params={"filename": "", "type": ""}
    )
    assert reply.status_code == 200 and reply.content == sample("my-folder", "my-service")
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_recompile_creates_a_patch_version_with_a_pollable_job(api: httpx.Client) -> None:
    reply = api.post(
        f"{SVC}/recompileNodgen", json={"request_data": {"versionId": None, "versionLabel": "rc"}}
    )
    data = reply.json()["response_data"]
    assert data["revision"] == "0.1.1"
    poll = api.get(f"{SVC}/getcompilationprogess/{data['jobId']}").json()["response_data"]
    assert poll["progress"] == 100 and poll["status"] == "Success"


def test_list_in_folder_and_delete(v1: httpx.Client, api: httpx.Client) -> None:
    listed = v1.post("/api/v1/product/pricing/engines", json={"page": 1, "pageSize": 100}).json()
    assert {s["serviceName"] for s in listed["data"]} == {"quote", "portfolio"}
    assert v1.delete("/api/v1/product/pricing/engines/delete/quote").status_code == 200
    assert (
        api.get("api/v3/folders/pricing/services/quote/exists").json()["response_data"]["is_exists"] is False
    )


def test_wasm_stand_in_zip(api: httpx.Client) -> None:
    reply = api.get("api/v3/nodegen/getnodegenzipbyId/folders/my-folder/services/my-service")
    archive = zipfile.ZipFile(io.BytesIO(reply.content))
    assert (
        "manifest.json" in archive.namelist()
        and "NOT a compiled WASM" in archive.read("manifest.json").decode()
    )


def test_content_disposition_never_carries_a_path(v1: httpx.Client) -> None:
    for asked in ("../../../evil.xlsx", "..\\evil.xlsx", ".bashrc", 'q"uote\x7f.xlsx'):
        reply = v1.get("api/v1/product/my-folder/engines/my-service/download/", params={"filename": asked})
        assert reply.status_code == 200, reply.text
        disposition = reply.headers["content-disposition"]
        name = disposition.split("filename=", 1)[1].strip('"')
        assert "/" not in name and "\\" not in name and not name.startswith(".") and '"' not in name, name
