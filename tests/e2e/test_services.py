"""Every services method against the real emulator over HTTP, for `Client` and `AsyncClient` alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cspark_core import (
    Client,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    SparkSdkError,
    UnauthorizedError,
    UriParams,
)
from cspark_core.resources.services import next_page
from tests.emulator.emuhelp import admin_call

SAMPLES = Path(__file__).resolve().parents[2] / "cspark_emulator" / "samples"
WORKBOOK = SAMPLES / "my-folder" / "my-service.xlsx"
SERVICE = "my-folder/my-service"


def doubled(value: int) -> dict[str, Any]:
    return {"doubled": value * 2, "squared": value * value, "label": f"Value is {value}"}


def admin(emulator: Any, path: str, body: dict[str, Any]) -> None:
    admin_call(emulator, "POST", path, body)


def save_transform(emulator: Any, folder: str, name: str, document: dict[str, Any]) -> None:
    headers = {"x-synthetic-key": emulator.api_key, "x-tenant-name": emulator.url.rsplit("/", 1)[-1]}
    body = {"transform_content": json.dumps(document)}
    url = f"{emulator.url}/api/v4/transforms/{folder}/{name}"
    httpx.post(url, json=body, headers=headers, timeout=10).raise_for_status()


# --- the seed SDK's examples, as written -------------------------------------------------------------------


def test_seed_example_execute(emulator: Any) -> None:
    import cspark.sdk as Spark

    with Spark.Client(base_url=emulator.url, api_key=emulator.api_key) as spark:
        data = spark.services.execute("my-folder/my-service", inputs={"value": 42}).data
    assert data["status"] == "Success"
    assert data["response_data"]["outputs"] == doubled(42)


def test_public_service_with_the_open_key(emulator: Any) -> None:
    admin(emulator, "services/my-folder/my-service", {"public": True})
    with Client(emulator.url, api_key="open", environ={}, logger=False) as spark:
        uri = UriParams(folder="my-folder", service="my-service", public=True)
        assert spark.services.execute(uri, inputs={"value": 3}).outputs == doubled(3)
        assert spark.services.execute(uri, inputs=[{"value": 1}, {"value": 2}]).records == [
            doubled(1),
            doubled(2),
        ]


def test_a_private_service_refuses_public_calls(emulator: Any) -> None:
    uri = UriParams(folder="pricing", service="quote", public=True)
    with (
        Client(emulator.url, api_key="open", environ={}, logger=False) as spark,
        pytest.raises(UnauthorizedError),
    ):
        spark.services.execute(uri, inputs={})


# --- execute -----------------------------------------------------------------------------------------------


def test_execute_one_record_goes_to_v3(spark: Any) -> None:
    res = spark.services.execute(SERVICE, inputs={"value": 5}, correlation_id="run-1")
    assert res.outputs == doubled(5)
    assert res.data["response_meta"]["version"] == "0.1.0"
    assert res.data["response_meta"]["correlation_id"] == "run-1"
    assert res.request_id


def test_execute_many_records_goes_to_v4(spark: Any) -> None:
    res = spark.services.execute(SERVICE, inputs=[{"value": v} for v in range(5)])
    assert res.records == [doubled(v) for v in range(5)]
    assert "response_data" not in res.data and len(res.data["process_time"]) == 5


def test_execute_columnar_inputs(spark: Any) -> None:
    res = spark.services.execute(SERVICE, inputs=[["value"], [7], [8]])
    assert res.records == [doubled(7), doubled(8)]


def test_execute_defaults_when_no_inputs(spark: Any) -> None:
    outputs = spark.services.execute("pricing/quote").outputs
    assert outputs["annual_premium"] == 412.5 and outputs["rate"] == 1.55


def test_execute_by_ids_and_versions(spark: Any) -> None:
    spark.services.recompile(SERVICE, wait=True, poll_interval=0.05)  # 0.1.0 -> 0.1.1
    versions = {v["revision"]: v["id"] for v in spark.services.get_versions(SERVICE).data["data"]}
    assert set(versions) == {"0.1.0", "0.1.1"}
    latest = spark.services.execute(SERVICE, inputs={"value": 1}).data["response_meta"]
    assert latest["version"] == "0.1.1"
    pinned = spark.services.execute(f"{SERVICE}[0.1.0]", inputs={"value": 1}).data["response_meta"]
    assert (pinned["version"], pinned["version_id"]) == ("0.1.0", versions["0.1.0"])
    assert (
        spark.services.execute(SERVICE, {"value": 1}, version="0.1.0").data["response_meta"]["version"]
        == "0.1.0"
    )
    by_version = spark.services.execute(f"version/{versions['0.1.0']}", inputs={"value": 2})
    assert by_version.outputs == doubled(2) and by_version.data["response_meta"]["version"] == "0.1.0"
    by_service = spark.services.execute(f"service/{latest['service_id']}", inputs={"value": 2})
    assert by_service.data["response_meta"]["version"] == "0.1.1"
    many = spark.services.execute(f"{SERVICE}[0.1.0]", inputs=[{"value": 1}, {"value": 2}])
    assert many.data["version"] == "0.1.0"
    many_by_id = spark.services.execute(f"version/{versions['0.1.0']}", inputs=[{"value": 3}, {"value": 4}])
    assert many_by_id.records == [doubled(3), doubled(4)] and many_by_id.data["version"] == "0.1.0"


def test_execute_output_options(spark: Any) -> None:
    picked = spark.services.execute("pricing/quote", inputs={}, selected_outputs=["rate", "summary"]).outputs
    assert set(picked) == {"rate", "summary"}
    tables = spark.services.execute("pricing/portfolio", inputs={}, tables_as_array="premiums").outputs
    assert tables["premiums"][0] == ["policy_id", "rate", "premium"]
    echoed = spark.services.execute(SERVICE, inputs={"value": 9}, echo_inputs=True).data["response_data"]
    assert echoed["inputs"]["value"] == 9


def test_execute_alike_format(spark: Any) -> None:
    res = spark.services.execute(SERVICE, inputs={"value": 4}, response_format="alike")
    assert res.data["outputs"] == [doubled(4)] and res.data["version"] == "0.1.0"
    assert res.records == [doubled(4)]


def test_execute_many_streams_in_order_through_lost_replies(spark: Any, emulator: Any) -> None:
    emulator.inject("lose", every=2, path="/execute")
    results = list(spark.services.execute_many(SERVICE, ({"value": v} for v in range(11)), chunk_size=4))
    assert [r.outputs for r in results] == [doubled(v) for v in range(11)]
    assert [r.index for r in results] == list(range(11)) and all(r.ok for r in results)


def test_batches_run_streams_in_order_through_lost_pulls(spark: Any, emulator: Any) -> None:
    emulator.inject("lose", count=1, path="/chunkresults")
    records = ({"value": v} for v in range(11))
    results = list(spark.batches.run(SERVICE, records, chunk_size=4, poll_interval=0.01))
    assert [r.outputs for r in results] == [doubled(v) for v in range(11)]


def test_execute_unknown_service_is_not_found(spark: Any) -> None:
    with pytest.raises(NotFoundError):
        spark.services.execute("my-folder/nope", inputs={"value": 1})


def test_bad_inputs_fail_before_sending(spark: Any) -> None:
    with pytest.raises(SparkSdkError, match="inputs"):
        spark.services.execute(SERVICE, inputs=[{"value": 1}, 2])


# --- transform ---------------------------------------------------------------------------------------------


def test_transform_with_a_folder_document(spark: Any, emulator: Any) -> None:
    document = {
        "transform_type": "JSONtransforms_v1.0.1",
        "target_api_version": "v3",
        "input_body_transform": {"value": "payload.amount"},
        "output_body_transform": {"result": "response_data.outputs.doubled"},
    }
    save_transform(emulator, "my-folder", "my-service", document)
    res = spark.services.transform(SERVICE, {"payload": {"amount": 21}}, correlation_id="t-1")
    assert res.data == {"result": 42}
    save_transform(emulator, "tfs", "double", document)
    assert spark.services.transform(SERVICE, {"payload": {"amount": 5}}, using="tfs/double").data == {
        "result": 10
    }


def test_transform_legacy_name_and_v4(spark: Any, emulator: Any) -> None:
    document = {"transform_type": "JSONtransforms_v1.0.1", "target_api_version": "v4"}
    save_transform(emulator, "transforms", "batchy", document)
    res = spark.services.transform(
        SERVICE, {"inputs": [{"value": 1}, {"value": 2}]}, using="batchy", api_version="v4"
    )
    assert res.data["response_data"]["outputs"] == [doubled(1), doubled(2)]


# --- create, compile, publish, recompile -------------------------------------------------------------------


def test_create_uploads_compiles_and_publishes(spark: Any) -> None:
    polls: list[Any] = []
    res = spark.services.create(
        "new-service", "my-folder", file=WORKBOOK, poll_interval=0.05, on_poll=polls.append, track_user=True
    )
    assert set(res.data) == {"upload", "compilation", "publication"}
    assert res.data["compilation"]["response_data"]["progress"] == 100 and polls
    version_id = res.data["publication"]["response_data"]["version_id"]
    assert spark.services.exists("my-folder/new-service")
    out = spark.services.execute(f"version/{version_id}", inputs={"value": 6})
    assert out.outputs == doubled(6) and out.data["response_meta"]["version"] == "0.1.0"


def test_create_from_a_locator_bytes_and_file_object(spark: Any) -> None:
    spark.services.create(
        "my-folder/from-bytes", file=WORKBOOK.read_bytes(), versioning="major", poll_interval=0.05
    )
    with WORKBOOK.open("rb") as handle:
        spark.services.create("my-folder/from-bytes", file=handle, versioning="patch", poll_interval=0.05)
    revisions = sorted(
        v["revision"] for v in spark.services.get_versions("my-folder/from-bytes").data["data"]
    )
    assert revisions == ["1.0.0", "1.0.1"]


def test_compile_then_publish_separately(spark: Any) -> None:
    built = spark.services.compile("my-folder/two-step", file=WORKBOOK, poll_interval=0.05)
    upload = built.data["upload"]["response_data"]
    job = upload["nodegen_compilation_jobid"]
    status = spark.services.get_compilation_status("my-folder/two-step", job)
    assert status.data["response_data"]["status"] == "Success"
    assert not spark.services.exists("my-folder/two-step")
    published = spark.services.publish(
        "two-step",
        "my-folder",
        file_id=upload["original_file_documentid"],
        engine_id=upload["engine_file_documentid"],
        release_notes="first",
    )
    assert published.data["response_data"]["version_id"]
    assert spark.services.execute("my-folder/two-step", inputs={"value": 2}).outputs == doubled(2)


def test_upload_starts_a_compilation_without_waiting(spark: Any) -> None:
    upload = spark.services.upload("my-folder/uploaded", file=WORKBOOK).data["response_data"]
    job = upload["nodegen_compilation_jobid"]
    status = spark.services.get_compilation_status("my-folder/uploaded", job)
    assert status.data["response_data"]["progress"] == 100
    spark.services.publish(
        "my-folder/uploaded",
        file_id=upload["original_file_documentid"],
        engine_id=upload["engine_file_documentid"],
    )
    assert spark.services.execute("my-folder/uploaded", inputs={"value": 5}).outputs == doubled(5)


def test_a_workbook_that_does_not_compile_is_not_published(spark: Any) -> None:
    with pytest.raises(JobFailedError) as info:
        spark.services.create("my-folder/broken", file=b"not a workbook", poll_interval=0.05)
    assert not isinstance(info.value, JobTimeoutError) and info.value.job_id
    assert "compilation" in str(info.value)
    assert not spark.services.exists("my-folder/broken")


@pytest.fixture
def realistic(emulator: Any) -> Iterator[None]:
    """Compilations that take a few seconds; `reset` does not restore the speed, so this fixture does."""
    admin(emulator, "speed", {"mode": "realistic"})
    try:
        yield
    finally:
        admin(emulator, "speed", {"mode": "instant"})


@pytest.mark.usefixtures("realistic")
def test_compilation_wait_has_its_own_timeout(spark: Any) -> None:
    with pytest.raises(JobTimeoutError) as info:
        spark.services.compile("my-folder/slow", file=WORKBOOK, timeout=0.3, poll_interval=0.1)
    assert "%" in str(info.value.last_status)


@pytest.mark.slow
@pytest.mark.usefixtures("realistic")
def test_compilation_progress_is_polled_until_done(spark: Any) -> None:
    seen: list[int] = []
    on_poll = lambda res: seen.append(res.data["response_data"]["progress"])  # noqa: E731
    spark.services.create("my-folder/slow", file=WORKBOOK, timeout=30, poll_interval=0.25, on_poll=on_poll)
    assert seen[0] < 100 and seen[-1] == 100 and seen == sorted(seen)
    assert spark.services.execute("my-folder/slow", inputs={"value": 1}).outputs == doubled(1)


def test_recompile_makes_a_patch_version(spark: Any) -> None:
    res = spark.services.recompile(SERVICE, wait=True, poll_interval=0.05, label="rc", release_notes="again")
    assert res.data["response_data"]["revision"] == "0.1.1"
    revisions = [v["revision"] for v in spark.services.get_versions(SERVICE).data["data"]]
    assert sorted(revisions) == ["0.1.0", "0.1.1"]


# --- reading a service -------------------------------------------------------------------------------------


def test_exists(spark: Any) -> None:
    assert spark.services.exists(SERVICE) is True
    assert spark.services.exists("my-folder/missing") is False
    assert spark.services.exists("no-such-folder/missing") is False


def test_get_versions(spark: Any) -> None:
    versions = spark.services.get_versions(SERVICE).data["data"]
    assert [v["revision"] for v in versions] == ["0.1.0"] and versions[0]["id"]


def test_get_swagger(spark: Any) -> None:
    swagger = spark.services.get_swagger(SERVICE).data
    assert swagger["swagger"] == "2.0"
    assert any(path.endswith("/folders/my-folder/services/my-service/execute") for path in swagger["paths"])
    download = spark.services.get_swagger(SERVICE, downloadable=True)
    assert download.status == 200 and (download.buffer or download.data)


def test_get_schema_by_name_and_by_version_id(spark: Any) -> None:
    by_name = spark.services.get_schema(SERVICE).data["data"]
    assert by_name["bookSummary"]["bookServiceName"] == "my-service"
    version_id = by_name["bookSummary"]["versionId"]
    by_id = spark.services.get_schema(f"version/{version_id}").data
    assert json.dumps(by_id).count(version_id) >= 1


def test_get_metadata(spark: Any) -> None:
    res = spark.services.get_metadata("pricing/quote")
    assert res.data["status"] == "Success"
    assert all(key.startswith("Metadata.") for key in res.outputs)


def test_search_pages(spark: Any) -> None:
    everything = spark.services.search(size=-1).data["response_data"]
    assert {(s["folderName"], s["fileName"]) for s in everything} >= {
        ("my-folder", "my-service"),
        ("pricing", "quote"),
        ("pricing", "portfolio"),
    }
    first = spark.services.search(folder="pricing", size=1)
    assert len(first.data["response_data"]) == 1 and next_page(first) == 2
    second = spark.services.search(folder="pricing", size=1, page=2)
    names = {first.data["response_data"][0]["fileName"], second.data["response_data"][0]["fileName"]}
    assert names == {"quote", "portfolio"} and next_page(second) is None
    assert [s["fileName"] for s in spark.services.search("quo").data["response_data"]] == ["quote"]


def test_search_by_default_asks_for_every_service(spark: Any) -> None:
    res = spark.services.search()  # page_size -1 (everything) is the default
    assert res.data["response_meta"]["page_size"] == -1 and next_page(res) is None
    assert len(res.data["response_data"]) == len(spark.services.search(size=-1).data["response_data"])


def test_download_to_memory_and_to_a_file(spark: Any, tmp_path: Path) -> None:
    in_memory = spark.services.download(SERVICE)
    assert in_memory.buffer[:2] == b"PK"
    target = tmp_path / "book.xlsx"
    res = spark.services.download(SERVICE, to=target, type="configured", file_name="book.xlsx")
    assert res.status == 200 and target.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # no partial file left behind


def test_validate_static_and_dynamic(spark: Any) -> None:
    static = spark.services.validate("pricing/quote", {}).outputs
    assert static["plan"]["options"] == ["Basic", "Standard", "Premium"]
    young = spark.services.validate("pricing/quote", {"age": 30}, validation_type="dynamic").outputs
    old = spark.services.validate("pricing/quote", {"age": 65}, validation_type="dynamic").outputs
    assert young["term_years"]["validation_type"] == "dynamic"
    assert young["term_years"]["options"] != old["term_years"]["options"]


def test_delete(spark: Any) -> None:
    res = spark.services.delete(SERVICE)
    assert res.data["status"] == "Success"
    assert not spark.services.exists(SERVICE)
    with pytest.raises(NotFoundError):
        spark.services.execute(SERVICE, inputs={"value": 1})
