"""Temporary file URLs: downloads that exports, log jobs and rehydration hand out."""

from __future__ import annotations

from starlette.responses import Response

from ..files import FILE_PATH
from ..http import Ctx, Route, file_reply


async def temp_file(ctx: Ctx) -> Response:
    item = ctx.rt.files.get(ctx.params["token"])
    return file_reply(item.content, item.filename, item.content_type)


ROUTES: list[Route] = [
    Route("GET", FILE_PATH + "/{token}/{filename}", temp_file, "none", "v1"),
]
