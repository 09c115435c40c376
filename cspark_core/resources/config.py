"""Platform configuration (bearer tokens only, per both SDKs' docs)."""

from __future__ import annotations

from typing import Any

from ..request import ApiRequest
from ..response import SparkResponse
from ._base import AsyncResource, Resource

__all__ = ["AsyncConfig", "Config"]

GET = ApiRequest("GET", "api/v1/config/GetSparkConfiguration", scope="host")


class Config(Resource):
    def __getattr__(self, name: str) -> Any:
        # The seed SDK's `client.config` was the settings object (`spark.config.auth`, `.base_url`, ...):
        # attributes other than the API methods still read through to the settings.
        return getattr(self._transport.settings, name)

    def get(self) -> SparkResponse:
        """The tenant's platform settings; `.data["data"]` is a flat map of strings."""
        return self._send(GET)


class AsyncConfig(AsyncResource):
    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport.settings, name)

    async def get(self) -> SparkResponse:
        return await self._send(GET)
