"""Test controls under /_emulator/: reset, seed, speed, faults, stats; and the server's generic behaviour."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from cspark_emulator import Emulator

EXEC = "api/v3/folders/my-folder/services/my-service/execute"


def test_request_id_is_echoed_and_unknown_routes_are_404(api: httpx.Client) -> None:
    reply = api.post(EXEC, json={}, headers={"x-request-id": "rid-1"})
    assert reply.headers["x-request-id"] == "rid-1"
    missing = api.get("api/v3/nothing/here/at/all")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("kind", ["429", "500", "503"])
def test_status_faults_hit_the_next_n_matching_requests(
    api: httpx.Client, admin: httpx.Client, kind: str
) -> None:
    admin.post("faults", json={"kind": kind, "count": 2, "path": "/execute", "retry_after": 0.5})
    assert (
        api.get("api/v3/folders/my-folder/services/my-service/exists").status_code == 200
    )  # path not matched
    first, second, third = (api.post(EXEC, json={}) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [int(kind), int(kind), 200]
    if kind == "429":
        assert first.headers["retry-after"] == "0.5" and first.headers["x-retry-after"] == "0.5"
    assert admin.get("stats").json()["faults_injected"] == 2


def test_stall_fault_delays_the_reply(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("faults", json={"kind": "stall", "count": 1, "seconds": 0.6})
    started = time.monotonic()
    assert api.post(EXEC, json={}).status_code == 200
    assert time.monotonic() - started >= 0.6
    admin.post("faults", json={"kind": "stall", "count": 1, "seconds": 2})
    with pytest.raises(httpx.ReadTimeout):
        api.post(EXEC, json={}, timeout=0.3)
    # the stalled request still runs (and is counted) once its stall ends: not in a later test
    time.sleep(1.8)


def test_drop_fault_closes_the_connection_without_a_reply(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("faults", json={"kind": "drop", "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(EXEC, json={})
    assert api.post(EXEC, json={}).status_code == 200


def test_bad_fault_requests_are_400(admin: httpx.Client) -> None:
    assert admin.post("faults", json={"kind": "418"}).status_code == 400
    assert admin.post("faults", json={"kind": "429", "count": 0}).status_code == 400
    for body, field in [
        ({"kind": "500", "count": 2, "every": 3}, "count and every"),
        ({"kind": "500", "every": 0}, "every"),
        ({"kind": "500", "probability": 1.5}, "probability"),
        ({"kind": "500", "seed": 3}, "seed"),
        ({"kind": "500", "every": "often"}, "every"),
        ({"kind": "500", "method": "FETCH"}, "method"),
    ]:
        reply = admin.post("faults", json=body)
        assert reply.status_code == 400 and field in reply.json()["error_description"], body


def test_inject_validates_like_the_route(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        emu.inject("418")
    with pytest.raises(ValueError, match="probability"):
        emu.inject("500", probability=0)
    with pytest.raises(ValueError, match="give one of"):
        emu.inject("500", count=1, probability=0.5)
    assert emu.stats()["faults_active"] == 0


def test_lose_runs_the_request_then_closes_without_a_reply(emu: Emulator, api: httpx.Client) -> None:
    """``lose``: the work happens (a v4 execute is logged, a pulled chunk leaves the buffer), the reply never
    arrives."""
    emu.inject("lose", path="api/v4/execute")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("api/v4/execute", json={"inputs": [{"value": 1}], "service": "my-folder/my-service"})
    assert emu.stats()["call_logs"] == 1  # executed and logged
    assert emu.stats()["faults_injected"] == 1

    batch = api.post("api/v4/batch", json={"service": "my-folder/my-service"}).json()["id"]
    chunk = {"id": "c1", "data": {"inputs": [{"value": 2}]}}
    emu.inject("lose", path="/chunks", method="POST")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(f"api/v4/batch/{batch}/chunks", json={"chunks": [chunk]})
    status = api.get(f"api/v4/batch/{batch}/status").json()
    assert status["records_submitted"] == 1 and status["records_available"] == 1  # the push was stored
    emu.inject("lose", path="/chunkresults", method="GET")
    with pytest.raises(httpx.RemoteProtocolError):
        api.get(f"api/v4/batch/{batch}/chunkresults", params={"max": 10})
    again = api.get(f"api/v4/batch/{batch}/chunkresults", params={"max": 10}).json()
    assert again["data"] == [] and again["status"]["records_completed"] == 1  # the results were taken


def test_every_nth_matching_request_fails_until_cleared(emu: Emulator, api: httpx.Client) -> None:
    emu.inject("503", every=3, path="/execute", method="POST")
    assert api.get("api/v3/folders/my-folder/services/my-service/exists").status_code == 200
    codes = [api.post(EXEC, json={}).status_code for _ in range(7)]
    assert codes == [200, 200, 503, 200, 200, 503, 200]
    assert emu.stats()["faults_active"] == 1  # a rate fault stays
    emu.clear_faults()
    assert [api.post(EXEC, json={}).status_code for _ in range(3)] == [200, 200, 200]
    assert emu.stats()["faults_active"] == 0 and emu.stats()["faults_injected"] == 2


def test_probability_faults_are_reproducible_with_a_seed(
    emu: Emulator, api: httpx.Client, admin: httpx.Client
) -> None:
    def run() -> list[int]:
        admin.post("faults", json={"kind": "500", "probability": 0.5, "seed": 7, "path": "/execute"})
        codes = [api.post(EXEC, json={}).status_code for _ in range(12)]
        admin.delete("faults")
        return codes

    first, second = run(), run()
    assert first == second and 500 in first and 200 in first


def test_method_filter_picks_pulls_not_pushes(emu: Emulator, api: httpx.Client) -> None:
    created = api.post("api/v4/batch", json={"service": "my-folder/my-service"})
    batch = created.json()["id"]
    emu.inject("429", path=f"api/v4/batch/{batch}", method="PATCH", retry_after=1)
    emu.inject("500", path="api/v4/batch", method="GET", count=2)
    chunk = {"id": "c1", "data": {"inputs": [{"value": 2}]}}
    assert api.post(f"api/v4/batch/{batch}/chunks", json={"chunks": [chunk]}).status_code == 200
    assert api.get(f"api/v4/batch/{batch}/chunkresults").status_code == 500
    assert api.get(f"api/v4/batch/{batch}/status").status_code == 500
    assert api.get(f"api/v4/batch/{batch}/status").status_code == 200
    closing = api.patch(f"api/v4/batch/{batch}", json={"batch_status": "closed"})
    assert closing.status_code == 429 and closing.headers["retry-after"] == "1"


def test_stats_count_requests_per_route(api: httpx.Client, admin: httpx.Client) -> None:
    api.post(EXEC, json={})
    api.post(EXEC, json={})
    counts = admin.get("stats").json()["requests"]
    assert counts["POST /{tenant}/api/v3/folders/{folder}/services/{service}/execute"] == 2


def test_reset_clears_state_and_republishes_the_seed(
    api: httpx.Client, admin: httpx.Client, v1: httpx.Client
) -> None:
    v1.post("/api/v1/product/create", data={"Name": "scratch"})
    assert admin.post("faults", json={"kind": "500", "count": 5}).status_code == 200
    published = admin.post("reset").json()["published"]
    assert "my-folder/my-service" in published
    assert v1.post("/api/v1/product/isproductexists/scratch").json()["data"] is False
    assert api.post(EXEC, json={}).status_code == 200  # faults were cleared too


def test_seed_publishes_a_directory(admin: httpx.Client, api: httpx.Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "extra"
    folder.mkdir()
    source = api.get  # noqa: F841
    from tests.emulator.emuhelp import sample

    (folder / "copy.xlsx").write_bytes(sample("my-folder", "my-service"))
    assert admin.post("seed", json={"path": str(tmp_path)}).json()["published"] == ["extra/copy"]
    assert api.post("api/v3/folders/extra/services/copy/execute", json={}).status_code == 200
    assert admin.post("seed", json={"path": str(tmp_path / "missing")}).status_code == 400


def test_realistic_speed_reports_progress_over_time(api: httpx.Client, admin: httpx.Client) -> None:
    from tests.emulator.emuhelp import sample, upload

    admin.post("speed", json={"mode": "realistic"})
    job = upload(api, "my-folder", "fresh", sample("my-folder", "my-service"))["response_data"]
    url = f"api/v3/folders/my-folder/services/fresh/getcompilationprogess/{job['nodegen_compilation_jobid']}"
    first = api.get(url).json()["response_data"]
    assert first["progress"] < 100 and first["status"] == "In Progress"
    assert admin.post("speed", json={"mode": "sideways"}).status_code == 400
    admin.post("reset")
    assert admin.get("stats").json()["speed"] == "instant"  # reset goes back to the start speed


def test_cli_prints_one_json_line_and_stops_on_sigterm(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"CSPARK_EMULATOR_API_KEY": "k-123", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cspark_emulator", "--port", "0", "--tenant", "cli", "--client-id", "me"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["tenant"] == "cli" and info["api_key"] == "k-123" and info["client_id"] == "me"
        assert info["url"] == info["origin"] + "/cli" and info["client_secret"] and info["admin_token"]
        assert httpx.get(info["origin"] + "/health").json() == {"status": "UP"}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_admin_needs_a_credential(emu: Emulator) -> None:
    assert httpx.get(f"{emu.origin}/_emulator/stats").status_code == 401
    key = {"x-synthetic-key": emu.api_key}
    assert httpx.get(f"{emu.origin}/_emulator/stats", headers=key).status_code == 200
    token = {"authorization": f"Bearer {emu.admin_token}"}
    assert httpx.get(f"{emu.origin}/_emulator/stats", headers=token).status_code == 200
    wrong = {"authorization": f"Bearer {emu.api_key}"}
    assert httpx.get(f"{emu.origin}/_emulator/stats", headers=wrong).status_code == 401


def test_a_slow_request_does_not_hold_up_the_others(emu: Emulator, api: httpx.Client) -> None:
    """Handlers run in worker threads: a health check answers while a long v4 execute is still running."""
    import threading

    records = [{"value": n} for n in range(1500)]
    finished: list[float] = []

    def slow() -> None:
        api.post("api/v4/execute", json={"inputs": records, "service": "my-folder/my-service"})
        finished.append(time.monotonic())

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.2)  # let the execute start
    assert httpx.get(f"{emu.origin}/health", timeout=30).json() == {"status": "UP"}
    answered = time.monotonic()
    worker.join()
    assert finished and answered < finished[0]


def test_call_log_caps_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    from cspark_emulator.__main__ import parse_args

    assert parse_args(["--max-call-logs", "50"]).max_call_logs == 50
    with pytest.raises(SystemExit):
        parse_args(["--max-call-log-records", "0"])
    assert "--max-call-log-records: must be >= 1" in capsys.readouterr().err


# -- the lock on /_emulator/ and the request limits (issue #10) ----------------------------------------------
def test_a_web_page_cannot_reach_the_controls(emu: Emulator, admin: httpx.Client) -> None:
    """`curl -XPOST -H 'Content-Type: text/plain' -H 'Origin: http://evil.example' .../_emulator/reset`."""
    admin.post("faults", json={"kind": "500", "count": 3})
    simple = {"content-type": "text/plain", "origin": "http://evil.example"}
    assert httpx.post(f"{emu.origin}/_emulator/reset", headers=simple, content=b"{}").status_code == 403
    # even a page that somehow had the credential: no cross-origin call, no simple-request body type
    for headers in (
        {"origin": "http://evil.example"},
        {"sec-fetch-site": "cross-site"},
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
    ):
        reply = admin.post("reset", headers=headers, content=b"{}")
        assert reply.status_code in (403, 415), (headers, reply.status_code)
    assert admin.get("stats").json()["faults_injected"] == 0
    assert emu.rt is not None and len(emu.rt.faults._faults) == 1  # nothing was reset
    assert admin.post("reset", headers={"origin": emu.origin}).status_code == 200  # same origin is fine


def test_resetting_a_data_store_needs_a_confirmation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.emulator.emuhelp import admin_headers

    with Emulator(tenant="acme", samples=True, data=tmp_path) as emu:
        url = f"{emu.origin}/_emulator/reset"
        assert httpx.post(url, headers=admin_headers(emu)).status_code == 400
        assert httpx.post(url, headers=admin_headers(emu), json={"confirm": "yes"}).status_code == 400
        assert httpx.post(url, headers=admin_headers(emu), json={"confirm": True}).status_code == 200


def gzip_bomb(size: int) -> bytes:
    import gzip

    return gzip.compress(b"{" + b" " * size + b"}", compresslevel=9)


def test_a_gzip_bomb_is_413_and_anonymous_bodies_are_not_read_for_private_services(
    emu: Emulator, admin: httpx.Client, api: httpx.Client
) -> None:
    bomb = gzip_bomb(80 << 20)  # ~80 KB that inflates to 80 MiB, over the 64 MiB limit
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    public = f"{emu.url}/api/v3/public/folders/my-folder/services/my-service/execute"
    assert httpx.post(public, content=bomb, headers=headers).status_code == 401  # not public: not parsed
    assert httpx.post(f"{emu.url}/api/v4/public/execute", content=bomb, headers=headers).status_code == 401
    admin.post("services/my-folder/my-service", json={"public": True})
    reply = httpx.post(public, content=bomb, headers=headers)
    assert reply.status_code == 413 and "decompressed" in reply.text
    path = "api/v3/folders/my-folder/services/my-service/execute"
    assert api.post(path, content=bomb, headers=headers).status_code == 413


def test_deep_json_is_400_not_500(api: httpx.Client) -> None:
    path = "api/v3/folders/my-folder/services/my-service/execute"
    for depth in (300, 100_000):
        reply = api.post(
            path, content=b"[" * depth + b"]" * depth, headers={"content-type": "application/json"}
        )
        assert reply.status_code == 400 and "nested" in reply.text, (depth, reply.text[:200])


def test_body_limits_are_configurable() -> None:
    with Emulator(tenant="acme", samples=True, max_body=1000, max_inflated=2000) as emu:
        headers = {"x-synthetic-key": emu.api_key, "x-tenant-name": "acme"}
        path = f"{emu.url}/api/v3/folders/my-folder/services/my-service/execute"
        big = {"request_data": {"inputs": {"value": 2, "pad": "x" * 1200}}}
        assert httpx.post(path, json=big, headers=headers).status_code == 413

        def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: the limit holds as it streams
            yield b'{"pad": "'
            yield b"x" * 1500
            yield b'"}'

        assert httpx.post(path, content=chunks(), headers=headers).status_code == 413
        inflated = {**headers, "content-encoding": "gzip", "content-type": "application/json"}
        assert httpx.post(path, content=gzip_bomb(3000), headers=inflated).status_code == 413
        small = {"request_data": {"inputs": {"value": 2}}}
        assert httpx.post(path, json=small, headers=headers).status_code == 200


def test_absolute_urls_honour_forwarded_headers(v1: httpx.Client) -> None:
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-host": "spark.example:8443"}
    reply = v1.post("api/v1/product/create", data={"Name": "behind-proxy"}, headers=forwarded)
    assert reply.json()["data"]["get_product_url"].startswith("https://spark.example:8443/api/v1/")
    reply = v1.post("api/v1/product/create", data={"Name": "bad"}, headers={"x-forwarded-host": "a b/c"})
    assert "a b" not in reply.json()["data"]["get_product_url"]  # a malformed host is ignored
