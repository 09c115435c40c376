"""The last step of every request: bytes to Spark and back, behind one small interface.

The transports (`transport.py`) decide what to send and what to do with the answer; a *wire* only moves
bytes: `send(method, url, headers, body, timeout)` returns a `Reply` (status, headers, a body read as it
arrives) or raises `WireError` when no whole reply came. Three wires:

- `StdlibWire`, the sync client's default: HTTP/1.1 over the standard library's `http.client`. httpx
  costs a command ~60 ms of CPU to import (its `_auth` alone pulls in `urllib.request` and
  `http.cookiejar`), more than a request to a nearby Spark takes; the sync client sends one request at
  a time (or a few threads, `execute_many`), which `http.client` does well. Keep-alive connections are
  reused when their replies were read to the end (up to `MAX_IDLE` idle ones per origin); a reused
  connection that the server closed while idle is retried once on a new one, before any reply byte.
  TLS verifies with certifi's CA bundle (or `SSL_CERT_FILE` / `SSL_CERT_DIR`), loaded on the first
  https connection.
- `HttpxWire`: a caller's own `httpx.Client` (`Client(http_client=...)`), or httpx's own when the
  environment names a proxy (httpx honours `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`).
- `AsyncHttpxWire`: the async client's, over `httpx.AsyncClient` (asyncio needs httpx's event-loop I/O).

`WireError.kind` keeps the names httpx gives failures (`ConnectError`, `ReadTimeout`, ...), so logs read
the same whichever wire sent. A request body is always bytes, encoded by `ApiRequest.encode()`, so every
wire sends exactly the same request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import http.client
    import ssl

    import httpx

__all__ = [
    "CHUNK",
    "AsyncHttpxWire",
    "AsyncReply",
    "HttpxWire",
    "Reply",
    "StdlibWire",
    "WireError",
    "default_wire",
    "env_proxies",
]

CHUNK = 64 * 1024
MAX_IDLE = 16  # idle keep-alive connections kept per origin (one per thread sending at the same time)
NEVER_SENT = frozenset({"ConnectError", "ConnectTimeout", "PoolTimeout"})


def _nothing() -> None:
    return None


async def _anothing() -> None:
    return None


class WireError(Exception):
    """No whole reply. `kind` says what happened (httpx's names: `ConnectError`, `ConnectTimeout`,
    `ReadTimeout`, `WriteTimeout`, `RemoteProtocolError`, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message or kind)
        self.kind = kind

    @property
    def never_sent(self) -> bool:
        """True when the request surely never reached the server (no connection was made)."""
        return self.kind in NEVER_SENT

    @property
    def timed_out(self) -> bool:
        return self.kind.endswith("Timeout")


def _cut(buffer: bytearray, chunk: bytes, size: int) -> list[bytes]:
    """Add `chunk` to `buffer` and take out every whole piece of `size` bytes (the rest stays buffered)."""
    buffer += chunk
    pieces = [bytes(buffer[start : start + size]) for start in range(0, len(buffer) - size + 1, size)]
    del buffer[: len(pieces) * size]
    return pieces


class Reply:
    """A status and headers (names in lower case, repeated ones joined by ", "); the body is read from
    the wire as `iter_bytes` asks, or whole by `read`. Close it when done (a context manager)."""

    def __init__(
        self, status: int, headers: dict[str, str], chunks: Iterator[bytes], close: Callable[[], None]
    ) -> None:
        self.status, self.headers = status, headers
        self._chunks, self._close = chunks, close

    def iter_bytes(self, size: int = CHUNK) -> Iterator[bytes]:
        """The body in chunks of `size` bytes (the last one shorter), as it arrives."""
        buffer = bytearray()
        for chunk in self._chunks:
            yield from _cut(buffer, chunk, size)
        if buffer:
            yield bytes(buffer)

    def read(self) -> bytes:
        return b"".join(self._chunks)

    def close(self) -> None:
        """Give the connection back (body read to its end) or drop it; a second call does nothing."""
        close, self._close = self._close, _nothing
        close()

    def __enter__(self) -> Reply:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncReply:
    """`Reply`'s async twin."""

    def __init__(
        self,
        status: int,
        headers: dict[str, str],
        chunks: AsyncIterator[bytes],
        close: Callable[[], Awaitable[None]],
    ) -> None:
        self.status, self.headers = status, headers
        self._chunks, self._close = chunks, close

    async def aiter_bytes(self, size: int = CHUNK) -> AsyncIterator[bytes]:
        buffer = bytearray()
        async for chunk in self._chunks:
            for piece in _cut(buffer, chunk, size):
                yield piece
        if buffer:
            yield bytes(buffer)

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self._chunks])

    async def aclose(self) -> None:
        close, self._close = self._close, _anothing
        await close()


def env_proxies() -> bool:
    """True when the environment names a proxy httpx would use (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY)."""
    names = ("http_proxy", "https_proxy", "all_proxy")
    return any(os.environ.get(name) or os.environ.get(name.upper()) for name in names)


def default_wire() -> StdlibWire | HttpxWire:
    """The sync client's own wire: `StdlibWire`, or httpx's when the environment names a proxy."""
    if env_proxies():
        import httpx

        return HttpxWire(httpx.Client(follow_redirects=False), own=True)
    return StdlibWire()


# --- the standard library's http.client --------------------------------------------------------------------

_Key = tuple[str, str, int]  # scheme, host, port
# Characters left as they are in a request target: RFC 3986's reserved and unreserved ones, and "%" (the
# paths are encoded already). Spaces, controls and non-ASCII, which `http.client` refuses, are encoded.
_TARGET_SAFE = "/?#[]@!$&'()*+,;=:%-._~"


def _tls_context() -> ssl.SSLContext:
    import ssl

    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if not cafile and not capath:
        import certifi

        cafile = certifi.where()
    return ssl.create_default_context(cafile=cafile or None, capath=capath or None)


class StdlibWire:
    """HTTP/1.1 over `http.client` (see the module doc). Safe to share between threads: each request takes
    a connection of its own, from the idle ones or new."""

    def __init__(self) -> None:
        self._idle: dict[_Key, list[http.client.HTTPConnection]] = {}
        self._tls: ssl.SSLContext | None = None
        self._lock = threading.Lock()

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> Reply:
        import http.client
        from urllib.parse import quote, urlsplit

        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise WireError("UnsupportedProtocol", f"cannot send to {scheme or 'a relative'} URL")
        key = (scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80))
        target = quote(parts.path or "/", safe=_TARGET_SAFE) + (
            f"?{quote(parts.query, safe=_TARGET_SAFE)}" if parts.query else ""
        )
        with self._lock:
            idle = self._idle.get(key)
            conn = idle.pop() if idle else None
        reused = conn is not None
        while True:
            if conn is None:
                conn = self._connect(key, timeout)
            elif conn.sock is not None:
                conn.sock.settimeout(timeout)
            try:
                conn.request(method, target, body=body, headers=dict(headers))
                reply = conn.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                if not reused:  # a new connection that failed: the server dropped the request
                    raise WireError("RemoteProtocolError", str(exc) or type(exc).__name__) from exc
                conn, reused = None, False  # an idle connection the server had closed: once more, anew
            except TimeoutError as exc:
                conn.close()
                raise WireError("ReadTimeout", str(exc) or "timed out") from exc
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                raise WireError("RemoteProtocolError", str(exc) or type(exc).__name__) from exc
            except ValueError as exc:  # a header value with a line break: refused before sending
                conn.close()
                raise WireError("LocalProtocolError", str(exc)) from exc
        names: dict[str, str] = {}
        for name, value in reply.getheaders():
            name = name.lower()
            names[name] = f"{names[name]}, {value}" if name in names else value
        return Reply(reply.status, names, self._body(reply), lambda: self._done(key, conn, reply))

    def _connect(self, key: _Key, timeout: float) -> http.client.HTTPConnection:
        import http.client
        import socket
        import ssl

        scheme, host, port = key
        conn: http.client.HTTPConnection
        if scheme == "https":
            with self._lock:
                if self._tls is None:
                    self._tls = _tls_context()
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._tls)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.connect()
        except TimeoutError as exc:
            raise WireError("ConnectTimeout", str(exc) or "timed out connecting") from exc
        except (OSError, ssl.SSLError) as exc:
            raise WireError("ConnectError", str(exc) or type(exc).__name__) from exc
        if conn.sock is not None:
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    @staticmethod
    def _body(reply: http.client.HTTPResponse) -> Iterator[bytes]:
        import http.client

        try:
            while chunk := reply.read1(CHUNK):
                yield chunk
            reply.read()  # b"": marks the reply done, so the connection can be reused
        except TimeoutError as exc:
            raise WireError("ReadTimeout", str(exc) or "timed out reading the reply") from exc
        except (http.client.HTTPException, OSError) as exc:
            raise WireError("RemoteProtocolError", str(exc) or type(exc).__name__) from exc

    def _done(self, key: _Key, conn: http.client.HTTPConnection, reply: http.client.HTTPResponse) -> None:
        """A reply read to its end gives its connection back to the pool; one closed early drops it."""
        if reply.isclosed() and not reply.will_close:
            with self._lock:
                idle = self._idle.setdefault(key, [])
                if len(idle) < MAX_IDLE:
                    idle.append(conn)
                    return
        reply.close()
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = [conn for conns in self._idle.values() for conn in conns], {}
        for conn in idle:
            conn.close()


# --- httpx -----------------------------------------------------------------------------------------------


def _headers(resp: httpx.Response) -> dict[str, str]:
    return dict(resp.headers.items())  # httpx: lower-case names, repeated ones joined by ", "


class HttpxWire:
    """A wire over an `httpx.Client`; the SDK closes it only when `own` (it made the client)."""

    def __init__(self, client: httpx.Client, *, own: bool = False) -> None:
        self.client, self._own = client, own

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> Reply:
        import httpx

        request = self.client.build_request(method, url, content=body, headers=headers, timeout=timeout)
        try:
            resp = self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise WireError(type(exc).__name__, str(exc)) from exc
        return Reply(resp.status_code, _headers(resp), self._body(resp), resp.close)

    @staticmethod
    def _body(resp: httpx.Response) -> Iterator[bytes]:
        import httpx

        try:
            yield from resp.iter_bytes(CHUNK)
        except httpx.HTTPError as exc:
            raise WireError(type(exc).__name__, str(exc)) from exc

    def close(self) -> None:
        if self._own:
            self.client.close()


class AsyncHttpxWire:
    """The async client's wire, over an `httpx.AsyncClient` (closed by the SDK only when `own`)."""

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        import httpx

        self._own = client is None
        self.client = client or httpx.AsyncClient(follow_redirects=False)

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> AsyncReply:
        import httpx

        request = self.client.build_request(method, url, content=body, headers=headers, timeout=timeout)
        try:
            resp = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise WireError(type(exc).__name__, str(exc)) from exc
        return AsyncReply(resp.status_code, _headers(resp), self._body(resp), resp.aclose)

    @staticmethod
    async def _body(resp: httpx.Response) -> AsyncIterator[bytes]:
        import httpx

        try:
            async for chunk in resp.aiter_bytes(CHUNK):
                yield chunk
        except httpx.HTTPError as exc:
            raise WireError(type(exc).__name__, str(exc)) from exc

    async def aclose(self) -> None:
        if self._own:
            await self.client.aclose()
