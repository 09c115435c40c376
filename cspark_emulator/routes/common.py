"""Parsing helpers shared by the route modules: locators, execute options, response metadata."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from ..http import Ctx, Handler, Route
from ..models import Service, Version, bad_request
from ..state import ExecOptions, Target

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NAME_AND_VERSION = re.compile(r"^([^\[]+)(?:\[(.*?)\])?$")


def both(method: str, api: str, tail: str, handler: Handler, family: str = "v3") -> list[Route]:
    """The public route (``/api/vN/public/...``) and the authenticated one, public first."""
    return [
        Route(method, f"/{{tenant}}/api/{api}/public/{tail}", handler, "public", family),
        Route(method, f"/{{tenant}}/api/{api}/{tail}", handler, "tenant", family),
    ]


def is_public(ctx: Ctx) -> bool:
    return "/public/" in ctx.request.url.path.lower()


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
    """The string grammar of §1.4: ``folder/service[version]``, long form, a service id, ``version/<id>``."""
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
        service_id=_text(meta.get("service_id")) or primary.service_id,
        version_id=_text(meta.get("version_id")) or primary.version_id,
        version=_text(meta.get("version")) or primary.version,
        proxy=primary.proxy,
        at=_text(at),
    )


def _text(value: Any) -> str | None:
    return str(value).strip() if value not in (None, "") else None


def int_field(value: Any, default: int, what: str) -> int:
    """A paging or sizing number from a JSON body: an int or a numeric string; anything else is a 400."""
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        raise bad_request(f"{what} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"{what} must be an integer") from exc


def search_items(value: Any, what: str = "search") -> list[dict[str, Any]]:
    """A ``search`` filter list (§5.2, §6.11, §9.4): ``null`` or an array of ``{field, value}`` objects."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise bad_request(f"{what} must be an array of {{field, value}} objects")
    return value


def comma_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def options_from(meta: dict[str, Any], *, purpose: str, v4: bool = False) -> ExecOptions:
    truthy = ("true", "1", "yes")
    return ExecOptions(
        requested=comma_list(meta.get("output" if v4 else "requested_output")) or None,
        regex=_text(meta.get("requested_output_regex")),
        array_outputs=comma_list(meta.get("array_outputs")),
        echo_inputs=str(meta.get("response_data_inputs", "")).lower() in truthy,
        call_purpose=_text(meta.get("call_purpose")) or purpose,
        source_system=_text(meta.get("source_system")) or "",
        correlation_id=_text(meta.get("correlation_id")),
        transaction_date=_text(meta.get("version_by_timestamp" if v4 else "transaction_date")),
        meta=dict(meta),
    )


def inputs_object(value: Any) -> dict[str, Any]:
    """v3 ``request_data.inputs``: an object, ``null`` (defaults), a one-item list (TS) or a JSON string."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise bad_request("request_data.inputs is a string that is not JSON") from exc
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], dict):
            return value[0]
        if not value:
            return {}
        raise bad_request(
            "request_data.inputs must be one object on v3; send several records to api/v4/execute"
        )
    if not isinstance(value, dict):
        raise bad_request("request_data.inputs must be a JSON object")
    return value


def version_meta(service: Service, version: Version) -> dict[str, Any]:
    return {
        "service_id": service.id,
        "version_id": version.id,
        "version": version.version,
        "compiler_type": version.compiler_type,
        "compiler_version": version.compiler_version,
        "source_hash": None,
        "engine_id": version.document_id.replace("-", "")[:10].upper(),
        "parameterset_version_id": None,
    }


def service_summary(service: Service) -> dict[str, Any]:
    """A service as the v1 API lists it (``calculationEngines.data`` items, §5.3 / §6.16)."""
    latest = service.latest
    return {
        "id": service.id,
        "serviceId": service.id,
        "serviceName": service.name,
        "revision": latest.version,
        "originalFileName": latest.filename,
        "isStarred": False,
        "serviceStatus": "active",
        "versionId": latest.id,
        "publicAPI": service.public,
        "lastModifiedDate": service.updated_at,
        "createdAt": service.created_at,
        "effectiveStartDate": latest.effective_start,
        "effectiveEndDate": latest.effective_end,
        "productName": service.folder,
    }
