"""The send loops, one sync and one async (bytes move through a wire, `wire.py`); every decision beside them
is a pure function (retry or not, how long to wait, which error), unit-tested without sockets or real sleeps.

- Headers of on every request; one fresh `x-request-id` per logical call, reused on retries.
- Retries: a bounded loop over 408, 429, 502, 503, 504 and connection failures, with exponential backoff from
  `retry_interval`, jitter and a cap, honouring `Retry-After` / `x-retry-after`. A request that may have
  reached Spark before the connection failed (a read timeout) is resent only when it is idempotent.
- OAuth: the token is obtained before the first request, reused until shortly before expiry, and refreshed
  once when Spark answers 401.
- "HTTP 200 but `status: Error`" becomes an exception.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import random
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import urlsplit

from cspark._version import __version__

from .auth import AccessToken, OAuth, TokenCache, parse_token, token_request
from .errors import SparkApiError, SparkSdkError, UnknownApiError, api_error_for
from .log import SdkLogger, mask_url, redact
from .request import ApiRequest
from .response import SparkResponse
from .settings import Settings
from .wire import AsyncHttpxWire, AsyncReply, HttpxWire, Reply, WireError, default_wire

if TYPE_CHECKING:
    import asyncio

    import httpx

__all__ = [
    "MAX_RETRY_DELAY",
    "RETRY_STATUSES",
    "AsyncTransport",
    "Step",
    "SyncTransport",
    "backoff_delay",
    "decide",
    "envelope_error",
    "may_resend",
    "retry_after_seconds",
]

RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})
MAX_RETRY_DELAY = 30.0  # seconds: no single wait is longer, whatever Retry-After says
_PYTHON = "{}.{}.{}".format(*sys.version_info[:3])
USER_AGENT = f"cspark/{__version__} (Python/{_PYTHON})"
SPARK_UA = f"agent=cspark-python/{__version__}; env=Python/{_PYTHON}"


# --- pure decisions ---------------------------------------------------------------------------------------


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds a server asked us to wait: `x-retry-after` (Spark, may be fractional) or `Retry-After`
    (seconds or an HTTP date)."""
    for name in ("x-retry-after", "retry-after"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(raw).timestamp()
        except (TypeError, ValueError):
            continue
        return max(0.0, when - (time.time() if now is None else now))
    return None


def backoff_delay(
    attempt: int,
    interval: float,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
    cap: float = MAX_RETRY_DELAY,
) -> float:
    """Wait before retry number `attempt` (0-based): the server's Retry-After when given, else
    `interval * 2**attempt` with "equal jitter" (between half and all of it), never above `cap`."""
    if retry_after is not None:
        return min(retry_after, cap)
    base = min(cap, interval * (2**attempt))
    return float(base / 2 + base / 2 * rand())


class Step(NamedTuple):
    kind: Literal["done", "retry", "refresh", "fail"]
    delay: float = 0.0


def decide(
    status: int | None,
    *,
    attempt: int,
    max_retries: int,
    interval: float,
    headers: Mapping[str, str] | None = None,
    oauth: bool = False,
    refreshed: bool = False,
    rand: Callable[[], float] = random.random,
) -> Step:
    """What to do after one attempt. `status` None means no response (connection failure or timeout)."""
    if status == 401 and oauth and not refreshed:
        return Step("refresh")
    if status is None or status in RETRY_STATUSES:
        if attempt < max_retries:
            wait = retry_after_seconds(headers or {}) if status is not None else None
            return Step("retry", backoff_delay(attempt, interval, wait, rand))
        return Step("fail") if status is None else Step("done")
    return Step("done")


FAIL = Step("fail")
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def may_resend(exc: WireError, method: str) -> bool:
    """After a failure with no response: a request that never left (no connection) can always be sent again;
    one that may have reached Spark (a read timeout, a dropped reply) only when repeating it is harmless, so
    a POST that creates something (a folder, a batch, an export) is never made twice."""
    return exc.never_sent or method.upper() in IDEMPOTENT


def envelope_error(data: Any) -> tuple[int, str] | None:
    """A Spark error reported inside an HTTP 2xx body, as (status to report, message), or None."""
    if not isinstance(data, Mapping) or "object" in data:
        return None  # v4 resources (batch, export, import) carry `object`: their `status` is a job's verdict
    status, code = data.get("status"), data.get("errorCode")
    failed = isinstance(status, str) and status.lower() == "error"
    if not failed and not (code and status not in (None, "Success")):
        return None
    code_text = str(code or "").upper()
    message = spark_message(data) or "Spark reported an error"
    if "ALREADY_EXISTS" in code_text:
        return 409, message
    if "NOT_FOUND" in code_text:
        return 404, message
    return 400, message


def spark_message(body: Any) -> str | None:
    """Spark's own words from an error body, whatever its shape (the shape is not documented)."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and error.get("message"):
            return str(error["message"])
        for key in ("message", "error_description", "detail", "errorCode", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None
    if isinstance(body, str) and body.strip():
        return " ".join(body.split())[:300]
    return None


def parse_body(content: bytes, content_type: str) -> Any:
    """JSON only when Spark says it is JSON; otherwise None and the bytes stay in `.buffer`."""
    if "json" not in content_type.lower() or not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


def error_for(status: int, body: Any, method: str, url: str, request_id: str) -> SparkApiError:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    said = spark_message(body)
    where = f"{method} {mask_url(url)}"
    message = f"{status} {phrase}: {said}" if said else f"{status} {phrase} from {where}"
    return api_error_for(status, message, request_id=request_id, body=body, detail=said)


def unreachable(
    exc: WireError,
    method: str,
    url: str,
    request_id: str,
    timeout_ms: float,
    secrets: Iterable[str] = (),
) -> UnknownApiError:
    """No answer. The wire's text may quote what was being sent (an illegal header value): `secrets` are
    redacted from it, in every quoted form."""
    where = f"{method} {mask_url(url)}"
    if exc.timed_out:
        reason = f"no answer within {timeout_ms / 1000:g} s"
    else:
        reason = redact(str(exc), secrets) or exc.kind
    return UnknownApiError(f"Spark is unreachable: {where}: {reason}", request_id=request_id)


def token_failure(exc: SparkApiError) -> SparkApiError:
    """The same error class, saying what failed: the token request (whose body is never kept)."""
    message = f"failed to retrieve OAuth2 access token: {exc.message}"
    return type(exc)(message, status=exc.status, request_id=exc.request_id)


def same_site(url: str, settings: Settings) -> bool:
    """Credentials go to the configured origin and to Coherent hosts of the same environment only, never
    to a third-party host named in an absolute URL that a reply handed us."""
    host = (urlsplit(url).hostname or "").lower()
    base = settings.base_url
    if url.startswith(base.origin + "/") or url == base.origin:
        return True
    return base.env is not None and host.endswith(f".{base.env}.coherent.global")


# --- the loops ---------------------------------------------------------------------------------------------


class _Base:
    def __init__(self, settings: Settings, token_cache: TokenCache | None, sleep: Any) -> None:
        self.settings = settings
        self.log = SdkLogger(settings.logger)
        self._cache = token_cache
        self._token: AccessToken | None = None
        self._sleep = sleep
        self._timeout = settings.timeout / 1000  # seconds, for connecting and for each read or write

    def _uses_oauth(self, req: ApiRequest, url: str) -> bool:
        return req.auth and self.settings.auth.kind == "oauth" and same_site(url, self.settings)

    def _headers(
        self, req: ApiRequest, url: str, request_id: str, access_token: str | None
    ) -> dict[str, str]:
        headers = dict(req.headers or {})
        headers.update(
            {
                "User-Agent": USER_AGENT,
                "x-spark-ua": SPARK_UA,
                "x-request-id": request_id,
                "x-tenant-name": self.settings.base_url.tenant,
            }
        )
        if req.auth and same_site(url, self.settings):
            headers.update(self.settings.auth.headers(access_token))
        return headers

    def _cached_token(self) -> AccessToken | None:
        if self._token and self._token.is_fresh():
            return self._token
        if self._cache is not None:
            cached = self._cache.load()
            if cached and cached.is_fresh():
                self._token = cached
                return cached
        return None

    def _keep_token(self, token: AccessToken) -> AccessToken:
        self._token = token
        if self._cache is not None:
            self._cache.save(token)
        return token

    def _log_attempt(self, req: ApiRequest, url: str, status: int | str, started: float, rid: str) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        self.log.info("%s %s -> %s (%.0f ms) [%s]", req.method, mask_url(url), status, elapsed, rid)

    def _log_retry(self, req: ApiRequest, url: str, why: object, step: Step, attempt: int) -> None:
        self.log.warning(
            "%s %s: %s; retry %d of %d in %.1f s",
            req.method,
            mask_url(url),
            why,
            attempt + 1,
            self.settings.max_retries,
            step.delay,
        )

    def _step(
        self,
        status: int | None,
        headers: Mapping[str, str] | None,
        attempt: int,
        oauth: bool,
        refreshed: bool,
        req: ApiRequest,
    ) -> Step:
        s = self.settings
        retries = s.max_retries if req.resend else 0
        return decide(
            status, attempt=attempt, max_retries=retries, interval=s.retry_interval,
            headers=headers, oauth=oauth, refreshed=refreshed,
        )  # fmt: skip

    def _finish(
        self, req: ApiRequest, url: str, reply: Reply | AsyncReply, content: bytes, rid: str
    ) -> SparkResponse:
        """The response, or the `SparkApiError` it stands for (an error status, or Spark's error envelope)."""
        data = parse_body(content, reply.headers.get("content-type", ""))
        if reply.status >= 400:
            said = data if data is not None else content.decode("utf-8", "replace")
            raise error_for(reply.status, said, req.method, url, rid)
        found = envelope_error(data)
        if found:
            status, message = found
            raise api_error_for(status, message, request_id=rid, body=data)
        return SparkResponse(reply.status, data, content, reply.headers, rid)


class SyncTransport(_Base):
    def __init__(
        self,
        settings: Settings,
        http_client: httpx.Client | None = None,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, token_cache, sleep)
        self.wire = HttpxWire(http_client) if http_client is not None else default_wire()
        self._lock = threading.Lock()

    def close(self) -> None:
        self.wire.close()

    def __enter__(self) -> SyncTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, req: ApiRequest) -> SparkResponse:
        reply, content, url, rid = self._exchange(req, stream=False)
        return self._finish(req, url, reply, content, rid)

    @contextlib.contextmanager
    def stream(self, req: ApiRequest) -> Iterator[tuple[Reply, str]]:
        """A reply whose body is not read yet (downloads), and the request id; error statuses raise (as
        `send` does) before yielding."""
        reply, _, url, rid = self._exchange(req, stream=True)
        with reply:
            if reply.status >= 400:
                self._finish(req, url, reply, reply.read(), rid)
            yield reply, rid

    def access_token(self, *, force: bool = False) -> AccessToken:
        oauth = self.settings.auth.oauth
        if oauth is None:
            raise SparkSdkError("this client does not use OAuth client credentials")
        with self._lock:
            token = None if force else self._cached_token()
            return token or self._keep_token(self.fetch_token(oauth))

    def fetch_token(self, oauth: OAuth) -> AccessToken:
        req = token_request(self.settings, oauth)
        try:
            return parse_token(self.send(req).data)
        except SparkApiError as exc:
            raise token_failure(exc) from None

    def _exchange(self, req: ApiRequest, *, stream: bool) -> tuple[Reply, bytes, str, str]:
        """Send until done: (the reply, its body unless `stream`, the URL, the request id)."""
        url = req.url(self.settings.base_url.origin, self.settings.base_url.value)
        target, body, body_headers = req.encode(url)
        rid = str(uuid.uuid4())
        attempt, refreshed = 0, False
        while True:
            oauth = self._uses_oauth(req, url)
            token = self.access_token(force=refreshed and self._token is None).access_token if oauth else None
            headers = {**body_headers, **self._headers(req, url, rid, token)}
            started = time.perf_counter()
            content = b""
            try:
                reply = self.wire.send(req.method, target, headers, body, self._timeout)
                if not stream:
                    with reply:
                        content = reply.read()
            except WireError as exc:
                self._log_attempt(req, url, exc.kind, started, rid)
                resend = may_resend(exc, req.method)
                step = self._step(None, None, attempt, oauth, refreshed, req) if resend else FAIL
                if step.kind == "fail":
                    raise unreachable(
                        exc, req.method, url, rid, self.settings.timeout, self.settings.auth.secrets()
                    ) from None
                self._log_retry(req, url, exc.kind, step, attempt)
                self._sleep(step.delay)
                attempt += 1
                continue
            self._log_attempt(req, url, reply.status, started, rid)
            step = self._step(reply.status, reply.headers, attempt, oauth, refreshed, req)
            if step.kind == "done":
                return reply, content, url, rid
            reply.close()
            if step.kind == "refresh":
                self._token, refreshed = None, True
            else:
                self._log_retry(req, url, reply.status, step, attempt)
                self._sleep(step.delay)
                attempt += 1


async def _async_sleep(delay: float) -> None:
    import asyncio  # here, not at the top: a sync client never needs asyncio (~20 ms at start-up)

    await asyncio.sleep(delay)


class AsyncTransport(_Base):
    def __init__(
        self,
        settings: Settings,
        http_client: httpx.AsyncClient | None = None,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(settings, token_cache, sleep or _async_sleep)
        self.wire = AsyncHttpxWire(http_client)
        self._lock: asyncio.Lock | None = None

    async def aclose(self) -> None:
        await self.wire.aclose()

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def send(self, req: ApiRequest) -> SparkResponse:
        reply, content, url, rid = await self._exchange(req, stream=False)
        return self._finish(req, url, reply, content, rid)

    @contextlib.asynccontextmanager
    async def stream(self, req: ApiRequest) -> AsyncIterator[tuple[AsyncReply, str]]:
        reply, _, url, rid = await self._exchange(req, stream=True)
        try:
            if reply.status >= 400:
                self._finish(req, url, reply, await reply.read(), rid)
            yield reply, rid
        finally:
            await reply.aclose()

    async def access_token(self, *, force: bool = False) -> AccessToken:
        oauth = self.settings.auth.oauth
        if oauth is None:
            raise SparkSdkError("this client does not use OAuth client credentials")
        import asyncio

        self._lock = self._lock or asyncio.Lock()
        async with self._lock:  # concurrent requests share one token fetch
            token = None if force else self._cached_token()
            return token or self._keep_token(await self.fetch_token(oauth))

    async def fetch_token(self, oauth: OAuth) -> AccessToken:
        req = token_request(self.settings, oauth)
        try:
            return parse_token((await self.send(req)).data)
        except SparkApiError as exc:
            raise token_failure(exc) from None

    async def _exchange(self, req: ApiRequest, *, stream: bool) -> tuple[AsyncReply, bytes, str, str]:
        url = req.url(self.settings.base_url.origin, self.settings.base_url.value)
        target, body, body_headers = req.encode(url)
        rid = str(uuid.uuid4())
        attempt, refreshed = 0, False
        while True:
            oauth = self._uses_oauth(req, url)
            token = (
                (await self.access_token(force=refreshed and self._token is None)).access_token
                if oauth
                else None
            )
            headers = {**body_headers, **self._headers(req, url, rid, token)}
            started = time.perf_counter()
            content = b""
            try:
                reply = await self.wire.send(req.method, target, headers, body, self._timeout)
                if not stream:
                    try:
                        content = await reply.read()
                    finally:
                        await reply.aclose()
            except WireError as exc:
                self._log_attempt(req, url, exc.kind, started, rid)
                resend = may_resend(exc, req.method)
                step = self._step(None, None, attempt, oauth, refreshed, req) if resend else FAIL
                if step.kind == "fail":
                    raise unreachable(
                        exc, req.method, url, rid, self.settings.timeout, self.settings.auth.secrets()
                    ) from None
                self._log_retry(req, url, exc.kind, step, attempt)
                await self._sleep(step.delay)
                attempt += 1
                continue
            self._log_attempt(req, url, reply.status, started, rid)
            step = self._step(reply.status, reply.headers, attempt, oauth, refreshed, req)
            if step.kind == "done":
                return reply, content, url, rid
            await reply.aclose()
            if step.kind == "refresh":
                self._token, refreshed = None, True
            else:
                self._log_retry(req, url, reply.status, step, attempt)
                await self._sleep(step.delay)
                attempt += 1
