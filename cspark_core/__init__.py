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
from .settings import BaseUrl, Config, Settings

__all__ = [
    "AccessToken",
    "AsyncClient",
    "Authorization",
    "BadRequestError",
    "BaseUrl",
    "Client",
    "Config",
    "ConflictError",
    "ForbiddenError",
    "InternalServerError",
    "JobFailedError",
    "JobTimeoutError",
    "LoggerOptions",
    "NotFoundError",
    "OAuth",
    "RateLimitError",
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
