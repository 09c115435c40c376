"""`StdlibTransport`, the sync client's last step (bytes on a socket), so it is tested with a loopback server:
keep-alive reuse, a connection the server closed while idle, a streamed (chunked) upload, and the httpx
errors that the retry loop relies on."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from cspark_core.stdhttp import StdlibTransport, env_proxies


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list[int] = []  # noqa: RUF012  (class-level log shared with the test)

    def log_message(self, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:size]
                if not size:
                    return data
                data += chunk
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def do_POST(self) -> None:
        self.connections.append(id(self.connection))
        body = self._body()
        if self.path == "/slow":
            time.sleep(0.5)
        reply = b"got " + body
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
        # "/drop": reply as keep-alive, then close anyway (a server that times out idle connections)
        self.close_connection = self.path == "/drop"


@pytest.fixture
def server() -> Iterator[str]:
    Handler.connections = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.handle_error = lambda *_: None  # type: ignore[method-assign]  (the slow reply's client is gone)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_replies_reuse_one_keep_alive_connection(server: str) -> None:
    with httpx.Client(transport=StdlibTransport(), timeout=5) as client:
        assert client.post(f"{server}/a", content=b"one").text == "got one"
        assert client.post(f"{server}/b", content=b"two").text == "got two"
    assert len(set(Handler.connections)) == 1


def test_a_connection_closed_while_idle_is_replaced_once(server: str) -> None:
    with httpx.Client(transport=StdlibTransport(), timeout=5) as client:
        assert client.post(f"{server}/drop", content=b"one").text == "got one"
        time.sleep(0.05)  # the server has closed its end by now
        assert client.post(f"{server}/a", content=b"two").text == "got two"
    assert len(Handler.connections) == 2


def test_a_streamed_body_is_sent_chunked(server: str) -> None:
    def parts() -> Iterator[bytes]:
        yield b"ab"
        yield b"cd"

    with httpx.Client(transport=StdlibTransport(), timeout=5) as client:
        assert client.post(f"{server}/a", content=parts()).text == "got abcd"


def test_a_refused_connection_is_httpx_connect_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with httpx.Client(transport=StdlibTransport(), timeout=5) as client, pytest.raises(httpx.ConnectError):
        client.post(f"http://127.0.0.1:{port}/", content=b"x")


def test_a_slow_reply_is_httpx_read_timeout(server: str) -> None:
    with httpx.Client(transport=StdlibTransport(), timeout=0.1) as client, pytest.raises(httpx.ReadTimeout):
        client.post(f"{server}/slow", content=b"x")


def test_proxies_in_the_environment_are_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert not env_proxies()
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert env_proxies()
