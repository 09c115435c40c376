"""Transform documents and execute-with-transform.

The emulator does not evaluate JSONata or Node code. A stored document's ``transform_content`` is a JSON
string with ``transform_type`` and ``target_api_version`` (``v3``/``v4``), and optionally:

- ``input_body_transform``: an object mapping each input name to a dotted path in the request body,
  e.g. ``{"value": "payload.amount"}``. Anything else (a JSONata string, absent) passes the body through:
  its ``inputs`` member if it has one, else the whole body.
- ``output_body_transform``: an object mapping each reply key to a dotted path in the execute response,
  e.g. ``{"result": "response_data.outputs.doubled"}``. Otherwise the execute response is returned as is.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from ..http import Ctx, Handler, Route, json_reply
from ..models import bad_request, iso_ms
from ..state.targets import Target, merge_targets, parse_locator
from .common import int_field, options_from, version_meta
from .execute import v3_body

TRANSFORMS = "transforms"
UPLOAD_SUFFIX = "_transform.json"


def parse_document(content: Any) -> dict[str, Any]:
    if not isinstance(content, str):
        raise bad_request("transform_content must be a JSON string")
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise bad_request(f"transform_content is not JSON: {exc}") from exc
    if not isinstance(document, dict) or not document.get("transform_type"):
        raise bad_request("transform_content needs a transform_type")
    if document.get("target_api_version", "v3") not in ("v3", "v4"):
        raise bad_request("target_api_version must be v3 or v4")
    return document


def _reply(kind: str, name: str, outputs: Any) -> Response:
    body = {"object": "transform", "id": name, "status": "Success", "response_timestamp": iso_ms()}
    return json_reply({**body, "process_time": 0, "outputs": outputs, "kind": kind})


async def save(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    return _store(ctx, ctx.params["folder"], ctx.params["name"], body.get("transform_content"))


async def upload(ctx: Ctx) -> Response:
    """The docs-only file form: multipart ``file`` whose name ends with ``_transform.json``."""
    form = await ctx.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not (upload.filename or "").endswith(UPLOAD_SUFFIX):
        raise bad_request(f"multipart file part 'file' named '<name>{UPLOAD_SUFFIX}' is required")
    name = (upload.filename or "")[: -len(UPLOAD_SUFFIX)].rsplit("/", 1)[-1]
    if not name:
        raise bad_request(f"the file name needs a transform name before {UPLOAD_SUFFIX}")
    try:
        content = (await upload.read()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad_request("the transform file is not UTF-8 text") from exc
    return _store(ctx, ctx.params["folder"], name, content)


def _store(ctx: Ctx, folder: str, name: str, content: Any) -> Response:
    parse_document(content)
    ctx.state.save_transform(folder, name, content)
    return _reply("save", name, {"name": name, "transform_uri": f"{folder}/{name}"})


async def get(ctx: Ctx) -> Response:
    record = ctx.state.transform(ctx.params["folder"], ctx.params["name"])
    return _reply(
        "get", record["name"], {"transform_document": record["content"], "updatedAt": record["updatedAt"]}
    )


async def delete(ctx: Ctx) -> Response:
    folder, name = ctx.params["folder"], ctx.params["name"]
    ctx.state.delete_transform(folder, name)
    return _reply("delete", name, {"name": name, "transform_uri": f"{folder}/{name}"})


async def list_folder(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    inner = body.get("request_data")
    body = inner if isinstance(inner, dict) else body
    page, size = int_field(body.get("page"), 1, "page"), int_field(body.get("pageSize"), 100, "pageSize")
    if page < 1 or size < 1:
        raise bad_request("page and pageSize must be >= 1")
    folder = ctx.params["folder"]
    items = ctx.state.transforms_in(folder)
    rows = [
        {
            "id": f"{r['folder']}/{r['name']}",
            "name": r["name"],
            "transform_type": json.loads(r["content"]).get("transform_type"),
            "createdAt": r["createdAt"],
            "createdBy": ctx.state.user,
            "updatedAt": r["updatedAt"],
            "modifiedBy": ctx.state.user,
        }
        for r in items[(page - 1) * size : page * size]
    ]
    return json_reply({"count": len(items), "page": page, "pageSize": size, "result": rows})


async def validate(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    try:
        parse_document(body.get("transform_content"))
        outputs: dict[str, Any] = {"isValid": True, "error": None}
    except Exception as exc:
        outputs = {
            "isValid": False,
            "error": [{"code": "INVALID", "type": "validation", "message": str(exc)}],
        }
    return _reply("validation", "validation", outputs)


def _dig(value: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _meta(ctx: Ctx, header: str) -> dict[str, Any]:
    raw = (ctx.header(header) or "").strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        raw = raw[1:-1]
    if not raw:
        return {}
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise bad_request(f"{header} is not JSON wrapped in single quotes: {exc}") from exc
    return meta if isinstance(meta, dict) else {}


async def execute(ctx: Ctx) -> Response:
    p = ctx.params
    document = parse_document(ctx.state.transform(p.get("tf") or TRANSFORMS, p["t"])["content"])
    body = await ctx.json()
    mapping = document.get("input_body_transform")
    if isinstance(mapping, dict):
        inputs: Any = {name: _dig(body, str(path)) for name, path in mapping.items()}
    else:
        inputs = body.get("inputs", body) if isinstance(body, dict) else body
    v4 = document.get("target_api_version") == "v4"
    meta = _meta(ctx, "x-meta" if v4 else "x-request-meta")
    records = inputs if isinstance(inputs, list) else [inputs or {}]
    if not records or (not v4 and len(records) != 1):
        raise bad_request("the transformed request must hold one input record (v3) or at least one (v4)")
    # The header carries the execute meta (v3 request_meta / v4 body fields): version, version_id, dates.
    located = Target(folder=p["folder"], service=p["service"])
    if v4 and isinstance(meta.get("service"), str) and "[" in meta["service"]:
        located = Target(
            folder=p["folder"], service=p["service"], version=parse_locator(meta["service"]).version
        )
    at = meta.get("version_by_timestamp" if v4 else "transaction_date")
    target = merge_targets(located, meta, at)
    options = options_from(meta, purpose="Transform", v4=v4)
    run = ctx.state.execute(target, records, options, "V4" if v4 else "V3")
    if v4:
        result: dict[str, Any] = {
            "status": "Success",
            "response_data": {
                "outputs": run.outputs,
                "warnings": run.warnings,
                "errors": run.errors,
                "process_time": run.process_time,
                "service_chain": [None] * len(records),
            },
            "response_meta": {**version_meta(run.service, run.version), "call_id": run.call_id},
            "error": None,
        }
    else:
        result = v3_body(run, options)
    out = document.get("output_body_transform")
    if isinstance(out, dict):
        return json_reply({key: _dig(result, str(path)) for key, path in out.items()})
    return json_reply(result)


async def run_unbound(ctx: Ctx) -> Response:
    raise bad_request("the emulator cannot run a transform that is not bound to a service")


def _v4(method: str, path: str, handler: Handler) -> list[Route]:
    # The docs and TS use transforms/; PY's document operations use transform/: serve both.
    return [
        Route(method, f"/{{tenant}}/api/v4/{TRANSFORMS}/{path}", handler, "tenant", "v4"),
        Route(method, f"/{{tenant}}/api/v4/transform/{path}", handler, "tenant", "v4"),
    ]


ROUTES: list[Route] = [
    *_v4("POST", "list/{folder}", list_folder),
    *_v4("POST", "validation", validate),
    *_v4("POST", "{folder}", upload),
    *_v4("POST", "{t}/for/folders/{folder}/services/{service}", execute),
    *_v4("POST", "{tf}/{t}/for/{folder}/{service}", execute),
    *_v4("POST", "{tf}/{t}/run", run_unbound),
    *_v4("POST", "{folder}/{name}", save),
    *_v4("GET", "{folder}/{name}", get),
    *_v4("DELETE", "{folder}/{name}", delete),
]
