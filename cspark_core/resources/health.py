"""Health check: `GET {host}/health`, no tenant, no credentials."""

from __future__ import annotations

from collections.abc import Mapping

from ..request import ApiRequest
from ..response import SparkResponse
from ._base import AsyncResource, Resource

__all__ = ["AsyncHealth", "Health", "is_up"]

CHECK = ApiRequest("GET", "health", scope="host", auth=False)


def is_up(res: SparkResponse) -> bool:
    status = res.data.get("status") if isinstance(res.data, Mapping) else None
    return res.status == 200 and isinstance(status, str) and status.lower() == "up"


class Health(Resource):
    def check(self) -> SparkResponse:
        return self._send(CHECK)

    def ok(self) -> bool:
        return is_up(self.check())


class AsyncHealth(AsyncResource):
    async def check(self) -> SparkResponse:
        return await self._send(CHECK)

    async def ok(self) -> bool:
        return is_up(await self.check())
