"""Execute v3 (single record, every locator form) and v4 (many records)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..http import Ctx, Route, json_reply
from ..models import bad_request
from ..state import ExecOptions, Execution
from ..state.batches import records_from
from ..state.targets import Target, merge_targets, parse_locator, target_from_path
from .common import both, inputs_object, is_public, options_from
from .common import version_meta as meta_of


async def execute_v3(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    data = body.get("request_data") or {}
    meta = body.get("request_meta") or {}
    if not isinstance(data, dict) or not isinstance(meta, dict):
        raise bad_request("request_data and request_meta must be JSON objects")
    inputs = inputs_object(data.get("inputs"))
    target = merge_targets(_path_target(ctx, meta), meta, meta.get("transaction_date"))
    options = options_from(meta, purpose="Single Execution")
    run = ctx.state.execute(target, [inputs], options, "V3", public=is_public(ctx))
    return json_reply(v3_body(run, options))


def v3_body(run: Execution, options: ExecOptions) -> dict[str, Any]:
    """The v3 execute envelope for a one-record run (execute v3, and v3 transforms)."""
    response_data: dict[str, Any] = {
        "outputs": run.outputs[0],
        "warnings": run.warnings[0],
        "errors": run.errors[0],
        "service_chain": None,
    }
    if options.echo_inputs:
        # Placement is unknown; the lenient guess is response_data.inputs.
        response_data["inputs"] = run.inputs[0]
    response_meta = {
        **meta_of(run.service, run.version),
        "process_time": run.process_time[0],
        "call_id": run.call_id,
        "correlation_id": options.correlation_id,
        "system": "SPARK",
        "request_timestamp": run.timestamp,
    }
    return {
        "status": "Success",
        "response_data": response_data,
        "response_meta": response_meta,
        "error": None,
    }


def _path_target(ctx: Ctx, meta: dict[str, Any]) -> Target:
    params = ctx.params
    if "folder" in params:
        return Target(folder=params["folder"], service=params["service"])
    if "service_id" in params:
        return Target(service_id=params["service_id"])
    if "version_id" in params:
        return Target(version_id=params["version_id"])
    if "rest" in params:
        return target_from_path("proxy/" + params["rest"])
    uri = meta.get("service_uri")  # api/v3/execute and api/v3: the locator travels in request_meta
    if uri:
        return parse_locator(uri, "request_meta.service_uri")
    return Target()


async def execute_v4(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    records = records_from(body.get("inputs"), "inputs")
    if not records:
        raise bad_request("inputs must hold at least one record")
    located = parse_locator(body["service"]) if body.get("service") else Target()
    target = merge_targets(located, body, body.get("version_by_timestamp"))
    options = options_from(body, purpose="Sync Batch Execution", v4=True)
    run = ctx.state.execute(target, records, options, "V4", public=is_public(ctx))
    meta = meta_of(run.service, run.version)
    return json_reply(
        {
            "outputs": run.outputs,
            "process_time": run.process_time,
            "warnings": run.warnings,
            "errors": run.errors,
            "service_chain": [None] * len(records),
            "service_id": meta["service_id"],
            "version_id": meta["version_id"],
            "version": meta["version"],
            "call_id": run.call_id,
            "compiler_version": meta["compiler_version"],
            "correlation_id": options.correlation_id,
            "request_timestamp": run.timestamp,
        }
    )


ROUTES: list[Route] = [
    *both("POST", "v3", "folders/{folder}/services/{service}/execute", execute_v3),
    *both("POST", "v3", "service/{service_id}/execute", execute_v3),
    *both("POST", "v3", "service/{service_id}", execute_v3),
    *both("POST", "v3", "version/{version_id}/execute", execute_v3),
    *both("POST", "v3", "version/{version_id}", execute_v3),
    *both("POST", "v3", "proxy/{rest:path}", execute_v3),
    *both("POST", "v3", "execute", execute_v3),
    Route("POST", "/{tenant}/api/v3", execute_v3, "bearer"),
    *both("POST", "v4", "execute", execute_v4, "v4"),
]
