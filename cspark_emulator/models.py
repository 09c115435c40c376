"""Plain records the emulator keeps (folders, services, versions, call logs) and small shared helpers.

Wire spellings live in the routes; these records use Python names. Every record round-trips through
``to_dict()`` / ``from_dict()`` so the SQLite store can persist it as JSON.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
BUMPS = ("major", "minor", "patch")


class ApiError(Exception):
    """A request Spark would refuse: becomes an HTTP error in the route family's envelope."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _default_code(status)


def _default_code(status: int) -> str:
    names = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT"}
    return names.get(status, "INTERNAL_SERVER_ERROR" if status >= 500 else "ERROR")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "BAD_REQUEST")


def not_found(message: str) -> ApiError:
    return ApiError(404, message, "NOT_FOUND")


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_ms(moment: datetime | None = None) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``, e.g. ``2025-03-02T09:00:00.000Z``."""
    moment = moment or utcnow()
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_date(value: Any, what: str) -> datetime:
    """Accept ``YYYY-MM-DD``, naive ISO (read as UTC) and offset/``Z`` ISO."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{what} must be an ISO date or timestamp")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise bad_request(f"{what} is not an ISO date or timestamp: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def optional_date(value: Any, what: str, default: datetime) -> datetime:
    return default if value in (None, "") else parse_date(value, what)


def bump(current: str | None, kind: str | None) -> str:
    """Next semantic version: a bump of major, minor or patch (a new service counts from ``0.0.0``)."""
    kind = (kind or "minor").lower()
    if kind not in BUMPS:
        raise bad_request(f"version difference must be one of {', '.join(BUMPS)}, not {kind!r}")
    major, minor, patch = semver_key(current or "0.0.0")
    if kind == "major":
        return f"{major + 1}.0.0"
    if kind == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def semver_key(version: str) -> tuple[int, int, int]:
    match = SEMVER.match(version)
    if not match:
        return (0, 0, 0)
    return (int(match[1]), int(match[2]), int(match[3]))


def truthy(value: Any) -> bool:
    """Booleans arrive as JSON booleans or as strings (``"true"``, ``"True"``)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


class Record:
    """Mixin: dataclass <-> dict for persistence."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(cast("DataclassInstance", self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cast("type[DataclassInstance]", cls))}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Folder(Record):
    id: str
    name: str
    category: str = "Other"
    description: str = ""
    status: str = "Design"
    start_date: str = ""
    launch_date: str = ""
    created_at: str = ""
    updated_at: str = ""
    created_by: str = ""
    is_starred: bool = False
    cover_image: str | None = None  # document id of the uploaded cover


@dataclass
class Version(Record):
    id: str
    version: str
    document_id: str  # the stored workbook (see State.documents)
    filename: str
    effective_start: str
    effective_end: str
    created_at: str
    author: str = ""
    release_note: str = ""
    label: str = ""
    tags: str = ""
    compiler_type: str = "Neuron"
    compiler_version: str = "Neuron_v1.13.0"


@dataclass
class Service(Record):
    id: str
    folder: str
    name: str
    created_at: str
    updated_at: str
    public: bool = False
    proxy: str | None = None  # custom endpoint served at api/v3/proxy/{proxy}
    versions: list[Version] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        data = dict(data)
        data["versions"] = [Version.from_dict(v) for v in data.get("versions", [])]
        return super().from_dict(data)

    @property
    def latest(self) -> Version:
        return max(self.versions, key=lambda v: semver_key(v.version))


@dataclass
class CallLog(Record):
    """One execute call (v3: one record; v4: many, addressed by ``index``)."""

    call_id: str
    api_version: str  # "V3" | "V4"
    service_id: str
    version_id: str
    version: str
    folder: str
    service: str
    log_time: str
    transaction_date: str
    user: str
    source_system: str
    call_purpose: str
    correlation_id: str | None
    request_meta: dict[str, Any]
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    warnings: list[Any]
    errors: list[Any]
    process_time: list[int]
    total_time_ms: int = 0


def now_plus_years(years: int) -> datetime:
    return utcnow() + timedelta(days=365 * years + years // 4)
