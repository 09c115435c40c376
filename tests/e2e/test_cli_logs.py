"""`cspark logs ...` against the real emulator over HTTP: a call's log as a table and as Spark sent it, the
rehydrated workbook, CSV and JSON log downloads, a job that times out (exit 7), and bad input (exit 2)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cspark_core import Client
from tests.e2e.conftest import Run
from tests.emulator.emuhelp import admin_call

SERVICE = "my-folder/my-service"


@pytest.fixture
def call_id(sdk: Client) -> str:
    res = sdk.services.execute(SERVICE, inputs={"value": 3}, correlation_id="corr-7")
    return str(res.data["response_meta"]["call_id"])


def test_get_shows_the_log_and_json_prints_sparks_reply(run: Run, call_id: str) -> None:
    table = run("logs", "get", call_id)
    assert table.exit_code == 0, table.stderr
    lines = dict(line.split(":", 1) for line in table.stdout.splitlines())
    assert lines["EngineCallId"].strip() == call_id
    assert lines["Service"].strip() == "my-service" and lines["Product"].strip() == "my-folder"
    assert json.loads(lines["outputs"]) == {"doubled": 6, "label": "Value is 3", "squared": 9}

    raw = run("logs", "get", call_id, "-o", "json")
    payload = json.loads(raw.stdout)
    assert isinstance(payload["response_data"], str)  # as sent: a JSON-encoded string
    assert json.loads(payload["response_data"])["EngineCallId"] == call_id


def test_get_unknown_call_is_exit_3_and_a_bad_index_exit_2(run: Run) -> None:
    missing = run("logs", "get", "00000000-0000-0000-0000-000000000000")
    assert missing.exit_code == 3 and missing.stdout == ""
    bad = run("logs", "get", "some-id", "--index", "-1")
    assert bad.exit_code == 2 and "--index" in bad.stderr


def test_rehydrate_saves_the_workbook_and_never_overwrites(run: Run, call_id: str, tmp_path: Path) -> None:
    result = run("logs", "rehydrate", SERVICE, call_id, "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    saved = Path(result.stdout.strip())
    assert saved.parent == tmp_path and saved.suffix == ".xlsx"
    assert zipfile.is_zipfile(saved)  # an xlsx is a zip

    again = run("logs", "rehydrate", SERVICE, call_id, "--out", str(saved))
    assert again.exit_code == 2 and "--force" in again.stderr
    forced = run("logs", "rehydrate", SERVICE, call_id, "--out", str(saved), "--force", "--index", "0")
    assert forced.exit_code == 0, forced.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [saved.name]


def test_rehydrate_needs_a_folder_service_locator(run: Run, call_id: str) -> None:
    result = run("logs", "rehydrate", "version/abc", call_id)
    assert result.exit_code == 2 and "LOCATOR" in result.stderr


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_download_waits_for_the_job_and_saves_the_zip(
    run: Run, call_id: str, tmp_path: Path, kind: str
) -> None:
    out = tmp_path / f"logs.{kind}.zip"
    result = run("logs", "download", SERVICE, "--call-id", call_id, "--type", kind, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    with zipfile.ZipFile(out) as archive:
        text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    assert call_id in text


def test_download_no_wait_then_status_then_files_download(run: Run, call_id: str, tmp_path: Path) -> None:
    started = run("logs", "download", SERVICE, "--call-id", call_id, "--type", "csv", "--no-wait")
    assert started.exit_code == 0, started.stderr
    job_id = started.stdout.strip()
    assert f"logs download-status {SERVICE} {job_id} --type csv" in started.stderr
    status = run("-o", "json", "logs", "download-status", SERVICE, job_id, "--type", "csv")
    assert status.exit_code == 0, status.stderr
    url = json.loads(status.stdout)["response_data"]["download_url"]
    out = tmp_path / "later.zip"
    assert run("files", "download", url, "--out", str(out)).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        assert call_id in "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_download_by_correlation_id_and_dates_with_json_output(
    run: Run, call_id: str, tmp_path: Path
) -> None:
    result = run(
        "logs", "download", SERVICE, "--correlation-id", "corr-7", "--start-date", "2000-01-01",
        "--end-date", "2999-01-01T00:00:00", "--out", str(tmp_path), "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    view = json.loads(result.stdout)
    saved = Path(view["path"])  # the server's file name, in the folder given
    assert saved.parent == tmp_path and saved.suffix == ".zip" and view["size"] == saved.stat().st_size


def test_download_times_out_with_exit_7_and_no_file(run: Run, emulator: Any, tmp_path: Path) -> None:
    admin_call(emulator, "POST", "speed", {"mode": "realistic"})
    try:
        result = run(
            "logs", "download", SERVICE, "--out", str(tmp_path / "l.zip"), "--timeout", "0.2",
            "--poll-interval", "0.05",
        )  # fmt: skip
    finally:
        emulator.reset()
    assert result.exit_code == 7, result.stderr
    assert "did not finish" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_download_refuses_bad_flags_before_sending(run: Run) -> None:
    for flags, name in (
        (["--start-date", "yesterday"], "--start-date"),
        (["--end-date", "2025-13-01"], "--end-date"),
        (["--type", "xml"], "--type"),
        (["--timeout", "0"], "--timeout"),
    ):
        result = run("logs", "download", SERVICE, *flags)
        assert result.exit_code == 2, (flags, result.stderr)
        assert name in result.stderr
