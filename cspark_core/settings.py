"""Client settings: base URL, tenant, authentication, timeout and retries, resolved once and frozen.

Explicit arguments win over `CSPARK_*` environment variables; `environ={}` turns the variables off (the CLI
resolves its own precedence and passes explicit values).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack
from urllib.parse import urlsplit

from .auth import Authorization
from .errors import SettingsError
from .log import LoggerOptions

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_INTERVAL",
    "DEFAULT_TIMEOUT_MS",
    "BaseUrl",
    "ClientOptions",
    "Config",
    "Settings",
]

DEFAULT_TIMEOUT_MS = 60_000.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_RETRY_INTERVAL = 1.0

_KNOWN_SERVICES = ("excel", "keycloak", "utility", "entitystore")
# <label>.<env>.coherent.global, where <env> is one or two DNS labels
_COHERENT_HOST = re.compile(r"^([a-z0-9-]+)\.([a-z0-9-]+(?:\.[a-z0-9-]+)?)\.coherent\.global$", re.IGNORECASE)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BaseUrl:
    """`{origin}/{tenant}`: where a tenant's Spark lives. Subclass it to point clients elsewhere.

    Coherent hosts are normalised (`spark.uat.us.coherent.global` -> `excel.uat.us.coherent.global`);
    other https hosts are used as given; `http://` is accepted only for loopback hosts (the emulator).
    """

    def __init__(self, url: str | None = None, *, tenant: str | None = None, env: str | None = None) -> None:
        if url and re.search(r"[\x00-\x1f\x7f]", url):
            raise SettingsError("the base URL holds a control character", cause="base_url")
        if url:
            origin, path_tenant, self.env = self._parse(url.strip())
            tenant = path_tenant or (tenant.strip() if tenant else None)
        elif env and tenant:
            env, tenant = env.strip().lower(), tenant.strip().lower()
            if not env or not tenant:
                raise SettingsError("env and tenant must not be blank", cause={"env": env, "tenant": tenant})
            if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)?", env):
                raise SettingsError(f"invalid env {env!r}: expected one or two DNS labels like 'uat.us'", env)
            origin, self.env = f"https://excel.{env}.coherent.global", env
        else:
            missing = "a tenant" if env and not tenant else "a base URL (or env and tenant)"
            raise SettingsError(f"no Spark address: {missing} is required (CSPARK_BASE_URL)", cause=url)
        if not tenant:
            raise SettingsError(
                f"base URL {url!r} has no tenant: add it as its path (https://host/TENANT)", url
            )
        if not re.fullmatch(r"[\x21-\x7e]+", tenant) or "/" in tenant:
            # it travels in the x-tenant-name header and in paths: printable ASCII only
            raise SettingsError(
                "the tenant name must be printable ASCII without spaces or '/'", cause="tenant"
            )
        self.origin: str = origin
        self.tenant: str = tenant

    @staticmethod
    def _parse(url: str) -> tuple[str, str | None, str | None]:
        if "://" not in url and re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)?/[^/]+/?", url):
            env, tenant = url.strip("/").split("/", 1)  # the "{env}/{tenant}" shorthand
            return f"https://excel.{env.lower()}.coherent.global", tenant, env.lower()
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = parts.port
        except ValueError as exc:  # "http://[::1", a port that is not a number or out of range
            raise SettingsError(f"invalid base URL {url!r}: {exc}", cause=url) from None
        if parts.scheme not in ("http", "https") or not host:
            raise SettingsError(f"invalid base URL {url!r}: expected https://host/tenant", cause=url)
        if parts.scheme == "http" and not _is_loopback(host):
            raise SettingsError(
                f"base URL {url!r} must use https (http is only for loopback hosts)", cause=url
            )
        coherent_env: str | None = None
        match = _COHERENT_HOST.match(host)
        if match:
            label, coherent_env = match.group(1).lower(), match.group(2).lower()
            host = f"{label if label in _KNOWN_SERVICES else 'excel'}.{coherent_env}.coherent.global"
        netloc = f"[{host}]" if ":" in host and not host.startswith("[") else host
        if port:
            netloc += f":{port}"
        segments = [s for s in parts.path.split("/") if s]
        return f"{parts.scheme}://{netloc}", (segments[0] if segments else None), coherent_env

    @property
    def value(self) -> str:
        """The full base URL, `{origin}/{tenant}`."""
        return f"{self.origin}/{self.tenant}"

    @property
    def is_coherent(self) -> bool:
        return self.env is not None and self.origin.startswith("https://")

    def to(self, service: str = "excel") -> str:
        """The origin of another Spark service (`keycloak`, ...): same origin off Coherent hosts."""
        if not self.is_coherent:
            return self.origin
        return f"https://{service}.{self.env}.coherent.global"

    @property
    def oauth_token_url(self) -> str:
        return f"{self.to('keycloak')}/auth/realms/{self.tenant}/protocol/openid-connect/token"

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"BaseUrl({self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BaseUrl) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def _number(name: str, value: Any, *, minimum: float, integer: bool = False) -> Any:
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number, got {value!r}", cause=value) from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g}, got {value!r}", cause=value)
    return number


class ClientOptions(TypedDict, total=False):
    """Every client setting, declared once: `Client`, `AsyncClient` and `Settings.build` take these keywords
    (the seed SDK's names). Anything not given comes from `CSPARK_*` variables, then the defaults."""

    env: str | None  # with `tenant`: https://excel.{env}.coherent.global/{tenant}
    tenant: str | None
    api_key: str | None  # `open` for public services
    token: str | None  # a bearer token
    oauth: Mapping[str, str] | str | os.PathLike[str] | None  # client id/secret, or a JSON file of them
    timeout: float | None  # ms per request (default 60000)
    max_retries: int | None  # default 2
    retry_interval: float | None  # seconds before the first retry (default 1)
    logger: bool | Mapping[str, Any] | LoggerOptions | None  # True (print warnings), False, or options
    environ: Mapping[str, str] | None  # where CSPARK_* come from (default os.environ; {} disables them)


@dataclass(frozen=True)
class Settings:
    """Everything a client needs to talk to Spark. Its repr never shows a secret."""

    base_url: BaseUrl
    auth: Authorization
    timeout: float = DEFAULT_TIMEOUT_MS  # milliseconds, as in the seed SDK
    max_retries: int = DEFAULT_MAX_RETRIES
    retry_interval: float = DEFAULT_RETRY_INTERVAL  # seconds
    logger: LoggerOptions = field(default_factory=LoggerOptions)

    @classmethod
    def build(cls, base_url: str | BaseUrl | None = None, **options: Unpack[ClientOptions]) -> Settings:
        unknown = sorted(set(options) - ClientOptions.__optional_keys__)
        if unknown:
            raise SettingsError(f"unknown client option {unknown[0]!r}", cause=unknown[0])
        environ, env, tenant = options.get("environ"), options.get("env"), options.get("tenant")
        timeout, max_retries = options.get("timeout"), options.get("max_retries")
        retry_interval = options.get("retry_interval")
        envs = os.environ if environ is None else environ
        if isinstance(base_url, BaseUrl):
            url = base_url
        else:
            url = BaseUrl(
                base_url or (None if env else envs.get("CSPARK_BASE_URL")),
                tenant=tenant or envs.get("CSPARK_TENANT"),
                env=env or envs.get("CSPARK_ENV"),
            )
        auth = Authorization.build(
            api_key=options.get("api_key"),
            token=options.get("token"),
            oauth=options.get("oauth"),
            environ=envs,
        )
        return cls(
            base_url=url,
            auth=auth,
            timeout=_number("timeout", DEFAULT_TIMEOUT_MS if timeout is None else timeout, minimum=1),
            max_retries=_number(
                "max_retries",
                DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
                minimum=0,
                integer=True,
            ),
            retry_interval=_number(
                "retry_interval",
                DEFAULT_RETRY_INTERVAL if retry_interval is None else retry_interval,
                minimum=0,
            ),
            logger=LoggerOptions.of(options.get("logger", True)),
        )

    def __repr__(self) -> str:
        return (
            f"Settings(base_url={self.base_url.value!r}, auth={self.auth!r}, timeout={self.timeout:g}, "
            f"max_retries={self.max_retries}, retry_interval={self.retry_interval:g})"
        )


Config = Settings  # the seed SDK's name for the same object
