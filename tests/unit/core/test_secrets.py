"""A canary secret must never show in an error message, a repr or a log line."""

from __future__ import annotations

import io
import json
import logging
import sys

import httpx
import pytest

from cspark_core import Client, SparkError
from cspark_core.request import ApiRequest

CANARY = "CANARY-5f1e9c0d-secret-value"


def failing(status: int) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(status, json={"error": "unauthorized_client"})
        return httpx.Response(status, json={"error": {"message": "nope"}})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    "auth",
    [
        {"api_key": CANARY},
        {"token": CANARY},
        {"oauth": {"client_id": "cid", "client_secret": CANARY}},
    ],
)
@pytest.mark.parametrize("status", [401, 403, 500, 503])
def test_canary_never_leaks(auth: dict[str, object], status: int, monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    logging.getLogger().addHandler(handler)
    try:
        client = Client(
            "http://127.0.0.1:9/acme",
            environ={},
            logger={"level": "DEBUG", "colorful": False},
            max_retries=1,
            retry_interval=0,
            http_client=httpx.Client(transport=failing(status)),
            **auth,  # type: ignore[arg-type]
        )
        texts = [repr(client), repr(client.settings), repr(client.settings.auth), str(client.settings)]
        with pytest.raises(SparkError) as info:
            client._transport.send(ApiRequest("POST", "api/v3/x", json={"a": 1}))
        error = info.value
        texts += [str(error), repr(error), str(error.cause), str(getattr(error, "body", ""))]
    finally:
        logging.getLogger().removeHandler(handler)
    texts += [stderr.getvalue(), captured.getvalue()]
    assert str(status) in captured.getvalue()  # the log did run, through the application's root handler
    for text in texts:
        assert CANARY not in text


def test_a_token_request_repr_hides_the_client_secret() -> None:
    from cspark_core.auth import OAuth, token_request
    from cspark_core.settings import Settings

    settings = Settings.build("http://127.0.0.1:9/acme", api_key="k", environ={})
    req = token_request(settings, OAuth("cid", CANARY))
    assert req.form is not None and req.form["client_secret"] == CANARY  # still sent
    assert CANARY not in repr(req) and CANARY not in str(req)


@pytest.mark.parametrize(
    ("auth", "name"),
    [
        ({"api_key": CANARY + "\r"}, "api_key"),
        ({"api_key": CANARY + "é"}, "api_key"),
        ({"token": CANARY + "\x7f"}, "token"),
        ({"oauth": {"client_id": "cid", "client_secret": CANARY + "\n!"}}, "client_secret"),
    ],
)
def test_a_credential_that_cannot_be_sent_is_refused_by_name(auth: dict[str, object], name: str) -> None:
    from cspark_core import SettingsError

    with pytest.raises(SettingsError) as info:
        Client("http://127.0.0.1:9/acme", environ={}, **auth)  # type: ignore[arg-type]
    assert name in str(info.value) and CANARY not in str(info.value) + repr(info.value)


def test_a_non_ascii_client_secret_is_fine_it_travels_in_a_form() -> None:
    oauth = {"client_id": "c", "client_secret": "sécret"}
    client = Client("http://127.0.0.1:9/acme", environ={}, oauth=oauth)
    assert client.settings.auth.kind == "oauth"


def test_environment_credentials_are_named_by_their_variable() -> None:
    from cspark_core import SettingsError

    with pytest.raises(SettingsError, match="CSPARK_API_KEY"):
        Client("http://127.0.0.1:9/acme", environ={"CSPARK_API_KEY": CANARY + "\r"})


@pytest.mark.parametrize(
    "quoted",
    [
        CANARY + "\r",
        repr(CANARY + "\r"),
        repr((CANARY + "\r").encode()),
        json.dumps(CANARY + "\r\t"),
        repr(CANARY + "é"),
        str((CANARY + "é").encode()),
        json.dumps(CANARY + "é"),
    ],
)
def test_the_redactor_finds_quoted_and_escaped_forms(quoted: str) -> None:
    from cspark_core.log import redact

    secret = CANARY + ("é" if "é" in quoted or "\\u00e9" in quoted or "\\xc3" in quoted else "\r")
    if "\\t" in quoted:
        secret = CANARY + "\r\t"
    text = redact(f"Illegal header value {quoted}!", [secret])
    assert CANARY not in text and "***" in text


def test_unreachable_errors_never_quote_the_credentials() -> None:
    from cspark_core.transport import unreachable
    from cspark_core.wire import WireError

    exc = WireError("LocalProtocolError", f"Illegal header value {(CANARY + chr(13)).encode()!r}")
    error = unreachable(exc, "POST", "http://h/x", "rid", 1000, [CANARY + "\r"])
    assert CANARY not in str(error)
