"""An httpx transport over the standard library's `http.client`, for the sync `Client`.

httpx sends through httpcore, which imports h11 and anyio: ~80-100 ms of CPU before the first request,
more than the request itself against a nearby Spark, paid by every `cspark` command. The sync client sends
HTTP/1.1 one request at a time, which `http.client` does well. httpx stays the SDK's interface (requests,
responses, errors, the async client); only the last step (bytes on a socket) changes:

- one keep-alive connection per origin, reused while replies are read to the end; a reused connection that
  the server closed while idle is retried once on a new one, before any reply byte (as httpcore does);
- httpx's timeouts (connect, then read/write per socket operation); failures raise httpx's own errors
  (`ConnectError`, `ConnectTimeout`, `ReadTimeout`, `WriteError`, `RemoteProtocolError`), so retries and
  error messages are unchanged;
- TLS with certifi's CA bundle (or SSL_CERT_FILE / SSL_CERT_DIR), loaded on the first https connection;
- bodies stream both ways (uploads from httpx's request stream, downloads chunk by chunk).

`Client` uses it unless proxies are configured in the environment (then httpx's own transport, which
honours them) or the caller passes its own `http_client`.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx

__all__ = ["StdlibTransport", "env_proxies"]

_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
_CHUNK = 64 * 1024
_Key = tuple[str, str, int]  # scheme, host, port


def env_proxies() -> bool:
    """True when the environment names a proxy httpx would use (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY)."""
    names = ("http_proxy", "https_proxy", "all_proxy")
    return any(os.environ.get(name) or os.environ.get(name.upper()) for name in names)


def _tls_context() -> ssl.SSLContext:
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if not cafile and not capath:
        import certifi

        cafile = certifi.where()
    return ssl.create_default_context(cafile=cafile or None, capath=capath or None)


class _Body(httpx.SyncByteStream):
    """A reply's body, read from the socket as httpx asks; the connection goes back to the pool once the
    body was read to its end, and is dropped when closed early."""

    def __init__(self, owner: StdlibTransport, key: _Key, conn: Any, reply: Any, request: Any) -> None:
        self._owner, self._key, self._conn, self._reply, self._request = owner, key, conn, reply, request

    def __iter__(self) -> Iterator[bytes]:
        try:
            while True:
                chunk = self._reply.read1(_CHUNK)
                if not chunk:
                    self._reply.read()  # b"": marks the reply done, so the connection can be reused
                    break
                yield chunk
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out reading the reply", request=self._request) from exc
        except (http.client.HTTPException, OSError) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=self._request) from exc

    def close(self) -> None:
        reply, self._reply = self._reply, None
        if reply is None:
            return
        if reply.isclosed() and not reply.will_close:  # read to the end: the connection can be reused
            self._owner._release(self._key, self._conn)
        else:
            reply.close()
            self._conn.close()


class StdlibTransport(httpx.BaseTransport):
    """`httpx.Client(transport=StdlibTransport())`: HTTP/1.1 over `http.client` (see the module doc)."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], Any] = {}
        self._tls: ssl.SSLContext | None = None
        self._lock = threading.Lock()  # a Client may be shared by threads: each takes its own connection

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}", request=request)
        port = url.port or (443 if scheme == "https" else 80)
        key = (scheme, url.host, port)
        timeouts = request.extensions.get("timeout", {})
        target = url.raw_path.decode("ascii")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        with self._lock:
            conn = self._idle.pop(key, None)
        reused = conn is not None
        while True:
            if conn is None:
                conn = self._connect(key, timeouts, request)
            try:
                reply = self._exchange(conn, request, target, headers, timeouts)
                break
            except _STALE as exc:
                conn.close()
                if not reused:  # a new connection that failed: the server dropped the request
                    raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
                conn, reused = None, False  # an idle connection the server had closed: once more, anew
            except TimeoutError as exc:
                conn.close()
                raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(
            reply.status,
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.getheaders()],
            stream=_Body(self, key, conn, reply, request),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reply.reason.encode("latin-1")},
        )

    def _connect(self, key: tuple[str, str, int], timeouts: dict[str, Any], request: httpx.Request) -> Any:
        scheme, host, port = key
        conn: Any
        if scheme == "https":
            with self._lock:
                if self._tls is None:
                    self._tls = _tls_context()
            conn = http.client.HTTPSConnection(host, port, timeout=timeouts.get("connect"), context=self._tls)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeouts.get("connect"))
        try:
            conn.connect()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out connecting", request=request) from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    @staticmethod
    def _exchange(
        conn: Any,
        request: httpx.Request,
        target: str,
        headers: list[tuple[str, str]],
        timeouts: dict[str, Any],
    ) -> Any:
        conn.sock.settimeout(timeouts.get("write"))
        conn.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        chunked = request.headers.get("transfer-encoding", "").lower() == "chunked"
        try:
            for chunk in request.stream:  # type: ignore[union-attr]
                if chunk:
                    conn.send(b"%X\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                conn.send(b"0\r\n\r\n")
        except TimeoutError as exc:
            raise httpx.WriteTimeout(str(exc) or "timed out sending", request=request) from exc
        conn.sock.settimeout(timeouts.get("read"))
        return conn.getresponse()

    def _release(self, key: tuple[str, str, int], conn: Any) -> None:
        with self._lock:
            old = self._idle.pop(key, None)
            self._idle[key] = conn
        if old is not None:
            old.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = list(self._idle.values()), {}
        for conn in idle:
            conn.close()
