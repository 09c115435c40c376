"""Fidelity audit against Spark's documented behaviour: each test pins a discrepancy found and fixed."""

from __future__ import annotations

import httpx

BATCH = "api/v4/batch"


def _batch(api: httpx.Client, **extra: object) -> str:
    reply = api.post(BATCH, json={"service": "my-folder/my-service", **extra})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["id"])


def _chunk(chunk_id: str, *values: int, summary: object = None) -> dict[str, object]:
    data: dict[str, object] = {"inputs": [["value"], *[[v] for v in values]], "parameters": {}}
    if summary is not None:
        data["summary"] = summary
    return {"id": chunk_id, "size": len(values), "data": data}


def test_a_malformed_batch_summary_is_400_and_the_worker_survives(api: httpx.Client) -> None:
    """A bad ``summary`` used to kill the background worker, so no batch ever finished again."""
    first = _batch(api)
    for summary in ({"aggregation": [5]}, {"aggregation": "premium"}, {"aggregation": [{"operator": "SUM"}]}):
        reply = api.post(f"{BATCH}/{first}/chunks", json={"chunks": [_chunk("bad", 1, summary=summary)]})
        assert reply.status_code == 400, reply.text
    second = _batch(api)
    assert api.post(f"{BATCH}/{second}/chunks", json={"chunks": [_chunk("ok", 2, 3)]}).status_code == 200
    status = api.get(f"{BATCH}/{second}/status").json()
    assert status["records_completed"] == 2 and status["records_available"] == 2


def test_malformed_bodies_are_400_not_500(api: httpx.Client, v1: httpx.Client) -> None:
    """A bad request body is the caller's error (400), never an internal error."""
    document = '{"transform_type": "JSONtransforms_v1.0.1"}'
    assert api.post("api/v4/transforms/tf/t", json={"transform_content": document}).status_code == 200
    cases = [
        (api, "api/v3/services/search", {"request_data": {"page": "x"}}),
        (api, "api/v3/services/search", {"request_data": {"search": [1, 2]}}),
        (api, "api/v3/services/search", {"request_data": {"search": "quote"}}),
        (v1, "/api/v1/product/list", {"search": [5]}),
        (v1, "/api/v1/product/my-folder/engines", {"page": "x"}),
        (v1, "/api/v1/product/my-folder/engines", {"search": [5]}),
        (v1, "/api/v1/product/my-folder/engines/my-service/logs", {"search": "x"}),
        (v1, "/api/v1/product/my-folder/engines/my-service/logs", {"page": "x"}),
        (v1, "/api/v1/lookup/savecategory", {"value": "X", "key": ["k"]}),
        (api, "api/v4/transforms/list/tf", {"page": "x"}),
        (api, "api/v4/transforms/tf/t/for/my-folder/my-service", []),
        (api, BATCH, {"service": "my-folder/my-service", "initial_workers": "x"}),
        (api, BATCH, {"service": "my-folder/my-service", "max_input_size_in_mb": "big"}),
    ]
    for client, path, body in cases:
        reply = client.post(path, json=body)
        assert reply.status_code == 400, (path, body, reply.text)
    entity = {"importRequestEntity": "[1]"}
    reply = api.post("api/v4/import", data=entity, files={"file": ("package.zip", b"PK", "application/zip")})
    assert reply.status_code == 400, reply.text


def test_nan_and_infinity_literals_are_not_json(api: httpx.Client) -> None:
    """``NaN``/``Infinity`` are not JSON; they used to pass, then vanish or crash the reply."""
    svc = "api/v3/folders/my-folder/services/my-service/execute"
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        body = (
            b'{"request_data": {"inputs": {"value": '
            + literal
            + b'}}, "request_meta": {"response_data_inputs": true}}'
        )
        reply = api.post(svc, content=body, headers={"content-type": "application/json"})
        assert reply.status_code == 400, reply.text
        assert reply.json()["error"]["code"] == "BAD_REQUEST"


def _exported_versions(api: httpx.Client, service: str) -> list[str]:
    started = api.post("api/v4/export", json={"inputs": {"services": [service]}})
    assert started.status_code == 200, started.text
    status = api.get(f"api/v4/export/{started.json()['id']}/status").json()
    assert status["status"] == "completed", status
    return [row["version_source"] for row in status["outputs"]["service_versions"]]


def test_export_version_prefix_matches_whole_components(api: httpx.Client) -> None:
    """``[1.4]`` means the newest 1.4.x, so ``[0.1.1]`` must not pick 0.1.10."""
    svc = "api/v3/folders/my-folder/services/my-service"
    for _ in range(10):  # 0.1.0 -> 0.1.1 ... 0.1.10
        reply = api.post(f"{svc}/recompileNodgen", json={"request_data": {"upgradeType": "patch"}})
        assert reply.status_code == 200, reply.text
    assert _exported_versions(api, "my-folder/my-service[0.1.1]") == ["0.1.1"]
    assert _exported_versions(api, "my-folder/my-service[0.1]") == ["0.1.10"]
    assert _exported_versions(api, "my-folder/my-service[0]") == ["0.1.10"]
    assert (
        api.post("api/v4/export", json={"inputs": {"services": ["my-folder/my-service[0.2]"]}}).status_code
        == 404
    )


def test_transform_execution_honours_the_version_in_its_meta_header(api: httpx.Client) -> None:
    """x-request-meta (v3) / x-meta (v4) carry the execute meta of v3/v4, version included;
    a v3 pass-through transform answers the v3 execute envelope (README)."""
    svc = "api/v3/folders/my-folder/services/my-service"
    newer = api.post(f"{svc}/recompileNodgen", json={"request_data": {"upgradeType": "patch"}}).json()
    assert newer["response_data"]["revision"] == "0.1.1"
    first = api.get(f"{svc}/exists").json()  # latest is 0.1.1 now
    assert first["response_data"]["version"] == "0.1.1"
    for target, header in (("v3", "x-request-meta"), ("v4", "x-meta")):
        document = f'{{"transform_type": "JSONtransforms_v1.0.1", "target_api_version": "{target}"}}'
        assert (
            api.post(f"api/v4/transforms/tf/{target}", json={"transform_content": document}).status_code
            == 200
        )
        url = f"api/v4/transforms/tf/{target}/for/my-folder/my-service"
        inputs = {"value": 4} if target == "v3" else [{"value": 4}]
        latest = api.post(url, json={"inputs": inputs})
        pinned = api.post(url, json={"inputs": inputs}, headers={header: '\'{"version": "0.1.0"}\''})
        assert latest.status_code == pinned.status_code == 200, pinned.text
        assert latest.json()["response_meta"]["version"] == "0.1.1"
        assert pinned.json()["response_meta"]["version"] == "0.1.0"
    v3 = api.post("api/v4/transforms/tf/v3/for/my-folder/my-service", json={"inputs": {"value": 4}}).json()
    assert v3["status"] == "Success" and v3["error"] is None
    data = v3["response_data"]
    assert data["outputs"]["doubled"] == 8 and data["errors"] is None and data["service_chain"] is None
    assert data["warnings"] is None or all(isinstance(w, dict) for w in data["warnings"])
    assert v3["response_meta"]["call_id"] and v3["response_meta"]["system"] == "SPARK"


def test_transform_document_upload_as_a_file(api: httpx.Client) -> None:
    """``POST transforms/{folder}`` with a multipart ``file`` named ``<name>_transform.json``."""
    document = b'{"transform_type": "JSONtransforms_v1.0.1", "target_api_version": "v3"}'
    files = {"file": ("double_transform.json", document, "application/json")}
    reply = api.post("api/v4/transforms/uploads", files=files)
    assert reply.status_code == 200, reply.text
    assert reply.json()["outputs"] == {"name": "double", "transform_uri": "uploads/double"}
    stored = api.get("api/v4/transforms/uploads/double").json()
    assert stored["outputs"]["transform_document"] == document.decode()
    run = api.post("api/v4/transforms/uploads/double/for/my-folder/my-service", json={"inputs": {"value": 2}})
    assert run.status_code == 200 and run.json()["response_data"]["outputs"]["doubled"] == 4
    wrong = {"file": ("double.json", document, "application/json")}
    assert api.post("api/v4/transforms/uploads", files=wrong).status_code == 400
    assert (
        api.post("api/v4/transforms/uploads", files={"file": ("x_transform.json", b"{}")}).status_code == 400
    )


def test_versions_list_newest_first_even_when_created_in_the_same_instant(
    api: httpx.Client, v1: httpx.Client
) -> None:
    """Element 0 is the latest (the PY CLI relies on it); an import adds versions in one millisecond."""
    svc = "api/v3/folders/my-folder/services/my-service"
    for _ in range(5):
        assert api.post(f"{svc}/recompileNodgen", json={"request_data": {}}).status_code == 200
    body = {"inputs": {"services": ["my-folder/my-service"]}, "version_filter": "all"}
    export = api.get(f"api/v4/export/{api.post('api/v4/export', json=body).json()['id']}/status").json()
    package = httpx.get(export["outputs"]["files"][0]["file"]).content
    assert v1.post("/api/v1/product/create", data={"Name": "copy"}).status_code == 200
    entity = '{"inputs": {"services_modify": [{"service_uri_source": "my-folder/my-service", '
    entity += '"service_uri_destination": "copy/my-service"}]}}'
    files = {"file": ("package.zip", package, "application/zip")}
    job = api.post("api/v4/import", data={"importRequestEntity": entity}, files=files).json()
    assert api.get(f"api/v4/import/{job['id']}/status").json()["status"] == "completed"
    listed = v1.get("/api/v1/product/copy/engines/getversions/my-service").json()["data"]
    assert [v["revision"] for v in listed] == ["0.1.5", "0.1.4", "0.1.3", "0.1.2", "0.1.1", "0.1.0"]
    assert [v["isActive"] for v in listed] == [True, False, False, False, False, False]


def test_upload_meta_has_the_sample_keys(api: httpx.Client) -> None:
    """The upload's response_meta has the sample's keys, the service id and the version to come."""
    from tests.emulator.emuhelp import sample, upload

    keys = {"service_id", "version_id", "version", "process_time", "call_id", "compiler_type"}
    keys |= {"compiler_version", "source_hash", "engine_id", "correlation_id", "parameterset_version_id"}
    keys |= {"system", "request_timestamp"}
    fresh = upload(api, "my-folder", "brand-new", sample("my-folder", "my-service"))["response_meta"]
    assert set(fresh) == keys and fresh["call_id"] is None and fresh["compiler_type"] == "Neuron"
    assert fresh["version"] == "0.1.0" and fresh["service_id"] is None
    existing = api.get("api/v3/folders/my-folder/services/my-service/exists").json()["response_data"]
    again = upload(api, "my-folder", "my-service", sample("my-folder", "my-service"))["response_meta"]
    assert again["service_id"] == existing["id"] and again["version"] == "0.2.0"


def test_a_failed_batch_releases_the_input_buffer_of_discarded_chunks(
    api: httpx.Client, v1: httpx.Client
) -> None:
    """Chunks dropped when a pipeline fails no longer hold input buffer space."""
    batch = _batch(api)
    assert v1.delete("/api/v1/product/my-folder/engines/delete/my-service").status_code == 200
    chunks = [_chunk("a", 1), _chunk("b", 2), _chunk("c", 3)]
    assert api.post(f"{BATCH}/{batch}/chunks", json={"chunks": chunks}).status_code == 200
    status = api.get(f"{BATCH}/{batch}/status").json()
    assert status["batch_status"] == "failed" and status["records_failed"] >= 1
    assert status["input_buffer_used_bytes"] == 0, status


def test_log_download_accepts_one_id_as_a_plain_string(api: httpx.Client) -> None:
    """`call_ids` may hold a single correlation id; a bare string was read character by character."""
    import io
    import json
    import zipfile

    svc = "api/v3/folders/my-folder/services/my-service"
    api.post(
        f"{svc}/execute", json={"request_data": {"inputs": {}}, "request_meta": {"correlation_id": "run-7"}}
    )
    api.post(
        f"{svc}/execute", json={"request_data": {"inputs": {}}, "request_meta": {"correlation_id": "other"}}
    )
    body = {"request_data": {"call_ids": "run-7"}, "request_meta": {"version_id": None}}
    job = api.post(f"{svc}/log/downloadjson", json=body).json()["response_data"]["job_id"]
    status = api.get(f"{svc}/log/downloadjson/status/{job}").json()["response_data"]
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(status["download_url"]).content))
    logs = json.loads(archive.read(archive.namelist()[0]))
    assert [log["CorrelationId"] for log in logs] == ["run-7"]


def test_closing_a_batch_that_never_got_chunks_leaves_it_closed(api: httpx.Client) -> None:
    """created --PATCH closed (nothing pushed)--> closed; only processed work ends as completed."""
    empty = _batch(api)
    closed = api.patch(f"{BATCH}/{empty}", json={"batch_status": "closed"}).json()
    assert closed["data"]["batch_status"] == "closed"
    status = api.get(f"{BATCH}/{empty}/status").json()
    assert status["batch_status"] == "closed" and status["pipeline_status"] == "closed"
    described = api.get(f"{BATCH}/status").json()
    assert [b["id"] for b in described["recent_batches"]] == [empty] and not described["in_progress_batches"]
    worked = _batch(api)
    api.post(f"{BATCH}/{worked}/chunks", json={"chunks": [_chunk("a", 1)]})
    api.get(f"{BATCH}/{worked}/chunkresults?max=10")
    assert (
        api.patch(f"{BATCH}/{worked}", json={"batch_status": "closed"}).json()["data"]["batch_status"]
        == "completed"
    )
