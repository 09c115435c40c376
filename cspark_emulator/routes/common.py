"""Parsing helpers shared by the route modules: execute options, inputs, paging, response metadata.

Locator parsing lives beside ``Target`` in ``state/targets.py``."""

from __future__ import annotations

import json
from typing import Any

from ..http import Ctx, Handler, Route
from ..models import Service, Version, bad_request
from ..state import ExecOptions
from ..state.targets import optional_text


def both(method: str, api: str, tail: str, handler: Handler, family: str = "v3") -> list[Route]:
    """The public route (``/api/vN/public/...``) and the authenticated one, public first."""
    return [
        Route(method, f"/{{tenant}}/api/{api}/public/{tail}", handler, "public", family),
        Route(method, f"/{{tenant}}/api/{api}/{tail}", handler, "tenant", family),
    ]


def is_public(ctx: Ctx) -> bool:
    return "/public/" in ctx.request.url.path.lower()


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
    """A ``search`` filter list: ``null`` or an array of ``{field, value}`` objects."""
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
        regex=optional_text(meta.get("requested_output_regex")),
        array_outputs=comma_list(meta.get("array_outputs")),
        echo_inputs=str(meta.get("response_data_inputs", "")).lower() in truthy,
        call_purpose=optional_text(meta.get("call_purpose")) or purpose,
        source_system=optional_text(meta.get("source_system")) or "",
        correlation_id=optional_text(meta.get("correlation_id")),
        transaction_date=optional_text(meta.get("version_by_timestamp" if v4 else "transaction_date")),
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
    """A service as the v1 API lists it (``calculationEngines.data`` items)."""
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
