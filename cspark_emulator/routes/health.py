"""Health, platform configuration and temporary file URLs."""

from __future__ import annotations

from starlette.responses import Response

from ..app import Ctx, Route, file_reply, json_reply, v1_reply
from ..files import FILE_PATH

CONFIG = {
    "Batch_Chunk_Size": "100",
    "CompilerVersion_NeuronStableLatest": "Neuron_v1.13.0",
    "CompilerVersions_Neuron": "Neuron_v1.13.0",
    "EnablePublicAPI": "True",
    "EnablePublicAPI_wasm": "True",
    "ExportAPIJobLimit": "1",
    "ImportAPIJobLimit": "1",
    "ImpExSizeLimit_InBytes": "209715200",
    "UploadFileSizeLimit_InBytes": "199229440",
    "Transforms_List": "JSONtransforms_v1.0.1",
    "TimeZoneOffset": "0",
    "Emulator": "True",
}


async def health(ctx: Ctx) -> Response:
    return json_reply({"status": "UP"})


async def config(ctx: Ctx) -> Response:
    return v1_reply(dict(CONFIG))


async def temp_file(ctx: Ctx) -> Response:
    item = ctx.rt.files.get(ctx.params["token"])
    return file_reply(item.content, item.filename, item.content_type)


ROUTES: list[Route] = [
    Route("GET", "/health", health, "none", "plain"),
    Route("GET", "/actuator/health", health, "none", "plain"),
    Route("GET", "/api/v1/config/GetSparkConfiguration", config, "bearer", "v1"),
    Route("GET", FILE_PATH + "/{token}/{filename}", temp_file, "none", "v1"),
]
