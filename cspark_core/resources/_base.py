"""What every resource shares: the client's transport, and writing downloads to disk safely (atomically, and
a body cut off mid-way raised as a `SparkApiError`, like any other failure to reach Spark)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import httpx

from ..errors import UnknownApiError
from ..log import mask_url
from ..request import ApiRequest
from ..response import SparkResponse

if TYPE_CHECKING:
    from ..transport import AsyncTransport, SyncTransport

__all__ = ["AsyncResource", "Resource", "atomic_writer", "download_errors", "file_name_from"]

CHUNK = 64 * 1024


class Resource:
    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def _send(self, req: ApiRequest) -> SparkResponse:
        return self._transport.send(req)

    def _download(self, req: ApiRequest, to: str | os.PathLike[str] | None) -> SparkResponse:
        """Send a download; with `to`, stream the body into that file (atomically), not into memory."""
        if to is None:
            return self._send(req)
        with download_errors(req), self._transport.stream(req) as resp, atomic_writer(to) as out:
            for chunk in resp.iter_bytes(CHUNK):
                out.write(chunk)
            return SparkResponse(
                resp.status_code, None, b"", dict(resp.headers), resp.request.headers.get("x-request-id")
            )

    def _iter_bytes(self, req: ApiRequest, chunk_size: int) -> Iterator[bytes]:
        """The body in chunks as it arrives, never whole in memory (error statuses raise first)."""
        with download_errors(req), self._transport.stream(req) as resp:
            yield from resp.iter_bytes(chunk_size)


class AsyncResource:
    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def _send(self, req: ApiRequest) -> SparkResponse:
        return await self._transport.send(req)

    async def _download(self, req: ApiRequest, to: str | os.PathLike[str] | None) -> SparkResponse:
        if to is None:
            return await self._send(req)
        with download_errors(req):
            async with self._transport.stream(req) as resp:
                with atomic_writer(to) as out:
                    async for chunk in resp.aiter_bytes(CHUNK):
                        out.write(chunk)
                return SparkResponse(
                    resp.status_code, None, b"", dict(resp.headers), resp.request.headers.get("x-request-id")
                )

    async def _iter_bytes(self, req: ApiRequest, chunk_size: int) -> AsyncIterator[bytes]:
        with download_errors(req):
            async with self._transport.stream(req) as resp:
                async for chunk in resp.aiter_bytes(chunk_size):
                    yield chunk


@contextlib.contextmanager
def download_errors(req: ApiRequest) -> Iterator[None]:
    """A body cut off mid-way (connection dropped, read timeout) becomes an `UnknownApiError`; the target file
    is left as it was by `atomic_writer`. (Failures before the body are the transport's to report.)"""
    try:
        yield
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        where = f"{req.method} {mask_url(req.path)}"
        raise UnknownApiError(f"download interrupted: {where}: {reason}") from None


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Write to a temporary file beside `path`, fsync, then rename over it; on any error the temporary file
    is removed and `path` is left as it was (no partial downloads)."""
    target = Path(path)
    fd, tmp = _create_beside(target)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _create_beside(target: Path) -> tuple[int, Path]:
    """A new hidden file next to `target`, created with the mode any new file gets (0666 less the umask),
    unlike `tempfile.mkstemp`'s 0600, so the finished download has ordinary permissions."""
    while True:
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.part"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def file_name_from(headers: dict[str, str] | object, fallback: str) -> str:
    """The server's file name from Content-Disposition, else `fallback`; never a path."""
    get = getattr(headers, "get", None)
    disposition = str(get("content-disposition", "") if get else "")
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename" and value:
            name = os.path.basename(value.strip().strip('"'))
            if name and name not in (".", ".."):
                return name
    return fallback
