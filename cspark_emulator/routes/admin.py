"""Test controls under ``/_emulator/``: loopback only, with the admin token or the API key, never from a web
page (see ``app.admin_guard``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import Response

from ..faults import fault_from
from ..http import Ctx, Handler, Route, json_reply
from ..jobs import SPEEDS
from ..models import bad_request
from ..runtime import Runtime


async def reset(ctx: Ctx) -> Response:
    if ctx.state.store is not None:  # state kept on disk (--data): wiping it must be asked for explicitly
        body = await ctx.json_object()
        if body.get("confirm") is not True:
            raise bad_request(
                'this emulator keeps its state on disk (--data): send {"confirm": true} to wipe it'
            )
    published = ctx.rt.reset()
    return json_reply({"status": "ok", "published": published})


async def seed(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    if body.get("samples") or not body.get("path"):
        published = ctx.state.seed(Path(__file__).parent.parent / "samples")
    else:
        directory = Path(str(body["path"]))
        if not directory.is_dir():
            raise bad_request(f"{directory} is not a directory")
        published = ctx.state.seed(directory)
    return json_reply({"status": "ok", "published": published})


async def speed(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    mode = body.get("mode")
    if mode not in SPEEDS:
        raise bad_request(f"mode must be one of {', '.join(SPEEDS)}")
    ctx.state.jobs.speed = mode
    return json_reply({"status": "ok", "mode": mode})


async def faults(ctx: Ctx) -> Response:
    try:
        fault = fault_from(await ctx.json_object())
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    ctx.rt.faults.add(fault)
    return json_reply({"status": "ok"})


async def clear_faults(ctx: Ctx) -> Response:
    ctx.rt.faults.clear()
    return json_reply({"status": "ok"})


async def stats(ctx: Ctx) -> Response:
    return json_reply(stats_of(ctx.rt))


def stats_of(rt: Runtime) -> dict[str, Any]:
    """The body of ``GET /_emulator/stats`` (also ``Emulator.stats()``)."""
    return {
        "requests": dict(rt.counts),
        "total_requests": sum(rt.counts.values()),
        "statuses": {str(k): v for k, v in rt.statuses.items()},
        "tokens_issued": rt.tokens.count,
        "faults_injected": rt.faults.injected,
        "faults_active": len(rt.faults),
        "speed": rt.state.jobs.speed,
        "services": len(rt.state.services),
        "call_logs": len(rt.state.logs),
        **rt.state.calculator.stats(),  # workers, worker_restarts, worker_pids
    }


async def service_flags(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    service = ctx.state.set_flags(
        ctx.params["folder"], ctx.params["service"], body.get("public"), body.get("proxy")
    )
    return json_reply({"status": "ok", "id": service.id, "public": service.public, "proxy": service.proxy})


def _admin(method: str, path: str, handler: Handler) -> Route:
    return Route(method, f"/_emulator/{path}", handler, "admin", "plain")


ROUTES: list[Route] = [
    _admin("POST", "reset", reset),
    _admin("POST", "seed", seed),
    _admin("POST", "speed", speed),
    _admin("POST", "faults", faults),
    _admin("DELETE", "faults", clear_faults),
    _admin("GET", "stats", stats),
    _admin("POST", "services/{folder}/{service}", service_flags),
]
