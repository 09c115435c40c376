"""Execute v3 (every locator form and request_meta option) and v4, over real HTTP."""

from __future__ import annotations

import gzip
import json
import zlib

import httpx

from cspark_emulator import Emulator
from tests.emulator.emuhelp import execute, publish, sample

MY = "api/v3/folders/my-folder/services/my-service/execute"


def test_v3_runs_the_workbook_and_answers_envelope_v3(api: httpx.Client) -> None:
    reply = execute(api, MY, {"value": 3}, correlation_id="run-1")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["status"] == "Success" and body["error"] is None
    assert body["response_data"]["outputs"] == {"doubled": 6, "squared": 9, "label": "Value is 3"}
    assert body["response_data"]["warnings"] is None and body["response_data"]["errors"] is None
    meta = body["response_meta"]
    assert meta["version"] == "0.1.0" and meta["system"] == "SPARK" and meta["correlation_id"] == "run-1"
    assert meta["request_timestamp"].endswith("Z") and len(meta["call_id"]) == 36


def test_v3_empty_inputs_use_workbook_defaults(api: httpx.Client) -> None:
    defaulted = execute(api, MY, {}).json()["response_data"]
    explicit = execute(api, MY, {"value": 5}).json()["response_data"]
    assert defaulted["outputs"] != explicit["outputs"] and explicit["outputs"]["doubled"] == 10
    assert "'value'" in defaulted["warnings"][0]["message"]  # Spark warns when a default stood in
    assert explicit["warnings"] is None


def test_v3_every_locator_form_reaches_the_same_service(api: httpx.Client) -> None:
    meta = execute(api, MY, {"value": 2}).json()["response_meta"]
    paths = [
        f"api/v3/service/{meta['service_id']}",
        f"api/v3/version/{meta['version_id']}",
    ]
    for path in paths:
        reply = execute(api, path, {"value": 2})
        assert reply.status_code == 200, path
        assert reply.json()["response_data"]["outputs"]["doubled"] == 4
    by_meta = api.post(
        "api/v3/execute",
        json={
            "request_data": {"inputs": {"value": 2}},
            "request_meta": {"service_uri": "my-folder/my-service"},
        },
    )
    assert by_meta.json()["response_data"]["outputs"]["squared"] == 4


def test_v3_proxy_endpoint(api: httpx.Client, admin: httpx.Client) -> None:
    assert admin.post("services/my-folder/my-service", json={"proxy": "calc/double"}).status_code == 200
    reply = execute(api, "api/v3/proxy/calc/double", {"value": 7})
    assert reply.json()["response_data"]["outputs"]["doubled"] == 14
    assert execute(api, "api/v3/proxy/nothing/here").status_code == 404


def test_v3_requested_outputs_regex_and_echoed_inputs(api: httpx.Client) -> None:
    only = execute(api, MY, {"value": 4}, requested_output="doubled,label").json()["response_data"]["outputs"]
    assert only == {"doubled": 8, "label": "Value is 4"}
    regex = execute(api, MY, {"value": 4}, requested_output_regex="^sq").json()["response_data"]["outputs"]
    assert regex == {"squared": 16}
    echoed = execute(api, MY, {"value": 4}, response_data_inputs=True).json()["response_data"]
    assert echoed["inputs"]["value"] == 4


def test_v3_version_selection_rules(api: httpx.Client) -> None:
    first = execute(api, MY).json()["response_meta"]["version_id"]
    publish(
        api,
        "my-folder",
        "my-service",
        sample("my-folder", "my-service"),
        effective_start_date="2030-01-01",
        effective_end_date="2040-01-01",
    )
    latest = execute(api, MY).json()["response_meta"]
    assert latest["version"] == "0.2.0"
    assert execute(api, MY, version="0.1.0").json()["response_meta"]["version_id"] == first
    assert execute(api, MY, version_id=first).json()["response_meta"]["version"] == "0.1.0"
    dated = execute(api, MY, transaction_date="2027-06-01").json()["response_meta"]
    assert dated["version"] == "0.1.0"
    future = execute(api, MY, transaction_date="2031-06-01T00:00:00.000Z").json()["response_meta"]
    assert future["version"] == "0.2.0"
    assert execute(api, MY, version="9.9.9").status_code == 404


def test_v3_unknown_service_is_404_and_bad_json_is_400(api: httpx.Client) -> None:
    missing = execute(api, "api/v3/folders/my-folder/services/nope/execute")
    assert missing.status_code == 404
    assert missing.json() == {
        "status": "Error",
        "response_data": None,
        "error": {"message": "service my-folder/nope was not found", "code": "NOT_FOUND"},
    }
    bad = api.post(MY, content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]["message"]
    wrong = api.post(MY, json={"request_data": {"inputs": 5}})
    assert wrong.status_code == 400


def test_v3_accepts_gzip_and_deflate_bodies(api: httpx.Client) -> None:
    raw = json.dumps({"request_data": {"inputs": {"value": 6}}}).encode()
    for encoding, body in (("gzip", gzip.compress(raw)), ("deflate", zlib.compress(raw))):
        reply = api.post(
            MY, content=body, headers={"content-type": "application/json", "content-encoding": encoding}
        )
        assert reply.status_code == 200, encoding
        assert reply.json()["response_data"]["outputs"]["doubled"] == 12


def test_v4_records_and_columnar_inputs(api: httpx.Client) -> None:
    body = {
        "inputs": [{"value": 1}, {"value": 2}, {"value": 3}],
        "service": "my-folder/my-service",
        "correlation_id": "c-9",
    }
    reply = api.post("api/v4/execute", json=body)
    assert reply.status_code == 200
    data = reply.json()
    assert [o["doubled"] for o in data["outputs"]] == [2, 4, 6]
    assert len(data["process_time"]) == 3 and data["warnings"] == [None, None, None]
    assert data["errors"] == [None] * 3 and data["correlation_id"] == "c-9" and data["version"] == "0.1.0"
    columnar = api.post(
        "api/v4/execute",
        json={"inputs": [["value"], [10], [20]], "service": f"my-folder/my-service[{data['version']}]"},
    )
    assert [o["squared"] for o in columnar.json()["outputs"]] == [100, 400]
    by_id = api.post(
        "api/v4/execute", json={"inputs": [{"value": 1}], "service": data["service_id"], "output": "label"}
    )
    assert by_id.json()["outputs"] == [{"label": "Value is 1"}]
    assert (
        api.post(
            "api/v4/execute", json={"inputs": [["value"], [1, 2]], "service": "my-folder/my-service"}
        ).status_code
        == 400
    )


def test_v4_one_call_id_per_request(api: httpx.Client) -> None:
    first = api.post(
        "api/v4/execute", json={"inputs": [{"value": 1}, {"value": 2}], "service": "my-folder/my-service"}
    )
    second = api.post("api/v4/execute", json={"inputs": [{"value": 1}], "service": "my-folder/my-service"})
    assert first.json()["call_id"] != second.json()["call_id"]


def test_table_workbook(api: httpx.Client) -> None:
    reply = execute(api, "api/v3/folders/pricing/services/portfolio/execute", {})
    assert reply.status_code == 200, reply.text
    outputs = reply.json()["response_data"]["outputs"]
    assert any(isinstance(v, list) for v in outputs.values())


def test_public_routes_only_for_public_services(emu: Emulator, admin: httpx.Client) -> None:
    path = f"{emu.url}/api/v3/public/folders/my-folder/services/my-service/execute"
    body = {"request_data": {"inputs": {"value": 2}}}
    assert httpx.post(path, json=body).status_code == 401
    assert (
        httpx.post(
            f"{emu.url}/api/v4/public/execute",
            json={"inputs": [{"value": 1}], "service": "my-folder/my-service"},
        ).status_code
        == 401
    )
    admin.post("services/my-folder/my-service", json={"public": True})
    reply = httpx.post(path, json=body)
    assert reply.status_code == 200 and reply.json()["response_data"]["outputs"]["doubled"] == 4
    v4 = httpx.post(
        f"{emu.url}/api/v4/public/execute", json={"inputs": [{"value": 1}], "service": "my-folder/my-service"}
    )
    assert v4.status_code == 200
    # the private route still needs credentials
    assert (
        httpx.post(f"{emu.url}/api/v3/folders/my-folder/services/my-service/execute", json=body).status_code
        == 401
    )


def test_publish_extras_can_make_a_service_public(api: httpx.Client, emu: Emulator) -> None:
    api_client = api
    api_client.post  # noqa: B018 - the fixture creates the folder client
    httpx_post = httpx.post(
        f"{emu.origin}/api/v1/product/create",
        data={"Name": "open"},
        headers={"x-synthetic-key": emu.api_key, "x-tenant-name": emu.tenant},
    )
    assert httpx_post.json()["status"] == "Success"
    publish(api, "open", "svc", sample("my-folder", "my-service"), public=True)
    reply = httpx.post(f"{emu.url}/api/v3/public/folders/open/services/svc/execute", json={})
    assert reply.status_code == 200
