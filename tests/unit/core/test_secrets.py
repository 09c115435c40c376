"""A canary secret must never show in an error message, a repr or a log line."""

from __future__ import annotations

import io
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
    assert "401" in stderr.getvalue() or str(status) in stderr.getvalue()  # the log did run
    for text in texts:
        assert CANARY not in text


def test_a_token_request_repr_hides_the_client_secret() -> None:
    from cspark_core.auth import OAuth, token_request
    from cspark_core.settings import Settings

    settings = Settings.build("http://127.0.0.1:9/acme", api_key="k", environ={})
    req = token_request(settings, OAuth("cid", CANARY))
    assert req.form is not None and req.form["client_secret"] == CANARY  # still sent
    assert CANARY not in repr(req) and CANARY not in str(req)
