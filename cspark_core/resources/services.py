"""Services ("engines" in Spark's v1 API): create (upload → compile → publish), execute
(v3 for one record, v4 for many), transforms, versions, Swagger, schema, metadata, search, download,
recompile, validate and delete.

Every request is built by a pure function below; the two classes only send it (and, for compilations,
wait with `polling.wait_for`, never with the HTTP retry budget). Callers pass plain names; the builders
encode path segments with `segment()` and put names raw into JSON bodies.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TypedDict, Unpack

from ..errors import NotFoundError, SparkSdkError
from ..locator import Uri, UriParams
from ..polling import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, Job, await_job, check_wait, wait_for
from ..request import ApiRequest, FileField, iso_utc, segment, timestamp
from ..response import SparkResponse
from ._base import AsyncResource, Resource

if TYPE_CHECKING:  # the bulk engine (asyncio, threads) is imported only when a bulk run starts
    from ..bulk import AsyncExecuteMany, ExecuteMany, Progress, RecordSource

__all__ = [
    "AsyncServices",
    "ExecuteOptions",
    "Services",
    "alike",
    "compilation_job",
    "effective_dates",
    "execute_inputs",
    "next_page",
]

Locator = str | UriParams
Inputs = Mapping[str, Any] | Sequence[Any] | str | None
Versioning = Literal["major", "minor", "patch"]
WorkbookFile = str | os.PathLike[str] | bytes | BinaryIO
DateLike = str | datetime | None
OnPoll = Callable[[SparkResponse], None] | None
Using = str | Mapping[str, str] | None

SOURCE_SYSTEM = "cspark"
V3_PURPOSE = "Single Execution"
V4_PURPOSE = "Sync Batch Execution"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VERSIONING: tuple[Versioning, ...] = ("major", "minor", "patch")
COMPILER_TYPES = {name.lower(): name for name in ("Neuron", "Type3", "Type2", "Type1", "Xconnector")}
VALIDATION_TYPES = {
    "static": "default_values",
    "dynamic": "dynamic",
}  # static is sent as default_values
DOWNLOAD_TYPES = {"original": "", "configured": "withmetadata"}  # the workbook download's `type`
RESPONSE_FORMATS = ("original", "alike")  # execute's `response_format`
API_VERSIONS = ("v3", "v4")  # transform's `api_version`


class ExecuteOptions(TypedDict, total=False):
    """Request options of execute (v3 for one record, v4 for many), validate and transform. v3-only options
    (`tables_as_array`, `outputs_filter`, `echo_inputs`, `debug_solve`, `downloadable`, `compiler_type`)
    are not sent to v4, as in both official SDKs."""

    version: str  # semantic version; overrides the locator's `[x.y.z]`
    version_id: str
    active_since: str | date  # v3 `transaction_date`, v4 `version_by_timestamp` (a datetime is a date too)
    call_purpose: str
    source_system: str  # default "cspark"
    correlation_id: str
    selected_outputs: str | Sequence[str]  # v3 `requested_output`, v4 `output`
    outputs_filter: str  # v3 `requested_output_regex`
    tables_as_array: str | Sequence[str]  # v3 `array_outputs`
    subservices: str | Sequence[str]  # v3 `service_category`, v4 `subservice`
    echo_inputs: bool  # v3 `response_data_inputs`
    debug_solve: bool
    downloadable: bool  # v3 `excel_file`
    compiler_type: str  # Neuron (default), Type3, Type2, Type1, Xconnector
    extras: Mapping[str, Any]  # merged verbatim into v3 `request_meta` / the v4 body


# --- small pure helpers -------------------------------------------------------------------------------------


def _target(uri: Locator, version: str | None = None, version_id: str | None = None) -> UriParams:
    return Uri.of(uri, version=version, version_id=version_id)


def _csv(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    return ",".join(str(v) for v in value) or None


def _compact(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _as_datetime(value: str | datetime, name: str) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise SparkSdkError(f"{name} must be an ISO date or timestamp, got {value!r}", cause=value) from None


def _plus_ten_years(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 10)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 10, day=28)


def effective_dates(start: DateLike, end: DateLike, now: datetime | None = None) -> tuple[str, str]:
    """Effective start and end as UTC ISO timestamps; start defaults to now, end to start + 10 years."""
    begin = _as_datetime(start, "start_date") if start is not None else (now or datetime.now(UTC))
    finish = _as_datetime(end, "end_date") if end is not None else _plus_ten_years(begin)
    begin_text, finish_text = iso_utc(begin), iso_utc(finish)
    if finish_text <= begin_text:
        raise SparkSdkError("end_date must be after start_date", cause={"start_date": start, "end_date": end})
    return begin_text, finish_text


def _versioning(value: str) -> str:
    if value not in VERSIONING:
        raise SparkSdkError(f"versioning must be major, minor or patch, got {value!r}", cause=value)
    return value


def compiler_type(value: str | None) -> str:
    """`Neuron` by default; known types are matched case-insensitively. An unknown type is passed through
    unchanged (the official SDKs silently send Neuron instead; we let Spark judge a type it may know)."""
    if not value:
        return "Neuron"
    return COMPILER_TYPES.get(value.lower(), value)


def _service_target(name: Locator | None, folder: str | None) -> UriParams:
    """`create`/`compile`/`publish` take `name` + `folder` (the seed SDK's keywords), or a
    `folder/service` locator (string or `UriParams`) as `name`."""
    if name is None:
        raise SparkSdkError("name (the service) is required", cause=None)
    if isinstance(name, str) and folder is not None:
        target = UriParams(folder=folder, service=name)
    else:
        target = Uri.of(name, folder=folder)
    target.long_path()  # raises for id-only locators
    return target


# --- execute inputs ----------------------------------------------------------------------------------------


def _is_columnar(records: Sequence[Any]) -> bool:
    head = records[0]
    return isinstance(head, list | tuple) and all(isinstance(name, str) for name in head)


def _check_columnar(records: Sequence[Any]) -> list[Any]:
    width = len(records[0])
    if len(records) < 2:
        raise SparkSdkError("columnar inputs need at least one row after the header", cause=records[0])
    for index, row in enumerate(records[1:], start=1):
        if not isinstance(row, list | tuple) or len(row) != width:
            raise SparkSdkError(f"inputs row {index} must be a list of {width} values", cause=row)
    return [list(row) for row in records]


def _check_records(records: Sequence[Any]) -> list[Any]:
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise SparkSdkError(f"inputs[{index}] must be an object of input names to values", cause=record)
    return [dict(record) for record in records]


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SparkSdkError(f"inputs is not valid JSON: {exc}", cause=text) from None


def execute_inputs(inputs: Inputs) -> dict[str, Any] | list[Any]:
    """A dict for one record (v3), or a list for many (v4): record objects, or the columnar form
    `[[names...], [values...], ...]`. None and `[]` mean one record of default values; a string is JSON."""
    if isinstance(inputs, str):
        inputs = _parse_json(inputs)
    if inputs is None:
        return {}
    if isinstance(inputs, Mapping):
        return dict(inputs)
    if isinstance(inputs, list | tuple):
        if not inputs:
            return {}
        return _check_columnar(inputs) if _is_columnar(inputs) else _check_records(inputs)
    raise SparkSdkError(f"inputs must be an object or a list of records, got {type(inputs).__name__}", inputs)


def _check_options(options: Mapping[str, Any]) -> None:
    unknown = sorted(set(options) - ExecuteOptions.__optional_keys__)
    if unknown:
        raise SparkSdkError(f"unknown execute option(s): {', '.join(unknown)}", cause=unknown)


def _exec_target(uri: Locator, options: ExecuteOptions) -> UriParams:
    _check_options(options)
    return _target(uri, options.get("version"), options.get("version_id"))


def v3_meta(target: UriParams, options: ExecuteOptions) -> dict[str, Any]:
    """`request_meta` of a v3 execute: null values dropped, `extras` merged last."""
    meta = {
        "service_id": target.service_id,
        "version_id": target.version_id,
        "version": target.version,
        "transaction_date": timestamp(options.get("active_since")),
        "call_purpose": options.get("call_purpose") or V3_PURPOSE,
        "source_system": options.get("source_system") or SOURCE_SYSTEM,
        "correlation_id": options.get("correlation_id"),
        "array_outputs": _csv(options.get("tables_as_array")),
        "compiler_type": compiler_type(options.get("compiler_type")),
        "debug_solve": True if options.get("debug_solve") else None,
        "excel_file": bool(options.get("downloadable", False)),
        "requested_output": _csv(options.get("selected_outputs")),
        "requested_output_regex": options.get("outputs_filter"),
        "response_data_inputs": bool(options.get("echo_inputs", False)),
        "service_category": _csv(options.get("subservices")),
    }
    return {**_compact(meta), **dict(options.get("extras") or {})}


def v4_fields(target: UriParams, options: ExecuteOptions) -> dict[str, Any]:
    """Every v4 body field but `inputs`: the locator goes in the body, never in the path."""
    service = target.service_uri()
    if service is None and not target.version_id:
        raise SparkSdkError(
            f"execute with many records needs a folder/service, service id or version id, not {target}",
            cause=str(target),
        )
    fields = {
        "service": service,  # the service id, else folder/service[version]; none for a version/<id> locator
        "version_id": target.version_id,
        "version_by_timestamp": timestamp(options.get("active_since")),
        "subservice": _csv(options.get("subservices")),
        "output": _csv(options.get("selected_outputs")),
        "call_purpose": options.get("call_purpose") or V4_PURPOSE,
        "source_system": options.get("source_system") or SOURCE_SYSTEM,
        "correlation_id": options.get("correlation_id"),
    }
    return {**_compact(fields), **dict(options.get("extras") or {})}


def _operation_loc(target: UriParams, operation: str) -> str:
    """`{loc}` for an operation with a suffix (`/validation`, `/metadata`, `/downloadswagger/...`). A proxy
    endpoint never takes an operation suffix: it can only be executed, so it is refused here."""
    loc = target.loc()
    if loc.startswith("proxy/"):
        raise SparkSdkError(
            f"{operation} needs a folder/service, service id or version id, not the proxy endpoint {target}",
            cause=str(target),
        )
    return loc


def _v3_path(target: UriParams, suffix: str) -> str:
    loc = _operation_loc(target, suffix.strip("/")) if suffix else target.loc()
    return f"{target.api('v3')}/{loc}{suffix}"


def execute_request(uri: Locator, inputs: Inputs, options: ExecuteOptions) -> ApiRequest:
    """v3 for one record (a dict), v4 for a list of records."""
    target = _exec_target(uri, options)
    records = execute_inputs(inputs)
    if isinstance(records, list):
        body = {"inputs": records, **v4_fields(target, options)}
        return ApiRequest("POST", f"{target.api('v4')}/execute", json=body)
    # Only the folder/service form takes `/execute`; service/<id>, version/<id> and proxy/... do not.
    by_name = target.has_folder_service and not (target.version_id or target.service_id)
    body = {"request_data": {"inputs": records}, "request_meta": v3_meta(target, options)}
    return ApiRequest("POST", _v3_path(target, "/execute" if by_name else ""), json=body)


def alike(data: Any) -> Any:
    """A v3 body reshaped like a v4 one (one-element arrays plus the meta ids). v4 bodies, and
    anything that is not a v3 envelope, are returned unchanged."""
    if not isinstance(data, Mapping) or not isinstance(data.get("response_data"), Mapping):
        return data
    body, meta = data["response_data"], data.get("response_meta") or {}
    shaped = {key: [body.get(key)] for key in ("outputs", "warnings", "errors", "service_chain")}
    shaped["process_time"] = [meta.get("process_time")]
    ids = ("service_id", "version_id", "version", "call_id", "compiler_version", "correlation_id")
    return {**shaped, **{key: meta.get(key) for key in (*ids, "request_timestamp")}}


def _shaped(res: SparkResponse, response_format: str) -> SparkResponse:
    return replace(res, data=alike(res.data)) if response_format == "alike" else res


def _check_format(response_format: str) -> None:
    if response_format not in RESPONSE_FORMATS:
        raise SparkSdkError(
            f"response_format must be 'original' or 'alike', got {response_format!r}", cause=response_format
        )


# --- transform, validate, metadata -------------------------------------------------------------------------


def _transform_path(target: UriParams, using: Using) -> str:
    """`using` a name → the legacy `apps/transforms` form; `{"folder", "name"}` or "folder/name" →
    the folder form; omitted → the folder form with the service's own folder and name (as PY does)."""
    long_path = target.long_path()
    if isinstance(using, str) and "/" not in using.strip("/"):
        return f"api/v4/transforms/{segment(using.strip('/'))}/for/{long_path}"
    if using is None:
        folder, name = str(target.folder), str(target.service)
    elif isinstance(using, Mapping):
        folder, name = str(using.get("folder") or ""), str(using.get("name") or "")
    else:
        folder, _, name = using.strip("/").partition("/")
    if not folder or not name or "/" in name:
        raise SparkSdkError(f"using must be a transform name or folder/name, got {using!r}", cause=using)
    service = f"{segment(str(target.folder))}/{segment(str(target.service))}"
    return f"api/v4/transforms/{segment(folder)}/{segment(name)}/for/{service}"


def transform_request(
    uri: Locator, inputs: Any, using: Using, api_version: str, options: ExecuteOptions
) -> ApiRequest:
    """The caller's JSON as the body; the execute metadata as compact JSON in single quotes in one header:
    `x-request-meta` (v3 fields) or `x-meta` (v4 fields)."""
    if api_version not in API_VERSIONS:
        raise SparkSdkError(f"api_version must be 'v3' or 'v4', got {api_version!r}", cause=api_version)
    target = _exec_target(uri, options)
    path = _transform_path(target, using)
    meta = v3_meta(target, options) if api_version == "v3" else v4_fields(target, options)
    header = "x-request-meta" if api_version == "v3" else "x-meta"
    body = _parse_json(inputs) if isinstance(inputs, str) else inputs  # any JSON: the transform maps it
    value = "'" + json.dumps(meta, separators=(",", ":")) + "'"
    return ApiRequest("POST", path, json={} if body is None else body, headers={header: value})


def validate_request(
    uri: Locator, inputs: Inputs, validation_type: str, options: ExecuteOptions
) -> ApiRequest:
    """The v3 execute body plus `request_meta.validation_type`."""
    if validation_type not in VALIDATION_TYPES:
        raise SparkSdkError(
            f"validation_type must be 'static' or 'dynamic', got {validation_type!r}", cause=validation_type
        )
    target = _exec_target(uri, options)
    record = execute_inputs(inputs)
    if not isinstance(record, dict):
        raise SparkSdkError("validate takes one record (an object of inputs), not a list", cause=inputs)
    meta = {**v3_meta(target, options), "validation_type": VALIDATION_TYPES[validation_type]}
    body = {"request_data": {"inputs": record}, "request_meta": meta}
    return ApiRequest("POST", _v3_path(target, "/validation"), json=body)


def metadata_request(uri: Locator) -> ApiRequest:
    return ApiRequest("GET", _v3_path(Uri.of(uri), "/metadata"))


# --- exists, versions, swagger, schema, search, download, delete -----------------------------------------


def _v1_engines(uri: Locator) -> str:
    """`api/v1/product/{folder}/engines`: the v1 "engines" routes take only folder/service locators."""
    target = Uri.of(uri)
    target.long_path()  # raises for id-only locators
    return f"api/v1/product/{segment(str(target.folder))}/engines"


def _v1_service(uri: Locator, action: str) -> str:
    """`api/v1/product/{folder}/engines/{action}/{service}`."""
    return f"{_v1_engines(uri)}/{action}/{segment(str(Uri.of(uri).service))}"


def exists_request(uri: Locator) -> ApiRequest:
    return ApiRequest("GET", f"api/v3/{Uri.of(uri).long_path()}/exists")


def service_exists(res: SparkResponse) -> bool:
    """True iff HTTP 200 and `response_data.is_exists` is true."""
    body = res.data.get("response_data") if isinstance(res.data, Mapping) else None
    return res.status == 200 and isinstance(body, Mapping) and body.get("is_exists") is True


def versions_request(uri: Locator) -> ApiRequest:
    return ApiRequest("GET", _v1_service(uri, "getversions"), scope="host")


def swagger_request(uri: Locator, category: str, downloadable: bool, version_id: str | None) -> ApiRequest:
    """Swagger download; an empty version id leaves the trailing slash. `true`/`false` as TS sends them."""
    target = Uri.of(uri)
    chosen = version_id or target.version_id
    version = segment(chosen) if chosen else ""
    flag = "true" if downloadable else "false"
    loc = _operation_loc(target, "swagger")
    return ApiRequest("GET", f"api/v3/{loc}/downloadswagger/{segment(category or 'All')}/{flag}/{version}")


def schema_request(uri: Locator, version_id: str | None) -> ApiRequest:
    """Schema: by folder/service (`engines/get/{s}[/{version_id}]`), else by version id."""
    target = Uri.of(uri)
    version = version_id or target.version_id
    if target.has_folder_service:
        suffix = f"/{segment(version)}" if version else ""
        return ApiRequest("GET", _v1_service(target, "get") + suffix, scope="host")
    if version:
        return ApiRequest(
            "POST", f"api/v3/GetEngineDetailByVersionId/versionid/{segment(version)}", content=b""
        )
    raise SparkSdkError(f"get_schema needs a folder/service or a version id, not {target}", cause=str(target))


def search_request(
    name: str | None, folder: str | None, page: int, size: int, sort: str, fields: Sequence[str] | None
) -> ApiRequest:
    """Service search. The schema of `search` items is unknown: we send `{"field", "value"}` pairs (as folders
    find does), with `foldername` / `filename`, the names the default `fields` list uses. `size` -1: all."""
    if page < 1 or (size < 1 and size != -1):
        raise SparkSdkError(
            "page must be positive, and size positive or -1", cause={"page": page, "size": size}
        )
    search = [{"field": f, "value": v} for f, v in (("foldername", folder), ("filename", name)) if v]
    data = {
        "page": page,
        "page_size": size,
        "sort": sort,
        "search": search,
        "fields": list(fields) if fields else ["id", "foldername", "filename", "version", "modifiedDate"],
    }
    return ApiRequest("POST", "api/v3/services/search", json={"request_data": data})


def next_page(res: SparkResponse) -> int | None:
    """The page after this search reply's, or None on the last page (from `response_meta`)."""
    meta = res.data.get("response_meta") if isinstance(res.data, Mapping) else None
    if not isinstance(meta, Mapping):
        return None
    page, total = meta.get("page"), meta.get("page_total")
    if isinstance(page, int) and isinstance(total, int):
        return page + 1 if page < total else None
    return None


def download_request(uri: Locator, version_id: str | None, file_name: str | None, kind: str) -> ApiRequest:
    """Workbook download; `filename` and `type` are always sent, empty when not wanted."""
    if kind not in DOWNLOAD_TYPES:
        raise SparkSdkError(f"type must be 'original' or 'configured', got {kind!r}", cause=kind)
    target = Uri.of(uri)
    chosen = version_id or target.version_id
    version = segment(chosen) if chosen else ""
    path = f"{_v1_engines(target)}/{segment(str(target.service))}/download/{version}"
    params = {"filename": file_name or "", "type": DOWNLOAD_TYPES[kind]}
    return ApiRequest("GET", path, scope="host", params=params)


def delete_request(uri: Locator) -> ApiRequest:
    return ApiRequest("DELETE", _v1_service(uri, "delete"), scope="host")


# --- upload, compilation, publish, recompile ---------------------------------------------------------------


def _read_file(file: WorkbookFile) -> tuple[bytes, str]:
    """The workbook's bytes and its own file name ("" when it has none)."""
    if isinstance(file, bytes | bytearray):
        return bytes(file), ""
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        try:
            return path.read_bytes(), path.name
        except OSError as exc:
            raise SparkSdkError(
                f"cannot read workbook {str(path)!r}: {exc.strerror}", cause=str(path)
            ) from None
    read = getattr(file, "read", None)
    content = read() if callable(read) else None
    if not isinstance(content, bytes):
        raise SparkSdkError(
            "file must be a path, bytes or a file opened in binary mode", cause=type(file).__name__
        )
    return content, os.path.basename(str(getattr(file, "name", "") or ""))


def workbook_part(file: WorkbookFile, file_name: str | None, target: UriParams) -> FileField:
    """The `serviceFile` part: name from `file_name`, else the file's own, else `{service}.xlsx`."""
    content, own_name = _read_file(file)
    name = file_name or own_name or f"{target.service}.xlsx"
    import mimetypes  # only for uploads

    return name, content, mimetypes.guess_type(name)[0] or XLSX


def upload_request(
    target: UriParams, part: FileField, versioning: str, start_date: DateLike, end_date: DateLike
) -> ApiRequest:
    """Upload: multipart with a JSON text field `engineUploadRequestEntity` and the file `serviceFile`."""
    start, end = effective_dates(start_date, end_date)
    data = {"effective_start_date": start, "effective_end_date": end}
    entity = {"request_data": {**data, "version_difference": _versioning(versioning)}}
    return ApiRequest(
        "POST",
        f"api/v3/{target.long_path()}/upload",
        form={"engineUploadRequestEntity": json.dumps(entity)},
        files={"serviceFile": part},
    )


def upload_ids(upload: SparkResponse | Any) -> tuple[str, str, str]:
    """(compilation job id, original file document id, engine file document id) from an upload reply."""
    data = upload.data if isinstance(upload, SparkResponse) else upload
    body = data.get("response_data") if isinstance(data, Mapping) else None
    keys = ("nodegen_compilation_jobid", "original_file_documentid", "engine_file_documentid")
    if not isinstance(body, Mapping) or not all(body.get(key) for key in keys):
        raise SparkSdkError("Spark's upload reply lacks the compilation job or document ids", cause=upload)
    return str(body[keys[0]]), str(body[keys[1]]), str(body[keys[2]])


def compilation_status_request(uri: Locator, job_id: str) -> ApiRequest:
    """Compilation progress (the platform's spelling: "getcompilationprogess")."""
    if not job_id:
        raise SparkSdkError("job_id is required", cause=job_id)
    target = Uri.of(uri)
    return ApiRequest("GET", f"api/v3/{target.long_path()}/getcompilationprogess/{segment(job_id)}")


def _progress(res: Any) -> tuple[str, int, str | None]:
    data = res.data if isinstance(res, SparkResponse) else res
    body = data.get("response_data") if isinstance(data, Mapping) else None
    body = body if isinstance(body, Mapping) else {}
    progress = body.get("progress")
    message = body.get("last_error_message")
    reason = None if message in (None, "", "null") else str(message)
    return str(body.get("status") or "unknown"), progress if isinstance(progress, int) else 0, reason


def _compile_failure(res: Any) -> str | None:
    # In-progress and failure status values are unknown: a failure is a failure-like status, or
    # progress 100 without "Success".
    status, progress, reason = _progress(res)
    failed = status.lower() in ("fail", "failed", "failure", "error") or (
        progress >= 100 and status.lower() != "success"
    )
    return (reason or status) if failed else None


def compilation_job(job_id: str) -> Job:
    """How to read compilation status replies: done at progress 100 with status Success."""
    return Job(
        name=f"compilation {job_id}",
        is_done=lambda res: _progress(res)[1] >= 100 and _progress(res)[0].lower() == "success",
        failure=_compile_failure,
        describe=lambda res: f"{_progress(res)[0]} ({_progress(res)[1]}%)",
    )


def publish_request(
    target: UriParams, file_id: str, engine_id: str, draft_name: str | None, versioning: str,
    dates: tuple[str, str], track_user: bool, version_label: str | None = None,
    release_notes: str | None = None, tags: str | Sequence[str] | None = None,
) -> ApiRequest:  # fmt: skip
    """Publish, with the docs' field names: `should_trck_user_action` as a "true"/"false" string and
    `releasenote` (the official Python SDK's `release_note` is not the documented name)."""
    if not file_id or not engine_id:
        raise SparkSdkError("file_id and engine_id (from the upload) are required", cause=None)
    data = {
        "original_file_documentid": file_id,
        "engine_file_documentid": engine_id,
        "draft_service_name": draft_name or target.service,
        "effective_start_date": dates[0],
        "effective_end_date": dates[1],
        "version_difference": _versioning(versioning),
        "should_trck_user_action": "true" if track_user else "false",
        "version_label": version_label,
        "releasenote": release_notes,
        "tags": _csv(tags),
    }
    return ApiRequest("POST", f"api/v3/{target.long_path()}/publish", json={"request_data": _compact(data)})


def publish_after(
    target: UriParams, compiled: SparkResponse, draft_name: str | None, versioning: str,
    dates: tuple[str, str], track_user: bool,
) -> ApiRequest:  # fmt: skip
    """`create`'s publish step, from `compile`'s combined reply."""
    _, file_id, engine_id = upload_ids(compiled.data["upload"])
    return publish_request(target, file_id, engine_id, draft_name, versioning, dates, track_user)


def recompile_request(
    uri: Locator, version_id: str | None, upgrade: str, compiler: str | None, release_notes: str | None,
    label: str | None, dates: tuple[str, str], tags: str | Sequence[str] | None,
) -> ApiRequest:  # fmt: skip
    """Recompile. The label key is unknown (PY `label`, TS `versionLabel`): both are sent. `versionId` null
    means the latest version."""
    target = Uri.of(uri)
    data = _compact(
        {
            "upgradeType": _versioning(upgrade),
            "neuronCompilerVersion": compiler or "StableLatest",
            "releaseNotes": release_notes or "Recompiled via cspark",
            "label": label,
            "versionLabel": label,
            "effectiveStartDate": dates[0],
            "effectiveEndDate": dates[1],
            "tags": _csv(tags),
        }
    )
    body = {"request_data": {"versionId": version_id or target.version_id, **data}}
    return ApiRequest("POST", f"api/v3/{target.long_path()}/recompileNodgen", json=body)


def recompile_job_id(res: SparkResponse) -> str:
    body = res.data.get("response_data") if isinstance(res.data, Mapping) else None
    if not isinstance(body, Mapping) or not body.get("jobId"):
        raise SparkSdkError("Spark's recompile reply has no jobId", cause=res.data)
    return str(body["jobId"])


def service_paths(res: SparkResponse) -> list[str]:
    """Every `folder/service` a search reply lists, sorted, once each."""
    return sorted(
        {
            f"{row.get('folderName')}/{row.get('serviceName') or row.get('fileName')}"
            for row in res.items
            if isinstance(row, Mapping) and row.get("folderName")
        }
    )


def step(res: SparkResponse, name: str) -> SparkResponse:
    """One step's reply out of `compile`'s or `create`'s combined reply ("upload", "compilation" or
    "publication"); its `.data` is None when the step is not there."""
    data = res.data.get(name) if isinstance(res.data, Mapping) else None
    return SparkResponse(res.status, data, b"", res.headers, res.request_id)


def schema_fields(res: SparkResponse) -> tuple[list[Any], list[Any]]:
    """A schema reply's (inputs, outputs): the workbook's `xlInputs` and `xOutput` lists, [] when missing."""
    book = res.body

    def listed(key: str) -> list[Any]:
        value = book.get(key)
        return value if isinstance(value, list) else []

    return listed("xlInputs"), listed("xOutput")


def combined(upload: SparkResponse, compilation: SparkResponse) -> SparkResponse:
    """`compile`'s reply: `.data` is `{"upload": <upload body>, "compilation": <last status body>}`;
    status, headers and request id are the last step's."""
    data = {"upload": upload.data, "compilation": compilation.data}
    return SparkResponse(compilation.status, data, b"", compilation.headers, compilation.request_id)


def created(compiled: SparkResponse, publication: SparkResponse) -> SparkResponse:
    """`create`'s reply: `compile`'s `.data` plus `"publication"` (the official SDK's three keys)."""
    data = {**compiled.data, "publication": publication.data}
    return SparkResponse(publication.status, data, b"", publication.headers, publication.request_id)


class Services(Resource):
    def exists(self, uri: Locator) -> bool:
        try:
            return service_exists(self._send(exists_request(uri)))
        except NotFoundError:  # a missing folder may be reported as 404 rather than is_exists false
            return False

    def upload(
        self, name: Locator | None = None, folder: str | None = None, *, file: WorkbookFile,
        file_name: str | None = None, versioning: Versioning = "minor", start_date: DateLike = None,
        end_date: DateLike = None,
    ) -> SparkResponse:  # fmt: skip
        """Upload a workbook and start its compilation, without waiting: the reply holds the
        compilation job id and the two document ids that `publish` needs."""
        target = _service_target(name, folder)
        req = upload_request(target, workbook_part(file, file_name, target), versioning, start_date, end_date)
        return self._send(req)

    def compile(
        self, name: Locator | None = None, folder: str | None = None, *, file: WorkbookFile,
        file_name: str | None = None, versioning: Versioning = "minor", start_date: DateLike = None,
        end_date: DateLike = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Upload a workbook and wait for its compilation; `.data` is `{"upload", "compilation"}`."""
        target = _service_target(name, folder)
        check_wait(timeout, poll_interval)  # a bad wait is refused before the upload starts
        upload = self.upload(target, file=file, file_name=file_name, versioning=versioning,
                             start_date=start_date, end_date=end_date)  # fmt: skip
        status = self._wait(target, upload_ids(upload)[0], timeout, poll_interval, on_poll)
        return combined(upload, status)

    def get_compilation_status(self, uri: Locator, job_id: str) -> SparkResponse:
        return self._send(compilation_status_request(uri, job_id))

    def publish(
        self, name: Locator | None = None, folder: str | None = None, *, file_id: str, engine_id: str,
        draft_name: str | None = None, versioning: Versioning = "minor", start_date: DateLike = None,
        end_date: DateLike = None, track_user: bool = False, version_label: str | None = None,
        release_notes: str | None = None, tags: str | Sequence[str] | None = None,
    ) -> SparkResponse:  # fmt: skip
        target, dates = _service_target(name, folder), effective_dates(start_date, end_date)
        req = publish_request(target, file_id, engine_id, draft_name, versioning, dates, track_user,
                              version_label, release_notes, tags)  # fmt: skip
        return self._send(req)

    def create(
        self, name: Locator | None = None, folder: str | None = None, *, file: WorkbookFile,
        file_name: str | None = None, versioning: Versioning = "minor", start_date: DateLike = None,
        end_date: DateLike = None, draft_name: str | None = None, track_user: bool = False,
        timeout: float = DEFAULT_WAIT_TIMEOUT, poll_interval: float = DEFAULT_POLL_INTERVAL,
        on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Upload, wait for compilation, publish. `.data` is `{"upload", "compilation", "publication"}`,
        each Spark's body for that step (as in the official SDK)."""
        target, (start, end) = _service_target(name, folder), effective_dates(start_date, end_date)
        check_wait(timeout, poll_interval)
        built = self.compile(target, file=file, file_name=file_name, versioning=versioning,
                             start_date=start, end_date=end, timeout=timeout,
                             poll_interval=poll_interval, on_poll=on_poll)  # fmt: skip
        req = publish_after(target, built, draft_name, versioning, (start, end), track_user)
        return created(built, self._send(req))

    def execute(
        self, uri: Locator, inputs: Inputs = None, *, response_format: str = "original",
        **options: Unpack[ExecuteOptions],
    ) -> SparkResponse:  # fmt: skip
        """One record (a dict) goes to v3, many (a list of dicts, or columnar `[[names], [values]...]`) to
        v4. `.data` is Spark's body as sent (`response_format="alike"` reshapes a v3 body like a v4 one)."""
        _check_format(response_format)
        return _shaped(self._send(execute_request(uri, inputs, options)), response_format)

    def execute_many(
        self, uri: Locator, records: RecordSource, *, chunk_size: int = 100, concurrency: int = 4,
        timeout: float | None = 300.0, on_progress: Progress | None = None, **options: Unpack[ExecuteOptions],
    ) -> ExecuteMany:  # fmt: skip
        """Execute every record through v4, `chunk_size` records a call, `concurrency` calls at a time;
        iterate the returned object for one `RecordResult` per record, in input order, while `records` is
        still being read. A call that fails transiently (no reply, 408, 429, 5xx) is made again, with
        backoff, until that chunk has kept failing for `timeout` seconds (None: no limit)."""
        from ..bulk import ExecuteMany

        return ExecuteMany(self, uri, records, chunk_size=chunk_size, concurrency=concurrency,
                           timeout=timeout, on_progress=on_progress, options=options)  # fmt: skip

    def transform(
        self, uri: Locator, inputs: Any = None, *, using: Using = None, api_version: str = "v3",
        **options: Unpack[ExecuteOptions],
    ) -> SparkResponse:  # fmt: skip
        """Execute through a transform document: `inputs` is any JSON, `.data` whatever it maps to."""
        return self._send(transform_request(uri, inputs, using, api_version, options))

    def validate(
        self, uri: Locator, inputs: Inputs = None, *, validation_type: str = "static",
        **options: Unpack[ExecuteOptions],
    ) -> SparkResponse:  # fmt: skip
        return self._send(validate_request(uri, inputs, validation_type, options))

    def get_versions(self, uri: Locator) -> SparkResponse:
        return self._send(versions_request(uri))

    def get_swagger(
        self, uri: Locator, *, category: str = "All", downloadable: bool = False,
        version_id: str | None = None,
    ) -> SparkResponse:  # fmt: skip
        return self._send(swagger_request(uri, category, downloadable, version_id))

    def get_schema(self, uri: Locator, *, version_id: str | None = None) -> SparkResponse:
        return self._send(schema_request(uri, version_id))

    def get_metadata(self, uri: Locator) -> SparkResponse:
        return self._send(metadata_request(uri))

    def search(
        self, name: str | None = None, *, folder: str | None = None, page: int = 1, size: int = -1,
        sort: str = "name1_co", fields: Sequence[str] | None = None,
    ) -> SparkResponse:  # fmt: skip
        """One page of services; by default (`size=-1`) every service. `next_page(res)` tells the page
        after it."""
        return self._send(search_request(name, folder, page, size, sort, fields))

    def download(
        self, uri: Locator, *, version_id: str | None = None, file_name: str | None = None,
        type: str = "original", to: str | os.PathLike[str] | None = None,
    ) -> SparkResponse:  # fmt: skip
        """The workbook's bytes in `.buffer`, or streamed into the file `to` (atomically)."""
        return self._download(download_request(uri, version_id, file_name, type), to)

    def recompile(
        self, uri: Locator, *, version_id: str | None = None, upgrade: Versioning = "patch",
        compiler: str | None = None, release_notes: str | None = None, label: str | None = None,
        start_date: DateLike = None, end_date: DateLike = None, tags: str | Sequence[str] | None = None,
        wait: bool = False, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Start a recompilation; with `wait`, also wait for its job. `.data` is Spark's recompile body."""
        dates = effective_dates(start_date, end_date)
        if wait:
            check_wait(timeout, poll_interval)  # before the recompilation starts
        res = self._send(
            recompile_request(uri, version_id, upgrade, compiler, release_notes, label, dates, tags)
        )
        if wait:
            self._wait(Uri.of(uri), recompile_job_id(res), timeout, poll_interval, on_poll)
        return res

    def delete(self, uri: Locator) -> SparkResponse:
        return self._send(delete_request(uri))

    def _wait(
        self, target: UriParams, job_id: str, timeout: float, interval: float, on_poll: OnPoll
    ) -> SparkResponse:
        poll = lambda: self._send(compilation_status_request(target, job_id))  # noqa: E731
        job = compilation_job(job_id)
        return wait_for(poll, job, job_id=job_id, timeout=timeout, interval=interval, on_poll=on_poll)


class AsyncServices(AsyncResource):
    async def exists(self, uri: Locator) -> bool:
        try:
            return service_exists(await self._send(exists_request(uri)))
        except NotFoundError:  # a missing folder may be reported as 404 rather than is_exists false
            return False

    async def upload(
        self, name: Locator | None = None, folder: str | None = None, *, file: WorkbookFile,
        file_name: str | None = None, versioning: Versioning = "minor", start_date: DateLike = None,
        end_date: DateLike = None,
    ) -> SparkResponse:  # fmt: skip
        """Upload a workbook and start its compilation, without waiting: the reply holds the
        compilation job id and the two document ids that `publish` needs."""
        target = _service_target(name, folder)
        req = upload_request(target, workbook_part(file, file_name, target), versioning, start_date, end_date)
        return await self._send(req)

    async def compile(
        self, name: Locator | None = None, folder: str | None = None, *, file: WorkbookFile,
        file_name: str | None = None, versioning: Versioning = "minor", start_date: DateLike = None,
        end_date: DateLike = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Upload a workbook and wait for its compilation; `.data` is `{"upload", "compilation"}`."""
        target = _service_target(name, folder)
        check_wait(timeout, poll_interval)  # a bad wait is refused before the upload starts
        upload = await self.upload(target, file=file, file_name=file_name, versioning=versioning,
                                   start_date=start_date, end_date=end_date)  # fmt: skip
        status = await self._wait(target, upload_ids(upload)[0], timeout, poll_interval, on_poll)
        return combined(upload, status)

    async def get_compilation_status(self, uri: Locator, job_id: str) -> SparkResponse:
        return await self._send(compilation_status_request(uri, job_id))

    async def publish(
        self, name: Locator | None = None, folder: str | None = None, *, file_id: str, engine_id: str,
        draft_name: str | None = None, versioning: Versioning = "minor", start_date: DateLike = None,
        end_date: DateLike = None, track_user: bool = False, version_label: str | None = None,
        release_notes: str | None = None, tags: str | Sequence[str] | None = None,
    ) -> SparkResponse:  # fmt: skip
        target, dates = _service_target(name, folder), effective_dates(start_date, end_date)
        req = publish_request(target, file_id, engine_id, draft_name, versioning, dates, track_user,
                              version_label, release_notes, tags)  # fmt: skip
        return await self._send(req)

    async def create(
        self, name: Locator | None = None, folder: str | None = None, *, file: WorkbookFile,
        file_name: str | None = None, versioning: Versioning = "minor", start_date: DateLike = None,
        end_date: DateLike = None, draft_name: str | None = None, track_user: bool = False,
        timeout: float = DEFAULT_WAIT_TIMEOUT, poll_interval: float = DEFAULT_POLL_INTERVAL,
        on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Upload, wait for compilation, publish. `.data` is `{"upload", "compilation", "publication"}`,
        each Spark's body for that step (as in the official SDK)."""
        target, (start, end) = _service_target(name, folder), effective_dates(start_date, end_date)
        check_wait(timeout, poll_interval)
        built = await self.compile(target, file=file, file_name=file_name, versioning=versioning,
                                   start_date=start, end_date=end, timeout=timeout,
                                   poll_interval=poll_interval, on_poll=on_poll)  # fmt: skip
        req = publish_after(target, built, draft_name, versioning, (start, end), track_user)
        return created(built, await self._send(req))

    async def execute(
        self, uri: Locator, inputs: Inputs = None, *, response_format: str = "original",
        **options: Unpack[ExecuteOptions],
    ) -> SparkResponse:  # fmt: skip
        """One record (a dict) goes to v3, many (a list of dicts, or columnar `[[names], [values]...]`) to
        v4. `.data` is Spark's body as sent (`response_format="alike"` reshapes a v3 body like a v4 one)."""
        _check_format(response_format)
        return _shaped(await self._send(execute_request(uri, inputs, options)), response_format)

    def execute_many(
        self, uri: Locator, records: RecordSource, *, chunk_size: int = 100, concurrency: int = 4,
        timeout: float | None = 300.0, on_progress: Progress | None = None, **options: Unpack[ExecuteOptions],
    ) -> AsyncExecuteMany:  # fmt: skip
        """`Services.execute_many` for `AsyncClient`: `async for result in services.execute_many(...)`."""
        from ..bulk import AsyncExecuteMany

        return AsyncExecuteMany(self, uri, records, chunk_size=chunk_size, concurrency=concurrency,
                           timeout=timeout, on_progress=on_progress, options=options)  # fmt: skip

    async def transform(
        self, uri: Locator, inputs: Any = None, *, using: Using = None, api_version: str = "v3",
        **options: Unpack[ExecuteOptions],
    ) -> SparkResponse:  # fmt: skip
        """Execute through a transform document: `inputs` is any JSON, `.data` whatever it maps to."""
        return await self._send(transform_request(uri, inputs, using, api_version, options))

    async def validate(
        self, uri: Locator, inputs: Inputs = None, *, validation_type: str = "static",
        **options: Unpack[ExecuteOptions],
    ) -> SparkResponse:  # fmt: skip
        return await self._send(validate_request(uri, inputs, validation_type, options))

    async def get_versions(self, uri: Locator) -> SparkResponse:
        return await self._send(versions_request(uri))

    async def get_swagger(
        self, uri: Locator, *, category: str = "All", downloadable: bool = False,
        version_id: str | None = None,
    ) -> SparkResponse:  # fmt: skip
        return await self._send(swagger_request(uri, category, downloadable, version_id))

    async def get_schema(self, uri: Locator, *, version_id: str | None = None) -> SparkResponse:
        return await self._send(schema_request(uri, version_id))

    async def get_metadata(self, uri: Locator) -> SparkResponse:
        return await self._send(metadata_request(uri))

    async def search(
        self, name: str | None = None, *, folder: str | None = None, page: int = 1, size: int = -1,
        sort: str = "name1_co", fields: Sequence[str] | None = None,
    ) -> SparkResponse:  # fmt: skip
        """One page of services; by default (`size=-1`) every service. `next_page(res)` tells the page
        after it."""
        return await self._send(search_request(name, folder, page, size, sort, fields))

    async def download(
        self, uri: Locator, *, version_id: str | None = None, file_name: str | None = None,
        type: str = "original", to: str | os.PathLike[str] | None = None,
    ) -> SparkResponse:  # fmt: skip
        """The workbook's bytes in `.buffer`, or streamed into the file `to` (atomically)."""
        return await self._download(download_request(uri, version_id, file_name, type), to)

    async def recompile(
        self, uri: Locator, *, version_id: str | None = None, upgrade: Versioning = "patch",
        compiler: str | None = None, release_notes: str | None = None, label: str | None = None,
        start_date: DateLike = None, end_date: DateLike = None, tags: str | Sequence[str] | None = None,
        wait: bool = False, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Start a recompilation; with `wait`, also wait for its job. `.data` is Spark's recompile body."""
        dates = effective_dates(start_date, end_date)
        if wait:
            check_wait(timeout, poll_interval)  # before the recompilation starts
        res = await self._send(
            recompile_request(uri, version_id, upgrade, compiler, release_notes, label, dates, tags)
        )
        if wait:
            await self._wait(Uri.of(uri), recompile_job_id(res), timeout, poll_interval, on_poll)
        return res

    async def delete(self, uri: Locator) -> SparkResponse:
        return await self._send(delete_request(uri))

    async def _wait(
        self, target: UriParams, job_id: str, timeout: float, interval: float, on_poll: OnPoll
    ) -> SparkResponse:
        poll = lambda: self._send(compilation_status_request(target, job_id))  # noqa: E731
        job = compilation_job(job_id)
        return await await_job(poll, job, job_id=job_id, timeout=timeout, interval=interval, on_poll=on_poll)
