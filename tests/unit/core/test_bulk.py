"""The bulk engine's pure parts (cspark_core.bulk, cspark_core.journal): chunk bookkeeping, duplicate and lost
results, when Spark is settled, backoff; the journal's rules; execute_many's order and concurrency over a
mock transport. The engines against the real emulator, through faults and kills: e2e/test_bulk_faults.py.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cspark_core import AsyncClient, Client, JobTimeoutError, Journal, JournalError, SparkSdkError
from cspark_core.bulk import (
    MAX_ATTEMPTS,
    MAX_DELAY,
    STALL,
    BulkStats,
    RecordResult,
    _BatchRunState,
    backoff,
    is_transient,
    read_chunk,
    settled,
)
from cspark_core.errors import BadRequestError, JobFailedError, NotFoundError, UnknownApiError
from cspark_core.response import SparkResponse

BASE = "https://excel.test.coherent.global/tenant"


def state(records: int = 10, chunk: int = 4, journal: Journal | None = None) -> _BatchRunState:
    run = _BatchRunState(
        "f/s", iter([]), chunk_size=chunk, max_in_flight=16, timeout=60, poll_interval=0.01, parameters=None,
        summary=None, create={}, journal=journal, on_progress=None,
    )  # fmt: skip
    run.batch_id = "b1"
    source = iter({"v": i} for i in range(records))
    while True:
        got = read_chunk(source, chunk, run._next_seq * chunk)
        if not got:
            break
        run._add_chunk(got)
    run._input_ended()
    return run


def pull_reply(*items: tuple[str, int]) -> SparkResponse:
    """A pull reply with a chunk result per (id, size): outputs {"r": position in the chunk}."""
    data = [
        {"id": chunk_id, "outputs": [{"r": i} for i in range(size)], "errors": [None] * size, "warnings": []}
        for chunk_id, size in items
    ]
    return SparkResponse(200, {"data": data, "status": {}})


def push_all(run: _BatchRunState) -> list[str]:
    ids = []
    for chunk in run._pushes():
        body = run._push_request(chunk).json
        ids.append(body["chunks"][0]["id"])
        run._pushed(chunk, SparkResponse(200, {}))
    return ids


def test_results_come_out_in_input_order_and_duplicates_are_dropped() -> None:
    run = state(10, 4)
    first, second, third = push_all(run)
    assert run._pulled(pull_reply((third, 2), (first, 4))) == 6
    assert [r.index for r in run._ready()] == [0, 1, 2, 3]  # chunk 2 waits for chunk 1
    assert run._pulled(pull_reply((third, 2), (first, 4), ("someone-else", 3))) == 0  # twice, or not ours
    assert run._pulled(pull_reply((second, 4))) == 4
    assert [r.index for r in run._ready()] == [4, 5, 6, 7, 8, 9]
    assert run._done and run.stats.records == 10 and run.stats.ok == 10


def test_a_chunk_is_pushed_as_a_columnar_table_under_a_fresh_id_each_time() -> None:
    run = state(3, 3)
    chunk = run._pushes()[0]
    one = run._push_request(chunk).json["chunks"][0]
    two = run._push_request(chunk).json["chunks"][0]
    assert one["data"]["inputs"] == [["v"], [0], [1], [2]] and one["size"] == 3
    assert one["id"] != two["id"] and chunk.ids == [one["id"], two["id"]]


def test_results_under_any_id_a_chunk_was_pushed_under_count_once() -> None:
    run = state(4, 4)
    chunk = run._pushes()[0]
    old = run._push_request(chunk).json["chunks"][0]["id"]  # its reply was lost: pushed again
    new = run._push_request(chunk).json["chunks"][0]["id"]
    assert run._pulled(pull_reply((old, 4), (new, 4))) == 4
    assert [r.index for r in run._ready()] == [0, 1, 2, 3]


def test_a_short_result_is_not_taken_so_the_chunk_goes_again() -> None:
    run = state(4, 4)
    [chunk_id] = push_all(run)
    assert run._pulled(pull_reply((chunk_id, 3))) == 0
    assert list(run._ready()) == []


def test_settled_needs_nothing_available_and_everything_processed() -> None:
    assert settled({"records_available": 0, "record_submitted": 10, "records_completed": 10})
    assert settled(
        {"records_available": 0, "records_submitted": 10, "records_completed": 8, "records_failed": 2}
    )
    assert not settled({"records_available": 1, "record_submitted": 10, "records_completed": 10})
    assert not settled({"records_available": 0, "record_submitted": 10, "records_completed": 9})
    assert not settled({"records_available": 0})  # counters missing: never guessed
    assert settled({"chunks_available": 0, "chunks_submitted": 3, "chunks_completed": 2, "chunks_failed": 1})
    assert not settled({"chunks_available": 1, "chunks_submitted": 3, "chunks_completed": 3})


def test_lost_chunks_are_found_on_the_second_settled_look_and_given_up_after_max_attempts() -> None:
    run = state(8, 4)
    push_all(run)
    calm = {
        "batch_status": "in_progress",
        "records_available": 0,
        "record_submitted": 8,
        "records_completed": 8,
    }
    assert run._judge(calm) == "wait"  # once: a counter may lag
    assert run._judge(calm) == "lost"
    assert run._judge({"batch_status": "failed"}) == "dead"
    assert run._judge({**calm, "records_completed": 4}) == "wait"
    run._progressed -= STALL + 1  # no result for that long, and Spark shows none waiting: lost too
    assert run._judge({**calm, "records_completed": 4}) == "lost"
    for _ in range(MAX_ATTEMPTS):
        push_all(run)
        run._requeue("lost")
    results = list(run._ready())
    assert [r.index for r in results] == list(range(8))
    assert all(r.missing and not r.ok and "lost" in r.errors[0]["message"] for r in results)  # type: ignore[index]
    assert run.stats.missing == 8 and run.stats.not_ok == 8


def test_transient_errors_and_backoff() -> None:
    assert is_transient(UnknownApiError("no reply")) and is_transient(UnknownApiError("x", status=502))
    assert not is_transient(BadRequestError("bad")) and not is_transient(NotFoundError("gone"))
    assert not is_transient(JobFailedError("job failed", status=500)) and not is_transient(ValueError())
    waits = [backoff(n, 0.1, rand=lambda: 1.0) for n in range(12)]
    assert waits[:3] == [0.1, 0.2, 0.4] and max(waits) == MAX_DELAY
    assert backoff(0, 1.0, rand=lambda: 0.0) == 0.5


def test_record_checks() -> None:
    with pytest.raises(SparkSdkError, match="record 2 must be a mapping"):
        read_chunk(iter([{"a": 1}, {"a": 2}, [3]]), 5, 0)  # type: ignore[list-item]
    assert RecordResult(0, {"a": 1}).ok and not RecordResult(0, {}, [{"message": "x"}]).ok
    stats = BulkStats()
    for result in (RecordResult(0, {}), RecordResult(1, {}, ["e"]), RecordResult(2, {}, missing=True)):
        stats.count(result)
    assert (stats.ok, stats.failed, stats.missing, stats.not_ok) == (1, 1, 1, 2)


def test_bad_sizes_are_refused_before_anything_is_sent() -> None:
    with Client(BASE, api_key="k", environ={}, logger=False) as spark:
        with pytest.raises(SparkSdkError, match="chunk_size"):
            spark.batches.run("f/s", [], chunk_size=0)
        with pytest.raises(SparkSdkError, match="concurrency"):
            spark.services.execute_many("f/s", [], concurrency=0)
        with pytest.raises(SparkSdkError, match="resume needs the journal"):
            spark.batches.run("f/s", [], resume=True)
        with pytest.raises(SparkSdkError, match="unknown batch option"):
            spark.batches.run("f/s", [], colour="red")  # type: ignore[call-arg]


# --- journal ----------


def test_journal_records_and_forgets_below_the_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    journal = Journal(path, {"service": "f/s"})
    assert not path.with_name("run.journal.new").exists()
    journal.pipeline("b1")
    journal.pushing(0, "t-0-0")
    journal.pushing(0, "t-0-1")
    journal.results(0, [{"outputs": {"a": 1}}])
    journal.pushing(1, "t-1-0")
    journal.checkpoint(1, 1, {"offset": 10})
    journal.close()
    again = Journal(path, {"service": "f/s"}, resume=True)
    assert (again.batch_id, again.next_index, again.cursor) == ("b1", 1, {"offset": 10})
    assert again.chunk(0) == ([], None)  # below the checkpoint: gone
    assert again.chunk(1) == (["t-1-0"], None)
    again.remove()
    assert list(tmp_path.iterdir()) == []


def test_journal_refuses_another_run_a_missing_file_and_overwriting(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with pytest.raises(JournalError, match="no journal to resume"):
        Journal(path, {"service": "f/s"}, resume=True)
    Journal(path, {"service": "f/s", "chunk_size": 5}).close()
    with pytest.raises(JournalError, match="chunk_size differ"):
        Journal(path, {"service": "f/s", "chunk_size": 6}, resume=True)
    with pytest.raises(JournalError, match="unfinished run"):
        Journal(path, {"service": "f/s"})
    (tmp_path / "junk.journal").write_text("not sqlite")
    with pytest.raises(JournalError):
        Journal(tmp_path / "junk.journal", {}, resume=True)


def test_a_resumed_run_skips_what_was_stored_and_reuses_pulled_results(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j", {"k": 1})
    journal.pushing(1, f"{journal.tag}-1-0")
    journal.results(1, [{"outputs": {"r": i}} for i in range(4)])
    journal.pushing(2, f"{journal.tag}-2-0")
    journal.checkpoint(3, 4, {"offset": 3})  # records 0..2 are stored; chunk 0 is forgotten
    run = state(12, 4, journal=journal)
    assert [c.seq for c in run._chunks] == [0, 1, 2]  # chunk 0 still holds record 3
    assert run._chunks[1].results is not None and run._chunks[2].ids == [f"{journal.tag}-2-0"]
    assert [c.seq for c in run._pushes()] == [0, 2]  # not re-attached: the old pipeline is not trusted
    journal.close()


# --- execute_many over a mock transport ----------


class SlowSpark:
    """A v4 execute endpoint that answers each record with its own inputs after a random short pause, and
    remembers the most requests it had in flight at once."""

    def __init__(self, fail_every: int = 0) -> None:
        self.lock, self.now, self.peak, self.calls, self.fail_every = threading.Lock(), 0, 0, 0, fail_every

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.now += 1
            self.calls += 1
            self.peak = max(self.peak, self.now)
            calls = self.calls
        try:
            time.sleep(random.uniform(0.001, 0.01))
            if self.fail_every and calls % self.fail_every == 0:
                return httpx.Response(503, json={"error": {"message": "busy"}})
            records = json.loads(request.content)["inputs"]
            return httpx.Response(200, json={"outputs": records, "errors": [None] * len(records)})
        finally:
            with self.lock:
                self.now -= 1


def test_execute_many_keeps_order_bounds_concurrency_and_retries() -> None:
    spark_server = SlowSpark(fail_every=4)
    http = httpx.Client(transport=httpx.MockTransport(spark_server))
    options = {"environ": {}, "logger": False, "retry_interval": 0.001, "max_retries": 0, "http_client": http}
    seen: list[int] = []
    with Client(BASE, api_key="k", **options) as spark:
        run = spark.services.execute_many(
            "f/s", ({"i": i} for i in range(100)), chunk_size=3, concurrency=3,
            on_progress=lambda stats: seen.append(stats.records),
        )  # fmt: skip
        results = list(run)
    assert [r.outputs["i"] for r in results] == list(range(100))
    assert [r.inputs for r in results] == [{"i": i} for i in range(100)]
    assert spark_server.peak <= 3 and run.stats.retried > 0 and seen[-1] == 100


def test_execute_many_async_twin_and_its_timeout() -> None:
    always_busy = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(503, json={})))

    async def main() -> list[Any]:
        options = {"environ": {}, "logger": False, "retry_interval": 0.001, "max_retries": 0}
        async with AsyncClient(BASE, api_key="k", http_client=always_busy, **options) as spark:
            run = spark.services.execute_many("f/s", [{"i": 1}], timeout=0.05)
            return [r async for r in run]

    with pytest.raises(JobTimeoutError, match=r"kept failing for 0\.05 s"):
        asyncio.run(main())
