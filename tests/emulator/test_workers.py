"""Calculation worker processes (``workers=N``): same answers as in-process, a killed worker is replaced and
its work retried."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import pytest

from cspark_emulator import Emulator
from cspark_emulator.workbook import load_model
from cspark_emulator.workers import Pool, WorkerError
from tests.emulator.emuhelp import sample

SERVICE = "f/svc"


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    seed = tmp_path_factory.mktemp("seed")
    (seed / "f").mkdir()
    (seed / "f" / "svc.xlsx").write_bytes(sample("my-folder", "my-service"))
    with Emulator(tenant="pool", seed=seed, api_key="k", workers=2) as emu:
        yield emu


@pytest.fixture
def client(pooled: Emulator) -> Iterator[httpx.Client]:
    pooled.reset()
    headers = {"x-synthetic-key": "k", "x-tenant-name": "pool"}
    with httpx.Client(base_url=pooled.url, headers=headers, timeout=60) as client:
        yield client


def v4(client: httpx.Client, values: range) -> httpx.Response:
    return client.post("api/v4/execute", json={"inputs": [{"value": v} for v in values], "service": SERVICE})


def test_workers_answer_v3_v4_and_batches_like_the_server(pooled: Emulator, client: httpx.Client) -> None:
    reply = v4(client, range(41))
    assert reply.status_code == 200, reply.text
    assert [o["doubled"] for o in reply.json()["outputs"]] == [2 * v for v in range(41)]  # in order
    v3 = client.post("api/v3/folders/f/services/svc/execute", json={"request_data": {"inputs": {"value": 7}}})
    assert v3.json()["response_data"]["outputs"]["doubled"] == 14
    batch = client.post("api/v4/batch", json={"service": SERVICE}).json()["id"]
    chunk = {"id": "c1", "data": {"inputs": [["value"], [1], [2], [3]]}}
    client.post(f"api/v4/batch/{batch}/chunks", json={"chunks": [chunk]})
    pulled = client.get(f"api/v4/batch/{batch}/chunkresults", params={"max": 10}).json()
    assert [o["doubled"] for o in pulled["data"][0]["outputs"]] == [2, 4, 6]
    stats = pooled.stats()
    assert stats["workers"] == 2 and all(pooled.rt.state.calculator.pids())  # type: ignore[union-attr,attr-defined]


def test_a_killed_worker_is_replaced_and_its_work_retried(pooled: Emulator, client: httpx.Client) -> None:
    calculator = pooled.rt.state.calculator  # type: ignore[union-attr]
    v4(client, range(4)).raise_for_status()  # both workers have the model compiled
    before = calculator.stats()["worker_restarts"]  # type: ignore[attr-defined]
    victim = calculator.pids()[0]  # type: ignore[attr-defined]
    replies: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: replies.append(v4(client, range(1200))))
    worker.start()
    time.sleep(0.3)  # 600 records a worker take over a second: the victim is busy with its half
    os.kill(victim, signal.SIGKILL)
    worker.join(timeout=60)
    assert replies and replies[0].status_code == 200, replies
    assert [o["doubled"] for o in replies[0].json()["outputs"]] == [2 * v for v in range(1200)]
    assert calculator.stats()["worker_restarts"] == before + 1  # type: ignore[attr-defined]
    assert victim not in calculator.pids()  # type: ignore[attr-defined]
    assert v4(client, range(5)).json()["outputs"][4]["doubled"] == 8  # the replacement works


def test_a_stopped_pool_refuses_work(tmp_path: Path) -> None:
    model = load_model(sample("my-folder", "my-service"), "svc.xlsx")
    pool = Pool(1)
    try:
        assert [run.outputs["doubled"] for run in pool.run(model, [{"value": 4}], None)] == [8]
    finally:
        pool.stop()
    with pytest.raises(WorkerError, match="stopping"):
        pool.run(model, [{"value": 1}], None)


def die_on_first_message(conn: Connection) -> None:
    """A worker that dies as soon as it gets work (module-level: worker processes import it)."""
    conn.recv()
    os._exit(1)


def test_work_that_keeps_killing_workers_fails_after_three_tries() -> None:
    model = load_model(sample("my-folder", "my-service"), "svc.xlsx")
    pool = Pool(1, target=die_on_first_message)
    try:
        with pytest.raises(WorkerError, match="died 3 times"):
            pool.run(model, [{"value": 1}], None)
        assert pool.stats()["worker_restarts"] == 3
    finally:
        pool.stop()
