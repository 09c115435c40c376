"""`cspark auth` and `cspark profiles` with a fake Spark client (the network is the edge of the unit)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cspark_cli.profiles import Profile, ProfileStore, config_dir
from cspark_core import UnauthorizedError, UnknownApiError
from tests.unit.cli.conftest import Harness

CANARY = "canary-SECRET-key-0123456789"
URL = "https://excel.uat.us.coherent.global/acme"


def store() -> ProfileStore:
    return ProfileStore(config_dir(os.environ))


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        assert CANARY not in text


def test_login_with_flags_verifies_then_saves(harness: Harness) -> None:
    result = harness.run(
        ["auth", "login", "--name", "work", "--base-url", URL, "--api-key-stdin"], input=CANARY
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "Logged in to" in result.stderr and "'work' (default)" in result.stderr
    assert_no_canary(result.stdout, result.stderr)
    (client,) = harness.clients
    assert client.calls == ["folders.find"] and client.closed
    assert client.kwargs["api_key"] == CANARY and client.kwargs["environ"] == {}
    assert store().load().profiles["work"] == Profile("work", base_url=URL, api_key=CANARY)


def test_login_refused_by_spark_saves_nothing(harness: Harness) -> None:
    harness.error = UnauthorizedError("invalid API key", request_id="r1")
    result = harness.run(["auth", "login", "--base-url", URL, "--api-key-stdin"], input=CANARY)
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "error: Spark refused these credentials, so the profile was not saved: invalid API key "
        "(HTTP 401, request id r1)",
        "hint: check the credentials and the tenant, or save them anyway with --no-verify",
    ]  # not "check the profile's credentials: `cspark auth status`": there is no profile
    assert not store().path.exists()


def test_login_no_verify_makes_no_call_but_checks_the_address(harness: Harness) -> None:
    ok = harness.run(
        ["auth", "login", "--env", "uat.us", "--tenant", "acme", "--token-stdin", "--no-verify"], "tok"
    )
    assert ok.exit_code == 0 and harness.clients == []
    bad = harness.run(
        ["auth", "login", "--base-url", "http://spark.example.com/t", "--api-key-stdin", "--no-verify"], "k"
    )
    assert bad.exit_code == 4 and "https" in bad.stderr


def test_login_keeps_other_settings_and_takes_new_ones(harness: Harness) -> None:
    store().put(Profile("p", base_url=URL, api_key="old", timeout=5000.0, output="json"))
    args = ["auth", "login", "--name", "p", "--base-url", URL, "--client-id", "cid", "--client-secret-stdin"]
    result = harness.run([*args, "--max-retries", "0", "--no-verify"], input=CANARY)
    assert result.exit_code == 0, result.stderr
    saved = store().load().profiles["p"]
    assert (saved.api_key, saved.client_id, saved.client_secret) == (None, "cid", CANARY)
    assert (saved.timeout, saved.max_retries, saved.output) == (5000.0, 0, "json")


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--api-key-stdin"], "'--base-url'"),
        (["--env", "uat.us", "--api-key-stdin"], "'--tenant'"),
        (["--base-url", URL], "'--api-key-stdin'"),
        (["--base-url", URL, "--client-id", "cid"], "'--client-secret-stdin'"),
        (["--base-url", URL, "--client-secret-stdin"], "'--client-id'"),
        (["--base-url", URL, "--api-key-stdin", "--token-stdin"], "one way to authenticate"),
        (["--base-url", URL, "--name", "bad name", "--api-key-stdin"], "'--name'"),
        (["--base-url", URL, "--default-output", "yaml", "--api-key-stdin"], "'--default-output'"),
    ],
)
def test_login_without_a_terminal_never_prompts(harness: Harness, args: list[str], flag: str) -> None:
    result = harness.run(["auth", "login", *args], input=CANARY)
    assert result.exit_code == 2
    assert flag in result.stderr
    assert harness.clients == [] and not store().path.exists()
    assert_no_canary(result.stdout, result.stderr)


def test_empty_secret_on_stdin_is_a_usage_error(harness: Harness) -> None:
    result = harness.run(["auth", "login", "--base-url", URL, "--api-key-stdin"], input="\n")
    assert result.exit_code == 2 and "stdin was empty" in result.stderr


def test_login_asks_on_a_terminal(harness: Harness) -> None:
    harness.interactive = True
    answers = "\n".join(["team", URL, "oauth", "my-client", CANARY]) + "\n"
    result = harness.run(["auth", "login"], input=answers)
    assert result.exit_code == 0, result.stderr
    assert "OAuth client secret" in result.stderr  # prompts go to stderr (CliRunner echoes answers to stdout)
    assert_no_canary(result.stdout, result.stderr)  # hidden input is not echoed
    saved = store().load().profiles["team"]
    assert (saved.base_url, saved.client_id, saved.client_secret) == (URL, "my-client", CANARY)
    assert harness.clients[0].kwargs["oauth"] == {"client_id": "my-client", "client_secret": CANARY}
    assert "token_cache" in harness.clients[0].kwargs


def test_status_ok_and_refused(harness: Harness) -> None:
    store().put(Profile("p", base_url=URL, api_key=CANARY))
    ok = harness.run(["-o", "json", "auth", "status"])
    assert ok.exit_code == 0, ok.stderr
    view = json.loads(ok.stdout)
    assert view["authenticated"] is True and view["profile"] == "p" and view["auth"] == "api_key"
    table = harness.run(["auth", "status"]).stdout
    assert "sources.location:  profile" in table and "{" not in table  # names, not a line of JSON
    harness.error = UnauthorizedError("invalid API key")
    refused = harness.run(["-o", "json", "auth", "status"])
    assert refused.exit_code == 4
    assert json.loads(refused.stdout)["authenticated"] is False
    harness.error = UnknownApiError("Spark is unreachable")
    assert harness.run(["auth", "status"]).exit_code == 6
    assert_no_canary(ok.stdout, ok.stderr, refused.stdout, refused.stderr)


def test_token_prints_only_the_token(harness: Harness) -> None:
    store().put(Profile("p", base_url=URL, token=CANARY))
    result = harness.run(["auth", "token"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "fake-bearer-token\n", "")
    store().put(Profile("k", base_url=URL, api_key=CANARY))
    refused = harness.run(["-p", "k", "auth", "token"])
    assert refused.exit_code == 4 and "API key" in refused.stderr
    assert_no_canary(refused.stdout, refused.stderr)


def test_logout_removes_secrets_and_tokens(harness: Harness, hermetic_env: dict[str, Path]) -> None:
    store().put(Profile("p", base_url=URL, client_id="cid", client_secret=CANARY))
    tokens = hermetic_env["cache"] / "tokens"
    tokens.mkdir(parents=True)
    (tokens / "p-0123456789abcdef.json").write_text("{}")
    (tokens / "other-0123456789abcdef.json").write_text("{}")
    result = harness.run(["auth", "logout"])
    assert result.exit_code == 0, result.stderr
    saved = store().load().profiles["p"]
    assert (saved.base_url, saved.client_id, saved.client_secret) == (URL, "cid", None)
    assert sorted(p.name for p in tokens.iterdir()) == ["other-0123456789abcdef.json"]
    assert CANARY not in store().path.read_text()


def test_profiles_list_show_use_rm(harness: Harness) -> None:
    store().put(Profile("a", base_url=URL, api_key=CANARY))
    store().put(Profile("b", env="uat.us", tenant="acme", client_id="cid", client_secret=CANARY))
    listed = harness.run(["profiles", "list"])
    assert listed.stdout.splitlines() == [
        "Name  Default  Location                                   Auth",
        f"a     *        {URL}  api_key",
        "b              uat.us/acme                                oauth",
    ]
    assert harness.run(["profiles", "use", "b"]).exit_code == 0
    shown = harness.run(["-o", "json", "profiles", "show"])
    assert json.loads(shown.stdout) == {
        "name": "b",
        "env": "uat.us",
        "tenant": "acme",
        "client_id": "cid",
        "client_secret": "****6789",
        "default": True,
    }
    shown_a = harness.run(["profiles", "show", "a"])
    assert_no_canary(listed.stdout, shown.stdout, shown_a.stdout, shown_a.stderr)
    refused = harness.run(["profiles", "rm", "a"])
    assert refused.exit_code == 2 and refused.stderr.splitlines() == [
        "error: Remove profile 'a' and its credentials? Pass --yes to confirm: there is no terminal to ask on"
    ]
    assert harness.run(["profiles", "rm", "a", "--yes"]).exit_code == 0
    assert list(store().load().profiles) == ["b"]
    assert harness.run(["profiles", "rm", "zzz", "--yes"]).exit_code == 4


def test_profiles_rm_asks_on_a_terminal(harness: Harness) -> None:
    store().put(Profile("a", base_url=URL, api_key=CANARY))
    harness.interactive = True
    declined = harness.run(["profiles", "rm", "a"], input="n\n")
    assert declined.exit_code == 9 and "a" in store().load().profiles  # declined: not 130 (Ctrl-C), not 1
    assert declined.stderr.endswith("error: declined: nothing was changed\n")
    ended = harness.run(["profiles", "rm", "a"], input="")  # Ctrl-D at the prompt
    assert ended.exit_code == 130 and "a" in store().load().profiles and "Aborted" not in ended.stderr
    assert ended.stderr.endswith("error: cancelled: nothing was changed\n")
    accepted = harness.run(["profiles", "rm", "a"], input="y\n")
    assert accepted.exit_code == 0 and store().load().profiles == {}


# -- a real pseudo-terminal ------------
def _read_until(fd: int, marker: bytes, seen: bytearray, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while marker not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {marker!r} in {bytes(seen)!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                seen.extend(os.read(fd, 4096))
            except OSError:  # the child closed the terminal
                raise AssertionError(f"no {marker!r} in {bytes(seen)!r}") from None


def test_login_on_a_pseudo_terminal_hides_the_secret() -> None:
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cspark_cli", "auth", "login", "--no-verify"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    try:
        for prompt, answer in [
            (b"Profile name [default]: ", "tty"),
            (b"<env>/<tenant>): ", URL),
            (b"[api-key]: ", ""),
            (b"API key: ", CANARY),
        ]:
            _read_until(master, prompt, seen)
            os.write(master, answer.encode() + b"\n")
        _read_until(master, b"profile 'tty'", seen)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        os.close(master)
    assert CANARY.encode() not in seen  # hidden input: never echoed
    assert store().load().profiles["tty"] == Profile("tty", base_url=URL, api_key=CANARY)
