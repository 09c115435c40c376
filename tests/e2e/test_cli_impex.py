"""`cspark impex ...` against the real emulator over HTTP: export to a package and import it elsewhere, the
`--no-wait` job commands, a failed import and a timed-out export (exit 7), confirmation, and bad input."""

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
FAST = ("--poll-interval", "0.05")


@pytest.fixture
def package(run: Run, tmp_path: Path) -> Path:
    out = tmp_path / "package.zip"
    result = run("impex", "export", "--service", SERVICE, "--out", str(out), *FAST)
    assert result.exit_code == 0, result.stderr
    return out


def test_export_saves_the_package(run: Run, tmp_path: Path, package: Path) -> None:
    assert zipfile.is_zipfile(package)
    again = run("impex", "export", "--service", SERVICE, "--out", str(package), *FAST)
    assert again.exit_code == 2 and "--force" in again.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    options = ["--folder", "pricing", "--version-filter", "all", "--out", str(elsewhere)]
    folder = run("impex", "export", *options, "-o", "json")
    assert folder.exit_code == 0, folder.stderr
    assert Path(json.loads(folder.stdout)["path"]).parent == elsewhere


def test_import_maps_services_and_lists_them(run: Run, sdk: Client, package: Path) -> None:
    result = run("impex", "import", str(package), "--destination", f"{SERVICE}=my-folder/copy", *FAST)
    assert result.exit_code == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.split() == ["Source", "Destination", "Status"]
    assert row.split() == [SERVICE, "my-folder/copy", "added"]
    assert sdk.services.execute("my-folder/copy", inputs={"value": 2}).outputs["doubled"] == 4

    replaced = run(
        "impex", "import", str(package), "--destination", SERVICE, "--if-exists", "replace", "-o", "json"
    )
    assert replaced.exit_code == 0, replaced.stderr
    assert json.loads(replaced.stdout)["outputs"]["services"][0]["status"] == "replaced"


def test_an_import_that_fails_exits_7(run: Run, package: Path) -> None:
    result = run("impex", "import", str(package), "--destination", SERVICE, "--if-exists", "abort", *FAST)
    assert result.exit_code == 7
    assert "already exists" in result.stderr and result.stdout == ""


def test_export_job_commands(run: Run, tmp_path: Path) -> None:
    started = run("impex", "export", "--service", SERVICE, "--no-wait")
    assert started.exit_code == 0, started.stderr
    job_id = started.stdout.strip()
    assert f"Started export job {job_id}" in started.stderr

    status = run("impex", "export-status", job_id, "-o", "json")
    assert json.loads(status.stdout)["status"] == "completed"
    table = run("impex", "export-status", job_id)
    assert "status:" in table.stdout and "outputs" not in table.stdout

    out = tmp_path / "p.zip"
    saved = run("impex", "download-export", job_id, "--out", str(out))
    assert saved.exit_code == 0 and zipfile.is_zipfile(out)

    listed = run("impex", "describe-exports", "-o", "csv")
    assert listed.stdout.splitlines()[0] == "ID,Status,Created by,Created,Updated"
    assert job_id in listed.stdout

    refused = run("impex", "cancel-export", job_id)
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    cancelled = run("impex", "cancel-export", job_id, "--yes", "-o", "json")
    assert cancelled.exit_code == 0 and json.loads(cancelled.stdout)["id"] == job_id


def test_import_job_commands(run: Run, package: Path) -> None:
    started = run(
        "impex",
        "import",
        str(package),
        "--destination",
        f"{SERVICE}=my-folder/other",
        "--no-wait",
        "-o",
        "json",
    )
    assert started.exit_code == 0, started.stderr
    job_id = json.loads(started.stdout)["id"]
    status = run("impex", "import-status", job_id, "-o", "json")
    assert json.loads(status.stdout)["outputs"]["services"][0]["service_uri_destination"] == "my-folder/other"
    listed = run("impex", "describe-imports")
    assert job_id in listed.stdout


def test_export_times_out_with_exit_7(run: Run, emulator: Any, tmp_path: Path) -> None:
    admin_call(emulator, "POST", "speed", {"mode": "realistic"})
    try:
        result = run(
            "impex", "export", "--service", SERVICE, "--out", str(tmp_path), "--timeout", "0.2", *FAST
        )
    finally:
        emulator.reset()
    assert result.exit_code == 7 and "did not finish" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_export_cancels_its_job(
    run: Run, emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cspark_core.resources.impex import Exports

    admin_call(emulator, "POST", "speed", {"mode": "realistic"})
    polls = []
    real_status = Exports.get_status

    def ctrl_c_on_the_second_poll(self: Exports, job_id: str) -> Any:
        polls.append(job_id)
        if len(polls) == 2:
            raise KeyboardInterrupt
        return real_status(self, job_id)

    monkeypatch.setattr(Exports, "get_status", ctrl_c_on_the_second_poll)
    try:
        result = run("impex", "export", "--service", SERVICE, "--out", str(tmp_path), *FAST)
        monkeypatch.setattr(Exports, "get_status", real_status)
        status = run("impex", "export-status", polls[0], "-o", "json")
    finally:
        emulator.reset()
    assert result.exit_code == 130 and f"Cancelled export job {polls[0]}" in result.stderr
    assert json.loads(status.stdout)["status"] == "cancelled"  # not left running: it would block the next
    assert list(tmp_path.iterdir()) == []


def test_bad_input_is_exit_2_naming_the_flag(run: Run, tmp_path: Path, package: Path) -> None:
    cases: list[tuple[list[str], str]] = [
        (["export"], "--service"),
        (["export", "--service", "nope"], "--service"),
        (["export", "--folder", "f", "--file-filter", "all"], "--file-filter"),
        (["import", str(tmp_path / "missing.zip"), "--destination", SERVICE], "FILE"),
        (["import", str(package)], "--destination"),
        (["import", str(package), "--destination", "a/b=version/x"], "--destination"),
        (["import", str(package), "--destination", SERVICE, "--if-exists", "merge"], "--if-exists"),
    ]
    for args, name in cases:
        result = run("impex", *args)
        assert result.exit_code == 2, (args, result.stderr)
        assert name in result.stderr, (args, result.stderr)
