"""`cspark health`, `config`, `wasm`, `files` and `emulator` against the real emulator over HTTP."""

from __future__ import annotations

import json
import socket
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cspark_cli.main import app
from cspark_core import Client
from tests.e2e.conftest import Run
from tests.emulator.emuhelp import admin_call

SERVICE = "my-folder/my-service"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return dict(json.loads(archive.read("manifest.json")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- health, config -----------------------------------------------------------------------------------------


def test_health(run: Run) -> None:
    assert ok(run("health", "check")).stdout.split() == ["status:", "UP"]
    assert json.loads(ok(run("-o", "json", "health", "check")).stdout) == {"status": "UP"}
    assert ok(run("health", "ok")).stdout.strip() == "true"


def test_health_needs_no_credentials(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", emulator.url)
    result = CliRunner().invoke(app, ["health", "ok"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "true"


def test_health_of_an_unreachable_spark_exits_6(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", f"http://127.0.0.1:{free_port()}/local")
    monkeypatch.setenv("CSPARK_API_KEY", "any-key")
    monkeypatch.setenv("CSPARK_MAX_RETRIES", "0")
    result = CliRunner().invoke(app, ["health", "ok"])
    assert result.exit_code == 6 and result.stdout == "" and result.stderr.startswith("error: ")


def test_config_needs_a_bearer_token(run: Run, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    refused = run("config", "get")
    assert refused.exit_code == 4 and "bearer" in refused.stderr
    assert refused.stderr.startswith(
        "error: Spark takes bearer tokens only here, and this profile has an API key"
    )
    assert "hint: log in with an OAuth client or a token" in refused.stderr  # not "check the credentials"
    monkeypatch.delenv("CSPARK_API_KEY")
    monkeypatch.setenv("CSPARK_CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("CSPARK_CLIENT_SECRET", emulator.client_secret)
    body = json.loads(ok(run("-o", "json", "config", "get")).stdout)
    assert body["status"] == "Success" and isinstance(body["data"], dict)
    table = ok(run("config", "get"))
    assert table.stdout.count("\n") == len(body["data"])
    assert emulator.client_secret not in table.stdout + table.stderr


# --- wasm ---------------------------------------------------------------------------------------------------


def test_wasm_download_by_name_folder_and_version(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = ok(run("wasm", "download", SERVICE))
    assert first.stdout.strip() == str(tmp_path / "my-service.zip")
    info = manifest(tmp_path / "my-service.zip")
    assert info["service"] == "my-service"
    refused = run("wasm", "download", SERVICE)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    (tmp_path / "out").mkdir()
    ok(run("wasm", "download", SERVICE, "--version-id", info["version_id"], "--out", "out"))
    assert manifest(tmp_path / "out" / "my-service.zip")["version_id"] == info["version_id"]
    saved = json.loads(ok(run("-o", "json", "wasm", "download", SERVICE, "--out", "m.zip")).stdout)
    assert saved["path"] == "m.zip" and saved["size"] == (tmp_path / "m.zip").stat().st_size


def test_wasm_download_errors(run: Run, tmp_path: Path) -> None:
    missing = run("wasm", "download", "my-folder/nope", "--out", str(tmp_path / "w.zip"))
    assert missing.exit_code == 3
    assert list(tmp_path.iterdir()) == []
    bad = run("wasm", "download", "not a locator")
    assert bad.exit_code == 2 and "LOCATOR" in bad.stderr
    nowhere = run("wasm", "download", SERVICE, "--out", str(tmp_path / "no" / "such" / "w.zip"))
    assert nowhere.exit_code == 2 and "--out" in nowhere.stderr


# --- files --------------------------------------------------------------------------------------------------


def file_url(emulator: Any) -> str:
    with Client(emulator.url, api_key=emulator.api_key, environ={}, logger=False) as client:
        call_id = client.services.execute(SERVICE, {"value": 2}).data["response_meta"]["call_id"]
        return str(client.logs.rehydrate(SERVICE, call_id).data["response_data"]["download_url"])


def test_files_download(run: Run, emulator: Any, tmp_path: Path) -> None:
    url = file_url(emulator)
    target = tmp_path / "book.xlsx"
    ok(run("files", "download", url, "--out", str(target)))
    assert zipfile.is_zipfile(target)
    refused = run("files", "download", url, "--out", str(target))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    ok(run("files", "download", url, "--out", str(target), "--force"))


def test_a_failed_file_download_keeps_the_old_file(
    run: Run, emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = file_url(emulator)
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"previous content")
    monkeypatch.setenv("CSPARK_MAX_RETRIES", "0")
    body = {"kind": "drop", "count": 3, "path": "/docstore/"}
    admin_call(emulator, "POST", "faults", body)
    result = run("files", "download", url, "--out", str(target), "--force")
    assert result.exit_code == 6, result.stderr
    assert target.read_bytes() == b"previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def test_files_download_wants_a_url(run: Run) -> None:
    result = run("files", "download", "ftp://example.com/x")
    assert result.exit_code == 2 and "URL" in result.stderr


# --- emulator -----------------------------------------------------------------------------------------------


def test_emulator_start_without_the_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cspark_emulator", None)
    result = CliRunner().invoke(app, ["emulator", "start"])
    assert result.exit_code == 4
    assert "not installed" in result.stderr and "cspark[emulator]" in result.stderr


def test_emulator_start_refuses_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["emulator", "start", "--port", str(port)])
    assert result.exit_code == 2 and "--port" in result.stderr


def test_emulator_start_rejects_a_bad_profile_name() -> None:
    result = CliRunner().invoke(app, ["emulator", "start", "--profile-name", "bad name!"])
    assert result.exit_code == 4 and "profile name" in result.stderr
