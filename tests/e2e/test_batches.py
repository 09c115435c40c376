"""Batch pipelines against the emulator, for `Client` and `AsyncClient` alike."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from cspark_core import SparkSdkError
from cspark_core.resources.batches import (
    ResultRows,
    batch_id_of,
    create_chunks,
    records_available,
    records_progress,
)

SERVICE = "my-folder/my-service"


def pull_all(pipe: Any, rows: ResultRows, timeout: float = 20.0) -> None:
    """Poll the status and pull whenever records are waiting, until every record is back."""
    deadline = time.monotonic() + timeout
    while not rows.complete:
        assert time.monotonic() < deadline, "the batch did not return every record in time"
        if records_available(pipe.get_status()):
            rows.add(pipe.pull(2))
        else:
            time.sleep(0.05)


def test_full_life_cycle_returns_every_record_in_input_order(spark: Any) -> None:
    created = spark.batches.create(SERVICE, max_runners=4, correlation_id="e2e-batch")
    assert created.data["data"]["batch_status"] == "created"
    pipe = spark.batches.of(batch_id_of(created))
    records = [{"value": v} for v in range(45)]
    chunks = create_chunks(records, size=10)
    rows = ResultRows(chunks)

    assert records_progress(pipe.push(chunks[:3]))[1] == 30
    pipe.push(chunks[3:])
    pull_all(pipe, rows)

    outputs = [row["outputs"] for row in rows.rows() if row]
    assert [o["doubled"] for o in outputs] == [2 * v for v in range(45)]
    assert outputs[7]["squared"] == 49
    assert records_progress(pipe.get_status()) == (45, 45)

    pipe.dispose()
    assert pipe.state == "closed"
    assert pipe.get_info().data["data"]["batch_status"] in ("closed", "completed")
    with pytest.raises(SparkSdkError, match="closed"):
        pipe.push(inputs=records)
    recent = spark.batches.describe().data
    listed = recent["in_progress_batches"] + recent["recent_batches"]
    assert pipe.batch_id in [b["id"] for b in listed]


def test_push_inputs_splits_records_into_chunks(spark: Any) -> None:
    pipe = spark.batches.of(batch_id_of(spark.batches.create(SERVICE)))
    pushed = pipe.push(inputs=[["value"], *([v] for v in range(25))], chunk_size=10)
    assert records_progress(pushed)[1] == 25
    assert pipe.get_status().data["chunks_submitted"] == 3
    pipe.cancel()


def test_pull_then_dispose_keeps_results_and_cancel_stops_everything(spark: Any) -> None:
    pipe = spark.batches.of(batch_id_of(spark.batches.create(SERVICE)))
    chunks = create_chunks([{"value": v} for v in range(6)], size=3)
    pipe.push(chunks)
    pipe.dispose()
    rows = ResultRows(chunks)
    pull_all(pipe, rows)  # a closed pipeline still hands back what it processed
    assert rows.complete

    other = spark.batches.of(batch_id_of(spark.batches.create(SERVICE)))
    other.push(inputs=[{"value": 1}, {"value": 2}])
    other.cancel()
    assert other.state == "cancelled"
    assert other.get_info().data["data"]["batch_status"] == "cancelled"
    for action in (other.pull, other.dispose, lambda: other.push(inputs=[{"value": 3}])):
        with pytest.raises(SparkSdkError, match="cancelled"):
            action()


def test_raw_push_and_chunk_data(spark: Any) -> None:
    pipe = spark.batches.of(batch_id_of(spark.batches.create(SERVICE)))
    raw = json.dumps({"chunks": [{"id": "raw-1", "size": 2, "data": {"inputs": [["value"], [5], [6]]}}]})
    pipe.push(raw=raw)
    pipe.push({"inputs": [["value"], [7]]})
    rows = ResultRows([{"id": "raw-1", "size": 2}])
    deadline = time.monotonic() + 20
    got: list[dict[str, Any]] = []
    while len(got) < 2 and time.monotonic() < deadline:
        got += pipe.pull().data["data"]
        time.sleep(0.05)
    assert {c["id"] for c in got} >= {"raw-1"}
    rows.add([c for c in got if c["id"] == "raw-1"])
    assert [r["outputs"]["doubled"] for r in rows.rows() if r] == [10, 12]
    pipe.cancel()


def test_unknown_service_is_not_found(spark: Any) -> None:
    from cspark_core import NotFoundError

    with pytest.raises(NotFoundError):
        spark.batches.create("my-folder/no-such-service")
