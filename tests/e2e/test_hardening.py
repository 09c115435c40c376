"""Issue #10's reproductions, as an attacker and a careless user would try them, through the real `cspark`
command against the real emulator: no secret in any output, no wrong credential accepted, no exit 1 on bad
input, no request to another endpoint."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cspark_cli.main import app
from cspark_cli.profiles import ProfileStore

CANARY = "canary-APIKEY-7f3e9c"


def cspark(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def one_error_line(result: Result, code: int, *names: str) -> None:
    """Exit `code`, one `error:` line on stderr naming each of `names`, and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for name in names:
        assert name in errors[0], errors[0]
    assert "Traceback" not in result.stdout + result.stderr


# -- secrets ----------
@pytest.mark.parametrize("bad", ["\r", "\n", "\x01", "\x1b[0m", "é"])
def test_an_api_key_that_cannot_be_sent_is_refused_before_sending(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", emulator.url)
    monkeypatch.setenv("CSPARK_API_KEY", f"{CANARY}{bad}")
    before = sum(emulator.rt.counts.values())
    result = cspark("services", "execute", "my-folder/my-service", "--inputs", "value=1")
    one_error_line(result, 4, "CSPARK_API_KEY")
    assert CANARY not in result.stdout + result.stderr
    status = cspark("-o", "json", "auth", "status")
    assert status.exit_code == 4
    assert CANARY not in status.stdout + status.stderr
    assert sum(emulator.rt.counts.values()) == before  # nothing was sent


def test_a_control_character_in_the_config_file_key_is_refused(emulator: Any) -> None:
    store = ProfileStore(Path(os.environ["CSPARK_CONFIG_DIR"]))
    from cspark_cli.profiles import Profile

    store.put(Profile(name="emu", base_url=emulator.url, api_key=f"{CANARY}\n"))
    result = cspark("-o", "json", "auth", "status")
    one_error_line(result, 4, "api_key", "'emu'")
    assert CANARY not in result.stdout + result.stderr
    store.put(Profile(name="emu", base_url=emulator.url, api_key="kéy"))
    one_error_line(cspark("folders", "find"), 4, "api_key", "non-ASCII")


def test_login_refuses_a_key_with_a_control_character_and_saves_nothing(emulator: Any) -> None:
    result = cspark("auth", "login", "--base-url", emulator.url, "--api-key-stdin", input=f"{CANARY}\x07")
    one_error_line(result, 4, "API key")
    assert CANARY not in result.stdout + result.stderr
    assert cspark("profiles", "list").stdout == ""


def oauth_login(emulator: Any, secret: str) -> Result:
    args = ["auth", "login", "--base-url", emulator.url, "--client-id", emulator.client_id]
    return cspark(*args, "--client-secret-stdin", input=secret)


def test_a_wrong_oauth_secret_is_refused_even_with_a_cached_token(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert oauth_login(emulator, emulator.client_secret).exit_code == 0  # caches a good token
    wrong = oauth_login(emulator, "wrong-secret-0123456789")
    assert wrong.exit_code == 4, wrong.stderr
    assert "Logged in" not in wrong.stderr
    config = (Path(os.environ["CSPARK_CONFIG_DIR"]) / "config.toml").read_text()
    assert "wrong-secret" not in config and emulator.client_secret in config  # the refused one is not saved
    monkeypatch.setenv("CSPARK_BASE_URL", emulator.url)
    monkeypatch.setenv("CSPARK_CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("CSPARK_CLIENT_SECRET", "wrong")
    assert cspark("auth", "status").exit_code == 4
    monkeypatch.setenv("CSPARK_CLIENT_SECRET", emulator.client_secret)
    assert cspark("auth", "status").exit_code == 0


# -- no exit 1 on bad input ----------
@pytest.mark.parametrize(
    ("inputs", "names"),
    [
        ("x:=1e999", ["--inputs", "'x'"]),
        ("x:=NaN", ["--inputs", "NaN"]),
        ('{"x": -Infinity}', ["--inputs", "Infinity"]),
        ("x:=" + "9" * 5000, ["--inputs", "digits"]),
        ("x:=" + "[" * 1200 + "]" * 1200, ["--inputs", "deep"]),
    ],
)
def test_unsendable_json_inputs_are_usage_errors(run: Any, inputs: str, names: list[str]) -> None:
    one_error_line(run("services", "execute", "my-folder/my-service", "--inputs", inputs), 2, *names)


def test_a_huge_plain_number_stays_text(run: Any) -> None:
    result = run("-o", "json", "services", "execute", "my-folder/my-service", "--inputs", "x=" + "9" * 5000)
    assert result.exit_code != 1 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("records.jsonl", '{"value": NaN}\n'),
        ("records.json", '[{"value": Infinity}]'),
        ("records.json", "[" * 5000),
        ("records.jsonl", '{"value": ' + "1" * 4400 + "}\n"),
        ("records.csv", "value\n" + "1" * 4400 + "\n"),
    ],
)
def test_unsendable_records_are_usage_errors(run: Any, tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = run("services", "execute", "my-folder/my-service", "--records", str(path))
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        one_error_line(result, 2, "--records")


@pytest.mark.parametrize("base_url", ["http://[::1", "http://127.0.0.1:99999/local", "http://h\x01/x"])
def test_a_broken_base_url_in_the_config_file_is_a_setup_error(base_url: str) -> None:
    config = Path(os.environ["CSPARK_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        f'default = "p"\n[profiles.p]\nbase_url = {json.dumps(base_url)}\napi_key = "k"\n'
    )
    one_error_line(cspark("folders", "find"), 4, "base URL")


@pytest.mark.timeout(20)
def test_a_config_file_that_is_a_fifo_is_refused_not_read() -> None:
    config = Path(os.environ["CSPARK_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    os.mkfifo(config / "config.toml")
    one_error_line(cspark("folders", "find"), 4, "config.toml", "regular file")


# -- locators ----------
@pytest.mark.parametrize("locator", ["../..", "my-folder/..", "./my-service", "folders/../services/x"])
def test_dot_segments_in_a_locator_are_refused_before_any_request(
    run: Any, emulator: Any, locator: str
) -> None:
    before = sum(emulator.rt.counts.values())
    one_error_line(run("services", "execute", locator, "--inputs", "value=1"), 2)
    assert sum(emulator.rt.counts.values()) == before


def test_dot_names_elsewhere_are_refused_too(run: Any, emulator: Any) -> None:
    before = sum(emulator.rt.counts.values())
    result = run("folders", "delete", "..", "--yes")
    one_error_line(result, 2, "'..'")
    assert sum(emulator.rt.counts.values()) == before


# -- downloads ----------
@pytest.mark.parametrize(
    ("asked", "saved"),
    [
        (".bashrc", "bashrc"),
        ("../../../evil.xlsx", "evil.xlsx"),
        ("a" * 300 + ".xlsx", None),
    ],
)
def test_a_suggested_download_name_is_a_safe_base_name(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, asked: str, saved: str | None
) -> None:
    work = tmp_path / "work" / "deeper" / "still"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    result = run("services", "download", "my-folder/my-service", "--file-name", asked)
    assert result.exit_code == 0, result.stderr
    names = [p.name for p in work.iterdir()]
    assert len(names) == 1 and not names[0].startswith(".") and len(names[0]) <= 200, names
    if saved is not None:
        assert names == [saved]
    assert [p.name for p in tmp_path.iterdir()] == ["work"]  # nothing written above the current folder


@pytest.mark.parametrize(
    "args",
    [
        ("services", "execute", "my-folder/my-service", "--inputs", "-"),
        ("services", "execute", "my-folder/my-service", "--records", "-"),
    ],
)
def test_stdin_that_is_not_utf8_is_a_usage_error(run: Any, args: tuple[str, ...]) -> None:
    """Found by the property-based suite: a lone surrogate's bytes on stdin used to exit 1."""
    result = CliRunner().invoke(app, list(args), input=b'{"x": "\xed\xa0\x80"}')
    one_error_line(result, 2, args[3], "UTF-8")
