"""The SparkError tree Spark users know.

`SparkSdkError` is a problem on our side (a bad argument, a missing setting); `SparkApiError` is
an answer from Spark (or no answer at all). Neither ever holds a credential: messages are built
from status codes, paths and Spark's own message, never from request headers or form bodies.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BadRequestError",
    "ConflictError",
    "ForbiddenError",
    "InternalServerError",
    "JobFailedError",
    "JobTimeoutError",
    "NotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "SettingsError",
    "SparkApiError",
    "SparkError",
    "SparkSdkError",
    "UnauthorizedError",
    "UnknownApiError",
    "api_error_for",
]


class SparkError(Exception):
    """Base of every error the SDK raises."""

    def __init__(self, message: str, cause: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class SparkSdkError(SparkError):
    """A bad argument or setting, caught before anything is sent. `cause` is the offending entry."""


class SettingsError(SparkSdkError):
    """The client's settings are missing or invalid: base URL, credentials, timeout, retries, logger."""


class SparkApiError(SparkError):
    """Spark answered with an error (or did not answer: then `status` is None)."""

    default_status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        body: Any = None,
        cause: Any = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, cause)
        self.status = status if status is not None else self.default_status
        self.request_id = request_id
        self.body = body  # Spark's error body (parsed JSON or text); never the request's
        self.detail = detail  # Spark's own words from that body, when it said any

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status}, request_id={self.request_id!r})"
        )


class BadRequestError(SparkApiError):
    default_status = 400


class UnauthorizedError(SparkApiError):
    default_status = 401


class ForbiddenError(SparkApiError):
    default_status = 403


class NotFoundError(SparkApiError):
    default_status = 404


class ConflictError(SparkApiError):
    default_status = 409


class RateLimitError(SparkApiError):
    default_status = 429


class InternalServerError(SparkApiError):
    default_status = 500


class ServiceUnavailableError(SparkApiError):
    default_status = 503


class UnknownApiError(SparkApiError):
    """Any other status, and failures with no response at all (timeouts, refused connections)."""


class JobFailedError(SparkApiError):
    """A Spark job (compilation, export, import, log download, batch) ended in failure."""

    def __init__(
        self, message: str, *, job_id: str | None = None, last_status: Any = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.job_id = job_id
        self.last_status = last_status


class JobTimeoutError(JobFailedError):
    """Waiting for a job ran out of time; `last_status` is what the last poll said."""


_BY_STATUS: dict[int, type[SparkApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
    500: InternalServerError,
    503: ServiceUnavailableError,
}


def api_error_for(
    status: int | None,
    message: str,
    *,
    request_id: str | None = None,
    body: Any = None,
    detail: str | None = None,
) -> SparkApiError:
    """The error class for an HTTP status (pure; used by the transport and by tests)."""
    cls = _BY_STATUS.get(status, UnknownApiError) if status is not None else UnknownApiError
    return cls(message, status=status, request_id=request_id, body=body, detail=detail)
