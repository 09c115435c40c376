"""Fidelity audit against spark-api.md: each test pins a discrepancy that was found and fixed."""

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
    """§8.5: a bad ``summary`` used to kill the background worker, so no batch ever finished again."""
    first = _batch(api)
    for summary in ({"aggregation": [5]}, {"aggregation": "premium"}, {"aggregation": [{"operator": "SUM"}]}):
        reply = api.post(f"{BATCH}/{first}/chunks", json={"chunks": [_chunk("bad", 1, summary=summary)]})
        assert reply.status_code == 400, reply.text
    second = _batch(api)
    assert api.post(f"{BATCH}/{second}/chunks", json={"chunks": [_chunk("ok", 2, 3)]}).status_code == 200
    status = api.get(f"{BATCH}/{second}/status").json()
    assert status["records_completed"] == 2 and status["records_available"] == 2
