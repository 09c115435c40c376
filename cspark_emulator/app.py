"""The request pipeline: faults -> route -> auth -> handler -> Spark-shaped reply.

Routing is done here rather than by Starlette's router because Spark's paths need things Starlette does not
give: case-insensitive matching (v1), per-segment percent-decoding of the *raw* path, and one place
that knows each route's auth rule and error envelope.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import re
import threading
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio.to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from .batches import Batches
from .faults import Fault, Faults
from .files import Files
from .jobs import INSTANT
from .models import ApiError, bad_request, iso_ms
from .security import Credentials, TokenIssuer
from .state import State

Handler = Callable[["Ctx"], Awaitable[Response]]
PARAM = re.compile(r"\{(\w+)(:path)?\}")


@dataclass(frozen=True)
class Principal:
    kind: str  # "api_key" | "bearer" | "anonymous"
    name: str


ANONYMOUS = Principal("anonymous", "anonymous")


@dataclass
class Route:
    method: str
    pattern: str
    handler: Handler
    auth: str = "tenant"  # tenant | public | v1 | bearer | none | admin
    family: str = "v3"  # v3 | v1 | v4 | plain: the error envelope to use
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        parts, last = [], 0
        for match in PARAM.finditer(self.pattern):
            parts.append(re.escape(self.pattern[last : match.start()]))
            parts.append(f"(?P<{match[1]}>.+)" if match[2] else f"(?P<{match[1]}>[^/]*)")
            last = match.end()
        parts.append(re.escape(self.pattern[last:]))
        self.regex = re.compile("^" + "".join(parts) + "/?$", re.IGNORECASE)

    @property
    def name(self) -> str:
        return f"{self.method} {self.pattern}"


@dataclass
@dataclass(frozen=True)
class Limits:
    """What a request may carry: body bytes as sent, bytes once decompressed, JSON nesting depth."""

    max_body: int = 64 << 20
    max_inflated: int = 64 << 20
    max_json_depth: int = 256


@dataclass
class Runtime:
    """Everything a handler may need; one per running emulator."""

    tenant: str
    credentials: Credentials
    tokens: TokenIssuer
    state: State
    files: Files
    batches: Batches
    seed: Path | None = None
    samples: bool = False
    speed: str = INSTANT  # the job speed the emulator was started with; reset goes back to it
    faults: Faults = field(default_factory=Faults)
    limits: Limits = field(default_factory=Limits)
    counts: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)

    def reseed(self, skip_existing: bool = False) -> list[str]:
        published = []
        if self.samples:
            published += self.state.seed(Path(__file__).parent / "samples", skip_existing)
        if self.seed:
            published += self.state.seed(self.seed, skip_existing)
        return published

    def reset(self) -> list[str]:
        """Clear state, faults and stats (issued tokens stay valid), then re-publish the start seed."""
        self.batches.reset()
        self.state.reset()
        self.state.jobs.speed = self.speed
        self.faults.clear()
        self.faults.injected = 0
        self.counts.clear()
        self.statuses.clear()
        self.tokens.count = 0
        return self.reseed()


class Ctx:
    """One request as handlers see it."""

    def __init__(self, request: Request, params: dict[str, str], rt: Runtime, principal: Principal) -> None:
        self.request = request
        self.params = params
        self.rt = rt
        self.principal = principal
        self._body: bytes | None = None

    @property
    def state(self) -> State:
        return self.rt.state

    @property
    def origin(self) -> str:
        """Where clients reach us: honours X-Forwarded-Proto/-Host, so absolute URLs work behind a proxy."""
        return forwarded_origin(self.request)

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def base(self) -> str:
        return f"{self.origin}/{self.rt.tenant}"

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    async def raw(self) -> bytes:
        """The request body, decompressed per ``Content-Encoding``."""
        if self._body is None:
            encoding = self.header("content-encoding")
            self._body = decompress(await self.request.body(), encoding, self.rt.limits.max_inflated)
        return self._body

    async def json(self) -> Any:
        """The JSON body; empty bodies and the literal ``null`` (TS) are ``None``. Nesting deeper than the
        limit is a 400, never a 500."""
        body = await self.raw()
        if not body.strip():
            return None
        depth = self.rt.limits.max_json_depth
        try:
            value = json.loads(body, parse_constant=_no_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            raise bad_request(f"the request body is not valid JSON: {exc}") from exc
        except RecursionError:
            raise bad_request(f"the request body is nested more than {depth} levels deep") from None
        if _deeper_than(value, depth):
            raise bad_request(f"the request body is nested more than {depth} levels deep")
        return value

    async def json_object(self, what: str = "request body") -> dict[str, Any]:
        body = await self.json()
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise bad_request(f"the {what} must be a JSON object")
        return body

    async def form(self) -> FormData:
        try:
            return await self.request.form()
        except Exception as exc:
            raise bad_request(f"the form could not be read: {exc}") from exc


def _no_constant(name: str) -> Any:
    """Python's json accepts ``NaN``/``Infinity``; JSON (and Spark) does not."""
    raise ValueError(f"{name} is not a JSON value")


def _deeper_than(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def decompress(body: bytes, encoding: str | None, limit: int = Limits.max_inflated) -> bytes:
    """The body per ``Content-Encoding``; more than `limit` bytes once inflated (a gzip bomb) is a 413,
    found without ever holding more than `limit` bytes."""
    encoding = (encoding or "").strip().lower()
    if not body or encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise ApiError(
            415, f"Content-Encoding {encoding!r} is not supported (use gzip or deflate)", "UNSUPPORTED"
        )
    try:
        if encoding == "gzip":
            return _inflate(body, 16 + zlib.MAX_WBITS, limit)
        try:
            return _inflate(body, zlib.MAX_WBITS, limit)
        except zlib.error:
            return _inflate(body, -zlib.MAX_WBITS, limit)
    except (OSError, zlib.error, EOFError) as exc:
        raise bad_request(f"the body could not be decompressed as {encoding}: {exc}") from exc


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    out = bytearray()
    while data:  # gzip allows several members one after another
        engine = zlib.decompressobj(wbits)
        out += engine.decompress(data, limit + 1 - len(out))
        if len(out) > limit or engine.unconsumed_tail:
            raise too_large(f"the body is larger than {limit} bytes once decompressed")
        if not engine.eof:
            raise EOFError("the compressed body is truncated")
        data = engine.unused_data if wbits > zlib.MAX_WBITS else b""
    return bytes(out)


def too_large(message: str) -> ApiError:
    return ApiError(413, message, "PAYLOAD_TOO_LARGE")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 once it is longer than `limit` (by Content-Length, or as it streams).
    It is cached on the request, where Starlette's ``body()`` and ``form()`` find it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette's own cache attribute
    return body


def forwarded_origin(request: Request) -> str:
    """``scheme://host`` as the client sees it: X-Forwarded-Proto and X-Forwarded-Host (first value, and
    only when well-formed) over the connection's own."""
    own = str(request.base_url).rstrip("/")
    proto = (request.headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
    host = (request.headers.get("x-forwarded-host") or "").split(",")[0].strip()
    if proto not in ("http", "https") and not host:
        return own
    scheme, _, rest = own.partition("://")
    if host and not re.fullmatch(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", host):
        host = ""
    return f"{proto if proto in ('http', 'https') else scheme}://{host or rest}"


# ---------------------------------------------------------------------- replies


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/json")


def v3_reply(data: Any, meta: dict[str, Any] | None = None, status: str | None = "Success") -> Response:
    return json_reply(
        {
            "status": status,
            "response_data": data,
            "response_meta": {**(meta or {}), "system": "SPARK", "request_timestamp": iso_ms()},
            "error": None,
        }
    )


def v1_reply(data: Any, **extra: Any) -> Response:
    return json_reply({"status": "Success", "message": None, "errorCode": None, "data": data, **extra})


def error_reply(family: str, status: int, message: str, code: str) -> Response:
    headers = {"www-authenticate": "Bearer"} if status == 401 else None
    if family == "v1":
        body: dict[str, Any] = {"status": "Error", "message": message, "errorCode": code, "data": None}
    elif family == "plain":
        body = {"error": code.lower(), "error_description": message}
    else:
        body = {"status": "Error", "response_data": None, "error": {"message": message, "code": code}}
    return json_reply(body, status, headers)


def attachment_name(filename: str, fallback: str = "download") -> str:
    """A name for Content-Disposition: its last path part only, without quotes, control characters or
    leading dots, ASCII (a header value), at most 150 characters; never a path."""
    base = re.split(r"[/\\]", filename)[-1]
    base = re.sub(r'[\x00-\x1f\x7f"]', "", base).encode("ascii", "replace").decode("ascii")
    base = base.strip().lstrip(".").strip()[-150:]
    return base or fallback


def file_reply(content: bytes, filename: str, content_type: str) -> Response:
    disposition = f'attachment; filename="{attachment_name(filename)}"'
    return Response(content, media_type=content_type, headers={"content-disposition": disposition})


# ---------------------------------------------------------------------- auth


def is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


def authenticate(route: Route, request: Request, params: dict[str, str], rt: Runtime) -> Principal:
    if route.auth == "none":
        return ANONYMOUS
    if route.auth == "admin":
        return admin_guard(request, rt)
    tenant = params.get("tenant")
    if tenant is not None and tenant.casefold() != rt.tenant.casefold():
        raise ApiError(401, f"tenant {tenant!r} is not served here", "UNAUTHORIZED")
    if route.auth == "public":
        public_gate(request, params, rt)
        return ANONYMOUS
    header_tenant = request.headers.get("x-tenant-name")
    if header_tenant and header_tenant.casefold() != rt.tenant.casefold():
        raise ApiError(401, "x-tenant-name does not match this tenant", "UNAUTHORIZED")
    bearer = _bearer(request.headers.get("authorization"))
    if bearer and rt.tokens.valid(bearer):
        return Principal("bearer", rt.credentials.client_id)
    if route.auth == "bearer":
        raise ApiError(401, "this endpoint accepts bearer tokens only", "UNAUTHORIZED")
    key = request.headers.get("x-synthetic-key")
    if key and key == rt.credentials.api_key:
        if not header_tenant:
            raise ApiError(401, "x-tenant-name is required with an API key", "UNAUTHORIZED")
        return Principal("api_key", "api-key")
    raise ApiError(401, "access token is missing or invalid", "UNAUTHORIZED")


# Content types a web page can send cross-origin without a preflight (a "simple request").
_SIMPLE_TYPES = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data")


def admin_guard(request: Request, rt: Runtime) -> Principal:
    """The lock on ``/_emulator/``: loopback only; no cross-origin browser request (an ``Origin`` that is
    not ours, a cross-site ``Sec-Fetch-Site``, or a simple-request body type); and a credential: the
    admin token (``Authorization: Bearer``, from the start-up JSON line) or the API key."""
    if not is_loopback(request):
        raise ApiError(403, "emulator controls are only served on loopback", "FORBIDDEN")
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        raise ApiError(403, "emulator controls refuse cross-origin requests", "FORBIDDEN")
    if request.headers.get("sec-fetch-site", "none").lower() not in ("none", "same-origin"):
        raise ApiError(403, "emulator controls refuse cross-site requests", "FORBIDDEN")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _SIMPLE_TYPES:
        raise ApiError(415, "emulator controls take application/json bodies only", "UNSUPPORTED")
    token = _bearer(request.headers.get("authorization"))
    key = request.headers.get("x-synthetic-key")
    creds = rt.credentials
    if (token and hmac.compare_digest(token, creds.admin_token)) or (
        key and hmac.compare_digest(key, creds.api_key)
    ):
        return Principal("admin", "admin")
    raise ApiError(
        401,
        "emulator controls need the admin token (Authorization: Bearer <admin_token>) or the API key",
        "UNAUTHORIZED",
    )


def public_gate(request: Request, params: dict[str, str], rt: Runtime) -> None:
    """Before a public route reads its body: 401 unless the service it names (or, when the body names it,
    any service) is public, so an anonymous caller cannot make the emulator parse anything."""
    if "/public/" not in request.url.path.lower():
        return  # the token endpoint: its own rules
    if not rt.state.may_serve_publicly(
        params.get("folder"), params.get("service"), params.get("service_id"), params.get("version_id")
    ):
        raise ApiError(401, "this service is not public", "UNAUTHORIZED")


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token if token and token not in ("None", "undefined", "null") else None


# ---------------------------------------------------------------------- the application


class EmulatorApp:
    """An ASGI app: faults first (so ``drop`` can act on the raw connection), then the routes."""

    def __init__(self, rt: Runtime, routes: list[Route]) -> None:
        self.rt = rt
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope.get("path", "")
        fault: Fault | None = None
        if not path.startswith("/_emulator"):
            fault = self.rt.faults.take(scope.get("method", ""), path)
            if fault is not None:
                if fault.kind == "drop":
                    await _drop(send)
                    return
                if fault.kind == "stall":
                    await asyncio.sleep(fault.seconds)
                elif fault.kind != "lose":
                    await _fault_reply(fault, scope)(scope, receive, send)
                    return
        response = await self.dispatch(Request(scope, receive))
        if fault is not None and fault.kind == "lose":  # the work is done; the reply is lost
            await _drop(send)
            return
        await response(scope, receive, send)

    async def dispatch(self, request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        route, params, allowed = self._match(request.method, path)
        request_id = request.headers.get("x-request-id")
        if route is None:
            family = "v1" if "/api/v1/" in path.lower() else "v3"
            status = 405 if allowed else 404
            response = error_reply(family, status, f"no route for {request.method} {path}", "NOT_FOUND")
        else:
            self.rt.counts[route.name] += 1
            response = await self._run(route, request, params)
        if request_id:
            response.headers["x-request-id"] = request_id
        self.rt.statuses[response.status_code] += 1
        return response

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        allowed = False
        for route in self.routes:
            match = route.regex.match(path)
            if match is None:
                continue
            if route.method != method:
                allowed = True
                continue
            params = {k: unquote(v) if k != "rest" else v for k, v in match.groupdict().items()}
            return route, params, True
        return None, {}, allowed

    async def _run(self, route: Route, request: Request, params: dict[str, str]) -> Response:
        try:
            principal = authenticate(route, request, params, self.rt)  # before any byte of the body
            await read_body(request, self.rt.limits.max_body)  # on the server's loop; cached for handlers
            handler = route.handler(Ctx(request, params, self.rt, principal))
            # Handlers block (workbook recalculation, waiting for the batch worker): each runs in a worker
            # thread with an event loop of its own, so one slow request never holds up the others.
            return await anyio.to_thread.run_sync(_run_in_this_thread, handler)
        except ApiError as exc:
            return error_reply(route.family, exc.status, exc.message, exc.code)
        except Exception as exc:  # a bug in the emulator or the engine: report it, don't hang up
            return error_reply(route.family, 500, f"internal error: {type(exc).__name__}: {exc}", "INTERNAL")


_thread_loops = threading.local()


def _run_in_this_thread(handler: Awaitable[Response]) -> Response:
    """Run a handler on this worker thread's own event loop (kept for the thread's life: creating one per
    request costs more than most handlers)."""
    loop = getattr(_thread_loops, "loop", None)
    if loop is None:
        loop = _thread_loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(handler)


def _fault_reply(fault: Fault, scope: Scope) -> Response:
    status = int(fault.kind)
    family = "v1" if "/api/v1/" in scope.get("path", "").lower() else "v3"
    response = error_reply(family, status, f"injected fault {status}", "INJECTED_FAULT")
    if status == 429 and fault.retry_after is not None:
        value = f"{fault.retry_after:g}"
        response.headers["retry-after"] = value
        response.headers["x-retry-after"] = value
    return response


async def _drop(send: Send) -> None:
    """Close the connection without any response: abort the transport uvicorn's ``send`` belongs to."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("injected drop")
    cycle.disconnected = True  # type: ignore[union-attr]
    transport.abort()


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def build_app(rt: Runtime) -> EmulatorApp:
    from .routes import all_routes

    return EmulatorApp(rt, all_routes())
