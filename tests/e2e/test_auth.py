"""`cspark auth` against the real emulator over HTTP, and exit codes from real failures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from cspark_cli.app import LazyGroup
from cspark_cli.context import AppContext
from cspark_cli.main import app
from tests.emulator.emuhelp import admin_call

CANARY = "canary-SECRET-not-a-real-key-0123456789"


def cspark(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def tokens_issued(emulator: Any) -> int:
    return int(admin_call(emulator, "GET", "stats").json()["tokens_issued"])


def login_api_key(emulator: Any, key: str, *extra: str) -> Result:
    return cspark("auth", "login", "--base-url", emulator.url, "--api-key-stdin", *extra, input=key)


def login_oauth(emulator: Any, secret: str) -> Result:
    args = ["auth", "login", "--base-url", emulator.url, "--client-id", emulator.client_id]
    return cspark(*args, "--client-secret-stdin", input=secret)


def test_login_with_an_api_key_then_status(emulator: Any) -> None:
    result = login_api_key(emulator, emulator.api_key, "--name", "emu")
    assert result.exit_code == 0, result.stderr
    status = cspark("-o", "json", "auth", "status")
    assert status.exit_code == 0, status.stderr
    view = json.loads(status.stdout)
    assert view["authenticated"] is True and view["profile"] == "emu" and view["base_url"] == emulator.url


def test_a_refused_key_is_exit_4_and_nothing_is_saved(emulator: Any) -> None:
    result = login_api_key(emulator, CANARY)
    assert result.exit_code == 4
    assert (
        result.stderr.startswith("error: ") and "HTTP 401" in result.stderr and "request id" in result.stderr
    )
    assert CANARY not in result.stdout + result.stderr
    assert cspark("profiles", "list").stdout == ""


def test_status_exit_codes(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert login_api_key(emulator, emulator.api_key).exit_code == 0
    assert cspark("auth", "status").exit_code == 0
    monkeypatch.setenv("CSPARK_API_KEY", CANARY)  # the environment wins over the profile
    refused = cspark("-v", "auth", "status")
    assert refused.exit_code == 4
    assert CANARY not in refused.stdout + refused.stderr  # not even in the -v request log
    monkeypatch.delenv("CSPARK_API_KEY")
    monkeypatch.setenv("CSPARK_BASE_URL", f"http://127.0.0.1:{free_port()}/local")
    monkeypatch.setenv("CSPARK_MAX_RETRIES", "0")
    unreachable = cspark("auth", "status")
    assert unreachable.exit_code == 6 and "unreachable" in unreachable.stderr.lower()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_oauth_token_is_cached_across_commands(emulator: Any) -> None:
    login = login_oauth(emulator, emulator.client_secret)
    assert login.exit_code == 0, login.stderr
    before = tokens_issued(emulator)
    tokens = set()
    for _ in range(5):
        assert cspark("auth", "status").exit_code == 0
        token = cspark("auth", "token")
        assert token.exit_code == 0, token.stderr
        tokens.add(token.stdout.strip())
    assert len(tokens) == 1
    assert (
        tokens_issued(emulator) - before == 0
    )  # login fetched and cached the one token; ten commands reused it
    assert cspark("auth", "logout").exit_code == 0
    assert cspark("auth", "token").exit_code == 4  # the secret is gone


def test_ten_commands_make_one_token_request(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", emulator.url)
    monkeypatch.setenv("CSPARK_CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("CSPARK_CLIENT_SECRET", emulator.client_secret)
    before = tokens_issued(emulator)
    for _ in range(10):
        assert cspark("auth", "status").exit_code == 0
    assert tokens_issued(emulator) - before == 1


def test_bad_oauth_secret_is_exit_4(emulator: Any) -> None:
    result = login_oauth(emulator, CANARY)
    assert result.exit_code == 4
    assert CANARY not in result.stdout + result.stderr


# -- a command written the way area authors write them, meeting Spark's real errors --------------------------
def _probe_module() -> types.ModuleType:
    probe = typer.Typer()

    @probe.command("delete")
    def delete(ctx: typer.Context, name: str) -> None:
        cli = AppContext.of(ctx)
        res = cli.client().folders.delete(name)
        cli.out.result(res.data)

    module = types.ModuleType("cspark_cli.commands.probe")
    module.app = probe  # type: ignore[attr-defined]
    return module


def test_a_real_404_is_exit_3(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LazyGroup.registry, "probe", "Test probe.")
    monkeypatch.setitem(sys.modules, "cspark_cli.commands.probe", _probe_module())
    monkeypatch.setenv("CSPARK_BASE_URL", emulator.url)
    monkeypatch.setenv("CSPARK_API_KEY", emulator.api_key)
    result = cspark("probe", "delete", "no-such-folder")
    assert result.exit_code == 3
    assert (
        result.stderr.startswith("error: ") and "HTTP 404" in result.stderr and "request id" in result.stderr
    )
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_installed_executable_login_and_status(emulator: Any) -> None:
    exe = os.path.join(os.path.dirname(sys.executable), "cspark")
    login = subprocess.run(
        [exe, "auth", "login", "--base-url", emulator.url, "--api-key-stdin"],
        input=emulator.api_key, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    assert emulator.api_key not in login.stdout + login.stderr
    status = subprocess.run([exe, "-o", "json", "auth", "status"], capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and json.loads(status.stdout)["authenticated"] is True


def test_seed_authorization_takes_oauth_as_a_dict_or_a_path(emulator: Any, tmp_path: Path) -> None:
    """`Spark.Authorization(oauth={...})` builds the OAuth object, as the seed SDK's scripts expect."""
    import asyncio

    import cspark.sdk as Spark

    creds = {"client_id": emulator.client_id, "client_secret": emulator.client_secret}
    path = tmp_path / "oauth.json"
    path.write_text(json.dumps(creds))
    config = Spark.Config.build(emulator.url, oauth=creds, environ={}, logger=False)
    from_dict = Spark.Authorization(oauth=creds).oauth
    assert isinstance(from_dict, Spark.OAuth)
    assert from_dict.retrieve_token(config).access_token
    from_path = Spark.Authorization(oauth=str(path)).oauth
    assert from_path is not None and from_path.client_id == emulator.client_id
    assert asyncio.run(from_path.retrieve_token_async(config)).access_token
    with pytest.raises(Spark.SettingsError, match="client_secret is missing"):
        Spark.Authorization(oauth={"client_id": "x"})
