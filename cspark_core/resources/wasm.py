"""WASM module download: the ZIP a Hybrid Runner executes."""

from __future__ import annotations

from ..errors import SparkSdkError
from ..locator import Uri, UriParams
from ..request import ApiRequest
from ..response import SparkResponse
from ._base import AsyncResource, Resource
from .files import Target

__all__ = ["AsyncWasm", "Wasm", "download_request"]


def download_request(uri: str | UriParams) -> ApiRequest:
    """`api/v3/nodegen[/public]/getnodegenzipbyId/{long-loc}`: `version/{id}` first, then `service/{id}`, then
    `folders/{f}/services/{s}`. Unlike the official SDK no `[version]` is appended to the long form: the
    server would not understand it (unknown behaviour); pass a version id to pin a version."""
    params = Uri.of(uri)
    if not (params.version_id or params.service_id or params.has_folder_service):
        raise SparkSdkError(
            f"a WASM module cannot be located by a proxy endpoint: {params}", cause=str(params)
        )
    public = "/public" if params.public else ""
    return ApiRequest("GET", f"api/v3/nodegen{public}/getnodegenzipbyId/{params.loc()}")


class Wasm(Resource):
    def download(self, uri: str | UriParams, to: Target = None) -> SparkResponse:
        """The service's WASM ZIP: streamed into `to` (atomically) when given, else bytes in `.buffer`."""
        return self._download(download_request(uri), to)


class AsyncWasm(AsyncResource):
    async def download(self, uri: str | UriParams, to: Target = None) -> SparkResponse:
        return await self._download(download_request(uri), to)
