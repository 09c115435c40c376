"""Where a call points: ``Target``, and the locator grammars that produce one (the
path forms, the string form, ids and version carried in a body). Pure: no state, no HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..models import bad_request

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NAME_AND_VERSION = re.compile(r"^([^\[]+)(?:\[(.*?)\])?$")


@dataclass(frozen=True)
class Target:
    """Where a call points: any combination of the service locator forms."""

    folder: str | None = None
    service: str | None = None
    service_id: str | None = None
    version_id: str | None = None
    version: str | None = None
    proxy: str | None = None
    at: str | None = None


def target_from_path(rest: str, **extra: Any) -> Target:
    """Parse ``folders/{f}/services/{s}``, ``service/{id}``, ``version/{id}`` or ``proxy/...`` (raw path)."""
    parts = [unquote(p) for p in rest.strip("/").split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "proxy":
        return Target(proxy="/".join(parts[1:]), **extra)
    if len(parts) == 2 and parts[0].lower() == "service":
        return Target(service_id=parts[1], **extra)
    if len(parts) == 2 and parts[0].lower() == "version":
        return Target(version_id=parts[1], **extra)
    if len(parts) == 4 and parts[0].lower() == "folders" and parts[2].lower() == "services":
        return Target(folder=parts[1], service=parts[3], **extra)
    raise bad_request(f"cannot read a service locator from {rest!r}")


def parse_locator(text: Any, what: str = "service") -> Target:
    """The locator grammar: ``folder/service[version]``, long form, a service id, ``version/<id>``."""
    if not isinstance(text, str) or not text.strip():
        raise bad_request(f"{what} must be a non-empty string")
    cleaned = re.sub("/+", "/", text.strip()).strip("/")
    if UUID.match(cleaned):
        return Target(service_id=cleaned)
    parts = cleaned.split("/")
    if parts[0].lower() in ("service", "version", "proxy") and len(parts) >= 2:
        return target_from_path(cleaned)
    if parts[0].lower() == "folders":
        parts = parts[1:]
    if len(parts) == 3 and parts[1].lower() == "services":
        parts = [parts[0], parts[2]]
    match = NAME_AND_VERSION.match(parts[1]) if len(parts) == 2 else None
    if match is None:
        raise bad_request(f"{what} {text!r} is not 'folder/service[version]', a service id or 'version/<id>'")
    return Target(folder=parts[0], service=match[1], version=match[2] or None)


def merge_targets(primary: Target, meta: dict[str, Any], at: Any = None) -> Target:
    """Ids and version carried in the body join the path locator; resolution order does the rest."""
    return Target(
        folder=primary.folder,
        service=primary.service,
        service_id=optional_text(meta.get("service_id")) or primary.service_id,
        version_id=optional_text(meta.get("version_id")) or primary.version_id,
        version=optional_text(meta.get("version")) or primary.version,
        proxy=primary.proxy,
        at=optional_text(at),
    )


def optional_text(value: Any) -> str | None:
    """A trimmed string, or None for null and the empty string."""
    return str(value).strip() if value not in (None, "") else None
