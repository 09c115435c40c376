"""Batch pipelines; the pipeline rules live in ``cspark_emulator/state/batches.py``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..http import Ctx, Handler, Route, json_reply
from ..models import bad_request
from ..state.batches import Batch, detail_body, status_body
from ..state.targets import Target, merge_targets, parse_locator
from .common import options_from

RECENT_SECONDS = 3600


async def create(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    if not body.get("service") and not body.get("version_id"):
        raise bad_request("service or version_id is required")
    located = parse_locator(body["service"]) if body.get("service") else Target()
    target = merge_targets(located, body, body.get("version_by_timestamp"))
    options = options_from(body, purpose="Async Batch Execution", v4=True)
    batch = ctx.rt.batches.create(body, target, options)
    return json_reply({"object": "batch", "id": batch.id, "data": detail_body(batch, ctx.state.user)})


async def describe(ctx: Ctx) -> Response:
    batches = ctx.rt.batches.all()

    def item(b: Batch) -> dict[str, Any]:
        return {"object": "batch", "id": b.id, "data": detail_body(b, ctx.state.user, True)}

    running = [item(b) for b in batches if not b.finished]
    recent = [item(b) for b in batches if b.finished]
    busy = sum(b.busy for b in batches)
    return json_reply(
        {
            "in_progress_batches": running,
            "recent_batches": recent,
            "tenant": {
                "configuration": {
                    "input_buffer_allocated_bytes": 0,
                    "output_buffer_allocated_bytes": 0,
                    "max_workers": 100,
                },
                "status": {
                    "input_buffer_used_bytes": sum(b.counters["input_used"] for b in batches),
                    "input_buffer_remaining_bytes": 0,
                    "output_buffer_used_bytes": sum(b.counters["output_used"] for b in batches),
                    "output_buffer_remaining_bytes": 0,
                    "workers_in_use": busy,
                },
            },
            "environment": {"update": 0},
        }
    )


async def info(ctx: Ctx) -> Response:
    batch = ctx.rt.batches.get(ctx.params["batch_id"])
    return json_reply({"object": "batch", "id": batch.id, "data": detail_body(batch, ctx.state.user, True)})


async def status(ctx: Ctx) -> Response:
    return json_reply(status_body(ctx.rt.batches.status(ctx.params["batch_id"])))


async def push(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    batch = ctx.rt.batches.push(ctx.params["batch_id"], body.get("chunks"))
    return json_reply(status_body(batch))


async def pull(ctx: Ctx) -> Response:
    raw = ctx.query("max") or ctx.query("max_chunks") or "100"
    if not raw.isdigit():
        raise bad_request("max must be a positive integer")
    batch, taken = ctx.rt.batches.pull(ctx.params["batch_id"], int(raw))
    return json_reply({"data": taken, "status": status_body(batch)})


async def patch(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    batch = ctx.rt.batches.set_status(ctx.params["batch_id"], str(body.get("batch_status", "")))
    detail = detail_body(batch, ctx.state.user)
    # The reply key is unknown (data in PY docs, meta in TS typing): send both.
    return json_reply({"object": "batch", "id": batch.id, "data": detail, "meta": detail})


def _v4(method: str, path: str, handler: Handler) -> Route:
    return Route(method, f"/{{tenant}}/api/v4/{path}", handler, "tenant", "v4")


ROUTES: list[Route] = [
    _v4("GET", "batch/status", describe),
    _v4("POST", "batch", create),
    _v4("GET", "batch/{batch_id}", info),
    _v4("PATCH", "batch/{batch_id}", patch),
    _v4("GET", "batch/{batch_id}/status", status),
    _v4("POST", "batch/{batch_id}/chunks", push),
    _v4("GET", "batch/{batch_id}/chunkresults", pull),
]
