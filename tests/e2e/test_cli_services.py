"""`cspark services ...` against the real emulator over HTTP: every command, the three output formats, many
records in concurrent chunks, jobs that fail or time out (exit 7), downloads and confirmation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import Result

from cspark_cli.context import AppContext, Prompter
from tests.e2e.conftest import Run
from tests.emulator.emuhelp import admin_call

SAMPLES = Path(__file__).resolve().parents[2] / "cspark_emulator" / "samples"
WORKBOOK = SAMPLES / "my-folder" / "my-service.xlsx"
SERVICE = "my-folder/my-service"
VOLATILE = ("call_id", "request_timestamp", "process_time")  # differ from one call to the next


def expected(value: int) -> dict[str, Any]:
    return {"doubled": value * 2, "squared": value * value, "label": f"Value is {value}"}


def stable(body: dict[str, Any]) -> dict[str, Any]:
    """A v3 body without what changes on every call."""
    meta = {k: v for k, v in body["response_meta"].items() if k not in VOLATILE}
    return {**body, "response_meta": meta}


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def usage_error(result: Result, *names: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    for name in names:
        assert name in result.stderr
    return result.stderr


# --- execute: one record ------------------------------------------------------------------------------------


def test_execute_prints_the_outputs(run: Run) -> None:
    result = ok(run("services", "execute", SERVICE, "--inputs", "value=42"))
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines())
    assert {k: v.strip() for k, v in lines.items()} == {
        "doubled": "84",
        "squared": "1764",
        "label": "Value is 42",
    }
    (said,) = result.stderr.splitlines()  # the call id, for `logs get`, on stderr: stdout stays data
    call_id = said.split()[2]
    assert said == f"call id: {call_id} (`cspark logs get {call_id}`)"
    assert ok(run("logs", "get", call_id, "-o", "json")).exit_code == 0
    quiet = ok(run("services", "execute", SERVICE, "--inputs", "value=42", "-q"))
    assert quiet.stderr == ""


def test_execute_json_carries_the_call_id_as_spark_sent_it(run: Run) -> None:
    result = ok(run("services", "execute", SERVICE, "value=42", "-o", "json"))
    assert json.loads(result.stdout)["response_meta"]["call_id"] and result.stderr == ""


def test_a_refused_loopback_address_hints_at_the_emulator(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CSPARK_BASE_URL", f"http://127.0.0.1:{port}/local")
    monkeypatch.setenv("CSPARK_MAX_RETRIES", "0")
    result = run("services", "execute", SERVICE, "value=1")
    assert result.exit_code == 6
    assert result.stderr.splitlines()[-1] == (
        f"hint: nothing listens at http://127.0.0.1:{port}: start the emulator with `cspark emulator start`"
    )


def test_execute_json_is_the_sdk_data(run: Run, sdk: Any) -> None:
    result = ok(run("-o", "json", "services", "execute", SERVICE, "--inputs", "value=42"))
    body = json.loads(result.stdout)
    assert stable(body) == stable(sdk.services.execute(SERVICE, {"value": 42}).data)
    assert body["response_data"]["outputs"] == expected(42)


def test_execute_csv_with_echoed_inputs(run: Run) -> None:
    result = ok(run("services", "execute", SERVICE, "--inputs", '{"value": 3}', "--echo-inputs", "-o", "csv"))
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["value", "doubled", "label", "squared"],
        ["3", "6", "Value is 3", "9"],
    ]


def test_execute_takes_inputs_after_the_locator_too(run: Run, sdk: Any) -> None:
    result = ok(run("-o", "json", "services", "execute", "pricing/quote", "--inputs", "age=45", "smoker=Yes"))
    outputs = json.loads(result.stdout)["response_data"]["outputs"]
    assert outputs == sdk.services.execute("pricing/quote", {"age": 45, "smoker": "Yes"}).outputs
    assert outputs != sdk.services.execute("pricing/quote", {"age": 45}).outputs  # smoker=Yes was sent
    both = ok(run("-o", "json", "services", "execute", SERVICE, "value=2", "--inputs", "value=7"))
    assert json.loads(both.stdout)["response_data"]["outputs"] == expected(2)  # later entries win
    usage_error(run("services", "execute", SERVICE, "value"), "value")


def test_execute_inputs_from_a_file_and_stdin(run: Run, tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text('{"value": 5}')
    from_file = ok(run("-o", "json", "services", "execute", SERVICE, "--inputs", f"@{tmp_path / 'in.json'}"))
    assert json.loads(from_file.stdout)["response_data"]["outputs"] == expected(5)
    from_stdin = ok(run("-o", "json", "services", "execute", SERVICE, "--inputs", "-", input='{"value": 6}'))
    assert json.loads(from_stdin.stdout)["response_data"]["outputs"] == expected(6)


def test_execute_options_reach_spark(run: Run, sdk: Any) -> None:
    version_id = sdk.services.get_versions(SERVICE).data["data"][0]["id"]
    args = [
        "--inputs",
        "value=2",
        "--outputs",
        "doubled",
        "--correlation-id",
        "c-42",
        "--version-id",
        version_id,
    ]
    body = json.loads(ok(run("-o", "json", "services", "execute", SERVICE, *args)).stdout)
    assert body["response_data"]["outputs"] == {"doubled": 4}
    assert body["response_meta"]["correlation_id"] == "c-42"
    assert body["response_meta"]["version_id"] == version_id
    dated = ["--transaction-date", "2030-01-01", "--call-purpose", "test", "--source-system", "ci"]
    assert ok(run("services", "execute", SERVICE, "--inputs", "value=1", *dated)).stdout


def test_execute_alike_reshapes_like_v4(run: Run) -> None:
    args = ("-o", "json", "services", "execute", SERVICE, "--inputs", "value=4", "--response-format", "alike")
    assert json.loads(ok(run(*args)).stdout)["outputs"] == [expected(4)]


# --- execute: many records ----------------------------------------------------------------------------------


def test_records_run_in_concurrent_chunks_in_input_order(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps({"value": i}) + "\n" for i in range(57)))
    args = ("--records", str(path), "--chunk-size", "5", "--concurrency", "4")
    body = json.loads(ok(run("-o", "json", "services", "execute", SERVICE, *args)).stdout)
    assert [item["outputs"] for item in body] == [expected(i) for i in range(57)]
    assert [item["index"] for item in body] == list(range(57))
    assert all(item["errors"] is None for item in body)


def test_records_table_and_csv_show_one_row_per_record(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_text("value\n1\n2\n3\n")
    table = ok(run("services", "execute", SERVICE, "--records", str(path))).stdout.splitlines()
    assert table[0].split() == ["doubled", "label", "squared"]
    assert [line.split()[0] for line in table[1:]] == ["2", "4", "6"]
    rows = ok(
        run("-o", "csv", "services", "execute", SERVICE, "--records", str(path), "--echo-inputs")
    ).stdout
    assert list(csv.DictReader(io.StringIO(rows))) == [
        {"value": str(i), "doubled": str(2 * i), "label": f"Value is {i}", "squared": str(i * i)}
        for i in (1, 2, 3)
    ]


def test_records_from_stdin(run: Run) -> None:
    result = ok(run("-o", "json", "services", "execute", SERVICE, "--records", "-", input='[{"value": 7}]'))
    assert [item["outputs"] for item in json.loads(result.stdout)] == [expected(7)]


def test_a_failing_chunk_stops_the_run(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text('{"value": 1}\n')
    result = run("services", "execute", "my-folder/nope", "--records", str(path))
    assert result.exit_code == 3, result.stderr
    assert result.stdout == "" and result.stderr.startswith("error: ")


# --- execute: bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["bad-locator", "--inputs", "value=1"], "LOCATOR"),
        ([SERVICE, "--inputs", "value"], "--inputs"),
        ([SERVICE, "--inputs", "{not json"], "--inputs"),
        ([SERVICE, "--transaction-date", "yesterday"], "--transaction-date"),
        ([SERVICE, "--extras", "[1]"], "--extras"),
        ([SERVICE, "--response-format", "pretty"], "--response-format"),
        ([SERVICE, "--chunk-size", "0", "--records", "-"], "--chunk-size"),
        ([SERVICE, "--records", "missing.csv"], "--records"),
    ],
)
def test_bad_execute_input_is_a_usage_error(run: Run, args: list[str], flag: str) -> None:
    usage_error(run("services", "execute", *args), flag)


def test_records_problems_name_the_flag(run: Run, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "ragged.csv").write_text("value\n1,2\n")
    usage_error(run("services", "execute", SERVICE, "--records", str(tmp_path / "empty.jsonl")), "--records")
    usage_error(run("services", "execute", SERVICE, "--records", str(tmp_path / "ragged.csv")), "--records")
    both = ["--records", str(tmp_path / "ragged.csv"), "--inputs", "value=1"]
    usage_error(run("services", "execute", SERVICE, *both), "--inputs or --records")


# --- create, compile, publish, recompile --------------------------------------------------------------------


def test_create_compiles_and_publishes(run: Run) -> None:
    ok(run("folders", "create", "cli-folder"))
    created = ok(run("-o", "json", "services", "create", "cli-folder/calc", "--file", str(WORKBOOK)))
    body = json.loads(created.stdout)
    assert set(body) == {"upload", "compilation", "publication"}
    assert body["compilation"]["response_data"]["progress"] == 100
    assert "Published cli-folder/calc" in created.stderr
    result = ok(run("-o", "json", "services", "execute", "cli-folder/calc", "--inputs", "value=9"))
    assert json.loads(result.stdout)["response_data"]["outputs"] == expected(9)


def test_compile_then_publish_by_ids(run: Run) -> None:
    ok(run("folders", "create", "steps"))
    compiled = json.loads(
        ok(run("-o", "json", "services", "compile", "steps/calc", "--file", str(WORKBOOK))).stdout
    )
    upload = compiled["upload"]["response_data"]
    status = ok(run("services", "compilation-status", "steps/calc", upload["nodegen_compilation_jobid"]))
    assert "progress:" in status.stdout and "100" in status.stdout
    ids = ["--file-id", upload["original_file_documentid"], "--engine-id", upload["engine_file_documentid"]]
    published = ok(run("-o", "json", "services", "publish", "steps/calc", *ids, "--label", "first"))
    assert json.loads(published.stdout)["response_data"]["version_id"]
    assert ok(run("services", "exists", "steps/calc")).stdout.strip() == "true"


@pytest.mark.parametrize("how", [["create", "--no-wait"], ["compile", "--no-wait"], ["upload"]])
def test_no_wait_prints_the_ids_to_publish_with(run: Run, how: list[str]) -> None:
    ok(run("folders", "create", "later"))
    command, *flags = how
    started = ok(run("-o", "json", "services", command, "later/calc", "--file", str(WORKBOOK), *flags))
    upload = json.loads(started.stdout)["response_data"]
    assert "compilation-status later/calc" in started.stderr
    ok(run("services", "compilation-status", "later/calc", upload["nodegen_compilation_jobid"]))
    assert ok(run("services", "exists", "later/calc")).stdout.strip() == "false"  # not published yet
    ids = ["--file-id", upload["original_file_documentid"], "--engine-id", upload["engine_file_documentid"]]
    ok(run("services", "publish", "later/calc", *ids))
    table = ok(run("services", "upload", "later/calc", "--file", str(WORKBOOK))).stdout
    assert "job_id" in table and "file_id" in table


def test_a_workbook_that_fails_to_compile_exits_7(run: Run, tmp_path: Path) -> None:
    ok(run("folders", "create", "broken"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a workbook")
    result = run("services", "create", "broken/calc", "--file", str(bad), "--poll-interval", "0")
    assert result.exit_code == 7, (result.stdout, result.stderr)
    assert result.stdout == "" and "failed" in result.stderr


def test_a_compilation_that_outlasts_the_timeout_exits_7(run: Run, emulator: Any) -> None:
    admin_call(emulator, "POST", "speed", {"mode": "realistic"})
    ok(run("folders", "create", "slow"))
    args = ("--file", str(WORKBOOK), "--timeout", "0.3", "--poll-interval", "0.1")
    result = run("services", "create", "slow/calc", *args)
    assert result.exit_code == 7, (result.stdout, result.stderr)
    assert "did not finish within" in result.stderr


def test_recompile_waits_or_prints_the_job_id(run: Run) -> None:
    job = ok(run("services", "recompile", SERVICE, "--no-wait")).stdout.strip()
    assert len(job) >= 8 and "\n" not in job
    waited = json.loads(ok(run("-o", "json", "services", "recompile", SERVICE, "--upgrade", "minor")).stdout)
    assert waited["response_data"]["revision"] == "0.2.0"
    versions = json.loads(ok(run("-o", "json", "services", "versions", SERVICE)).stdout)["data"]
    assert {v["revision"] for v in versions} == {"0.1.0", "0.1.1", "0.2.0"}
    usage_error(run("services", "recompile", SERVICE, "--upgrade", "huge"), "--upgrade")


def test_create_checks_its_flags_first(run: Run, tmp_path: Path) -> None:
    usage_error(run("services", "create", "service/123", "--file", str(WORKBOOK)), "LOCATOR")
    usage_error(run("services", "create", "f/s", "--file", str(tmp_path / "none.xlsx")), "--file")
    usage_error(
        run("services", "create", "f/s", "--file", str(WORKBOOK), "--versioning", "x"), "--versioning"
    )
    usage_error(
        run("services", "create", "f/s", "--file", str(WORKBOOK), "--start-date", "soon"), "--start-date"
    )


# --- reading ------------------------------------------------------------------------------------------------


def test_versions_schema_metadata_search(run: Run) -> None:
    versions = ok(run("services", "versions", SERVICE)).stdout.splitlines()
    assert versions[0].split()[:3] == ["Version", "Id", "Active"] and versions[1].startswith("0.1.0")
    schema = ok(run("services", "schema", SERVICE)).stdout.splitlines()
    assert [line.split()[:2] for line in schema[1:]] == [
        ["input", "value"], ["output", "doubled"], ["output", "label"], ["output", "squared"]
    ]  # fmt: skip
    assert json.loads(ok(run("-o", "json", "services", "metadata", SERVICE)).stdout)["status"] == "Success"
    found = ok(run("-o", "csv", "services", "search", "--folder", "pricing")).stdout
    assert sorted(row["Service"] for row in csv.DictReader(io.StringIO(found))) == ["portfolio", "quote"]


def test_swagger_is_json(run: Run) -> None:
    document = json.loads(ok(run("services", "swagger", SERVICE)).stdout)
    assert document["swagger"] == "2.0" and document["info"]["title"] == "my-service"


def test_validate_lists_the_rules(run: Run) -> None:
    rows = ok(run("services", "validate", SERVICE, "--inputs", "value=1")).stdout.splitlines()
    assert rows[1].split()[:3] == ["value", "Decimal", "static"]
    usage_error(run("services", "validate", SERVICE, "--validation-type", "loose"), "--validation-type")


def test_transform_through_a_document(run: Run, emulator: Any) -> None:
    document = {
        "transform_type": "JSONtransforms_v1.0.1",
        "target_api_version": "v3",
        "input_body_transform": {"value": "payload.amount"},
        "output_body_transform": {"result": "response_data.outputs.doubled"},
    }
    headers = {"x-synthetic-key": emulator.api_key, "x-tenant-name": emulator.tenant}
    url = f"{emulator.url}/api/v4/transforms/my-folder/my-service"
    httpx.post(
        url, json={"transform_content": json.dumps(document)}, headers=headers, timeout=10
    ).raise_for_status()
    result = ok(
        run("-o", "json", "services", "transform", SERVICE, "--inputs", '{"payload": {"amount": 21}}')
    )
    assert json.loads(result.stdout) == {"result": 42}
    missing = run("services", "transform", SERVICE, "--using", "none/such", "--inputs", "{}")
    assert missing.exit_code == 3


def test_exists_is_false_for_a_missing_service(run: Run) -> None:
    assert ok(run("services", "exists", "my-folder/nope")).stdout.strip() == "false"
    assert ok(run("-o", "json", "services", "exists", SERVICE)).stdout.strip() == "true"


# --- download and delete ------------------------------------------------------------------------------------


def test_download_uses_the_server_name_and_never_overwrites(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = ok(run("services", "download", SERVICE))
    saved = tmp_path / "my-service.xlsx"
    assert first.stdout.strip() == str(saved)
    assert saved.read_bytes() == WORKBOOK.read_bytes()
    again = run("services", "download", SERVICE)
    assert again.exit_code == 2 and "--force" in again.stderr and "--out" in again.stderr
    ok(run("services", "download", SERVICE, "--force"))
    ok(run("services", "download", SERVICE, "--out", "copy.xlsx", "--type", "configured"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.xlsx", "my-service.xlsx"]


def test_a_failed_download_leaves_nothing_behind(run: Run, tmp_path: Path) -> None:
    result = run("services", "download", "my-folder/nope", "--out", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 3
    assert list(tmp_path.iterdir()) == []


def test_delete_needs_yes_without_a_terminal(run: Run) -> None:
    usage_error(run("services", "delete", SERVICE), "--yes")
    assert ok(run("services", "exists", SERVICE)).stdout.strip() == "true"
    ok(run("services", "delete", SERVICE, "--yes"))
    assert ok(run("services", "exists", SERVICE)).stdout.strip() == "false"


def test_delete_asks_on_a_terminal(run: Run) -> None:
    def terminal() -> AppContext:
        return AppContext(prompter=Prompter(interactive=True))

    declined = run("services", "delete", SERVICE, input="n\n", obj=terminal())
    assert declined.exit_code == 9 and ok(run("services", "exists", SERVICE)).stdout.strip() == "true"
    assert declined.stderr.endswith("error: declined: nothing was changed\n")
    ok(run("services", "delete", SERVICE, input="y\n", obj=terminal()))
    assert ok(run("services", "exists", SERVICE)).stdout.strip() == "false"
