"""API call history: get one call, rehydrate a workbook, download logs as a ZIP job."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from starlette.responses import Response

from ..files import XLSX, ZIP
from ..http import Ctx, Handler, Route, v1_reply, v3_reply
from ..jobs import Job
from ..models import CallLog, bad_request
from .common import int_field, search_items

SVC = "folders/{folder}/services/{service}"
CSV_COLUMNS = [
    "Description",
    "Log Time",
    "Transaction date",
    "Version",
    "Version ID",
    "User name",
    "Source system",
    "Correlation ID",
    "Call purpose",
    "Call ID",
    "Calc time (ms)",
    "Total time (ms)",
]


def _pick(values: list[Any], index: int | None, v4: bool) -> Any:
    if index is not None:
        return values[index]
    return values if v4 else values[0]


def log_object(log: CallLog, tenant: str, index: int | None = None) -> dict[str, Any]:
    """The decoded log of one call; a v4 call shows every record unless ``index`` picks one."""
    v4 = log.api_version == "V4"
    if index is not None and not 0 <= index < len(log.inputs):
        raise bad_request(f"index {index} is out of range: the call has {len(log.inputs)} record(s)")
    calc = sum(log.process_time) if index is None else log.process_time[index]
    return {
        "EngineCallId": log.call_id,
        "LogTime": log.log_time,
        "TransactionDate": log.transaction_date,
        "SourceSystem": log.source_system,
        "Purpose": log.call_purpose,
        "CorrelationId": log.correlation_id,
        "UserName": log.user,
        "HostName": "cspark-emulator",
        "Tenant": tenant,
        "Service": log.service,
        "Product": log.folder,
        "EngineDetails": {
            "request_data": {"inputs": _pick(log.inputs, index, v4)},
            "request_meta": log.request_meta,
            "response_data": {
                "outputs": _pick(log.outputs, index, v4),
                "warnings": _pick(log.warnings, index, v4),
                "errors": _pick(log.errors, index, v4),
                "service_chain": None,
            },
            "response_meta": {
                "service_id": log.service_id,
                "version_id": log.version_id,
                "version": log.version,
                "process_time": calc,
                "call_id": log.call_id,
                "correlation_id": log.correlation_id,
                "system": "SPARK",
                "request_timestamp": log.log_time,
                "spark_total_time": log.total_time_ms,
            },
        },
        "CalcTime": calc,
        "SparkTotalTime": log.total_time_ms,
        "ServiceRevision": log.version,
        "VersionId": log.version_id,
        "APIVersion": log.api_version,
        "ControlLogReference": None,
    }


def _index(ctx: Ctx) -> int | None:
    raw = ctx.query("index")
    if raw in (None, ""):
        return None
    if not raw.lstrip("-").isdigit():
        raise bad_request("index must be an integer")
    return int(raw)


async def get_log(ctx: Ctx) -> Response:
    log = ctx.state.call_log(ctx.params["call_id"])
    body = log_object(log, ctx.rt.tenant, _index(ctx))
    return v3_reply(json.dumps(body), {"call_id": None})


async def rehydrate(ctx: Ctx) -> Response:
    await ctx.json()  # {}, null or empty are all fine; bad JSON is still a 400
    folder, service = ctx.params["folder"], ctx.params["service"]
    log, content, filename = ctx.state.rehydrate(folder, service, ctx.params["call_id"], _index(ctx))
    url = ctx.url(ctx.rt.files.publish(content, filename, XLSX))
    meta = {
        "service_id": log.service_id,
        "version_id": log.version_id,
        "version": log.version,
        "process_time": sum(log.process_time),
        "call_id": log.call_id,
        "correlation_id": log.correlation_id,
    }
    # The platform answers status null here; the SDKs overwrite it.
    return v3_reply({"download_url": url}, meta, status=None)


async def start_download(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    kind = ctx.params["kind"].lower()
    if kind not in ("csv", "json"):
        raise bad_request("log download type must be csv or json")
    data = body.get("request_data") or {}
    meta = body.get("request_meta") or {}
    if not isinstance(data, dict) or not isinstance(meta, dict):
        raise bad_request("request_data and request_meta must be JSON objects")
    folder, service = ctx.params["folder"], ctx.params["service"]
    ctx.state.service(folder, service)
    tenant = ctx.rt.tenant

    def finish(job: Job) -> str:
        logs = ctx.state.logs_for(folder, service, data, meta.get("version_id"))
        content = _zip(kind, logs, tenant)
        return ctx.rt.files.publish(content, f"{service}_logs_{kind}.zip", ZIP)

    with ctx.state.lock:
        job = ctx.state.jobs.start(f"log-{kind}", finish)
    return v3_reply({"job_id": job.id}, {"call_id": None})


async def download_status(ctx: Ctx) -> Response:
    kind = ctx.params["kind"].lower()
    with ctx.state.lock:
        job, progress = ctx.state.jobs.poll(ctx.params["job_id"], f"log-{kind}")
    data: dict[str, Any] = {"progress": progress, "status": "Success" if progress == 100 else "In Progress"}
    if progress == 100 and job.result:
        data["download_url"] = ctx.url(job.result)
    if job.error:
        data.update(status="Fail", error=job.error)
    return v3_reply(data)


def _zip(kind: str, logs: list[CallLog], tenant: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if kind == "json":
            archive.writestr("logs.json", json.dumps([log_object(log, tenant) for log in logs], indent=1))
        else:
            archive.writestr("logs.csv", _csv(logs))
    return buffer.getvalue()


def _csv(logs: list[CallLog]) -> str:
    input_names = sorted({k for log in logs for record in log.inputs for k in record})
    output_names = sorted({k for log in logs for record in log.outputs for k in record})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, *input_names, *output_names, "Error Details", "Warning Details"])
    for log in logs:
        for i, record in enumerate(log.inputs):
            outputs = log.outputs[i]
            writer.writerow(
                [
                    "",
                    log.log_time,
                    log.transaction_date,
                    log.version,
                    log.version_id,
                    log.user,
                    log.source_system,
                    log.correlation_id or "",
                    log.call_purpose,
                    log.call_id,
                    log.process_time[i],
                    log.total_time_ms,
                    *[_cell(record.get(n)) for n in input_names],
                    *[_cell(outputs.get(n)) for n in output_names],
                    _cell(log.errors[i]) if log.errors[i] else "",
                    _cell(log.warnings[i]) if log.warnings[i] else "",
                ]
            )
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value)
    return "" if value is None else str(value)


async def search_logs(ctx: Ctx) -> Response:
    """Log search (TS SDK): filters ``search`` (call id / source system / correlation id), dates, version."""
    body = await ctx.json_object()
    request: dict[str, Any] = {}
    version_id = None
    for item in search_items(body.get("search")):
        name = str(item.get("field", "")).lower()
        if name == "startdate":
            request["start_date"] = item.get("value")
        elif name == "enddate":
            request["end_date"] = item.get("value")
        elif name == "version":
            version_id = item.get("id") or item.get("value")
        elif name == "search" and item.get("value"):
            request["call_ids"] = [item["value"]]
    logs = ctx.state.logs_for(ctx.params["folder"], ctx.params["service"], request, version_id)
    logs.sort(key=lambda log: log.log_time, reverse=True)
    page, size = int_field(body.get("page"), 1, "page"), int_field(body.get("pageSize"), 100, "pageSize")
    if page < 1 or size < 1:
        raise bad_request("page and pageSize must be >= 1")
    shown = logs[(page - 1) * size : page * size]
    rows = [
        {
            "id": log.call_id,
            "transactionDate": log.transaction_date,
            "timeStamp": log.log_time,
            "callGUID": log.call_id,
            "engineGUID": log.service_id,
            "engineHASH": log.version_id,
            "serviceName": log.service,
            "serviceVersion": log.version,
            "calcTime": sum(log.process_time),
            "callPurpose": log.call_purpose,
            "sourceSystem": log.source_system,
            "log": None,
            "totalTime": log.total_time_ms,
            "username": log.user,
            "isBatchCall": log.api_version == "V4",
            "correlationId": log.correlation_id,
        }
        for log in shown
    ]
    last = page * size >= len(logs)
    return v1_reply(
        rows, count=len(logs), next=None if last else page + 1, previous=page - 1 if page > 1 else None
    )


def _v3(method: str, path: str, handler: Handler) -> Route:
    return Route(method, f"/{{tenant}}/api/v3/{path}", handler)


ROUTES: list[Route] = [
    _v3("GET", "log/getexecutionhistorybycallid/{call_id}", get_log),
    _v3("POST", f"{SVC}/download/xml/{{call_id}}", rehydrate),
    _v3("POST", f"{SVC}/download/{{call_id}}", rehydrate),
    _v3("POST", f"{SVC}/log/download{{kind}}", start_download),
    _v3("GET", f"{SVC}/log/download{{kind}}/status/{{job_id}}", download_status),
    Route("POST", "/api/v1/product/{folder}/engines/{service}/logs", search_logs, "v1", "v1"),
]
