"""The wires, the last step of a request (bytes on a socket), so `StdlibWire` is tested with a loopback
server: keep-alive reuse, a connection the server closed while idle, a body read in chunks, and the
`WireError` kinds that the retry loop relies on; and `ApiRequest.encode`, what every wire sends."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from cspark_core.errors import SparkSdkError
from cspark_core.request import ApiRequest
from cspark_core.wire import HttpxWire, StdlibWire, WireError, default_wire, env_proxies


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
        self.connections.append(self.client_address[1])  # one port per connection
        body = self._body()
        if self.path == "/slow":
            time.sleep(0.5)
        reply = b"got " + body
        if self.path.startswith("/big"):
            reply = bytes(range(256)) * 1000
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("X-Seen", self.path)
        self.send_header("X-Twice", "a")
        self.send_header("X-Twice", "b")
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


def post(wire: StdlibWire | HttpxWire, url: str, body: bytes, timeout: float = 5) -> bytes:
    with wire.send("POST", url, {"Content-Type": "text/plain"}, body, timeout) as reply:
        assert reply.status == 200
        return reply.read()


def test_replies_reuse_one_keep_alive_connection(server: str) -> None:
    wire = StdlibWire()
    assert post(wire, f"{server}/a", b"one") == b"got one"
    assert post(wire, f"{server}/b", b"two") == b"got two"
    wire.close()
    assert len(set(Handler.connections)) == 1


def test_a_connection_closed_while_idle_is_replaced_once(server: str) -> None:
    wire = StdlibWire()
    assert post(wire, f"{server}/drop", b"one") == b"got one"
    time.sleep(0.05)  # the server has closed its end by now
    assert post(wire, f"{server}/a", b"two") == b"got two"
    wire.close()
    assert len(Handler.connections) == 2


def test_headers_are_lower_case_and_a_body_comes_in_the_chunks_asked_for(server: str) -> None:
    wire = StdlibWire()
    with wire.send("POST", f"{server}/big?x=1", {}, None, 5) as reply:
        assert reply.headers["x-seen"] == "/big?x=1" and reply.headers["x-twice"] == "a, b"
        chunks = list(reply.iter_bytes(1000))
    assert [len(c) for c in chunks] == [1000] * 256 and b"".join(chunks) == bytes(range(256)) * 1000
    assert post(wire, f"{server}/a", b"after") == b"got after"  # read to the end: the connection is reused
    wire.close()
    assert len(set(Handler.connections)) == 1


def test_a_space_in_a_url_from_a_reply_is_encoded_not_refused(server: str) -> None:
    with StdlibWire().send("POST", f"{server}/big file.zip", {}, None, 5) as reply:
        assert reply.headers["x-seen"] == "/big%20file.zip"


def test_a_refused_connection_is_never_sent() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(WireError) as caught:
        post(StdlibWire(), f"http://127.0.0.1:{port}/", b"x")
    assert caught.value.kind == "ConnectError" and caught.value.never_sent


def test_a_slow_reply_is_a_read_timeout_that_may_have_been_sent(server: str) -> None:
    with pytest.raises(WireError) as caught:
        post(StdlibWire(), f"{server}/slow", b"x", timeout=0.1)
    assert caught.value.kind == "ReadTimeout" and caught.value.timed_out and not caught.value.never_sent


def test_httpx_wire_sends_the_same_and_names_failures_alike() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, headers=[("X-Twice", "a"), ("X-Twice", "b")], content=b"ok")

    wire = HttpxWire(httpx.Client(transport=httpx.MockTransport(handler)))
    with wire.send("PUT", "http://spark.test/a?b=1", {"X-One": "1"}, b"body", 5) as reply:
        assert (reply.status, reply.headers["x-twice"], reply.read()) == (200, "a, b", b"ok")
    assert seen[0].method == "PUT" and seen[0].content == b"body" and seen[0].headers["x-one"] == "1"
    with pytest.raises(WireError) as caught:
        wire.send("GET", "http://spark.test/down", {}, None, 5)
    assert caught.value.kind == "ConnectError" and caught.value.never_sent


def test_a_json_body_is_compact_utf8_and_the_query_spells_values_like_json() -> None:
    req = ApiRequest(
        "POST", "api/x", json={"name": "Zoë", "n": [1, 2]}, params={"a": True, "b": None, "c": [1, 2]}
    )
    url, body, headers = req.encode("http://spark.test/t/api/x")
    assert url == "http://spark.test/t/api/x?a=true&b=&c=1&c=2"
    assert body == '{"name":"Zoë","n":[1,2]}'.encode() and headers == {"Content-Type": "application/json"}
    with pytest.raises(SparkSdkError, match="NaN"):
        ApiRequest("POST", "x", json={"v": float("nan")}).encode("http://spark.test/x")


def test_a_form_is_url_encoded_and_bytes_go_as_given() -> None:
    _, body, headers = ApiRequest("POST", "x", form={"a b": "c&d", "e": 1}).encode("http://h/x")
    assert body == b"a+b=c%26d&e=1" and headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert ApiRequest("POST", "x", content=b"raw", json={"ignored": 1}).encode("http://h/x")[1:] == (
        b"raw",
        {},
    )
    assert ApiRequest("GET", "x").encode("http://h/x") == ("http://h/x", None, {})


def test_multipart_parses_back_into_its_fields_and_files() -> None:
    from email.parser import BytesParser
    from email.policy import HTTP

    files = {"serviceFile": ('my "book".xlsx', b"PK\x03\x04 bytes\r\n--", "application/vnd.ms-excel")}
    _, body, headers = ApiRequest("POST", "x", form={"entity": '{"a": 1}'}, files=files).encode("http://h/x")
    assert body is not None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body
    )
    parts = list(message.iter_parts())
    assert [p.get_param("name", header="content-disposition") for p in parts] == ["entity", "serviceFile"]
    assert parts[0].get_payload(decode=True) == b'{"a": 1}'
    assert (
        parts[1].get_filename() == "my %22book%22.xlsx"
        and parts[1].get_content_type() == "application/vnd.ms-excel"
    )
    assert parts[1].get_payload(decode=True) == b"PK\x03\x04 bytes\r\n--"


def test_proxies_in_the_environment_are_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert not env_proxies()
    assert isinstance(default_wire(), StdlibWire)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert env_proxies()
    wire = default_wire()  # httpx honours proxies (and NO_PROXY): the sync client sends through it then
    assert isinstance(wire, HttpxWire)
    wire.close()


def test_a_header_value_with_a_line_break_is_refused_before_sending(server: str) -> None:
    with pytest.raises(WireError) as caught:
        StdlibWire().send("GET", f"{server}/a", {"x-synthetic-key": "k\r\nX-Evil: 1"}, None, 5)
    assert caught.value.kind == "LocalProtocolError" and Handler.connections == []


@pytest.fixture
def tls_server(tmp_path: Any) -> Iterator[tuple[str, str]]:
    """An https server on loopback with a self-signed certificate (made by the openssl command)."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    Handler.connections = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.handle_error = lambda *_: None  # type: ignore[method-assign]  (the refused handshake)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", str(cert)
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_https_verifies_the_server_against_the_configured_ca(
    tls_server: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    assert post(StdlibWire(), f"{url}/a", b"secure") == b"got secure"


def test_https_refuses_a_certificate_nobody_vouches_for(
    tls_server: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = tls_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(WireError) as caught:
        post(StdlibWire(), f"{url}/a", b"x")  # certifi's bundle does not hold this self-signed certificate
    assert caught.value.kind == "ConnectError" and "certificate" in str(caught.value).lower()
    assert Handler.connections == []


def test_threads_sending_at_once_keep_their_connections_alive(server: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    wire = StdlibWire()
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):  # five waves of four requests at the same time
            assert list(pool.map(lambda i: post(wire, f"{server}/slow", b"%d" % i), range(4))) == [
                b"got %d" % i for i in range(4)
            ]
    wire.close()
    assert len(Handler.connections) == 20 and len(set(Handler.connections)) <= 8
