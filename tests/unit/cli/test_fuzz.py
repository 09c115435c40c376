"""Property-based hostile input (issue #10): the inputs parser, the record readers, the locator parser, the
config loader and whole CLI invocations get random and hostile text. Whatever they get: a result that can be
sent, or the one error type that becomes a clear `error:` line (never exit 1, never a traceback, never a
hang). Bounded so CI stays quick: `EXAMPLES` per target, and a deadline per example.
"""

from __future__ import annotations

import io
import json
import os
import string
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cspark_cli.exit_codes import SetupError
from cspark_cli.inputs import MAX_JSON_DEPTH, infer_value, parse_inputs, read_records
from cspark_cli.main import app
from cspark_cli.profiles import ProfileStore, resolve_connection
from cspark_core import SparkSdkError, Uri
from cspark_core.settings import Settings

# Examples per target (the whole CLI gets fewer: each is a full command run). FUZZ_EXAMPLES=N runs a longer
# campaign locally, e.g. `FUZZ_EXAMPLES=3000 pytest tests/unit/cli/test_fuzz.py`.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
CLI_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=2000,  # ms per example: a hang fails the test instead of stalling CI
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize="FUZZ_EXAMPLES" not in os.environ,  # CI: the same examples on every run
)

HOSTILE = [
    "NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400", "9" * 5000, "-" + "1" * 4400,
    "[" * 1500, "{" * 1500, '{"a":' * 1500, "[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5),
    "", " ", ".", "..", "/", "//", "../..", "./x", "x/..", "x//y", "\r", "\n", "\x00", "\x1b[31m", "é", "kéy",
    "\ud800", "\ufeff", "𝔘", "@", "@/nonexistent/file.json", "@.", "-", "=", ":=", "x:=", "x=", "x:=1e999",
    "x:=NaN", '{"x": NaN}', '{"x": 1e999}', '{"x": ' + "1" * 4400 + "}", "http://[::1", "http://h:99999/t",
    "proxy/..", "version/..", "service/.", "folders/../services/x", "a[", "a/b[", "a/b[]]", "🙂/🙂",
]  # fmt: skip
hostile = st.sampled_from(HOSTILE)
text = st.one_of(hostile, st.text(max_size=40), st.text(alphabet=string.printable, max_size=40))
pieces = st.lists(st.one_of(hostile, st.text(alphabet='[]{}":,.-+eE0123456789 aNInfity=/@', max_size=12)))
composite = pieces.map("".join)
anything = st.one_of(text, composite)


def sendable(value: Any) -> None:
    """What the HTTP layer will do with it: strict JSON, no NaN/Infinity, no recursion failure."""
    json.dumps(value, allow_nan=False)


# -- the inputs parser ----------
@FUZZ
@given(entries=st.lists(anything, min_size=1, max_size=4), stdin=anything)
def test_inputs_parser(entries: list[str], stdin: str) -> None:
    try:
        result = parse_inputs(entries, stdin=io.StringIO(stdin))
    except typer.BadParameter as exc:
        assert "--inputs" in str(exc.param_hint)
        return
    assert isinstance(result, dict)
    sendable(result)


@FUZZ
@given(value=anything)
def test_infer_value_never_raises(value: str) -> None:
    sendable(infer_value(value))


# -- the record readers ----------
@FUZZ
@given(content=anything, fmt=st.sampled_from(["jsonl", "json", "csv", None]))
def test_record_readers(content: str, fmt: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    for lines in (content, "\n".join([content] * 3)):
        try:
            records = read_records("-", format=fmt, stdin=io.StringIO(lines), flag="--records")
        except typer.BadParameter as exc:
            assert "--records" in str(exc.param_hint)
            continue
        assert all(isinstance(r, dict) for r in records)
        sendable(records)


# -- the locator parser ----------
@FUZZ
@given(locator=st.one_of(anything, st.lists(anything, max_size=4).map("/".join)))
def test_locator_parser(locator: str) -> None:
    try:
        params = Uri.parse(locator)
        path = params.loc()
    except SparkSdkError:
        return
    assert all(part not in ("", ".", "..") for part in path.split("/")), path


# -- the config loader ----------
values = st.one_of(
    anything, st.integers(), st.floats(allow_nan=False), st.booleans(), st.lists(st.integers())
)
fields = st.sampled_from(
    ["base_url", "env", "tenant", "api_key", "token", "client_id", "client_secret", "oauth_path",
     "timeout", "max_retries", "retry_interval", "output", "colour"]
)  # fmt: skip
GOOD_URL = "http://127.0.0.1:9/t"
urlish = st.one_of(hostile, text, text.map(lambda t: f"http://127.0.0.1:9/{t}"))
secretish = st.one_of(hostile, text, text.map(lambda t: f"k-{t}"))
profiles = st.one_of(
    st.dictionaries(fields, values, max_size=6),
    st.fixed_dictionaries({"base_url": urlish, "api_key": st.just("k-0123456789")}),
    st.fixed_dictionaries({"base_url": st.just(GOOD_URL), "api_key": secretish}),
    st.fixed_dictionaries({"base_url": st.just(GOOD_URL), "token": secretish, "tenant": text}),
    st.fixed_dictionaries({"base_url": st.just(GOOD_URL), "client_id": text, "client_secret": secretish}),
)


def _toml(config: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps(config)


@FUZZ
@given(
    raw=st.one_of(anything, st.binary(max_size=200).map(lambda b: b.decode("latin-1"))),
    profile=profiles,
)
def test_config_loader(raw: str, profile: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("cfg")
    store = ProfileStore(folder)
    try:
        structured = _toml({"default": "p", "profiles": {"p": profile}})
    except (TypeError, ValueError):
        structured = raw
    for content in (raw, structured):
        (folder / "config.toml").write_text(content, encoding="utf-8", errors="surrogatepass")
        try:
            config = store.load()
            for prof in config.profiles.values():
                connection = resolve_connection(prof, {})
                built = Settings.build(**connection.client_kwargs())
                headers = {**built.auth.headers("token"), "x-tenant-name": built.base_url.tenant}
                for value in headers.values():  # what h11 will accept in a header
                    assert all(0x20 <= ord(c) < 0x7F for c in value), repr(value)
        except (SetupError, SparkSdkError):
            continue


# -- whole CLI invocations ----------
# Well-formed commands; the test replaces one or two of their words (and maybe a CSPARK_* variable) with
# hostile text, so each layer (flags, locators, inputs, settings) gets its turn.
TEMPLATES = [
    ["services", "execute", "my-folder/my-service", "--inputs", "value=1"],
    ["services", "execute", "my-folder/my-service", "value=1", "plan=gold"],
    ["services", "execute", "my-folder/my-service", "--records", "-"],
    ["services", "validate", "my-folder/my-service", "--inputs", "{}"],
    ["services", "download", "my-folder/my-service", "--file-name", "x.xlsx"],
    ["services", "versions", "my-folder/my-service"],
    ["services", "delete", "my-folder/my-service", "--yes"],
    ["folders", "create", "folder"],
    ["folders", "delete", "folder", "--yes"],
    ["batches", "info", "batch-id"],
    ["wasm", "download", "version/0f0e"],
    ["-o", "json", "auth", "status"],
    ["auth", "token"],
    ["health"],
    ["config", "get"],
]
ENV = ["CSPARK_BASE_URL", "CSPARK_API_KEY", "CSPARK_TENANT", "CSPARK_TIMEOUT", "CSPARK_CLIENT_SECRET"]
NASTY_JSON = [v for v in HOSTILE if v.lstrip("-").startswith(("N", "I", "1", "9", "[", "{"))]
nasty = st.sampled_from(NASTY_JSON)
word = st.one_of(
    nasty.map(lambda v: f"x:={v}"),
    nasty.map(lambda v: f'{{"x": {v}}}'),
    hostile.map(lambda v: f"my-folder/{v}"),
    hostile,
    anything,
)
env_value = word.map(lambda s: s.replace("\x00", "").encode("utf-8", "replace").decode("utf-8"))


@st.composite
def invocations(draw: st.DrawFn) -> tuple[list[str], dict[str, str], str]:
    argv = list(draw(st.sampled_from(TEMPLATES)))
    slots = list(range(1, len(argv)))
    for _ in range(draw(st.sampled_from([1, 1, 2])) if slots else 0):  # one word replaced, sometimes two
        argv[draw(st.sampled_from(slots))] = draw(word)
    env = draw(st.one_of(st.just({}), st.dictionaries(st.sampled_from(ENV), env_value, max_size=1)))
    stdin = draw(st.one_of(st.just(""), word))
    return argv, env, stdin


@settings(FUZZ, max_examples=CLI_EXAMPLES, deadline=5000)
@given(invocation=invocations())
@pytest.mark.timeout(max(300, CLI_EXAMPLES))
def test_whole_cli(invocation: tuple[list[str], dict[str, str], str], tmp_path: Path) -> None:
    argv, env, stdin = invocation
    base = {
        "CSPARK_BASE_URL": "http://127.0.0.1:9/fuzz",
        "CSPARK_API_KEY": "fuzz-key",
        "CSPARK_MAX_RETRIES": "0",
    }
    cwd = os.getcwd()
    os.chdir(tmp_path)  # downloads land in a temporary folder
    try:
        stdin_bytes = stdin.encode("utf-8", "surrogatepass")  # lone surrogates: bytes that are not UTF-8
        result = CliRunner().invoke(app, argv, input=stdin_bytes, env={**base, **env})
    finally:
        os.chdir(cwd)
    output = result.stdout + result.stderr
    assert result.exit_code != 1, output
    assert "Traceback" not in output, output
    if result.exit_code != 0:
        assert result.stderr.count("error: ") == 1, output
