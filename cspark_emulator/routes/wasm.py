"""WASM download: an honest stand-in, since the emulator compiles nothing to WASM.

The ZIP holds the workbook, its schema and ``manifest.json`` saying plainly that it is not a WASM module.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

from starlette.responses import Response

from ..files import ZIP
from ..http import Ctx, Route, file_reply
from ..state.targets import target_from_path
from .common import is_public


async def download(ctx: Ctx) -> Response:
    rest = re.sub(r"\[[^\]]*\]$", "", ctx.params["rest"])  # PY may append [version]; meaningless here
    service, version = ctx.state.resolve(target_from_path(rest), is_public(ctx))
    model = ctx.state.model(version)
    manifest = {
        "note": "cspark emulator stand-in: this is NOT a compiled WASM module; it holds the source workbook",
        "service": service.name,
        "folder": service.folder,
        "service_id": service.id,
        "version": version.version,
        "version_id": version.id,
        "inputs": [f.name for f in model.schema.inputs],
        "outputs": [f.name for f in model.schema.outputs],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        archive.writestr(version.filename, ctx.state.document(version.document_id))
    return file_reply(buffer.getvalue(), f"{service.name}.zip", ZIP)


# The public form of the WASM download puts /public after nodegen, not after the API version.
ROUTES: list[Route] = [
    Route("GET", "/{tenant}/api/v3/nodegen/public/getnodegenzipbyId/{rest:path}", download, "public"),
    Route("GET", "/{tenant}/api/v3/nodegen/getnodegenzipbyId/{rest:path}", download, "tenant"),
]
