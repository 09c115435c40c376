"""Temporary files Spark hands out as absolute URLs: rehydrated workbooks, log archives,
export packages. Also home of the request for such a URL, which logs and ImpEx share, and of the file
helpers every download uses (public here for SDK and CLI callers): `atomic_writer`, `file_name_from`,
`safe_file_name`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

from ..errors import SparkSdkError
from ..log import mask_url
from ..request import ApiRequest
from ..response import SparkResponse
from ..wire import CHUNK
from ._base import AsyncResource, Resource, atomic_writer, file_name_from, safe_file_name

__all__ = ["AsyncFiles", "Files", "atomic_writer", "file_name_from", "file_request", "safe_file_name"]

Target = str | os.PathLike[str] | None


def file_request(url: str) -> ApiRequest:
    """`GET` a URL Spark handed out. The transport only attaches credentials when the URL is on the configured
    origin or a Coherent host of the same environment. A path starting with `/` is taken as relative to the
    origin (lenient: Spark itself always sends absolute URLs)."""
    if not isinstance(url, str) or not url.strip():
        raise SparkSdkError("file url must not be blank", cause=url)
    url = url.strip()
    if url.startswith(("https://", "http://")):
        return ApiRequest("GET", url, scope="url")
    if url.startswith("/"):
        return ApiRequest("GET", url.lstrip("/"), scope="host")
    raise SparkSdkError(f"file url must be an http(s) URL, got {mask_url(url)!r}", cause=mask_url(url))


class Files(Resource):
    def download(self, url: str, to: Target = None) -> SparkResponse:
        """Fetch a temporary file: streamed into `to` (atomically) when given, else bytes in `.buffer`."""
        return self._download(file_request(url), to)

    def stream(self, url: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """Fetch a temporary file as an iterator of byte chunks, for callers that process it as it arrives."""
        return self._iter_bytes(file_request(url), chunk_size)


class AsyncFiles(AsyncResource):
    async def download(self, url: str, to: Target = None) -> SparkResponse:
        return await self._download(file_request(url), to)

    def stream(self, url: str, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
        return self._iter_bytes(file_request(url), chunk_size)
