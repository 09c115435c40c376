"""Services: exists, upload -> compile -> publish, versions, schema, swagger, metadata, search, download,
recompile, validation, delete."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from ..files import XLSX
from ..http import Ctx, Route, file_reply, json_reply, v1_reply, v3_reply
from ..models import ApiError, Service, Version, bad_request, bump, semver_key, truthy
from ..state import ExecOptions
from ..state.targets import merge_targets, target_from_path
from .common import both, inputs_object, int_field, is_public, search_items, service_summary, version_meta

SVC = "folders/{folder}/services/{service}"


async def exists(ctx: Ctx) -> Response:
    service = ctx.state.find_service(ctx.params["folder"], ctx.params["service"])
    keys = ("id", "name", "version", "last_modified_date", "latest_version_id", "effective_start_date")
    if service is None or not service.versions:
        empty = dict.fromkeys((*keys, "effective_end_date", "tags", "service_status"))
        return v3_reply({**empty, "is_exists": False})
    latest = service.latest
    return v3_reply(
        {
            "id": service.id,
            "name": service.name,
            "is_exists": True,
            "version": latest.version,
            "last_modified_date": service.updated_at,
            "latest_version_id": latest.id,
            "effective_start_date": latest.effective_start,
            "effective_end_date": latest.effective_end,
            "tags": latest.tags,
            "service_status": "active",
        }
    )


async def upload(ctx: Ctx) -> Response:
    form = await ctx.form()
    entity = form.get("engineUploadRequestEntity")
    workbook = form.get("serviceFile")
    if not isinstance(workbook, UploadFile):
        raise bad_request("multipart file part 'serviceFile' is required")
    request_data: dict[str, Any] = {}
    if isinstance(entity, str) and entity.strip():
        try:
            parsed = json.loads(entity)
        except json.JSONDecodeError as exc:
            raise bad_request(f"engineUploadRequestEntity is not JSON: {exc}") from exc
        request_data = (parsed or {}).get("request_data") or {} if isinstance(parsed, dict) else {}
    folder, name = ctx.params["folder"], ctx.params["service"]
    filename = workbook.filename or f"{name}.xlsx"
    record = ctx.state.upload(folder, name, filename, await workbook.read(), request_data)
    stats = record.stats
    return v3_reply(
        {
            "lines_of_code": stats.get("no_of_formulas", 0),
            "hours_saved": round(stats.get("no_of_formulas", 0) * 0.001, 3),
            "nodegen_compilation_jobid": record.job_id,
            "original_file_documentid": record.original_id,
            "engine_file_documentid": record.engine_id,
            "warnings": [{"message": w} for w in record.warnings],
            "current_statistics": None,
            **{k: stats.get(k, 0) for k in ("no_of_sheets", "no_of_inputs", "no_of_outputs")},
            **{k: stats.get(k, 0) for k in ("no_of_formulas", "no_of_cellswithdata")},
        },
        _upload_meta(ctx, folder, name, request_data),
    )


def _upload_meta(ctx: Ctx, folder: str, name: str, request_data: dict[str, Any]) -> dict[str, Any]:
    """The sample's keys: the service (if it exists) and the version a publish would create."""
    service = ctx.state.find_service(folder, name)
    current = service.latest.version if service and service.versions else None
    try:
        version: str | None = bump(current, str(request_data.get("version_difference") or "minor"))
    except ApiError:
        version = None  # "custom" or unknown: the publish decides
    return {
        "service_id": service.id if service else None,
        "version_id": None,
        "version": version,
        "process_time": 0,
        "call_id": None,
        "compiler_type": "Neuron",
        "compiler_version": None,
        "source_hash": None,
        "engine_id": None,
        "correlation_id": None,
        "parameterset_version_id": None,
    }


async def compilation(ctx: Ctx) -> Response:
    progress, error = ctx.state.compilation(ctx.params["job_id"])
    status = "In Progress" if progress < 100 else "Fail" if error else "Success"
    return v3_reply({"status": status, "last_error_message": error or "null", "progress": progress})


async def publish(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    data = body.get("request_data")
    if not isinstance(data, dict):
        raise bad_request("request_data is required")
    for key in ("original_file_documentid", "engine_file_documentid"):
        if not data.get(key):
            raise bad_request(f"request_data.{key} is required")
    _, version = ctx.state.publish(ctx.params["folder"], ctx.params["service"], data)
    return v3_reply({"version_id": version.id})


async def versions(ctx: Ctx) -> Response:
    service = ctx.state.service(ctx.params["folder"], ctx.params["service"])
    # Newest first: by version number, the order `latest` (execute, isActive) uses; created_at ties
    # within a millisecond (an import adds several versions at once), so it only breaks ties.
    ordered = sorted(service.versions, key=lambda v: (semver_key(v.version), v.created_at), reverse=True)
    return v1_reply([_version_body(service, v) for v in ordered])


def _version_body(service: Service, version: Version) -> dict[str, Any]:
    return {
        "id": version.id,
        "createdAt": version.created_at,
        "engine": service.name,
        "revision": version.version,
        "effectiveStartDate": version.effective_start,
        "effectiveEndDate": version.effective_end,
        "isActive": version.id == service.latest.id,
        "releaseNote": version.release_note,
        "childEngines": None,
        "versionLabel": version.label,
        "defaultEngineType": version.compiler_type,
        "tags": version.tags or None,
        "product": service.folder,
        "author": version.author,
        "originalFileName": version.filename,
    }


def _cell(field: Any) -> dict[str, Any]:
    return {
        "name": field.name,
        "sheetName": field.sheet,
        "address": field.address,
        "dataType": field.type,
        "value": field.default,
        "rawValue": field.default,
        "columns": list(field.columns) if field.columns else None,
        "options": list(field.allowed) if field.allowed else None,
    }


def schema_body(ctx: Ctx, service: Service, version: Version) -> dict[str, Any]:
    model = ctx.state.model(version)
    inputs, outputs = model.schema.inputs, model.schema.outputs
    return {
        "bookSummary": {
            "bookServiceName": service.name,
            "bookRevision": version.version,
            "versionId": version.id,
            "product": service.folder,
            "compilerVersion": version.compiler_version,
            "bookAuthor": version.author,
            "bookUploadDate": version.created_at,
            "originalFileName": version.filename,
        },
        "bookProperties": [],
        "engineID": version_meta(service, version)["engine_id"],
        "xlInputs": [_cell(f) for f in inputs],
        "xOutput": [_cell(f) for f in outputs],
        "inputMetadata": _io_metadata(inputs),
        "outputMetadata": _io_metadata(outputs),
        "metadata": {
            "engineInformation": {
                "productName": service.folder,
                "serviceName": service.name,
                "revision": version.version,
                "publicAPI": service.public,
                "serviceGuid": service.id,
                "serviceVersionGuid": version.id,
                "tenant": ctx.rt.tenant,
                "compilerVersion": version.compiler_version,
            },
            "xInputTable": [{"Input Name": f.name, "Description": "", "Address": _addr(f)} for f in inputs],
            "xOutputTable": [
                {"Output Name": f.name, "Description": "", "Address": _addr(f)} for f in outputs
            ],
        },
        "effectiveStartDate": version.effective_start,
        "effectiveEndDate": version.effective_end,
        "engineType": version.compiler_type,
        "success": True,
    }


def _addr(field: Any) -> str:
    return f"{field.sheet}!{field.address}"


def _io_metadata(fields: Any) -> dict[str, Any]:
    return {
        "single": [f.name for f in fields if f.type != "table"],
        "tables": [f.name for f in fields if f.type == "table"],
        "solves": [],
        "reports": [],
        "images": [],
        "csv": [],
    }


async def schema_v1(ctx: Ctx) -> Response:
    service = ctx.state.service(ctx.params["folder"], ctx.params["service"])
    version_id = ctx.params.get("version_id")
    target = merge_targets(target_from_path(f"service/{service.id}"), {"version_id": version_id})
    service, version = ctx.state.resolve(target)
    return json_reply(
        {"status": "Success", "message": None, "errorCode": None, "data": schema_body(ctx, service, version)}
    )


async def schema_by_version(ctx: Ctx) -> Response:
    service, version = ctx.state.resolve(target_from_path(f"version/{ctx.params['version_id']}"))
    return json_reply(
        {"status": "Success", "message": None, "errorCode": None, "data": schema_body(ctx, service, version)}
    )


async def swagger(ctx: Ctx) -> Response:
    version_id = ctx.params.get("version_id") or None
    target = merge_targets(target_from_path(ctx.params["rest"]), {"version_id": version_id})
    service, version = ctx.state.resolve(target, is_public(ctx))
    document = _swagger(ctx, service, version)
    if truthy(ctx.params.get("downloadable", "false")):
        content = json.dumps(document, indent=2).encode()
        return file_reply(content, f"{service.name}_swagger.json", "application/json")
    return json_reply(document)


def _json_type(kind: str) -> dict[str, Any]:
    types = {"number": "number", "text": "string", "boolean": "boolean", "date": "string", "table": "array"}
    schema: dict[str, Any] = {"type": types.get(kind, "string")}
    if kind == "date":
        schema["format"] = "date"
    if kind == "table":
        schema["items"] = {"type": "object"}
    return schema


def _swagger(ctx: Ctx, service: Service, version: Version) -> dict[str, Any]:
    model = ctx.state.model(version)
    path = f"/{ctx.rt.tenant}/api/v3/folders/{service.folder}/services/{service.name}/execute"
    example_inputs = {f.name: f.default for f in model.schema.inputs}
    inputs_schema = {
        "type": "object",
        "properties": {f.name: _json_type(f.type) for f in model.schema.inputs},
    }
    outputs_schema = {
        "type": "object",
        "properties": {f.name: _json_type(f.type) for f in model.schema.outputs},
    }
    request_meta = dict.fromkeys(("version_id", "transaction_date", "call_purpose", "source_system"), "")
    request_meta.update(
        correlation_id="", service_category="#Default#", requested_output="", version_id=version.id
    )
    headers = [
        {
            "name": "x-tenant-name",
            "in": "header",
            "type": "string",
            "required": True,
            "default": ctx.rt.tenant,
        },
        {"name": "x-synthetic-key", "in": "header", "type": "string", "required": False},
    ]
    body = {
        "name": "request",
        "in": "body",
        "required": True,
        "schema": {
            "type": "object",
            "properties": {
                "request_data": {"type": "object", "properties": {"inputs": inputs_schema}},
                "request_meta": {"type": "object"},
            },
            "example": {"request_data": {"inputs": example_inputs}, "request_meta": request_meta},
        },
    }
    responses = {
        "200": {
            "description": "OK",
            "schema": {
                "type": "object",
                "properties": {
                    "response_data": {"type": "object", "properties": {"outputs": outputs_schema}}
                },
            },
        },
        "401": {"description": "access token is missing or invalid"},
        "404": {"description": "service cannot be found"},
        "500": {"description": "internal server error"},
    }
    host = ctx.request.url.netloc
    operation = {
        "summary": f"Execute {service.folder}/{service.name}",
        "parameters": [*headers, body],
        "responses": responses,
    }
    return {
        "swagger": "2.0",
        "info": {
            "title": f"{service.name}",
            "version": version.version,
            "description": f"Spark service {service.folder}/{service.name}",
        },
        "host": host,
        "schemes": [ctx.request.url.scheme],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {path: {"post": operation}},
    }


async def metadata(ctx: Ctx) -> Response:
    target = target_from_path(ctx.params["rest"])
    service, version = ctx.state.resolve(target, is_public(ctx))
    names = [f.name for f in ctx.state.model(version).schema.outputs if f.name.startswith("Metadata.")]
    outputs: dict[str, Any] = {}
    if names:
        run = ctx.state.run_records(target, [{}], ExecOptions(requested=names), is_public(ctx))
        outputs = run.outputs[0]
    return v3_reply(
        {"outputs": outputs, "warnings": None, "errors": None, "service_chain": None},
        {**version_meta(service, version), "process_time": 0, "call_id": None, "correlation_id": None},
    )


async def validation(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    data, meta = body.get("request_data") or {}, body.get("request_meta") or {}
    if not isinstance(data, dict) or not isinstance(meta, dict):
        raise bad_request("request_data and request_meta must be JSON objects")
    raw_kind = str(meta.get("validation_type") or "default_values").lower()
    kinds = {"static": "static", "default_values": "static", "dynamic": "dynamic"}
    if raw_kind not in kinds:
        raise bad_request("validation_type must be static, default_values or dynamic")
    target = merge_targets(target_from_path(ctx.params["rest"]), meta, meta.get("transaction_date"))
    service, version, result = ctx.state.validate(
        target, inputs_object(data.get("inputs")), kinds[raw_kind], is_public(ctx)
    )
    return v3_reply(
        {"outputs": result, "warnings": None, "errors": None, "service_chain": None},
        {
            **version_meta(service, version),
            "process_time": 0,
            "call_id": None,
            "validation_type": kinds[raw_kind],
            "correlation_id": None,
        },
    )


async def search(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    inner = body.get("request_data")
    data: dict[str, Any] = inner if isinstance(inner, dict) else body
    page, size = int_field(data.get("page"), 1, "page"), int_field(data.get("page_size"), -1, "page_size")
    items, count = ctx.state.search_services(
        search_items(data.get("search")), page, size, str(data.get("sort") or "name")
    )
    pages = 1 if size <= 0 else max(1, -(-count // size))
    rows = [
        {
            "id": s.id,
            "folderName": s.folder,
            "fileName": s.name,
            "serviceName": s.name,
            "version": s.latest.version,
            "versionId": s.latest.id,
            "modifiedDate": s.updated_at,
            "publicAPI": s.public,
        }
        for s in items
    ]
    meta = {
        "count": count,
        "page": page,
        "page_size": size,
        "page_total": pages,
        "next": page + 1 if page < pages else None,
        "previous": page - 1 if page > 1 else None,
    }
    return v3_reply(rows, meta)


async def download(ctx: Ctx) -> Response:
    service = ctx.state.service(ctx.params["folder"], ctx.params["service"])
    target = merge_targets(
        target_from_path(f"service/{service.id}"), {"version_id": ctx.params.get("version_id")}
    )
    _, version = ctx.state.resolve(target)
    filename = ctx.query("filename") or version.filename
    # type=withmetadata would add Spark's custom XML properties; the emulator returns the upload as is.
    return file_reply(ctx.state.document(version.document_id), filename, XLSX)


async def recompile(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    data = body.get("request_data") or {}
    if not isinstance(data, dict):
        raise bad_request("request_data must be a JSON object")
    version, job = ctx.state.recompile(ctx.params["folder"], ctx.params["service"], data)
    return v3_reply({"versionId": version.id, "revision": version.version, "jobId": job.id})


async def delete(ctx: Ctx) -> Response:
    ctx.state.delete_service(ctx.params["folder"], ctx.params["service"])
    return v1_reply(None)


async def list_in_folder(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    ctx.state.folder(ctx.params["folder"])
    page, size = int_field(body.get("page"), 1, "page"), int_field(body.get("pageSize"), 100, "pageSize")
    search = [{"field": "folder", "value": ctx.params["folder"]}, *search_items(body.get("search"))]
    items, count = ctx.state.search_services(search, page, size, str(body.get("sort") or "name1"))
    last = size <= 0 or page * size >= count
    return v1_reply(
        [service_summary(s) for s in items],
        count=count,
        next=None if last else page + 1,
        previous=page - 1 if page > 1 else None,
    )


def _v1(method: str, path: str, handler: Any) -> Route:
    return Route(method, f"/api/v1/{path}", handler, "v1", "v1")


def _v3(method: str, path: str, handler: Any) -> Route:
    return Route(method, f"/{{tenant}}/api/v3/{path}", handler)


ROUTES: list[Route] = [
    _v3("GET", f"{SVC}/exists", exists),
    _v3("POST", f"{SVC}/upload", upload),
    _v3("GET", f"{SVC}/getcompilationprogess/{{job_id}}", compilation),
    _v3("GET", f"{SVC}/getcompilationprogress/{{job_id}}", compilation),
    _v3("POST", f"{SVC}/publish", publish),
    _v3("POST", f"{SVC}/recompileNodgen", recompile),
    _v3("POST", "services/search", search),
    _v3("POST", "GetEngineDetailByVersionId/versionid/{version_id}", schema_by_version),
    *both("GET", "v3", "{rest:path}/downloadswagger/{subservice}/{downloadable}/{version_id}", swagger),
    *both("GET", "v3", "{rest:path}/downloadswagger/{subservice}/{downloadable}", swagger),
    *both("GET", "v3", "{rest:path}/metadata", metadata),
    *both("POST", "v3", "{rest:path}/validation", validation),
    _v1("GET", "product/{folder}/engines/getversions/{service}", versions),
    _v1("GET", "product/{folder}/engines/get/{service}/{version_id}", schema_v1),
    _v1("GET", "product/{folder}/engines/get/{service}", schema_v1),
    _v1("GET", "product/{folder}/engines/{service}/download/{version_id}", download),
    _v1("DELETE", "product/{folder}/engines/delete/{service}", delete),
    _v1("POST", "product/{folder}/engines", list_in_folder),
]
