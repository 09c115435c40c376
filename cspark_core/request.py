"""`ApiRequest`: what a resource builder returns and the transport sends. Pure data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import quote

from .errors import SparkSdkError
from .log import mask_url

__all__ = ["ApiRequest", "FileField", "iso_utc", "segment", "timestamp"]

FileField = tuple[str, Any, str]  # (file name, bytes or binary file object, content type)

# Characters left as they are inside one path segment: unreserved plus sub-delims, ":" and "@" (RFC 3986).
# Everything else, "%" included, is percent-encoded, so a name always means itself (a folder called
# "a%20b" is not confused with "a b") and "/", "?", "#" in a name cannot split the path.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


def segment(value: str) -> str:
    """Percent-encode one path segment. An empty, `.` or `..` segment is refused (`SparkSdkError`): URL
    normalisation would turn it into a request to another endpoint."""
    if value in ("", ".", ".."):
        shown = repr(value) if value else "an empty name"
        raise SparkSdkError(f"{shown} cannot be used as a name in a Spark URL", cause=value)
    return quote(value, safe=_SEGMENT_SAFE)


def iso_utc(moment: datetime) -> str:
    """A datetime as Spark's UTC ISO text with milliseconds and `Z`; a naive datetime is taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def timestamp(value: str | date | None) -> str | None:
    """A date option (`active_since`, ...) as sent: text as given, a date as `YYYY-MM-DD`, a datetime via
    `iso_utc`; None or blank text: not sent."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return iso_utc(value) if isinstance(value, datetime) else value.isoformat()


@dataclass(frozen=True, repr=False)
class ApiRequest:
    """One logical Spark call.

    `path` is relative to the tenant's base URL (`scope="tenant"`, e.g. `api/v3/...`), to the host
    (`scope="host"`, the v1 family and `/health`), or an absolute URL handed out by Spark (`scope="url"`).
    Path segments built from user input must already be encoded with `segment()`.
    """

    method: str
    path: str
    scope: Literal["tenant", "host", "url"] = "tenant"
    params: Mapping[str, Any] | None = None
    json: Any = None
    form: Mapping[str, str] | None = None
    files: Mapping[str, FileField] | None = None
    content: bytes | None = None
    headers: Mapping[str, str] | None = None
    auth: bool = True  # False: never send credentials (health check, token endpoint)
    # False: one attempt only, never resent by the transport; the caller decides what to do after a failure
    # (a batch pull takes results off Spark's output buffer, so a resent pull could lose them).
    resend: bool = True

    def __repr__(self) -> str:
        # No bodies, forms or headers (a token request's form holds the client secret) and no download token
        # from a URL Spark handed out.
        return f"ApiRequest({self.method} {mask_url(self.path)}, scope={self.scope!r})"

    def url(self, origin: str, base: str) -> str:
        if self.scope == "url":
            return self.path
        root = base if self.scope == "tenant" else origin
        return f"{root}/{self.path.lstrip('/')}"
