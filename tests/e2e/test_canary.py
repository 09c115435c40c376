"""The canary sweep (issue #10): an emulator whose API key and client secret are canaries, and representative
`cspark -v --debug ...` runs against it (success and error paths, API key and OAuth). The canaries must appear
nowhere: not in stdout, stderr (request logs and --debug tracebacks included), the token cache, any other file
the runs leave, or the text of any exception. The one place a secret is meant to be is config.toml (mode 0600)
after `auth login`, and only there.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cspark_cli.main import app

emulator_module = pytest.importorskip("cspark_emulator")

SAMPLES = Path(__file__).resolve().parents[2] / "cspark_emulator" / "samples"
SERVICE = "my-folder/my-service"
KEY = "canary-APIKEY-7f3e9c51d2"
SECRET = "canary-SECRET-0a4b8e77f1"
CANARIES = (KEY, SECRET)


@pytest.fixture(scope="module")
def canary_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    seed = tmp_path_factory.mktemp("seed")
    (seed / "my-folder").mkdir()
    shutil.copy(SAMPLES / "my-folder" / "my-service.xlsx", seed / "my-folder")
    with emulator_module.Emulator(seed=seed, api_key=KEY, client_secret=SECRET) as emu:
        yield emu


def cspark(*args: str, env: dict[str, str], input: str | None = None) -> Result:
    return CliRunner().invoke(app, ["-v", "--debug", *args], input=input, env=env)


def texts_of(result: Result) -> list[str]:
    texts = [result.stdout, result.stderr]
    if result.exception is not None:
        texts += [str(result.exception), repr(result.exception)]
    return texts


def sweep(emu: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], dict[str, int]]:
    """Run the representative invocations; return every text they produced and their exit codes."""
    monkeypatch.chdir(tmp_path)
    with_key = {"CSPARK_BASE_URL": emu.url, "CSPARK_API_KEY": KEY, "CSPARK_MAX_RETRIES": "0"}
    with_oauth = {
        "CSPARK_BASE_URL": emu.url,
        "CSPARK_CLIENT_ID": emu.client_id,
        "CSPARK_CLIENT_SECRET": SECRET,
    }
    runs: dict[str, tuple[tuple[str, ...], dict[str, str], str | None]] = {
        "find": (("folders", "find"), with_key, None),
        "execute": (("services", "execute", "my-folder/my-service", "--inputs", "value=2"), with_key, None),
        "execute-json": (("-o", "json", "services", "execute", SERVICE, "x=2"), with_key, None),
        "download": (("services", "download", "my-folder/my-service"), with_key, None),
        "status": (("-o", "json", "auth", "status"), with_key, None),
        "oauth-execute": (("services", "execute", "my-folder/my-service", "value=3"), with_oauth, None),
        "oauth-status": (("-o", "json", "auth", "status"), with_oauth, None),
        "not-found": (("services", "execute", "my-folder/nope", "value=1"), with_key, None),
        "refused-key": (("folders", "find"), {**with_key, "CSPARK_API_KEY": KEY + "-wrong"}, None),
        "refused-secret": (("auth", "status"), {**with_oauth, "CSPARK_CLIENT_SECRET": SECRET + "-x"}, None),
        "control-char": (("folders", "find"), {**with_key, "CSPARK_API_KEY": KEY + "\r"}, None),
        "unreachable": (("folders", "find"), {**with_key, "CSPARK_BASE_URL": "http://127.0.0.1:9/x"}, None),
        "login": (("auth", "login", "--base-url", emu.url, "--api-key-stdin"), {}, KEY),
        "login-refused": (
            ("auth", "login", "--name", "bad", "--base-url", emu.url, "--client-id", emu.client_id,
             "--client-secret-stdin"), {}, SECRET + "-wrong",
        ),
        "profile-run": (("services", "execute", "my-folder/my-service", "value=4"), {}, None),
    }  # fmt: skip
    texts: list[str] = []
    codes: dict[str, int] = {}
    for name, (args, env, stdin) in runs.items():
        result = cspark(*args, env=env, input=stdin)
        codes[name] = result.exit_code
        texts += texts_of(result)
    return texts, codes


def test_the_canaries_appear_nowhere(
    canary_emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hermetic_env: dict[str, Path]
) -> None:
    texts, codes = sweep(canary_emulator, tmp_path, monkeypatch)
    assert codes == {
        "find": 0, "execute": 0, "execute-json": 0, "download": 0, "status": 0, "oauth-execute": 0,
        "oauth-status": 0, "not-found": 3, "refused-key": 4, "refused-secret": 4, "control-char": 4,
        "unreachable": 6, "login": 0, "login-refused": 4, "profile-run": 0,
    }  # fmt: skip
    assert any("DEBUG" in t or "->" in t for t in texts)  # -v did log requests
    for text in texts:
        for canary in CANARIES:
            assert canary not in text
    files = [
        p for folder in (hermetic_env["config"], hermetic_env["cache"], tmp_path) for p in folder.rglob("*")
    ]
    assert any("tokens" in str(p) for p in files)  # the OAuth runs did cache a token
    for path in files:
        if not path.is_file():
            continue
        content = path.read_bytes()
        if path == hermetic_env["config"] / "config.toml":  # where `auth login` keeps the key, privately
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert SECRET.encode() not in content  # the refused login saved nothing
            continue
        for canary in CANARIES:
            assert canary.encode() not in content, path
    assert os.listdir(tmp_path) == ["my-service.xlsx"]
