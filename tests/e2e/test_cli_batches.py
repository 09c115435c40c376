"""`cspark batches ...` against the real emulator over HTTP: the pipeline commands one by one, `run` from a
file to results in input order (3,000 records), failures and timeouts (exit 7, no partial --out, the
journal kept for --resume), confirmation of `cancel`, and bad input (exit 2, nothing sent). Faults, kills
and resumes: test_bulk_faults.py."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cspark_cli.context import AppContext, Prompter
from cspark_core import Client
from tests.e2e.conftest import Run
from tests.emulator.emuhelp import admin_call

SERVICE = "my-folder/my-service"


@pytest.fixture
def realistic(emulator: Any) -> Iterator[None]:
    """Jobs and batch chunks take wall time (each chunk about 0.25 s); the reset restores the speed."""
    admin_call(emulator, "POST", "speed", {"mode": "realistic"})
    yield
    emulator.reset()


def write_csv(path: Path, count: int) -> Path:
    path.write_text("value\n" + "".join(f"{i}\n" for i in range(count)), encoding="utf-8")
    return path


def batch_states(sdk: Client) -> dict[str, str]:
    data = sdk.batches.describe().data
    return {b["id"]: b["data"]["batch_status"] for b in data["in_progress_batches"] + data["recent_batches"]}


# -- run ----------
@pytest.mark.slow
@pytest.mark.timeout(300)  # the emulator's workbook engine takes about 3 ms a record, more on a busy machine
def test_run_returns_3000_results_in_input_order(run: Run, tmp_path: Path, sdk: Client) -> None:
    source = write_csv(tmp_path / "in.csv", 3_000)
    out = tmp_path / "out.csv"
    result = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), "--chunk-size", "250")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "3000 records, 3000 ok, 0 failed" in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3_000
    assert [int(r["doubled"]) for r in rows] == [2 * i for i in range(3_000)]
    assert rows[2_999]["label"] == "Value is 2999" and rows[0]["errors"] == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # no temporary file left
    assert set(batch_states(sdk).values()) == {"completed"}  # the pipeline was closed


def test_run_writes_jsonl_counts_record_errors_and_keeps_order(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"value": 5}\n{"value": "abc"}\n{"value": 7}\n', encoding="utf-8")
    out = tmp_path / "results.jsonl"
    result = run(
        "batches", "run", SERVICE, "--file", str(source), "--out", str(out), "--chunk-size", "2",
        "--accuracy", "0.6",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "3 records, 2 ok, 1 failed" in result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["outputs"]["doubled"] for line in lines] == [10, 2, 14]  # "abc": the default input was used
    assert lines[0]["errors"] is None and lines[1]["errors"][0]["error_type"] == "TYPE_MISMATCH"


def test_run_reads_stdin_and_takes_format_and_json_summary(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "results.txt"
    result = run(
        "batches", "run", SERVICE, "--file", "-", "--out", str(out), "--format", "csv", "-o", "json",
        "--selected-output", "doubled", input="value\n1\n2\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["records"] == 2 and summary["failed"] == 0 and summary["out"] == str(out)
    assert out.read_text(encoding="utf-8").splitlines() == ["doubled,errors,warnings", "2,,", "4,,"]


def test_run_times_out_with_exit_7_and_resumes(
    run: Run, tmp_path: Path, sdk: Client, realistic: None
) -> None:
    source = write_csv(tmp_path / "in.csv", 40)
    out = tmp_path / "out.csv"
    args = ("batches", "run", SERVICE, "--file", str(source), "--out", str(out), "--chunk-size", "2")
    result = run(*args, "--timeout", "0.5", "--poll-interval", "0.1")
    assert result.exit_code == 7, result.stderr
    assert "did not finish within 0.5 s" in result.stderr and "--resume" in result.stderr
    assert not out.exists() and (tmp_path / "out.csv.journal").exists()
    assert list(batch_states(sdk).values()) == ["in_progress"]  # left open for the resume
    resumed = run(*args, "--resume", "--poll-interval", "0.05")
    assert resumed.exit_code == 0, resumed.stderr
    assert [int(r["doubled"]) for r in csv.DictReader(out.open(encoding="utf-8"))] == [
        2 * i for i in range(40)
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_a_service_deleted_under_a_run_stops_it(
    run: Run, tmp_path: Path, sdk: Client, realistic: None
) -> None:
    source = write_csv(tmp_path / "in.csv", 40)
    out = tmp_path / "out.csv"

    def delete_service_once_started() -> None:  # every chunk after that fails: the batch fails
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "in_progress" not in batch_states(sdk).values():
            time.sleep(0.05)
        sdk.services.delete(SERVICE)

    saboteur = threading.Thread(target=delete_service_once_started)
    saboteur.start()
    result = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), "--chunk-size", "2")
    saboteur.join()
    assert result.exit_code == 3, result.stderr  # the failed pipeline cannot be replaced: no such service
    assert "not found" in result.stderr
    assert not out.exists()


def test_run_refuses_bad_input_before_sending_anything(run: Run, tmp_path: Path, sdk: Client) -> None:
    source = write_csv(tmp_path / "in.csv", 3)
    existing = tmp_path / "out.csv"
    existing.write_text("keep me", encoding="utf-8")
    cases = {
        "--out": ["--out", str(existing)],
        "'--out'": ["--out", str(tmp_path / "out.xlsx")],
        "--format": ["--out", str(tmp_path / "o.txt"), "--format", "xml"],
        "--accuracy": ["--out", str(tmp_path / "o.csv"), "--accuracy", "2"],
        "--min-runners": ["--out", str(tmp_path / "o.csv"), "--min-runners", "5", "--max-runners", "2"],
        "--active-since": ["--out", str(tmp_path / "o.csv"), "--active-since", "tomorrow"],
    }
    for flag, extra in cases.items():
        result = run("batches", "run", SERVICE, "--file", str(source), *extra)
        assert result.exit_code == 2, (flag, result.stderr)
        assert flag.strip("'") in result.stderr
    bad = run("batches", "run", "no-slash", "--file", str(source), "--out", str(tmp_path / "o.csv"))
    assert bad.exit_code == 2 and "LOCATOR" in bad.stderr
    assert existing.read_text(encoding="utf-8") == "keep me"
    assert batch_states(sdk) == {}


# -- one call at a time ----------
def test_the_pipeline_commands_one_by_one(run: Run, tmp_path: Path) -> None:
    created = run(
        "batches", "create", SERVICE, "--correlation-id", "corr-1", "--accuracy", "0.9", "-o", "json"
    )
    assert created.exit_code == 0, created.stderr
    payload = json.loads(created.stdout)
    batch_id = payload["id"]
    assert payload["object"] == "batch" and payload["data"]["correlation_id"] == "corr-1"

    records = tmp_path / "in.jsonl"
    records.write_text('{"value": 1}\n{"value": 2}\n{"value": 3}\n', encoding="utf-8")
    pushed = run("batches", "push", batch_id, "--file", str(records), "--chunk-size", "2")
    assert pushed.exit_code == 0, pushed.stderr
    assert "Pushed 3 records in 2 chunks" in pushed.stderr
    assert "record_submitted:" in pushed.stdout

    status = run("batches", "status", batch_id, "-o", "json")
    assert json.loads(status.stdout)["records_completed"] == 3

    pulled = run("batches", "pull", batch_id, "--max", "1", "-o", "json")
    assert [len(c["outputs"]) for c in json.loads(pulled.stdout)["data"]] == [2]
    out = tmp_path / "pulled.csv"
    saved = run("batches", "pull", batch_id, "--out", str(out))
    assert saved.exit_code == 0, saved.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["index"], r["doubled"]) for r in rows] == [("0", "6")]

    info = run("batches", "info", batch_id)
    assert (
        "id:" in info.stdout and "my-folder/my-service[" in info.stdout and "records_completed" in info.stdout
    )
    assert "summary.records_completed:" in info.stdout and '{"' not in info.stdout  # names, not JSON
    listed = run("batches", "describe", "-o", "csv")
    assert listed.stdout.splitlines()[0] == "ID,Status,Pipeline,Service,Submitted,Completed,Failed,Created"
    assert batch_id in listed.stdout

    plain = run("batches", "create", SERVICE)  # a script's `B=$(cspark batches create ...)` gets the id
    assert plain.exit_code == 0 and re.fullmatch(r"[0-9a-f-]{36}\n", plain.stdout), plain.stdout
    assert f"Opened pipeline {plain.stdout.strip()}" in plain.stderr
    as_csv = run("batches", "create", SERVICE, "-o", "csv").stdout.splitlines()
    assert as_csv[0].startswith("id,") and len(as_csv) == 2

    disposed = run("batches", "dispose", batch_id, "-o", "json")
    assert disposed.exit_code == 0 and json.loads(disposed.stdout)["id"] == batch_id


def test_pull_shows_one_row_per_record_in_a_table(run: Run, sdk: Client) -> None:
    batch_id = sdk.batches.create(SERVICE).data["id"]
    sdk.batches.of(batch_id).push(inputs=[{"value": 4}, {"value": 5}])
    result = run("batches", "pull", batch_id)
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["Chunk", "Index", "doubled", "label", "squared", "Errors"]
    assert [row.split()[1:3] for row in rows] == [["0", "8"], ["1", "10"]]


def test_cancel_needs_yes_or_a_terminal(run: Run, sdk: Client) -> None:
    batch_id = sdk.batches.create(SERVICE).data["id"]
    refused = run("batches", "cancel", batch_id)
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert batch_states(sdk)[batch_id] == "created"

    declined = run(
        "batches", "cancel", batch_id, input="n\n", obj=AppContext(prompter=Prompter(interactive=True))
    )
    assert declined.exit_code != 0 and batch_states(sdk)[batch_id] == "created"

    done = run("batches", "cancel", batch_id, "--yes")
    assert done.exit_code == 0, done.stderr
    assert "batch_status:" in done.stdout and batch_states(sdk)[batch_id] == "cancelled"


def test_errors_name_the_flag_or_map_to_exit_codes(run: Run, tmp_path: Path) -> None:
    broken = tmp_path / "bad.jsonl"
    broken.write_text('{"value": 1}\n{"value": \n', encoding="utf-8")
    result = run("batches", "push", "some-id", "--file", str(broken))
    assert result.exit_code == 2 and "'--file'" in result.stderr and "line 2" in result.stderr
    extras = run("batches", "create", SERVICE, "--extras", "[1]")
    assert extras.exit_code == 2 and "'--extras'" in extras.stderr
    size = run("batches", "create", SERVICE, "--max-input-size", "0")
    assert size.exit_code == 2 and "'--max-input-size'" in size.stderr
    missing = run("batches", "info", "00000000-0000-0000-0000-000000000000")
    assert missing.exit_code == 3 and "not found" in missing.stderr
    unknown = run("batches", "create", "my-folder/nope")
    assert unknown.exit_code == 3
    assert io.StringIO(unknown.stdout).read() == ""
