"""`Client` and `AsyncClient`: settings + transport + one attribute per Spark API area."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Unpack

from .auth import TokenCache
from .errors import SettingsError
from .settings import BaseUrl, ClientOptions, Settings
from .transport import AsyncTransport, SyncTransport

if TYPE_CHECKING:
    import httpx

    from .resources.batches import AsyncBatches, Batches
    from .resources.config import AsyncConfig, Config
    from .resources.files import AsyncFiles, Files
    from .resources.folders import AsyncFolders, Folders
    from .resources.health import AsyncHealth, Health
    from .resources.impex import AsyncImpex, Impex
    from .resources.logs import AsyncLogs, Logs
    from .resources.services import AsyncServices, Services
    from .resources.wasm import AsyncWasm, Wasm

__all__ = ["AsyncClient", "Client"]


class Client:
    """A synchronous Spark client. Use it as a context manager, or call `close()`.

    `http_client`: your own `httpx.Client`, which the SDK then never closes.
    `token_cache`: where OAuth tokens are kept between runs (the CLI keeps one per profile).
    `environ`: where `CSPARK_*` defaults come from (default `os.environ`; `{}` disables them).
    """

    def __init__(
        self,
        base_url: str | BaseUrl | None = None,
        *,
        http_client: httpx.Client | None = None,
        token_cache: TokenCache | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self.settings = Settings.build(base_url, **options)
        self._transport = SyncTransport(self.settings, http_client, token_cache)

    def auth_token(self, *, fresh: bool = False) -> str:
        """A bearer token for this client's credentials (OAuth: cached or fetched; `fresh=True` always
        fetches one, which proves the client secret is accepted now)."""
        return _bearer(self.settings) or self._transport.access_token(force=fresh).access_token

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.settings.base_url.value!r}, auth={self.settings.auth.kind})"

    @cached_property
    def folders(self) -> Folders:
        from .resources.folders import Folders

        return Folders(self._transport)

    @cached_property
    def services(self) -> Services:
        from .resources.services import Services

        return Services(self._transport)

    @cached_property
    def batches(self) -> Batches:
        from .resources.batches import Batches

        return Batches(self._transport)

    @cached_property
    def logs(self) -> Logs:
        from .resources.logs import Logs

        return Logs(self._transport)

    @cached_property
    def impex(self) -> Impex:
        from .resources.impex import Impex

        return Impex(self._transport)

    @cached_property
    def health(self) -> Health:
        from .resources.health import Health

        return Health(self._transport)

    @cached_property
    def config(self) -> Config:
        from .resources.config import Config

        return Config(self._transport)

    @cached_property
    def wasm(self) -> Wasm:
        from .resources.wasm import Wasm

        return Wasm(self._transport)

    @cached_property
    def files(self) -> Files:
        from .resources.files import Files

        return Files(self._transport)


class AsyncClient:
    """The asyncio twin of `Client`: same options, same resources, awaitable methods."""

    def __init__(
        self,
        base_url: str | BaseUrl | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        token_cache: TokenCache | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self.settings = Settings.build(base_url, **options)
        self._transport = AsyncTransport(self.settings, http_client, token_cache)

    async def auth_token(self, *, fresh: bool = False) -> str:
        return _bearer(self.settings) or (await self._transport.access_token(force=fresh)).access_token

    async def close(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncClient({self.settings.base_url.value!r}, auth={self.settings.auth.kind})"

    @cached_property
    def folders(self) -> AsyncFolders:
        from .resources.folders import AsyncFolders

        return AsyncFolders(self._transport)

    @cached_property
    def services(self) -> AsyncServices:
        from .resources.services import AsyncServices

        return AsyncServices(self._transport)

    @cached_property
    def batches(self) -> AsyncBatches:
        from .resources.batches import AsyncBatches

        return AsyncBatches(self._transport)

    @cached_property
    def logs(self) -> AsyncLogs:
        from .resources.logs import AsyncLogs

        return AsyncLogs(self._transport)

    @cached_property
    def impex(self) -> AsyncImpex:
        from .resources.impex import AsyncImpex

        return AsyncImpex(self._transport)

    @cached_property
    def health(self) -> AsyncHealth:
        from .resources.health import AsyncHealth

        return AsyncHealth(self._transport)

    @cached_property
    def config(self) -> AsyncConfig:
        from .resources.config import AsyncConfig

        return AsyncConfig(self._transport)

    @cached_property
    def wasm(self) -> AsyncWasm:
        from .resources.wasm import AsyncWasm

        return AsyncWasm(self._transport)

    @cached_property
    def files(self) -> AsyncFiles:
        from .resources.files import AsyncFiles

        return AsyncFiles(self._transport)


def _bearer(settings: Settings) -> str | None:
    kind = settings.auth.kind
    if kind == "token":
        return settings.auth.token
    if kind == "oauth":
        return None
    raise SettingsError(f"no bearer token: this client authenticates with {kind.replace('_', ' ')}")
