"""cspark_core: a thin, typed SDK over Coherent Spark's REST API."""

from cspark._version import __version__

from . import _httpx  # noqa: F401  (first: keeps httpx from importing its CLI)
from .auth import AccessToken, Authorization, OAuth, TokenCache
from .client import AsyncClient, Client
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InternalServerError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    SettingsError,
    SparkApiError,
    SparkError,
    SparkSdkError,
    UnauthorizedError,
    UnknownApiError,
)
from .locator import Uri, UriParams
from .log import LoggerOptions
from .response import SparkResponse
from .settings import BaseUrl, ClientOptions, Config, Settings

__all__ = [
    "AccessToken",
    "AsyncClient",
    "Authorization",
    "BadRequestError",
    "BaseUrl",
    "BulkStats",
    "Client",
    "ClientOptions",
    "Config",
    "ConflictError",
    "ForbiddenError",
    "InternalServerError",
    "JobFailedError",
    "JobTimeoutError",
    "Journal",
    "JournalError",
    "LoggerOptions",
    "NotFoundError",
    "OAuth",
    "RateLimitError",
    "RecordResult",
    "ServiceUnavailableError",
    "Settings",
    "SettingsError",
    "SparkApiError",
    "SparkError",
    "SparkResponse",
    "SparkSdkError",
    "TokenCache",
    "UnauthorizedError",
    "UnknownApiError",
    "Uri",
    "UriParams",
    "__version__",
]

# The bulk engine (asyncio, threads) and the journal (sqlite3) load on first use, not with every command.
_LAZY = {"BulkStats": "bulk", "RecordResult": "bulk", "Journal": "journal", "JournalError": "journal"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
