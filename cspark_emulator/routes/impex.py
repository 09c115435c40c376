"""ImpEx export/import jobs, with packages in the emulator's format (see impex.py)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from ..files import ZIP
from ..http import Ctx, Handler, Route, json_reply
from ..impex import build_package, import_package, select
from ..jobs import Job
from ..models import ApiError, bad_request, iso_ms


async def start_export(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    inputs = body.get("inputs") or {}
    if not isinstance(inputs, dict) or not any(inputs.get(k) for k in ("folders", "services", "version_ids")):
        raise bad_request("inputs needs at least one non-empty list: folders, services or version_ids")
    version_filter = str(body.get("version_filter") or "latest")
    if version_filter not in ("latest", "all"):
        raise bad_request("version_filter must be latest or all")
    selection = select(ctx.state, inputs, version_filter)  # fail early on unknown services

    def finish(job: Job) -> dict[str, Any]:
        content = build_package(ctx.state, selection)
        path = ctx.rt.files.publish(content, "package.zip", ZIP)
        services, versions = [], []
        for service, chosen in selection:
            base = {
                "folder_source": service.folder,
                "service_source": service.name,
                "service_id_source": service.id,
            }
            services.append({"service_uri_source": f"{service.folder}/{service.name}", **base})
            for v in chosen:
                uri = f"{service.folder}/{service.name}[{v.version}]"
                versions.append(
                    {
                        "service_uri_source": uri,
                        **base,
                        "version_source": v.version,
                        "version_id_source": v.id,
                    }
                )
        return {
            "files": [{"file": path, "file_hash": hashlib.md5(content).hexdigest()}],
            "services": services,
            "service_versions": versions,
        }

    job = _start(ctx, "export", finish, body)
    return json_reply(_job_body(ctx, job, 0))


async def start_import(ctx: Ctx) -> Response:
    form = await ctx.form()
    entity, package = form.get("importRequestEntity"), form.get("file")
    if not isinstance(package, UploadFile):
        raise bad_request("multipart file part 'file' is required")
    try:
        request = json.loads(entity) if isinstance(entity, str) and entity.strip() else {}
    except json.JSONDecodeError as exc:
        raise bad_request(f"importRequestEntity is not JSON: {exc}") from exc
    if not isinstance(request, dict):
        raise bad_request("importRequestEntity must be a JSON object")
    content = await package.read()
    job = _start(ctx, "import", lambda job: import_package(ctx.state, content, request), request)
    return json_reply(_job_body(ctx, job, 0))


def _start(ctx: Ctx, kind: str, finish: Any, body: dict[str, Any]) -> Job:
    with ctx.state.lock:
        if ctx.state.jobs.running(kind):
            raise ApiError(409, f"only one {kind} job may run at a time (tenant limit)", "JOB_LIMIT")
        return ctx.state.jobs.start(
            kind, finish, source_system=body.get("source_system"), correlation_id=body.get("correlation_id")
        )


def _job_status(job: Job, progress: int) -> str:
    if job.cancelled:
        return "cancelled"
    if job.error:
        return "failed"
    return "completed" if progress == 100 and job.done else "in_progress"


def _listed_status(job: Job) -> str:
    """The `{kind}_status` of a describe entry: `closed` for a finished job, else as above."""
    return "closed" if job.done and not job.error and not job.cancelled else _job_status(job, 0)


def _job_body(ctx: Ctx, job: Job, progress: int) -> dict[str, Any]:
    outputs = job.result if isinstance(job.result, dict) else {}
    if outputs.get("files"):
        outputs = {**outputs, "files": [{**f, "file": ctx.url(f["file"])} for f in outputs["files"]]}
    return {
        "object": job.kind,
        "id": job.id,
        "status": _job_status(job, progress),
        "status_url": f"{ctx.base()}/api/v4/{job.kind}/{job.id}/status",
        "response_timestamp": iso_ms(),
        "process_time": 0,
        "source_system": job.context.get("source_system"),
        "correlation_id": job.context.get("correlation_id"),
        "errors": [{"message": job.error}] if job.error else None,
        "warnings": [],
        "outputs": outputs or None,
    }


def _kind(ctx: Ctx) -> str:
    kind = ctx.params["kind"].lower()
    if kind not in ("export", "import"):
        raise ApiError(404, f"no route for {ctx.request.url.path}", "NOT_FOUND")
    return kind


async def job_status(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    with ctx.state.lock:
        job, progress = ctx.state.jobs.poll(ctx.params["job_id"], kind)
    return json_reply(_job_body(ctx, job, progress))


async def cancel(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    if body.get("export_status") != "cancelled":
        raise bad_request("export_status must be 'cancelled'")
    with ctx.state.lock:
        job = ctx.state.jobs.get(ctx.params["job_id"], "export")
        if not job.done:
            job.cancelled = True
    return json_reply(_job_body(ctx, job, 100 if job.done else 0))


async def describe(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    with ctx.state.lock:
        jobs = ctx.state.jobs.all(kind)

    def item(j: Job) -> dict[str, Any]:
        return {
            "object": kind,
            "id": j.id,
            "data": {
                f"{kind}_status": _listed_status(j),
                "response_timestamp": iso_ms(),
                "created_by": ctx.state.user,
                "created_timestamp": j.created_iso,
                "updated_timestamp": j.created_iso,
                "process_time": 0,
            },
        }

    running = [item(j) for j in jobs if not j.done and not j.cancelled]
    return json_reply(
        {
            f"in_progress_{kind}s": running,
            f"recent_{kind}s": [item(j) for j in jobs if j.done or j.cancelled],
            "tenant": {
                "configuration": {f"{kind}_api_job_limit": 1},
                "status": {f"{kind}_api_jobs_in_progress": len(running)},
            },
        }
    )


def _v4(method: str, path: str, handler: Handler) -> Route:
    return Route(method, f"/{{tenant}}/api/v4/{path}", handler, "tenant", "v4")


ROUTES: list[Route] = [
    _v4("POST", "export", start_export),
    _v4("POST", "import", start_import),
    _v4("GET", "{kind}/status", describe),
    _v4("GET", "{kind}/{job_id}/status", job_status),
    _v4("PATCH", "export/{job_id}", cancel),
]
