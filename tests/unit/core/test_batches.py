"""Batch pipelines: chunking, the create body, paths, result re-ordering and the client-side
state rules, with no sockets (httpx.MockTransport records what would have been sent)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from cspark_core import Client, SparkSdkError
from cspark_core.resources.batches import (
    ResultRows,
    batch_id_of,
    chunk_results,
    create_chunks,
    create_request,
    error_percentage,
    pull_request,
    records_available,
    records_progress,
    to_columnar,
)
from cspark_core.response import SparkResponse

BASE = "http://127.0.0.1:9/acme"


# --- chunking -----------------------------------------------------------------------------------------------


def test_records_become_a_columnar_table_in_first_seen_key_order() -> None:
    records = [{"age": 42, "smoker": False}, {"smoker": True, "age": 37, "region": "EU"}]
    assert to_columnar(records) == [["age", "smoker", "region"], [42, False, None], [37, True, "EU"]]


def test_a_table_with_a_header_row_and_columns_are_accepted() -> None:
    table = [["age", "smoker"], [42, False]]
    assert to_columnar(table) == table
    assert to_columnar({"age": [42, 37], "smoker": [False, True]}) == [
        ["age", "smoker"],
        [42, False],
        [37, True],
    ]


@pytest.mark.parametrize(
    "records",
    [
        [["age"], [1, 2]],  # row longer than the header
        [[1, 2], [3, 4]],  # header of numbers
        {"a": [1], "b": [1, 2]},  # ragged columns
        [{"a": 1}, [1]],  # mixed
        "age,smoker",
    ],
)
def test_malformed_records_are_refused_before_sending(records: Any) -> None:
    with pytest.raises(SparkSdkError):
        to_columnar(records)


def test_create_chunks_repeats_the_header_and_gives_unique_ids() -> None:
    records = [{"value": i} for i in range(450)]
    chunks = create_chunks(records, size=200, parameters={"region": "EU"})
    assert [c["size"] for c in chunks] == [200, 200, 50]
    assert all(c["data"]["inputs"][0] == ["value"] for c in chunks)
    assert all(c["data"]["parameters"] == {"region": "EU"} for c in chunks)
    assert len({c["id"] for c in chunks}) == 3
    values = [row[0] for c in chunks for row in c["data"]["inputs"][1:]]
    assert values == list(range(450))
    assert "summary" not in chunks[0]["data"]


def test_create_chunks_of_nothing_is_no_chunks_and_size_is_checked() -> None:
    assert create_chunks([]) == []
    assert create_chunks([["value"]]) == []
    for bad in (0, -1, 1.5, True):
        with pytest.raises(SparkSdkError, match="chunk size"):
            create_chunks([{"value": 1}], size=bad)  # type: ignore[arg-type]


# --- create -------------------------------------------------------------------------------------------------


def test_create_body_uses_spark_names_and_drops_nulls() -> None:
    req = create_request(
        "pricing/quote[1.4.0]", active_since="2025-01-01", subservices=["a", "b"], selected_outputs="premium",
        correlation_id="c-1", unique_record_key=["id"], min_runners=2, max_runners=8, chunks_per_vm=3,
        runners_per_vm=4, max_input_size=10, max_output_size=20.5, accuracy=0.95, extras={"custom": 1},
    )  # fmt: skip
    assert (req.method, req.path, req.scope) == ("POST", "api/v4/batch", "tenant")
    assert req.json == {
        "service": "pricing/quote[1.4.0]",
        "version_by_timestamp": "2025-01-01",
        "subservice": "a,b",
        "output": "premium",
        "call_purpose": "Async Batch Execution",
        "source_system": "cspark",
        "correlation_id": "c-1",
        "unique_record_key": "id",
        "initial_workers": 2,
        "max_workers": 8,
        "chunks_per_request": 3,
        "runner_thread_count": 4,
        "max_input_size_in_mb": 10,
        "max_output_size_in_mb": 20.5,
        "acceptable_error_percentage": 5,
        "custom": 1,
    }


def test_create_by_ids_and_defaults() -> None:
    body = create_request("version/9f8e").json
    assert body == {
        "version_id": "9f8e",
        "call_purpose": "Async Batch Execution",
        "source_system": "cspark",
        "acceptable_error_percentage": 0,
    }
    assert create_request("service/5c0d").json["service"] == "5c0d"


def test_active_since_dates_and_datetimes() -> None:
    aware = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    assert (
        create_request("f/s", active_since=aware).json["version_by_timestamp"] == "2025-03-02T09:00:00.000Z"
    )
    assert create_request("f/s", active_since=date(2025, 3, 2)).json["version_by_timestamp"] == "2025-03-02"


@pytest.mark.parametrize(
    ("accuracy", "percent"), [(1.0, 0), (1.5, 0), (0.95, 5), (0.9, 10), (0.333, 67), (0, 100)]
)
def test_accuracy_becomes_acceptable_error_percentage(accuracy: float, percent: int) -> None:
    assert error_percentage(accuracy) == percent


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({"accuracy": -0.1}, "accuracy"),
        ({"min_runners": 0}, "min_runners"),
        ({"max_runners": 2.5}, "max_runners"),
        ({"min_runners": 5, "max_runners": 2}, "min_runners"),
        ({"max_input_size": -1}, "max_input_size"),
        ({"subservices": ["a", " "]}, "subservices"),
    ],
)
def test_bad_create_options_name_the_argument(options: dict[str, Any], word: str) -> None:
    with pytest.raises(SparkSdkError, match=word):
        create_request("f/s", **options)


def test_a_proxy_locator_cannot_run_a_batch() -> None:
    with pytest.raises(SparkSdkError, match="batch needs"):
        create_request("proxy/custom")


# --- pipeline paths and replies -----------------------------------------------------------------------------


def test_pull_sends_max_and_checks_it() -> None:
    req = pull_request("b 1", 5)
    assert (req.path, req.params) == ("api/v4/batch/b%201/chunkresults", {"max": 5})
    with pytest.raises(SparkSdkError, match="max"):
        pull_request("b", 0)


def test_reply_readers() -> None:
    assert batch_id_of(SparkResponse(200, {"object": "batch", "id": "b-1"})) == "b-1"
    with pytest.raises(SparkSdkError):
        batch_id_of(SparkResponse(200, {"object": "batch"}))
    status = SparkResponse(200, {"records_available": 3, "records_completed": 5, "record_submitted": 9})
    pulled = SparkResponse(200, {"data": [{"id": "x"}], "status": {"records_available": 1}})
    assert (records_available(status), records_progress(status)) == (3, (5, 9))
    assert (records_available(pulled), chunk_results(pulled)) == (1, [{"id": "x"}])
    assert chunk_results(SparkResponse(200, {"data": []})) == []


def test_result_rows_restore_input_order_across_pulls() -> None:
    chunks = create_chunks([{"value": v} for v in range(5)], size=2)
    rows = ResultRows(chunks)

    def result(chunk: dict[str, Any]) -> dict[str, Any]:
        values = [row[0] for row in chunk["data"]["inputs"][1:]]
        outputs = [{"doubled": 2 * v} for v in values]
        return {"id": chunk["id"], "outputs": outputs, "warnings": [None] * len(values), "errors": None}

    assert rows.add([result(chunks[2]), result(chunks[0])]) == 3
    assert not rows.complete
    assert rows.rows()[2] is None
    assert rows.add(SparkResponse(200, {"data": [result(chunks[1])], "status": {}})) == 2
    assert rows.complete
    assert [r["outputs"]["doubled"] for r in rows.rows() if r] == [0, 2, 4, 6, 8]
    assert rows.rows()[4] == {
        "chunk_id": chunks[2]["id"], "outputs": {"doubled": 8}, "warnings": None, "errors": None,
        "process_time": None,
    }  # fmt: skip
    with pytest.raises(SparkSdkError, match="not pushed"):
        rows.add([{"id": "stranger", "outputs": [{}]}])


# --- the pipeline object over a mock transport --------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"object": "batch", "id": "b-1", "record_submitted": 1})

    def body(self, n: int = -1) -> Any:
        return json.loads(self.requests[n].content)


@pytest.fixture
def wire() -> Recorder:
    return Recorder()


@pytest.fixture
def client(wire: Recorder) -> Client:
    http = httpx.Client(transport=httpx.MockTransport(wire))
    return Client(BASE, api_key="k", environ={}, logger=False, http_client=http)


def test_pipeline_paths(client: Client, wire: Recorder) -> None:
    pipe = client.batches.of("b-1")
    client.batches.describe()
    client.batches.create("my-folder/my-service")
    pipe.get_info()
    pipe.get_status()
    pipe.push(inputs=[{"value": 1}])
    pipe.pull(7)
    pipe.dispose()
    seen = [(r.method, r.url.path, r.url.query.decode()) for r in wire.requests]
    assert seen == [
        ("GET", "/acme/api/v4/batch/status", ""),
        ("POST", "/acme/api/v4/batch", ""),
        ("GET", "/acme/api/v4/batch/b-1", ""),
        ("GET", "/acme/api/v4/batch/b-1/status", ""),
        ("POST", "/acme/api/v4/batch/b-1/chunks", ""),
        ("GET", "/acme/api/v4/batch/b-1/chunkresults", "max=7"),
        ("PATCH", "/acme/api/v4/batch/b-1", ""),
    ]
    assert wire.body() == {"batch_status": "closed"}


def test_push_inputs_are_split_into_chunks(client: Client, wire: Recorder) -> None:
    client.batches.of("b-1").push(inputs=[{"value": v} for v in range(5)], chunk_size=2, summary={"x": 1})
    chunks = wire.body()["chunks"]
    assert [c["size"] for c in chunks] == [2, 2, 1]
    assert chunks[0]["data"] == {"inputs": [["value"], [0], [1]], "parameters": {}, "summary": {"x": 1}}


def test_push_data_accepts_chunks_or_one_chunks_data(client: Client, wire: Recorder) -> None:
    pipe = client.batches.of("b-1")
    pipe.push({"inputs": [["value"], [3]]})
    (chunk,) = wire.body()["chunks"]
    assert chunk["size"] == 1 and chunk["data"]["parameters"] == {} and chunk["id"]
    pipe.push([{"id": "c1", "size": 1, "data": {"inputs": [["value"], [4]], "parameters": {"p": 1}}}])
    assert wire.body()["chunks"] == [
        {"id": "c1", "size": 1, "data": {"inputs": [["value"], [4]], "parameters": {"p": 1}}}
    ]
    with pytest.raises(SparkSdkError, match=r"data\.inputs"):
        pipe.push([{"id": "c2"}])


def test_push_raw_is_sent_as_is(client: Client, wire: Recorder) -> None:
    raw = '{"chunks": [{"id": "r1", "size": 1, "data": {"inputs": [["value"], [1]]}}]}'
    client.batches.of("b-1").push(raw=raw)
    assert wire.requests[-1].content == raw.encode()
    assert wire.requests[-1].headers["content-type"] == "application/json"
    with pytest.raises(SparkSdkError, match="JSON"):
        client.batches.of("b-1").push(raw="{not json")


def test_push_takes_exactly_one_source(client: Client, wire: Recorder) -> None:
    pipe = client.batches.of("b-1")
    with pytest.raises(SparkSdkError, match="exactly one"):
        pipe.push()
    with pytest.raises(SparkSdkError, match="exactly one"):
        pipe.push({"inputs": [["v"], [1]]}, inputs=[{"v": 1}])
    with pytest.raises(SparkSdkError, match="no records"):
        pipe.push(inputs=[])
    assert wire.requests == []


def test_duplicate_chunk_ids_follow_the_policy(client: Client, wire: Recorder) -> None:
    pipe = client.batches.of("b-1")
    chunk = {"id": "same", "data": {"inputs": [["v"], [1]]}}
    pipe.push([chunk])
    pipe.push([chunk])
    assert wire.body()["chunks"][0]["id"] != "same"  # replace (the default) gives a new id
    with pytest.raises(SparkSdkError, match="already pushed"):
        pipe.push([chunk], if_chunk_id_duplicated="throw")
    with pytest.raises(SparkSdkError, match="already pushed"):
        pipe.push([chunk], if_chunk_id_duplicated="ignore")
    assert len(wire.requests) == 2


def test_no_push_after_dispose_and_nothing_after_cancel(client: Client, wire: Recorder) -> None:
    pipe = client.batches.of("b-1")
    assert pipe.state == "open"
    pipe.dispose()
    assert pipe.state == "closed" and pipe.is_disposed
    with pytest.raises(SparkSdkError, match="closed"):
        pipe.push(inputs=[{"v": 1}])
    pipe.pull()  # results of a closed pipeline stay pullable
    pipe.cancel()
    assert wire.body() == {"batch_status": "cancelled"} and pipe.state == "cancelled"
    sent = len(wire.requests)
    for action in (lambda: pipe.push(inputs=[{"v": 1}]), pipe.pull, pipe.dispose, pipe.cancel):
        with pytest.raises(SparkSdkError, match="cancelled"):
            action()
    assert len(wire.requests) == sent
    pipe.get_status()  # status stays readable


def test_a_failed_close_keeps_the_pipeline_open() -> None:
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(404, json={"message": "nope"}))
    )
    with Client(BASE, api_key="k", environ={}, logger=False, http_client=http) as client:
        pipe = client.batches.of("b-1")
        with pytest.raises(Exception, match="nope"):
            pipe.dispose()
        assert pipe.state == "open"


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("2025-03-02", "2025-03-02"),
        (date(2025, 3, 2), "2025-03-02"),
        (datetime(2025, 3, 2, 9, 0), "2025-03-02T09:00:00.000Z"),  # naive: taken as UTC
        (datetime(2025, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=1))), "2025-03-02T09:00:00.000Z"),
    ],
)
def test_active_since_is_sent_alike_by_batches_and_v4_execute(given: Any, sent: str) -> None:
    """Both bodies carry the same field, `version_by_timestamp`, so one value means one text."""
    from cspark_core.resources.services import execute_request

    assert create_request("f/s", active_since=given).json["version_by_timestamp"] == sent
    assert execute_request("f/s", [{"a": 1}], {"active_since": given}).json["version_by_timestamp"] == sent
    assert (
        execute_request("f/s", {"a": 1}, {"active_since": given}).json["request_meta"]["transaction_date"]
        == sent
    )


def test_batch_detail_reads_data_or_meta_beside_the_id() -> None:
    from cspark_core import SparkResponse
    from cspark_core.resources.batches import batch_detail, described_batches

    assert batch_detail(SparkResponse(200, {"id": "b1", "data": {"status": "closed"}})) == {
        "id": "b1",
        "status": "closed",
    }
    assert (
        batch_detail(SparkResponse(200, {"id": "b1", "meta": {"status": "cancelled"}}))["status"]
        == "cancelled"
    )
    assert batch_detail(SparkResponse(200, None)) == {}
    both = {"in_progress_batches": [{"id": "a"}], "recent_batches": [{"id": "b"}]}
    assert [row["id"] for row in described_batches(SparkResponse(200, both))] == ["a", "b"]
