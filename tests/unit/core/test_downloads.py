"""WASM and temporary-file downloads: paths, credentials, atomic writes, and a body
cut off mid-way. No sockets: httpx.MockTransport."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cspark_core import AsyncClient, Client, SparkSdkError, UnknownApiError, UriParams
from cspark_core.resources.files import file_request
from cspark_core.resources.wasm import download_request

BASE = "http://127.0.0.1:9/acme"


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("pricing/quote", "api/v3/nodegen/getnodegenzipbyId/folders/pricing/services/quote"),
        ("pricing/quote[1.0.0]", "api/v3/nodegen/getnodegenzipbyId/folders/pricing/services/quote"),
        ("my folder/q", "api/v3/nodegen/getnodegenzipbyId/folders/my%20folder/services/q"),
        ("service/5c0d", "api/v3/nodegen/getnodegenzipbyId/service/5c0d"),
        ("version/9f8e", "api/v3/nodegen/getnodegenzipbyId/version/9f8e"),
        (UriParams(folder="f", service="s", version_id="9f8e", public=True),
         "api/v3/nodegen/public/getnodegenzipbyId/version/9f8e"),
    ],
)  # fmt: skip
def test_wasm_paths(uri: str | UriParams, path: str) -> None:
    req = download_request(uri)
    assert (req.method, req.path, req.scope) == ("GET", path, "tenant")


def test_wasm_refuses_a_proxy_locator() -> None:
    with pytest.raises(SparkSdkError, match="proxy"):
        download_request("proxy/custom/endpoint")


def test_file_urls() -> None:
    assert file_request("https://entitystore.uat.us.coherent.global/docstore/x.zip").scope == "url"
    assert (file_request("/docstore/x.zip").scope, file_request("/docstore/x.zip").path) == (
        "host",
        "docstore/x.zip",
    )
    for bad in ("", "  ", "ftp://host/x", "x.zip"):
        with pytest.raises(SparkSdkError):
            file_request(bad)


class Body(httpx.SyncByteStream):
    """A body that sends some bytes and then breaks, like a dropped connection."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"PK first half"
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def client_for(handler: httpx.MockTransport) -> Client:
    http = httpx.Client(transport=handler)
    return Client(BASE, api_key="k", environ={}, logger=False, retry_interval=0, http_client=http)


def test_a_body_cut_mid_way_is_an_api_error_and_leaves_no_file(tmp_path: Path) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=Body()))
    target = tmp_path / "package.zip"
    with (
        client_for(transport) as client,
        pytest.raises(UnknownApiError, match="download interrupted") as info,
    ):
        client.files.download("http://127.0.0.1:9/docstore/tokens/secret-token/package.zip", to=target)
    assert list(tmp_path.iterdir()) == []
    assert "secret-token" not in str(info.value)  # the URL's access token is masked


def test_credentials_go_only_to_the_configured_origin(tmp_path: Path) -> None:
    seen: dict[str, str | None] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers.get("x-synthetic-key")
        return httpx.Response(200, content=b"zip bytes")

    with client_for(httpx.MockTransport(handler)) as client:
        assert client.files.download("http://127.0.0.1:9/docstore/a.zip").buffer == b"zip bytes"
        client.files.download("https://elsewhere.example/a.zip", to=tmp_path / "a.zip")
    assert seen == {"127.0.0.1": "k", "elsewhere.example": None}
    assert (tmp_path / "a.zip").read_bytes() == b"zip bytes"


def test_wasm_streams_to_a_path(tmp_path: Path) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=b"wasm zip", headers={"content-type": "application/zip"})

    with client_for(httpx.MockTransport(handler)) as client:
        res = client.wasm.download("version/9f8e", to=tmp_path / "m.zip")
    assert res.buffer == b"" and (tmp_path / "m.zip").read_bytes() == b"wasm zip"
    assert requests[0].url.path == "/acme/api/v3/nodegen/getnodegenzipbyId/version/9f8e"


class AsyncBody(httpx.AsyncByteStream):
    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield b"PK first half"
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("services.download", ("pricing/quote",)),
        ("wasm.download", ("version/9f8e",)),
        ("files.download", ("http://127.0.0.1:9/docstore/tokens/t/a.zip",)),
    ],
)
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_every_download_cut_mid_way_is_an_api_error(
    tmp_path: Path, kind: str, method: str, args: tuple[str, ...]
) -> None:
    target = tmp_path / "download.bin"
    target.write_bytes(b"previous content")
    area, name = method.split(".")
    if kind == "sync":
        transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=Body()))
        with client_for(transport) as client, pytest.raises(UnknownApiError, match="download interrupted"):
            getattr(getattr(client, area), name)(*args, to=target)
    else:
        transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=AsyncBody()))
        http = httpx.AsyncClient(transport=transport)

        async def go() -> None:
            options = {"api_key": "k", "environ": {}, "logger": False, "retry_interval": 0}
            async with AsyncClient(BASE, http_client=http, **options) as client:  # type: ignore[arg-type]
                await getattr(getattr(client, area), name)(*args, to=target)

        with pytest.raises(UnknownApiError, match="download interrupted"):
            asyncio.run(go())
    assert target.read_bytes() == b"previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["download.bin"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_body_cut_off_once_is_fetched_again(tmp_path: Path, kind: str) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            return httpx.Response(200, stream=Body() if kind == "sync" else AsyncBody())
        return httpx.Response(200, content=b"PK whole body")

    target = tmp_path / "m.zip"
    if kind == "sync":
        with client_for(httpx.MockTransport(handler)) as client:
            client.wasm.download("version/9f8e", to=target)
    else:

        async def go() -> None:
            http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
            options = {"api_key": "k", "environ": {}, "logger": False, "retry_interval": 0}
            async with AsyncClient(BASE, http_client=http, **options) as client:  # type: ignore[arg-type]
                await client.wasm.download("version/9f8e", to=target)

        asyncio.run(go())
    assert calls == ["GET", "GET"] and target.read_bytes() == b"PK whole body"
    assert [p.name for p in tmp_path.iterdir()] == ["m.zip"]


def test_a_cut_off_body_of_a_post_is_not_fetched_again(tmp_path: Path) -> None:
    from cspark_core.request import ApiRequest

    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(200, stream=Body())

    with client_for(httpx.MockTransport(handler)) as client, pytest.raises(UnknownApiError):
        client.wasm._download(ApiRequest("POST", "api/v3/x"), tmp_path / "x.bin")
    assert calls == ["POST"]


@pytest.mark.parametrize(
    ("suggested", "saved"),
    [
        (".bashrc", "bashrc"),
        ("../../../evil.xlsx", "evil.xlsx"),
        ("..\\\\..\\\\evil.xlsx", "evil.xlsx"),
        ("..", "fallback.bin"),
        ("\x1b[31m", "[31m"),
        ("  ", "fallback.bin"),
    ],
)
def test_a_suggested_file_name_becomes_a_safe_base_name(suggested: str, saved: str) -> None:
    from cspark_core.resources._base import file_name_from

    headers = {"content-disposition": f'attachment; filename="{suggested}"'}
    assert file_name_from(headers, "fallback.bin") == saved


def test_a_long_suggested_name_is_bounded_and_keeps_its_extension() -> None:
    from cspark_core.resources._base import MAX_NAME_BYTES, safe_file_name

    name = safe_file_name("é" * 300 + ".xlsx", "f.bin")
    assert name.endswith(".xlsx") and len(name.encode()) <= MAX_NAME_BYTES
