"""What handlers and the pipeline share: routes, the request as handlers see it (``Ctx``), reading bodies
(size limits, decompression, JSON depth) and Spark-shaped replies.

Both ``app.py`` (the pipeline) and ``routes/*`` import this module; routes never import ``app.py``.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .models import ApiError, bad_request, iso_ms
from .runtime import Limits, Runtime
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
