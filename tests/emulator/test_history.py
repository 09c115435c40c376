"""Call history (get, rehydrate, log download jobs), batches, ImpEx, transforms and persistence."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import httpx
import openpyxl

from cspark_emulator import Emulator
from tests.emulator.emuhelp import execute, sample

SVC = "api/v3/folders/my-folder/services/my-service"


def test_get_log_has_a_json_encoded_response_data(api: httpx.Client) -> None:
    call_id = execute(api, f"{SVC}/execute", {"value": 3}, source_system="tests").json()["response_meta"][
        "call_id"
    ]
    reply = api.get(f"api/v3/log/getexecutionhistorybycallid/{call_id}").json()
    assert isinstance(reply["response_data"], str)
    log = json.loads(reply["response_data"])
    assert log["EngineCallId"] == call_id and log["APIVersion"] == "V3" and log["SourceSystem"] == "tests"
    assert log["EngineDetails"]["request_data"]["inputs"]["value"] == 3
    assert log["EngineDetails"]["response_data"]["outputs"]["doubled"] == 6
    assert (
        api.get("api/v3/log/getexecutionhistorybycallid/00000000-0000-4000-8000-000000000000").status_code
        == 404
    )


def _cell_values(content: bytes) -> set[object]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row}


def test_rehydrate_writes_the_call_inputs_into_the_workbook(api: httpx.Client) -> None:
    call_id = execute(api, f"{SVC}/execute", {"value": 41}).json()["response_meta"]["call_id"]
    reply = api.post(f"{SVC}/download/xml/{call_id}", json={})
    body = reply.json()
    assert body["status"] is None and body["response_meta"]["call_id"] == call_id
    workbook = httpx.get(body["response_data"]["download_url"])
    assert workbook.status_code == 200 and 41 in _cell_values(workbook.content)


def test_rehydrate_picks_a_v4_record_by_index(api: httpx.Client) -> None:
    body = {"inputs": [{"value": 101}, {"value": 202}], "service": "my-folder/my-service"}
    call_id = api.post("api/v4/execute", json=body).json()["call_id"]
    first = api.post(f"{SVC}/download/{call_id}", params={"index": 0}, content=b"null").json()
    assert 101 in _cell_values(httpx.get(first["response_data"]["download_url"]).content)
    last = api.post(f"{SVC}/download/xml/{call_id}").json()
    assert 202 in _cell_values(httpx.get(last["response_data"]["download_url"]).content)
    assert api.post(f"{SVC}/download/xml/{call_id}", params={"index": 5}, json={}).status_code == 400


def test_log_download_jobs_produce_zips(api: httpx.Client) -> None:
    ids = [execute(api, f"{SVC}/execute", {"value": v}).json()["response_meta"]["call_id"] for v in (1, 2)]
    for kind in ("csv", "json"):
        job = api.post(f"{SVC}/log/download{kind}", json={"request_data": {"call_ids": ids[:1]}}).json()
        status = api.get(f"{SVC}/log/download{kind}/status/{job['response_data']['job_id']}").json()
        assert status["response_data"]["progress"] == 100
        archive = zipfile.ZipFile(io.BytesIO(httpx.get(status["response_data"]["download_url"]).content))
        text = archive.read(archive.namelist()[0]).decode()
        assert ids[0] in text and ids[1] not in text
        if kind == "csv":
            assert text.startswith("Description,Log Time,Transaction date")


def test_temporary_file_links_expire(emu: Emulator, api: httpx.Client) -> None:
    assert emu.rt is not None
    emu.rt.files.ttl = 0.2
    try:
        call_id = execute(api, f"{SVC}/execute").json()["response_meta"]["call_id"]
        url = api.post(f"{SVC}/download/xml/{call_id}", json={}).json()["response_data"]["download_url"]
        time.sleep(0.3)
        assert httpx.get(url).status_code == 404
    finally:
        emu.rt.files.ttl = 900.0


def test_batch_life_cycle(api: httpx.Client) -> None:
    created = api.post("api/v4/batch", json={"service": "my-folder/my-service", "source_system": "t"}).json()
    batch = created["id"]
    assert created["object"] == "batch" and created["data"]["batch_status"] == "created"
    chunk = {"id": "c1", "size": 3, "data": {"inputs": [["value"], [1], [2], [3]], "parameters": {}}}
    pushed = api.post(f"api/v4/batch/{batch}/chunks", json={"chunks": [chunk]}).json()
    assert pushed["record_submitted"] == 3 and pushed["batch_status"] == "in_progress"
    status = api.get(f"api/v4/batch/{batch}/status").json()
    assert status["records_completed"] == 3 and status["records_available"] == 3
    pulled = api.get(f"api/v4/batch/{batch}/chunkresults", params={"max": 10}).json()
    assert [o["doubled"] for o in pulled["data"][0]["outputs"]] == [2, 4, 6]
    assert pulled["data"][0]["id"] == "c1" and pulled["status"]["records_available"] == 0
    assert api.get(f"api/v4/batch/{batch}/status").json()["record_submitted"] == 3  # monotonic
    closed = api.patch(f"api/v4/batch/{batch}", json={"batch_status": "closed"}).json()
    assert closed["data"]["batch_status"] == "completed" and closed["meta"] == closed["data"]
    refused = api.post(f"api/v4/batch/{batch}/chunks", json={"chunks": [chunk]})
    assert refused.status_code == 409
    info = api.get(f"api/v4/batch/{batch}").json()["data"]
    assert info["summary"]["records_completed"] == 3 and info["configuration"]["initial_workers"] == 10
    described = api.get("api/v4/batch/status").json()
    assert any(b["id"] == batch for b in described["recent_batches"])


def test_batch_aggregation_and_cancel(api: httpx.Client) -> None:
    batch = api.post("api/v4/batch", json={"service": "my-folder/my-service"}).json()["id"]
    summary = {"ignore_error": False, "aggregation": [{"output_name": "doubled", "operator": "SUM"}]}
    chunk = {"id": "a", "size": 2, "data": {"inputs": [{"value": 1}, {"value": 2}], "summary": summary}}
    api.post(f"api/v4/batch/{batch}/chunks", json={"chunks": [chunk]})
    pulled = api.get(f"api/v4/batch/{batch}/chunkresults", params={"max_chunks": 1}).json()
    assert pulled["data"][0]["summary_output"] == [[{"doubled": 6}]]
    cancelled = api.patch(f"api/v4/batch/{batch}", json={"batch_status": "cancelled"}).json()
    assert cancelled["data"]["batch_status"] == "cancelled"
    assert api.post(f"api/v4/batch/{batch}/chunks", json={"chunks": [chunk]}).status_code == 409
    assert api.get("api/v4/batch/00000000-0000-4000-8000-000000000000").status_code == 404


def test_export_then_import_with_each_existing_rule(api: httpx.Client, v1: httpx.Client) -> None:
    job = api.post("api/v4/export", json={"inputs": {"services": ["my-folder/my-service"]}}).json()
    status = api.get(f"api/v4/export/{job['id']}/status").json()
    assert (
        status["status"] == "completed"
        and status["outputs"]["service_versions"][0]["version_source"] == "0.1.0"
    )
    package = httpx.get(status["outputs"]["files"][0]["file"]).content
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(package)).namelist()

    def run_import(rule: str, destination: str) -> dict:
        entity = {
            "inputs": {
                "services_modify": [
                    {"service_uri_source": "my-folder/my-service", "service_uri_destination": destination}
                ]
            },
            "services_existing": rule,
        }
        started = api.post(
            "api/v4/import",
            data={"importRequestEntity": json.dumps(entity)},
            files={"file": ("package.zip", package, "application/zip")},
        ).json()
        return api.get(f"api/v4/import/{started['id']}/status").json()

    v1.post("/api/v1/product/create", data={"Name": "prod"})
    added = run_import("abort", "prod/copy")
    assert added["status"] == "completed" and added["outputs"]["services"][0]["status"] == "added"
    assert (
        execute(api, "api/v3/folders/prod/services/copy/execute", {"value": 2}).json()["response_data"][
            "outputs"
        ]["doubled"]
        == 4
    )
    aborted = run_import("abort", "prod/copy")
    assert aborted["status"] == "failed" and aborted["errors"]
    bumped = run_import("add_version", "prod/copy")
    assert bumped["outputs"]["service_versions"][0]["version_destination"] == "0.2.0"
    replaced = run_import("replace", "prod/copy")
    assert replaced["outputs"]["service_versions"][0]["version_destination"] == "0.1.0"
    described = api.get("api/v4/import/status").json()
    assert len(described["recent_imports"]) == 4
    listed = {item["id"]: item["data"]["import_status"] for item in described["recent_imports"]}
    assert sorted(listed.values()) == ["closed", "closed", "closed", "failed"]  # the aborted one failed


def test_transform_documents_and_execution(api: httpx.Client) -> None:
    document = {
        "transform_type": "JSONtransforms_v1.0.1",
        "target_api_version": "v3",
        "input_body_transform": {"value": "payload.amount"},
        "output_body_transform": {"result": "response_data.outputs.doubled"},
    }
    saved = api.post("api/v4/transforms/my-folder/double", json={"transform_content": json.dumps(document)})
    assert saved.status_code == 200 and saved.json()["outputs"]["transform_uri"] == "my-folder/double"
    reply = api.post(
        "api/v4/transforms/my-folder/double/for/my-folder/my-service", json={"payload": {"amount": 8}}
    )
    assert reply.json() == {"result": 16}
    listed = api.post("api/v4/transforms/list/my-folder", json={"page": 1, "pageSize": 10}).json()
    assert listed["count"] == 1 and listed["result"][0]["name"] == "double"
    invalid = api.post("api/v4/transforms/validation", json={"transform_content": "{}"}).json()
    assert invalid["outputs"]["isValid"] is False
    assert api.delete("api/v4/transform/my-folder/double").status_code == 200
    assert api.get("api/v4/transforms/my-folder/double").status_code == 404


def test_state_survives_a_restart_with_data(tmp_path: Path) -> None:
    seed = tmp_path / "seed" / "kept"
    seed.mkdir(parents=True)
    (seed / "svc.xlsx").write_bytes(sample("my-folder", "my-service"))
    data = tmp_path / "data"
    with Emulator(tenant="keep", seed=tmp_path / "seed", data=data, api_key="k") as emu:
        headers = {"x-synthetic-key": "k", "x-tenant-name": "keep"}
        httpx.post(f"{emu.origin}/api/v1/product/create", data={"Name": "mine"}, headers=headers)
        body = {"request_data": {"inputs": {"value": 5}}}
        call_id = httpx.post(
            f"{emu.url}/api/v3/folders/kept/services/svc/execute", json=body, headers=headers
        ).json()["response_meta"]["call_id"]
    with Emulator(tenant="keep", seed=tmp_path / "seed", data=data, api_key="k") as emu:
        assert httpx.post(f"{emu.origin}/api/v1/product/isproductexists/mine", headers=headers).json()["data"]
        versions = httpx.get(
            f"{emu.origin}/api/v1/product/kept/engines/getversions/svc", headers=headers
        ).json()
        assert [v["revision"] for v in versions["data"]] == ["0.1.0"]  # the seed is not published twice
        log = httpx.get(f"{emu.url}/api/v3/log/getexecutionhistorybycallid/{call_id}", headers=headers)
        assert (
            json.loads(log.json()["response_data"])["EngineDetails"]["request_data"]["inputs"]["value"] == 5
        )


def test_an_unpolled_export_finishes_on_its_own_and_frees_the_tenant_limit(api: httpx.Client) -> None:
    body = {"inputs": {"services": ["my-folder/my-service"]}}
    first = api.post("api/v4/export", json=body)
    second = api.post("api/v4/export", json=body)  # nobody polled the first: it still ran to its end
    assert first.status_code == 200 and second.status_code == 200
    assert api.get(f"api/v4/export/{first.json()['id']}/status").json()["status"] == "completed"


def test_the_call_log_is_a_ring_of_the_newest_calls(tmp_path: Path) -> None:
    """Memory stays flat: the oldest calls fall off (by calls and by records) and then answer 404."""
    (tmp_path / "seed" / "f").mkdir(parents=True)
    (tmp_path / "seed" / "f" / "svc.xlsx").write_bytes(sample("my-folder", "my-service"))
    data = tmp_path / "data"
    headers = {"x-synthetic-key": "k", "x-tenant-name": "ring"}
    options = {"seed": tmp_path / "seed", "data": data, "api_key": "k", "max_call_log_records": 5}

    def v4(client: httpx.Client, n: int) -> str:
        body = {"inputs": [{"value": v} for v in range(n)], "service": "f/svc"}
        return str(client.post("api/v4/execute", json=body).json()["call_id"])

    with (
        Emulator(tenant="ring", max_call_logs=3, **options) as emu,
        httpx.Client(base_url=emu.url, headers=headers) as client,
    ):
        calls = [v4(client, 1) for _ in range(5)]
        found = [client.get(f"api/v3/log/getexecutionhistorybycallid/{c}").status_code for c in calls]
        assert found == [404, 404, 200, 200, 200] and emu.stats()["call_logs"] == 3
        gone = client.post(f"api/v3/folders/f/services/svc/download/xml/{calls[0]}", json={})
        assert gone.status_code == 404
        big = v4(client, 4)  # 4 records: with the 5-record cap only it and the newest 1-record call stay
        found = [client.get(f"api/v3/log/getexecutionhistorybycallid/{c}").status_code for c in calls]
        assert found == [404, 404, 404, 404, 200] and emu.stats()["call_logs"] == 2
    with (
        Emulator(tenant="ring", max_call_logs=1, **options) as emu,
        httpx.Client(base_url=emu.url, headers=headers) as client,
    ):  # the store keeps what memory kept; a smaller cap at restart keeps the newest
        assert emu.stats()["call_logs"] == 1
        assert client.get(f"api/v3/log/getexecutionhistorybycallid/{big}").status_code == 200
        assert client.get(f"api/v3/log/getexecutionhistorybycallid/{calls[4]}").status_code == 404
