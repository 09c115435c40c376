"""Authentication: API key, bearer token or OAuth2 client credentials.

Precedence when several are configured: OAuth > API key > bearer token (as both official SDKs do).
Explicit arguments win over `CSPARK_*` variables: the variables are read only when no argument was given.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .errors import SettingsError, SparkSdkError, UnauthorizedError
from .request import ApiRequest

if TYPE_CHECKING:
    from .settings import Settings

__all__ = [
    "AccessToken",
    "Authorization",
    "OAuth",
    "TokenCache",
    "check_credential",
    "mask",
    "parse_token",
    "token_request",
]

OPEN = "open"
TOKEN_REFRESH_MARGIN = 60.0  # seconds before expiry when a cached token is no longer used


def mask(secret: str | None) -> str:
    """A secret as it may be shown: never more than its last 4 characters, and only when it is long."""
    if not secret:
        return ""
    return f"****{secret[-4:]}" if len(secret) >= 16 else "****"


def credential_problem(value: str, *, header: bool) -> str | None:
    """What makes a credential unsendable, or None. Control characters are refused everywhere (they would
    split a header or a form); a value sent in a header must also be ASCII. Never mentions the value."""
    for char in value:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return "holds a control character"
        if header and ord(char) > 0x7E:
            return "holds a non-ASCII character"
    return None


def check_credential(name: str, value: str | None, *, header: bool = True) -> None:
    """Refuse a credential that cannot be sent as it is, before anything is sent: the message names the
    setting (`name`), never its value, so the value cannot leak through an HTTP library's error text."""
    if value is None:
        return
    problem = credential_problem(value, header=header)
    if problem:
        raise SettingsError(f"{name} {problem}: it cannot be sent; check how it was copied", cause=name)


@dataclass(frozen=True, repr=False)
class AccessToken:
    access_token: str
    expires_at: float  # epoch seconds
    token_type: str = "Bearer"

    def is_fresh(self, now: float | None = None, margin: float = TOKEN_REFRESH_MARGIN) -> bool:
        return (time.time() if now is None else now) < self.expires_at - margin

    def __repr__(self) -> str:
        return f"AccessToken({mask(self.access_token)}, expires_at={self.expires_at:.0f})"


class TokenCache(Protocol):
    """Where a client keeps OAuth tokens between runs (the CLI stores them per profile)."""

    def load(self) -> AccessToken | None: ...

    def save(self, token: AccessToken) -> None: ...


class OAuth:
    """OAuth2 client credentials."""

    def __init__(self, client_id: str, client_secret: str, *, where: str = "oauth") -> None:
        # both travel in a form body (URL-encoded), so non-ASCII is fine; control characters are not
        check_credential(f"{where}: client_id", client_id, header=False)
        check_credential(f"{where}: client_secret", client_secret, header=False)
        self.client_id = client_id
        self.client_secret = client_secret

    @classmethod
    def of(cls, value: Mapping[str, str] | str | os.PathLike[str]) -> OAuth:
        if isinstance(value, Mapping):
            return cls._from_mapping(value, "oauth")
        path = Path(value)
        try:
            data = json.loads(_read_small_file(path, 1 << 20).decode("utf-8"))
        except OSError as exc:
            raise SettingsError(
                f"cannot read OAuth file {str(path)!r}: {exc.strerror or exc}", cause=str(path)
            ) from None
        except (ValueError, RecursionError):
            raise SettingsError(f"OAuth file {str(path)!r} is not valid JSON", cause=str(path)) from None
        if not isinstance(data, Mapping):
            raise SettingsError(f"OAuth file {str(path)!r} must hold a JSON object", cause=str(path))
        return cls._from_mapping(data, f"OAuth file {str(path)!r}")

    @classmethod
    def _from_mapping(cls, data: Mapping[str, Any], where: str) -> OAuth:
        # Python SDK files use client_id/client_secret, TypeScript ones clientId/clientSecret: accept both.
        client_id = data.get("client_id") or data.get("clientId")
        client_secret = data.get("client_secret") or data.get("clientSecret")
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            if not isinstance(value, str) or not value.strip():
                raise SettingsError(f"{where}: {name} is missing", cause=name)
        return cls(str(client_id).strip(), str(client_secret).strip(), where=where)

    def retrieve_token(self, config: Settings) -> AccessToken:
        """Fetch a fresh access token (the seed SDK's `Authorization.oauth.retrieve_token(config)`)."""
        from .transport import SyncTransport  # local import: the transport imports this module

        with SyncTransport(config) as transport:
            return transport.fetch_token(self)

    async def retrieve_token_async(self, config: Settings) -> AccessToken:
        """`retrieve_token`'s async twin."""
        from .transport import AsyncTransport

        async with AsyncTransport(config) as transport:
            return await transport.fetch_token(self)

    def __repr__(self) -> str:
        return f"OAuth(client_id={self.client_id!r}, client_secret={mask(self.client_secret)!r})"


def _read_small_file(path: Path, limit: int) -> bytes:
    """A regular file of at most `limit` bytes; a FIFO, a device (`/dev/zero`) or a folder is refused
    without reading it, so a settings file can never hang or exhaust memory."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if info.st_size > limit:
            raise OSError(f"{path} is larger than {limit} bytes")
        return os.read(fd, limit + 1)[:limit]
    finally:
        os.close(fd)


AuthKind = Literal["oauth", "api_key", "token", "open"]


class Authorization:
    """The one authentication method a client uses."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        token: str | None = None,
        oauth: OAuth | Mapping[str, str] | str | os.PathLike[str] | None = None,
    ) -> None:
        """`oauth`: an `OAuth`, or what `OAuth.of` reads: a mapping with `client_id` and `client_secret`, or
        the path of a JSON file holding them (as the seed SDK takes it: `Authorization(oauth={...})`)."""
        check_credential("api_key", api_key)
        check_credential("token", token.strip() if token else None)
        self.api_key = api_key
        self.token = re.sub(r"^bearer\s+", "", token.strip(), flags=re.IGNORECASE) if token else None
        self.oauth: OAuth | None = oauth if oauth is None or isinstance(oauth, OAuth) else OAuth.of(oauth)
        if not (api_key or self.token or oauth):
            raise SettingsError(
                "no credentials: set an API key, a bearer token or OAuth client credentials "
                "(CSPARK_API_KEY, CSPARK_BEARER_TOKEN, CSPARK_CLIENT_ID and CSPARK_CLIENT_SECRET, "
                "or CSPARK_OAUTH_PATH)"
            )

    @classmethod
    def build(
        cls,
        *,
        api_key: str | None = None,
        token: str | None = None,
        oauth: Mapping[str, str] | str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Authorization:
        if not (api_key or token or oauth):
            envs = os.environ if environ is None else environ
            api_key, token = envs.get("CSPARK_API_KEY"), envs.get("CSPARK_BEARER_TOKEN")
            check_credential("CSPARK_API_KEY", api_key)
            check_credential("CSPARK_BEARER_TOKEN", token.strip() if token else None)
            check_credential("CSPARK_CLIENT_ID", envs.get("CSPARK_CLIENT_ID"), header=False)
            check_credential("CSPARK_CLIENT_SECRET", envs.get("CSPARK_CLIENT_SECRET"), header=False)
            if envs.get("CSPARK_CLIENT_ID") or envs.get("CSPARK_CLIENT_SECRET"):
                oauth = {
                    "client_id": envs.get("CSPARK_CLIENT_ID", ""),
                    "client_secret": envs.get("CSPARK_CLIENT_SECRET", ""),
                }
            elif envs.get("CSPARK_OAUTH_PATH"):
                oauth = envs["CSPARK_OAUTH_PATH"]
        return cls(api_key=api_key, token=token, oauth=OAuth.of(oauth) if oauth else None)

    def secrets(self) -> list[str]:
        """The values that must never be shown (for redacting text that may quote them)."""
        values = [self.api_key, self.token, self.oauth.client_secret if self.oauth else None]
        return [v for v in values if v and v != OPEN]

    @property
    def kind(self) -> AuthKind:
        if self.oauth:
            return "oauth"
        if self.api_key:
            return "open" if self.api_key == OPEN else "api_key"
        return "open" if self.token == OPEN else "token"

    def headers(self, access_token: str | None = None) -> dict[str, str]:
        """The auth headers to send; OAuth needs the current access token."""
        kind = self.kind
        if kind == "oauth":
            if not access_token:  # never send "Bearer None"
                raise SparkSdkError("no OAuth access token was obtained")
            return {"Authorization": f"Bearer {access_token}"}
        if kind == "api_key":
            return {"x-synthetic-key": str(self.api_key)}
        if kind == "token":
            return {"Authorization": f"Bearer {self.token}"}
        return {}

    def __repr__(self) -> str:
        kind = self.kind
        detail = {"oauth": repr(self.oauth), "api_key": mask(self.api_key), "token": mask(self.token)}.get(
            kind, ""
        )
        return f"Authorization({kind}{': ' + detail if detail else ''})"


def token_request(settings: Settings, oauth: OAuth) -> ApiRequest:
    """The client-credentials token request (`POST .../protocol/openid-connect/token`, a form)."""
    return ApiRequest(
        "POST",
        settings.base_url.oauth_token_url,
        scope="url",
        form={
            "grant_type": "client_credentials",
            "client_id": oauth.client_id,
            "client_secret": oauth.client_secret,
        },
        auth=False,
    )


def parse_token(data: Any, now: float | None = None, request_id: str | None = None) -> AccessToken:
    if (
        not isinstance(data, Mapping)
        or not isinstance(data.get("access_token"), str)
        or not data["access_token"]
    ):
        raise UnauthorizedError(
            "failed to retrieve OAuth2 access token: no access_token in the reply", request_id=request_id
        )
    # Lifetime is unknown: Keycloak's default is 300 s, so assume that when expires_in is missing.
    try:
        expires_in = float(data.get("expires_in") or 300)
    except (TypeError, ValueError):
        expires_in = 300.0
    issued = time.time() if now is None else now
    return AccessToken(data["access_token"], issued + expires_in, str(data.get("token_type") or "Bearer"))
