"""Profiles: the TOML config file, the per-profile OAuth token cache, and settings precedence.

Folders are resolved when used (never at import): `CSPARK_CONFIG_DIR` / `CSPARK_CACHE_DIR` win over
platformdirs' user folders. Files holding secrets are written atomically with mode 0600.

Precedence, per setting: command-line flags > `CSPARK_*` environment variables > the profile > defaults.
Authentication is taken whole from one layer (never a client id from one and its secret from another).
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .exit_codes import SetupError

if TYPE_CHECKING:
    from cspark_core import AccessToken

__all__ = [
    "AuthKind",
    "Connection",
    "Credentials",
    "FileTokenCache",
    "Profile",
    "ProfileConfig",
    "ProfileStore",
    "atomic_write",
    "cache_dir",
    "config_dir",
    "credentials_from_env",
    "forget_tokens",
    "read_regular_file",
    "resolve_connection",
    "select_profile_name",
    "validate_profile_name",
]

AuthKind = Literal["api_key", "token", "oauth", "oauth_file"]
SECRET_FIELDS = ("api_key", "token", "client_secret")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_CONFIG_FILE = "config.toml"


def config_dir(environ: Mapping[str, str]) -> Path:
    if environ.get("CSPARK_CONFIG_DIR"):
        return Path(environ["CSPARK_CONFIG_DIR"])
    import platformdirs

    return Path(platformdirs.user_config_dir("cspark", appauthor=False))


def cache_dir(environ: Mapping[str, str]) -> Path:
    if environ.get("CSPARK_CACHE_DIR"):
        return Path(environ["CSPARK_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("cspark", appauthor=False))


def validate_profile_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise SetupError(
            f"invalid profile name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)",
        )
    return name


# -- profiles ----------
@dataclass(frozen=True, repr=False)
class Profile:
    """One named set of settings. Its repr never shows a secret."""

    name: str
    base_url: str | None = None
    env: str | None = None
    tenant: str | None = None
    api_key: str | None = None
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    oauth_path: str | None = None
    timeout: float | None = None  # milliseconds
    max_retries: int | None = None
    retry_interval: float | None = None  # seconds
    output: str | None = None

    @property
    def credentials(self) -> Credentials | None:
        if self.client_id or self.client_secret:
            return Credentials("oauth", client_id=self.client_id, client_secret=self.client_secret)
        if self.oauth_path:
            return Credentials("oauth_file", oauth_path=self.oauth_path)
        if self.api_key:
            return Credentials("api_key", api_key=self.api_key)
        if self.token:
            return Credentials("token", token=self.token)
        return None

    @property
    def location(self) -> str:
        if self.base_url:
            return self.base_url
        if self.env or self.tenant:
            return f"{self.env or '?'}/{self.tenant or '?'}"
        return ""

    def secrets(self) -> list[str]:
        return [s for s in (getattr(self, f) for f in SECRET_FIELDS) if s]

    def without_secrets(self) -> Profile:
        return replace(self, api_key=None, token=None, client_secret=None)  # SECRET_FIELDS

    def to_toml(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "name" and v is not None}

    def masked(self) -> dict[str, Any]:
        """Every set field, secrets masked as the SDK masks them (what `profiles show` prints)."""
        from cspark_core.auth import mask

        data = {"name": self.name, **self.to_toml()}
        for key in SECRET_FIELDS:
            if key in data:
                data[key] = mask(data[key])
        return data

    @classmethod
    def from_toml(cls, name: str, data: Any, where: str) -> Profile:
        if not isinstance(data, dict):
            raise SetupError(f"{where}: profile {name!r} must be a table")
        known = {f.name: f for f in fields(cls) if f.name != "name"}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise SetupError(f"{where}: profile {name!r} has an unknown setting {unknown[0]!r}")
        for key, value in data.items():
            _check_type(key, value, name, where)
        return cls(name=validate_profile_name(name), **data)

    def __repr__(self) -> str:
        return f"Profile({self.name!r}, location={self.location!r}, auth={self.credentials!r})"


_TYPES: dict[str, tuple[type, ...]] = {
    "timeout": (int, float),
    "max_retries": (int,),
    "retry_interval": (int, float),
}


def _check_type(key: str, value: Any, name: str, where: str) -> None:
    expected = _TYPES.get(key, (str,))
    if isinstance(value, bool) or not isinstance(value, expected):
        kind = " or ".join(t.__name__ for t in expected)
        raise SetupError(f"{where}: {key} of profile {name!r} must be {kind}, got {value!r}"[:200])


@dataclass
class ProfileConfig:
    """The whole config file: profiles by name, and which one is the default."""

    default: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.default:
            data["default"] = self.default
        data["profiles"] = {name: p.to_toml() for name, p in self.profiles.items()}
        return data


class ProfileStore:
    """Reads and writes `config.toml` in one folder. `warn` receives warnings (a wide file mode)."""

    def __init__(self, directory: Path, *, warn: Callable[[str], None] | None = None) -> None:
        self.directory = directory
        self.path = directory / _CONFIG_FILE
        self._warn = warn

    def load(self) -> ProfileConfig:
        try:
            raw = read_regular_file(self.path)
        except FileNotFoundError:
            return ProfileConfig()
        except OSError as exc:
            raise SetupError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        self._check_mode()
        import tomllib  # here: only when a config file exists (a few ms at start-up)

        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SetupError(f"{self.path} is not valid TOML: {exc}", hint="fix or remove the file") from None
        except RecursionError:
            raise SetupError(f"{self.path} is nested too deeply to be a cspark config") from None
        return self._parse(data)

    def _parse(self, data: dict[str, Any]) -> ProfileConfig:
        where = str(self.path)
        profiles = data.get("profiles", {})
        if not isinstance(profiles, dict):
            raise SetupError(f"{where}: 'profiles' must be a table")
        default = data.get("default")
        if default is not None and not isinstance(default, str):
            raise SetupError(f"{where}: 'default' must be a profile name")
        parsed = {name: Profile.from_toml(name, body, where) for name, body in profiles.items()}
        return ProfileConfig(default=default if default in parsed else None, profiles=parsed)

    def _check_mode(self) -> None:
        if os.name != "posix" or self._warn is None:
            return
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            self._warn(f"{self.path} is readable by other users (mode {mode:o}): run `chmod 600 {self.path}`")
        for folder in dict.fromkeys([self.directory, self.path.resolve().parent]):
            try:
                wide = stat.S_IMODE(folder.stat().st_mode)
            except OSError:
                continue
            if wide & 0o022:
                self._warn(
                    f"the config folder {folder} is writable by other users (mode {wide:o}), who could "
                    f"replace config.toml: run `chmod 700 {folder}`"
                )

    def save(self, config: ProfileConfig) -> None:
        import tomli_w

        atomic_write(self._write_target(), tomli_w.dumps(config.to_toml()).encode("utf-8"))

    def _write_target(self) -> Path:
        """Where saving writes: config.toml itself, or, when it is a symbolic link (dotfiles kept in a
        repository), the file it points to, so the link is kept rather than replaced by a regular file."""
        if not self.path.is_symlink():
            return self.path
        target = self.path.resolve()
        if target.exists() and not target.is_file():
            raise SetupError(f"{self.path} links to {target}, which is not a regular file: not writing it")
        if not target.parent.is_dir():
            raise SetupError(f"{self.path} links to {target}, whose folder does not exist: not writing it")
        return target

    def get(self, name: str) -> Profile:
        config = self.load()
        if name not in config.profiles:
            raise SetupError(
                f"no profile named {name!r}{_known(config)}", hint="`cspark profiles list` shows them"
            )
        return config.profiles[name]

    def put(self, profile: Profile, *, make_default: bool = False) -> ProfileConfig:
        """Add or replace a profile; the first profile saved becomes the default."""
        config = self.load()
        config.profiles[profile.name] = profile
        if make_default or config.default is None:
            config.default = profile.name
        self.save(config)
        return config

    def use(self, name: str) -> None:
        config = self.load()
        self.get(name)
        config.default = name
        self.save(config)

    def remove(self, name: str) -> Profile:
        config = self.load()
        profile = self.get(name)
        del config.profiles[name]
        if config.default == name:
            config.default = None
        self.save(config)
        return profile


def _known(config: ProfileConfig) -> str:
    return (
        f" (known: {', '.join(sorted(config.profiles))})"
        if config.profiles
        else " (there are no profiles yet)"
    )


def read_regular_file(path: Path, limit: int = 16 << 20) -> bytes:
    """A config file's bytes; anything but a regular file (a FIFO, a device, a folder) is refused without
    reading it, so the CLI cannot hang on it. Raises FileNotFoundError when it is missing."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SetupError(f"{path} is not a regular file: it is not read", hint="remove it or replace it")
        if info.st_size > limit:
            raise SetupError(f"{path} is larger than {limit >> 20} MiB: it is not read")
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def atomic_write(path: Path, content: bytes, *, mode: int = 0o600) -> None:
    """Write `content` so readers see the old file or the new one, never half: temp file, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- credentials and precedence ----------
@dataclass(frozen=True, repr=False)
class Credentials:
    """One authentication method and its values."""

    kind: AuthKind
    api_key: str | None = None
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    oauth_path: str | None = None

    def client_kwargs(self) -> dict[str, Any]:
        if self.kind == "oauth":
            return {"oauth": {"client_id": self.client_id or "", "client_secret": self.client_secret or ""}}
        if self.kind == "oauth_file":
            return {"oauth": self.oauth_path}
        if self.kind == "api_key":
            return {"api_key": self.api_key}
        return {"token": self.token}

    @property
    def label(self) -> str:
        return {
            "api_key": "API key",
            "token": "bearer token",
            "oauth": "OAuth client",
            "oauth_file": "OAuth file",
        }[self.kind]

    def secrets(self) -> list[str]:
        return [s for s in (self.api_key, self.token, self.client_secret) if s]

    def check(self, where: Callable[[str], str]) -> Credentials:
        """Refuse values that cannot be sent (a control character anywhere; non-ASCII in a header) before
        anything is sent: exit 4, naming the setting (`where(field)`), never the value. The SDK's rule is
        only imported for a value that may break it (a cached completion imports no SDK at all)."""
        in_header = {"api_key": True, "token": True, "client_id": False, "client_secret": False}
        for name, header in in_header.items():
            value = getattr(self, name)
            if not value or (value.isprintable() and (value.isascii() or not header)):
                continue
            from cspark_core.auth import credential_problem

            problem = credential_problem(value, header=header)
            if problem:
                raise SetupError(f"{where(name)} {problem}: it cannot be sent; check how it was copied")
        return self

    def __repr__(self) -> str:
        return f"Credentials({self.kind})"


def credentials_from_env(environ: Mapping[str, str]) -> Credentials | None:
    """Credentials from `CSPARK_*` variables, in the SDKs' order: OAuth > API key > bearer token."""
    client_id, secret = environ.get("CSPARK_CLIENT_ID"), environ.get("CSPARK_CLIENT_SECRET")
    if client_id or secret:
        missing = "CSPARK_CLIENT_SECRET" if client_id else "CSPARK_CLIENT_ID"
        if not (client_id and secret):
            raise SetupError(
                f"{missing} is not set: OAuth needs both CSPARK_CLIENT_ID and CSPARK_CLIENT_SECRET"
            )
        return Credentials("oauth", client_id=client_id, client_secret=secret)
    if environ.get("CSPARK_OAUTH_PATH"):
        return Credentials("oauth_file", oauth_path=environ["CSPARK_OAUTH_PATH"])
    if environ.get("CSPARK_API_KEY"):
        return Credentials("api_key", api_key=environ["CSPARK_API_KEY"])
    if environ.get("CSPARK_BEARER_TOKEN"):
        return Credentials("token", token=environ["CSPARK_BEARER_TOKEN"])
    return None


@dataclass(frozen=True, repr=False)
class Connection:
    """Everything needed to build a client, after precedence. `sources` says where each part came from."""

    profile: str | None
    base_url: str | None = None
    env: str | None = None
    tenant: str | None = None
    credentials: Credentials | None = None
    timeout: float | None = None
    max_retries: int | None = None
    retry_interval: float | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        return self.base_url or (f"{self.env}/{self.tenant}" if self.env or self.tenant else "")

    def client_kwargs(self, *, anonymous: bool = False) -> dict[str, Any]:
        """Keyword arguments for `cspark_core.Client` (with `environ={}`: precedence is already applied).
        `anonymous`: without credentials, use Spark's `open` key (for calls that need none)."""
        if not self.location:
            raise SetupError("no Spark profile or base URL is configured", hint=_SETUP_HINT)
        auth = self.credentials.client_kwargs() if self.credentials is not None else {"api_key": "open"}
        if self.credentials is None and not anonymous:
            where = f"profile {self.profile!r}" if self.profile else "the environment"
            raise SetupError(f"no credentials in {where}", hint=_SETUP_HINT)
        return {
            "base_url": self.base_url,
            "env": self.env,
            "tenant": self.tenant,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "retry_interval": self.retry_interval,
            "environ": {},
            **auth,
        }

    def cache_key(self) -> str:
        """A file-name-safe key for this connection's OAuth token: profile + address + client + a hash of
        the secret, so a changed (or wrong) secret never reuses a token another secret obtained."""
        import hashlib  # here: only OAuth needs it (a few ms at start-up)

        creds = self.credentials
        who = (creds.client_id or creds.oauth_path or "") if creds else ""
        secret = _secret_material(creds) if creds else b""
        digest = hashlib.sha256(f"{self.location}\0{who}\0".encode() + secret).hexdigest()[:16]
        return f"{self.profile or '_env'}-{digest}"

    def __repr__(self) -> str:
        return f"Connection(profile={self.profile!r}, location={self.location!r}, auth={self.credentials!r})"


def _secret_material(credentials: Credentials) -> bytes:
    """What the token cache key hashes for the secret: the client secret, or the OAuth file's content."""
    import hashlib

    if credentials.kind == "oauth_file" and credentials.oauth_path:
        try:
            return hashlib.sha256(read_regular_file(Path(credentials.oauth_path), 1 << 20)).digest()
        except (OSError, SetupError):
            return b""
    return hashlib.sha256((credentials.client_secret or "").encode()).digest()


_ENV_NAMES = {
    "api_key": "CSPARK_API_KEY",
    "token": "CSPARK_BEARER_TOKEN",
    "client_id": "CSPARK_CLIENT_ID",
    "client_secret": "CSPARK_CLIENT_SECRET",
}
_SETUP_HINT = "run `cspark auth login`, or set CSPARK_BASE_URL and CSPARK_API_KEY"
_NUMBERS: dict[str, tuple[str, type]] = {
    "timeout": ("CSPARK_TIMEOUT", float),
    "max_retries": ("CSPARK_MAX_RETRIES", int),
    "retry_interval": ("CSPARK_RETRY_INTERVAL", float),
}


def select_profile_name(flag: str | None, environ: Mapping[str, str], config: ProfileConfig) -> str | None:
    """`-p` > `CSPARK_PROFILE` > the default profile > none. A named profile must exist."""
    name = flag or environ.get("CSPARK_PROFILE") or None
    if name is None:
        return config.default
    if name not in config.profiles:
        source = "--profile" if flag else "CSPARK_PROFILE"
        raise SetupError(
            f"no profile named {name!r} ({source}){_known(config)}",
            hint=f"`cspark profiles list` shows them; `cspark auth login --name {name}` creates it",
        )
    return name


def resolve_connection(profile: Profile | None, environ: Mapping[str, str]) -> Connection:
    """Apply `CSPARK_*` variables over a profile (either may be missing)."""
    p = profile or Profile(name="")
    sources: dict[str, str] = {}
    if environ.get("CSPARK_BASE_URL") or environ.get("CSPARK_ENV"):
        base_url, env, tenant = (
            environ.get("CSPARK_BASE_URL") or None,
            environ.get("CSPARK_ENV") or None,
            None,
        )
        sources["location"] = "env"
        if base_url:
            env = None
    else:
        base_url, env, tenant = p.base_url, p.env, p.tenant
        if p.location:
            sources["location"] = "profile"
    tenant = environ.get("CSPARK_TENANT") or tenant
    credentials = credentials_from_env(environ)
    if credentials is not None:
        sources["auth"] = "env"
        credentials.check(lambda field: _ENV_NAMES[field])
    elif p.credentials is not None:
        credentials = p.credentials.check(lambda field: f"{field} of profile {p.name!r}")
        sources["auth"] = "profile"
    numbers = {key: _number(key, environ, p, sources) for key in _NUMBERS}
    return Connection(
        profile=profile.name if profile else None,
        base_url=base_url,
        env=env,
        tenant=tenant,
        credentials=credentials,
        sources=sources,
        **numbers,
    )


def _number(key: str, environ: Mapping[str, str], profile: Profile, sources: dict[str, str]) -> Any:
    variable, kind = _NUMBERS[key]
    raw = environ.get(variable)
    if raw:
        try:
            value = kind(raw)
        except ValueError:
            raise SetupError(f"{variable} must be a number, got {raw!r}") from None
        sources[key] = "env"
        return value
    value = getattr(profile, key)
    if value is not None:
        sources[key] = "profile"
    return value


# -- token cache ----------
class FileTokenCache:
    """The SDK's `TokenCache` for one connection: a JSON file (mode 0600) in the user cache folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_connection(cls, connection: Connection, environ: Mapping[str, str]) -> FileTokenCache:
        return cls(cache_dir(environ) / "tokens" / f"{connection.cache_key()}.json")

    def load(self) -> AccessToken | None:
        from cspark_core import AccessToken

        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            token = AccessToken(str(data["access_token"]), float(data["expires_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return token if token.is_fresh() else None

    def save(self, token: AccessToken) -> None:
        data = {"access_token": token.access_token, "expires_at": token.expires_at, "saved_at": time.time()}
        atomic_write(self.path, json.dumps(data).encode("utf-8"))

    def expires_at(self) -> float | None:
        token = self.load()
        return token.expires_at if token else None

    def __repr__(self) -> str:
        return f"FileTokenCache({str(self.path)!r})"


def forget_tokens(profile: str, environ: Mapping[str, str]) -> int:
    """Delete every cached token of a profile; returns how many files went."""
    folder = cache_dir(environ) / "tokens"
    removed = 0
    pattern = f"{profile}-{'?' * 16}.json"  # the digest's length, so profile "a" never matches "a-b"
    for path in folder.glob(pattern) if folder.is_dir() else []:
        path.unlink(missing_ok=True)
        removed += 1
    return removed
