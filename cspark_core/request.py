"""`ApiRequest`: what a resource builder returns and the transport sends. Pure data, no I/O."""

from __future__ import annotations

import json as _json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import quote, urlencode

from .errors import SparkSdkError
from .log import mask_url

__all__ = ["ApiRequest", "FileField", "iso_utc", "multipart", "segment", "timestamp"]

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
        """Where it goes, without the query (`params`), which `encode()` adds."""
        if self.scope == "url":
            return self.path
        root = base if self.scope == "tenant" else origin
        return f"{root}/{self.path.lstrip('/')}"

    def encode(self, url: str) -> tuple[str, bytes | None, dict[str, str]]:
        """What goes on the wire: (the URL with `params` as its query, the body, the body's headers).

        The body is the first of `content` (bytes as given), `files` (multipart/form-data, with `form`'s
        fields first), `form` (URL-encoded) and `json` (UTF-8, compact). Query values: True and False as
        `true` and `false`, None as empty, a list as the key repeated. JSON cannot carry NaN or infinity:
        a body holding one raises `SparkSdkError` before anything is sent.
        """
        if self.params:
            pairs = [
                (key, _text(item))
                for key, value in self.params.items()
                for item in (value if isinstance(value, list | tuple) else [value])
            ]
            url += ("&" if "?" in url else "?") + urlencode(pairs, quote_via=quote)
        if self.content is not None:
            return url, self.content, {}
        if self.files:
            return url, *multipart(self.form or {}, self.files)
        if self.form is not None:
            form = urlencode({key: _text(value) for key, value in self.form.items()})
            return url, form.encode("ascii"), {"Content-Type": "application/x-www-form-urlencoded"}
        if self.json is not None:
            try:
                text = _json.dumps(self.json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            except ValueError:
                raise SparkSdkError("the request holds NaN or infinity, which JSON cannot carry") from None
            return url, text.encode("utf-8"), {"Content-Type": "application/json"}
        return url, None, {}


def _text(value: Any) -> str:
    return "true" if value is True else "false" if value is False else "" if value is None else str(value)


def _quoted(name: str) -> str:
    """A name or file name inside a multipart header: `"`, CR and LF percent-encoded, as browsers do."""
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart(form: Mapping[str, Any], files: Mapping[str, FileField]) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body (RFC 7578): text fields, then files; (body, its Content-Type header).
    A file's content is bytes or a binary file object, read whole (workbooks and packages are read into
    memory before this anyway)."""
    boundary = os.urandom(16).hex()
    parts: list[bytes] = []
    for name, value in form.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'
        parts += [head.encode("utf-8"), _text(value).encode("utf-8"), b"\r\n"]
    for name, (file_name, content, content_type) in files.items():
        data = content if isinstance(content, bytes) else content.read()
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"; '
            f'filename="{_quoted(file_name)}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts += [head.encode("utf-8"), data, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
