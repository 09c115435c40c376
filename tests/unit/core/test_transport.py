"""The send loop over httpx.MockTransport: headers, retries (no real sleeps), error mapping, envelopes,
and the OAuth fetch/refresh flow."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cspark_core import (
    AccessToken,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    Settings,
    SparkApiError,
    UnauthorizedError,
    UnknownApiError,
)
from cspark_core.errors import api_error_for
from cspark_core.request import ApiRequest
from cspark_core.transport import SyncTransport, backoff_delay, decide, envelope_error, retry_after_seconds

BASE = "http://127.0.0.1:9/acme"
TOKEN_PATH = "/auth/realms/acme/protocol/openid-connect/token"
Handler = Callable[[httpx.Request], httpx.Response]


def transport(handler: Handler, sleeps: list[float] | None = None, **settings: Any) -> SyncTransport:
    options: dict[str, Any] = {"api_key": "k", "environ": {}, "logger": False, **settings}
    built = Settings.build(BASE, **options)
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return SyncTransport(built, http, sleep=(sleeps.append if sleeps is not None else lambda _s: None))


def ok(body: Any = None, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"status": "Success"} if body is None else body, headers=headers)


# --- pure decisions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 502, 503, 504, None])
def test_retryable_statuses_retry_until_the_budget_is_spent(status: int | None) -> None:
    assert decide(status, attempt=0, max_retries=2, interval=1.0, rand=lambda: 0.5).kind == "retry"
    assert decide(status, attempt=1, max_retries=2, interval=1.0, rand=lambda: 0.5).kind == "retry"
    last = decide(status, attempt=2, max_retries=2, interval=1.0)
    assert last.kind == ("fail" if status is None else "done")


@pytest.mark.parametrize("status", [200, 201, 400, 401, 403, 404, 409, 500])
def test_other_statuses_are_final(status: int) -> None:
    assert decide(status, attempt=0, max_retries=5, interval=1.0).kind == "done"


def test_401_refreshes_oauth_once() -> None:
    assert decide(401, attempt=0, max_retries=2, interval=1, oauth=True).kind == "refresh"
    assert decide(401, attempt=0, max_retries=2, interval=1, oauth=True, refreshed=True).kind == "done"
    assert decide(401, attempt=0, max_retries=2, interval=1, oauth=False).kind == "done"


def test_backoff_is_exponential_jittered_and_capped() -> None:
    assert backoff_delay(0, 1.0, rand=lambda: 0.0) == 0.5
    assert backoff_delay(0, 1.0, rand=lambda: 1.0) == 1.0
    assert backoff_delay(3, 1.0, rand=lambda: 1.0) == 8.0
    assert backoff_delay(20, 1.0, rand=lambda: 1.0) == 30.0  # cap
    assert backoff_delay(0, 1.0, retry_after=4.0) == 4.0
    assert backoff_delay(0, 1.0, retry_after=500.0) == 30.0


def test_retry_after_headers() -> None:
    assert retry_after_seconds({"x-retry-after": ".25"}) == 0.25
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0) == 10.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError), (401, UnauthorizedError), (403, ForbiddenError), (404, NotFoundError),
        (409, ConflictError), (429, RateLimitError), (500, InternalServerError),
        (503, ServiceUnavailableError),
        (405, UnknownApiError), (502, UnknownApiError), (None, UnknownApiError),
    ],
)  # fmt: skip
def test_status_to_error_class(status: int | None, cls: type[SparkApiError]) -> None:
    error = api_error_for(status, "m", request_id="r")
    assert type(error) is cls
    assert error.status == status
    assert isinstance(error, SparkApiError)


def test_envelope_errors() -> None:
    assert envelope_error({"status": "Success", "data": 1}) is None
    assert envelope_error({"status": None, "response_data": {}}) is None  # rehydrate answers status null
    assert envelope_error({"status": "failed", "object": "export"}) is None  # a job status, not an envelope
    # job failure values are unknown; "error" is for the job's waiter to judge, not an envelope
    assert envelope_error({"status": "error", "object": "import", "errors": [{"message": "x"}]}) is None
    assert envelope_error({"status": "Error", "errorCode": "PRODUCT_ALREADY_EXISTS", "message": "dup"}) == (
        409,
        "dup",
    )
    assert envelope_error({"status": "Error", "error": {"message": "bad input"}}) == (400, "bad input")


# --- the loop ------------------------------------------------------------------------------------------


def test_common_headers_and_one_request_id_across_retries() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(status=503) if len(seen) == 1 else ok()

    res = transport(handler).send(ApiRequest("GET", "api/v3/x"))
    assert res.status == 200
    first, second = seen
    assert str(first.url) == f"{BASE}/api/v3/x"
    assert first.headers["x-tenant-name"] == "acme"
    assert first.headers["x-synthetic-key"] == "k"
    assert first.headers["x-spark-ua"].startswith("agent=cspark-python/")
    assert first.headers["user-agent"].startswith("cspark/")
    assert first.headers["x-request-id"] == second.headers["x-request-id"] == res.request_id


def test_a_fresh_request_id_per_logical_call() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["x-request-id"])
        return ok()

    t = transport(handler)
    t.send(ApiRequest("GET", "a"))
    t.send(ApiRequest("GET", "b"))
    assert len(set(seen)) == 2


def test_host_scope_and_absolute_urls() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return ok()

    t = transport(handler)
    t.send(ApiRequest("GET", "api/v1/product/list", scope="host"))
    t.send(ApiRequest("GET", "http://127.0.0.1:9/files/x", scope="url"))
    assert seen == ["http://127.0.0.1:9/api/v1/product/list", "http://127.0.0.1:9/files/x"]


def test_credentials_never_go_to_a_foreign_host() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok()

    transport(handler).send(ApiRequest("GET", "https://elsewhere.example.com/file", scope="url"))
    assert "x-synthetic-key" not in seen[0].headers


def test_retries_honour_retry_after_and_stop_at_the_budget() -> None:
    sleeps: list[float] = []
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return ok({"error": {"message": "slow down"}}, status=429, **{"Retry-After": "2"})

    with pytest.raises(RateLimitError, match="slow down") as info:
        transport(handler, sleeps, max_retries=3).send(ApiRequest("GET", "x"))
    assert calls == 4
    assert sleeps == [2.0, 2.0, 2.0]
    assert info.value.request_id


def test_connection_errors_are_retried_then_unknown_api_error() -> None:
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(UnknownApiError, match="unreachable") as info:
        transport(handler, sleeps).send(ApiRequest("GET", "x"))
    assert info.value.status is None
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("method", "failure", "calls"),
    [
        ("POST", httpx.ConnectError, 3),  # never reached Spark: safe to send again
        ("POST", httpx.ReadTimeout, 1),  # may have reached Spark: a POST is not repeated
        ("GET", httpx.ReadTimeout, 3),
        ("DELETE", httpx.RemoteProtocolError, 3),
    ],
)
def test_only_requests_that_cannot_have_run_twice_are_resent(
    method: str, failure: type[httpx.TransportError], calls: int
) -> None:
    seen = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        raise failure("failed", request=request)

    with pytest.raises(UnknownApiError):
        transport(handler).send(ApiRequest(method, "x"))
    assert seen == calls


def test_timeouts_are_unknown_api_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(UnknownApiError, match="no answer within 5 s"):
        transport(handler, max_retries=0, timeout=5000).send(ApiRequest("GET", "x"))


def test_500_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(500, text="boom")

    with pytest.raises(InternalServerError, match="500 Internal Server Error: boom"):
        transport(handler).send(ApiRequest("GET", "x"))
    assert calls == 1


def test_200_with_error_envelope_raises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(
            {"status": "Error", "errorCode": "PRODUCT_ALREADY_EXISTS", "message": "exists", "data": None}
        )

    with pytest.raises(ConflictError, match="exists"):
        transport(handler).send(ApiRequest("POST", "x"))


def test_non_json_bodies_stay_bytes() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"PK\x03\x04", headers={"content-type": "application/zip"})

    res = transport(handler).send(ApiRequest("GET", "x"))
    assert res.data is None
    assert res.buffer == b"PK\x03\x04"


# --- OAuth ---------------------------------------------------------------------------------------------

OAUTH = {"client_id": "cid", "client_secret": "csecret"}


class FakeIdp:
    """A token endpoint plus one protected route, counting what it sees."""

    def __init__(self, reject_first: int = 0) -> None:
        self.tokens_issued = 0
        self.reject_first = reject_first
        self.auth_headers: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            form = dict(x.split("=") for x in request.content.decode().split("&"))
            if form != {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret"}:
                return httpx.Response(401, json={"error": "unauthorized_client"})
            self.tokens_issued += 1
            return ok({"access_token": f"tok{self.tokens_issued}", "expires_in": 300, "token_type": "Bearer"})
        header = request.headers.get("authorization")
        self.auth_headers.append(header)
        if len(self.auth_headers) <= self.reject_first or header is None or header == "Bearer None":
            return httpx.Response(401)
        return ok()


def test_token_is_fetched_before_the_first_request_and_reused() -> None:
    idp = FakeIdp()
    t = transport(idp, api_key=None, oauth=OAUTH)
    t.send(ApiRequest("GET", "x"))
    t.send(ApiRequest("GET", "y"))
    assert idp.tokens_issued == 1
    assert idp.auth_headers == ["Bearer tok1", "Bearer tok1"]  # never "Bearer None"


def test_a_401_refreshes_the_token_once() -> None:
    idp = FakeIdp(reject_first=1)
    res = transport(idp, api_key=None, oauth=OAUTH).send(ApiRequest("GET", "x"))
    assert res.status == 200
    assert idp.tokens_issued == 2
    assert idp.auth_headers == ["Bearer tok1", "Bearer tok2"]


def test_a_second_401_is_an_error() -> None:
    idp = FakeIdp(reject_first=5)
    with pytest.raises(UnauthorizedError):
        transport(idp, api_key=None, oauth=OAUTH).send(ApiRequest("GET", "x"))
    assert idp.tokens_issued == 2


def test_refused_client_credentials() -> None:
    idp = FakeIdp()
    t = transport(idp, api_key=None, oauth={"client_id": "cid", "client_secret": "wrong"})
    with pytest.raises(UnauthorizedError, match="failed to retrieve OAuth2 access token"):
        t.send(ApiRequest("GET", "x"))
    assert idp.auth_headers == []


class MemoryCache:
    def __init__(self, token: AccessToken | None = None) -> None:
        self.token = token
        self.saved: list[AccessToken] = []

    def load(self) -> AccessToken | None:
        return self.token

    def save(self, token: AccessToken) -> None:
        self.token = token
        self.saved.append(token)


def test_token_cache_is_used_and_filled() -> None:
    import time

    idp = FakeIdp()
    cache = MemoryCache(AccessToken("cached", time.time() + 3600))
    settings = Settings.build(BASE, oauth=OAUTH, environ={}, logger=False)
    t = SyncTransport(settings, httpx.Client(transport=httpx.MockTransport(idp)), token_cache=cache)
    t.send(ApiRequest("GET", "x"))
    assert idp.tokens_issued == 0

    stale = MemoryCache(AccessToken("old", time.time() + 5))  # inside the refresh margin
    t = SyncTransport(settings, httpx.Client(transport=httpx.MockTransport(idp)), token_cache=stale)
    t.send(ApiRequest("GET", "x"))
    assert idp.tokens_issued == 1
    assert [tok.access_token for tok in stale.saved] == ["tok1"]


def test_retrieve_token_seed_api() -> None:
    idp = FakeIdp()
    settings = Settings.build(BASE, oauth=OAUTH, environ={}, logger=False)
    t = SyncTransport(settings, httpx.Client(transport=httpx.MockTransport(idp)))
    assert settings.auth.oauth is not None
    token = t.fetch_token(settings.auth.oauth)
    assert token.access_token == "tok1"
    assert token.is_fresh()


def test_json_body_and_form_are_encoded() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok()

    t = transport(handler)
    t.send(ApiRequest("POST", "x", json={"a": 1}))
    assert json.loads(seen[0].content) == {"a": 1}
    assert seen[0].headers["content-type"] == "application/json"
