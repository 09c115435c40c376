"""Temporary files Spark hands out as absolute URLs (spark-api.md §14): rehydrated workbooks, log archives,
export packages. Also home of what every download in the SDK shares: the request for such a URL, and turning
a connection that breaks mid-body into a `SparkApiError` (the partial file is already gone by then).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import httpx

from ..errors import SparkSdkError, UnknownApiError
from ..log import mask_url
from ..request import ApiRequest
from ..response import SparkResponse
from ._base import AsyncResource, Resource

__all__ = ["AsyncFiles", "Files", "download_errors", "file_request"]

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


@contextlib.contextmanager
def download_errors(req: ApiRequest) -> Iterator[None]:
    """A body cut off mid-way (connection dropped, read timeout) becomes an `UnknownApiError`, like any other
    failure to reach Spark; the target file is left as it was by `atomic_writer`."""
    try:
        yield
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        where = f"{req.method} {mask_url(req.path)}"
        raise UnknownApiError(f"download interrupted: {where}: {reason}") from None


class Files(Resource):
    def download(self, url: str, to: Target = None) -> SparkResponse:
        """Fetch a temporary file: streamed into `to` (atomically) when given, else bytes in `.buffer`."""
        req = file_request(url)
        with download_errors(req):
            return self._download(req, to)


class AsyncFiles(AsyncResource):
    async def download(self, url: str, to: Target = None) -> SparkResponse:
        req = file_request(url)
        with download_errors(req):
            return await self._download(req, to)
