"""Health: answered without credentials."""

from __future__ import annotations

from starlette.responses import Response

from ..http import Ctx, Route, json_reply


async def health(ctx: Ctx) -> Response:
    return json_reply({"status": "UP"})


ROUTES: list[Route] = [
    Route("GET", "/health", health, "none", "plain"),
    Route("GET", "/actuator/health", health, "none", "plain"),
]
