"""Platform configuration: the settings a tenant's clients read."""

from __future__ import annotations

from starlette.responses import Response

from ..http import Ctx, Route, v1_reply

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


async def config(ctx: Ctx) -> Response:
    return v1_reply(dict(CONFIG))


ROUTES: list[Route] = [
    Route("GET", "/api/v1/config/GetSparkConfiguration", config, "bearer", "v1"),
]
