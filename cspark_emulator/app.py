"""The request pipeline: faults -> route -> auth (admin guard, public gate) -> handler -> Spark-shaped reply.

Routing is done here rather than by Starlette's router because Spark's paths need things Starlette does not
give: case-insensitive matching (v1), per-segment percent-decoding of the *raw* path, and one place
that knows each route's auth rule and error envelope. Routes, ``Ctx`` and the reply helpers live in
``http.py``; the route tables in ``routes/`` (which never import this module).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import threading
from collections.abc import Awaitable
from urllib.parse import unquote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .faults import Fault
from .http import ANONYMOUS, Ctx, Principal, Route, error_reply, read_body
from .models import ApiError
from .routes import all_routes
from .runtime import Runtime

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
    if cycle is None or transport is None:
        raise ConnectionAbortedError("injected drop")
    cycle.disconnected = True
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
    return EmulatorApp(rt, all_routes())
