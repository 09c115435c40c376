"""What every resource shares: the client's transport, and writing downloads to disk safely (atomically, and
a body cut off mid-way raised as a `SparkApiError`, like any other failure to reach Spark)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ..errors import UnknownApiError
from ..log import mask_url
from ..request import ApiRequest
from ..response import SparkResponse
from ..wire import CHUNK, AsyncReply, Reply, WireError

if TYPE_CHECKING:
    from ..transport import AsyncTransport, SyncTransport

__all__ = [
    "AsyncResource",
    "Resource",
    "atomic_writer",
    "download_errors",
    "file_name_from",
    "safe_file_name",
]


class Resource:
    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def _send(self, req: ApiRequest) -> SparkResponse:
        return self._transport.send(req)

    def _download(self, req: ApiRequest, to: str | os.PathLike[str] | None) -> SparkResponse:
        """Send a download; with `to`, stream the body into that file (atomically), not into memory. A body
        cut off mid-way is fetched again from the start when the request is idempotent (within the retry
        budget); the file is only ever replaced by a whole body."""
        if to is None:
            return self._send(req)
        attempt = 0
        while True:
            try:
                with self._transport.stream(req) as (reply, rid), atomic_writer(to) as out:
                    for chunk in reply.iter_bytes(CHUNK):
                        out.write(chunk)
                    return _streamed(reply, rid)
            except WireError as exc:
                delay = body_retry_delay(self._transport, req, attempt, exc)
                self._transport._sleep(delay)
                attempt += 1

    def _iter_bytes(self, req: ApiRequest, chunk_size: int) -> Iterator[bytes]:
        """The body in chunks as it arrives, never whole in memory (error statuses raise first)."""
        with download_errors(req), self._transport.stream(req) as (reply, _):
            yield from reply.iter_bytes(chunk_size)


class AsyncResource:
    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def _send(self, req: ApiRequest) -> SparkResponse:
        return await self._transport.send(req)

    async def _download(self, req: ApiRequest, to: str | os.PathLike[str] | None) -> SparkResponse:
        if to is None:
            return await self._send(req)
        attempt = 0
        while True:
            try:
                async with self._transport.stream(req) as (reply, rid):
                    with atomic_writer(to) as out:
                        async for chunk in reply.aiter_bytes(CHUNK):
                            out.write(chunk)
                    return _streamed(reply, rid)
            except WireError as exc:
                delay = body_retry_delay(self._transport, req, attempt, exc)
                await self._transport._sleep(delay)
                attempt += 1

    async def _iter_bytes(self, req: ApiRequest, chunk_size: int) -> AsyncIterator[bytes]:
        with download_errors(req):
            async with self._transport.stream(req) as (reply, _):
                async for chunk in reply.aiter_bytes(chunk_size):
                    yield chunk


def _streamed(reply: Reply | AsyncReply, request_id: str) -> SparkResponse:
    return SparkResponse(reply.status, None, b"", reply.headers, request_id)


def body_retry_delay(
    transport: SyncTransport | AsyncTransport, req: ApiRequest, attempt: int, exc: WireError
) -> float:
    """After a body was cut off mid-way: how long to wait before fetching it again, or raise the
    `UnknownApiError` when it may not be fetched again (not idempotent, or the retry budget is spent)."""
    from ..transport import IDEMPOTENT, backoff_delay

    settings = transport.settings
    if req.method.upper() not in IDEMPOTENT or attempt >= settings.max_retries:
        raise interrupted(req, exc) from None
    delay = backoff_delay(attempt, settings.retry_interval)
    transport.log.warning(
        "%s %s: body cut off (%s); fetching it again, retry %d of %d in %.1f s",
        req.method, mask_url(req.path), exc.kind, attempt + 1, settings.max_retries, delay,
    )  # fmt: skip
    return delay


def interrupted(req: ApiRequest, exc: WireError) -> UnknownApiError:
    reason = str(exc) or exc.kind
    where = f"{req.method} {mask_url(req.path)}"
    return UnknownApiError(f"download interrupted: {where}: {reason}")


@contextlib.contextmanager
def download_errors(req: ApiRequest) -> Iterator[None]:
    """A body cut off mid-way (connection dropped, read timeout) becomes an `UnknownApiError`; the target file
    is left as it was by `atomic_writer`. (Failures before the body are the transport's to report.)"""
    try:
        yield
    except WireError as exc:
        raise interrupted(req, exc) from None


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
        tmp = target.parent / f".{target.name}.{os.urandom(4).hex()}.part"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


MAX_NAME_BYTES = 200  # well under the 255 bytes most file systems allow, leaving room for a temp suffix


def safe_file_name(name: str, fallback: str) -> str:
    """A name a server suggested, made safe to create in the current folder: its last path part (`/` and
    `\\` both separate), no control characters, no leading dots (so never a dotfile like `.bashrc`, nor
    `..`), at most `MAX_NAME_BYTES` bytes with the extension kept; `fallback` when nothing is left."""
    base = re.split(r"[/\\]", name)[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".").strip()
    if not base:
        return fallback
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, ext = base.rpartition(".")
        ext = f".{ext}" if dot and stem and 0 < len(ext.encode("utf-8")) <= 16 else ""
        stem = base[: len(base) - len(ext)] if ext else base
        budget = MAX_NAME_BYTES - len(ext.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip()
        base = f"{stem}{ext}" if stem else fallback
    return base


def file_name_from(headers: dict[str, str] | object, fallback: str) -> str:
    """The server's file name from Content-Disposition (made safe by `safe_file_name`), else `fallback`."""
    get = getattr(headers, "get", None)
    disposition = str(get("content-disposition", "") if get else "")
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename" and value:
            return safe_file_name(value.strip().strip('"'), fallback)
    return fallback
