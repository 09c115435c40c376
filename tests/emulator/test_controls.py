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
    with pytest.raises(httpx.ReadTimeout):
        admin.post("faults", json={"kind": "stall", "count": 1, "seconds": 2})
        api.post(EXEC, json={}, timeout=0.3)


def test_drop_fault_closes_the_connection_without_a_reply(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post("faults", json={"kind": "drop", "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(EXEC, json={})
    assert api.post(EXEC, json={}).status_code == 200


def test_bad_fault_requests_are_400(admin: httpx.Client) -> None:
    assert admin.post("faults", json={"kind": "418"}).status_code == 400
    assert admin.post("faults", json={"kind": "429", "count": 0}).status_code == 400


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
        assert info["url"] == info["origin"] + "/cli" and info["client_secret"]
        assert httpx.get(info["origin"] + "/health").json() == {"status": "UP"}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_admin_is_loopback_only_but_needs_no_credentials(emu: Emulator) -> None:
    assert httpx.get(f"{emu.origin}/_emulator/stats").status_code == 200


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
