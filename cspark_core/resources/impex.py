"""ImpEx: export services as a package (a job: start, poll, fetch the ZIP) and import a
package into this tenant (a multipart upload, then a job). `impex.exp()` / `impex.imp()` do the whole
round; `impex.exports` / `impex.imports` expose each step."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import SparkSdkError
from ..locator import Uri, UriParams
from ..polling import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, Job, await_job, check_wait, wait_for
from ..request import ApiRequest, segment
from ..response import SparkResponse
from ._base import AsyncResource, Resource
from .files import Target, file_request

__all__ = [
    "AsyncExports",
    "AsyncImpex",
    "AsyncImports",
    "Exports",
    "Impex",
    "Imports",
    "export_files",
    "export_request",
    "impex_job",
    "import_request",
    "package_path",
    "services_modify",
]

Names = str | UriParams | Sequence[str | UriParams] | None
Package = str | os.PathLike[str] | bytes | BinaryIO
Destination = str | Mapping[str, Any] | Sequence[str | Mapping[str, Any]]
OnPoll = Callable[[SparkResponse], None] | None

SOURCE_SYSTEM = "cspark"
DONE = ("completed", "closed")
FAILED = ("failed", "cancelled", "canceled", "error", "aborted")  # failure values are unknown
UPGRADES = ("major", "minor", "patch")
EXISTING = ("abort", "replace", "add_version")


# --- export ---------------------------------------------------------------------------------------------


def _listed(value: Names) -> list[str | UriParams]:
    if value is None:
        return []
    return [value] if isinstance(value, str | UriParams) else list(value)


def _export_inputs(folders: Names, services: Names, version_ids: Names) -> dict[str, list[str]]:
    """The export request's `inputs`. Services are sent raw (`folder/service[version]` or a bare id);
    a `service/<id>` locator becomes the bare id and a `version/<id>` one moves to `version_ids`."""
    inputs: dict[str, list[str]] = {"folders": [], "services": [], "version_ids": []}
    for name in _listed(folders):
        inputs["folders"].append(_blank_checked("folders", str(name)))
    for entry in _listed(services):
        key, value = _service_entry(entry)
        inputs[key].append(value)
    for version_id in _listed(version_ids):
        inputs["version_ids"].append(_blank_checked("version_ids", str(version_id)))
    found = {key: values for key, values in inputs.items() if values}
    if not found:
        raise SparkSdkError("an export needs at least one folder, service or version id", cause=inputs)
    return found


def _service_entry(entry: str | UriParams) -> tuple[str, str]:
    if isinstance(entry, str) and "/" not in entry:
        return "services", _blank_checked("services", entry)  # a bare service id
    params = Uri.of(entry)
    if params.version_id:
        return "version_ids", params.version_id
    uri = params.service_uri()
    if uri is None:
        raise SparkSdkError(f"cannot export a proxy endpoint: {params}", cause=str(params))
    return "services", uri


def _blank_checked(name: str, value: str) -> str:
    if not value.strip():
        raise SparkSdkError(f"{name} must not hold blank entries", cause=value)
    return value.strip()


def _choice(name: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise SparkSdkError(f"{name} must be one of {', '.join(allowed)}, not {value!r}", cause=value)
    return value


def export_request(
    *, folders: Names = None, services: Names = None, version_ids: Names = None,
    file_filter: str = "migrate", version_filter: str = "latest", source_system: str | None = None,
    correlation_id: str | None = None,
) -> ApiRequest:  # fmt: skip
    body = {
        "inputs": _export_inputs(folders, services, version_ids),
        "file_filter": _choice("file_filter", file_filter, ("migrate", "onpremises")),
        "version_filter": _choice("version_filter", version_filter, ("latest", "all")),
        "source_system": source_system or SOURCE_SYSTEM,
        "correlation_id": correlation_id,
    }
    return ApiRequest("POST", "api/v4/export", json=body)


def _job_path(kind: str, job_id: str, suffix: str = "") -> str:
    if not isinstance(job_id, str) or not job_id.strip():
        raise SparkSdkError(f"{kind} job id must not be blank", cause=job_id)
    return f"api/v4/{kind}/{segment(job_id.strip())}{suffix}"


def status_request(kind: str, job_id: str) -> ApiRequest:
    return ApiRequest("GET", _job_path(kind, job_id, "/status"))


def cancel_request(job_id: str) -> ApiRequest:
    return ApiRequest("PATCH", _job_path("export", job_id), json={"export_status": "cancelled"})


EXPORTS_DESCRIBE = ApiRequest("GET", "api/v4/export/status")
IMPORTS_DESCRIBE = ApiRequest("GET", "api/v4/import/status")


# --- import ---------------------------------------------------------------------------------------------


def services_modify(destination: Destination, upgrade: str = "minor") -> list[dict[str, str]]:
    """The import request's `services_modify` from what users write:

    - `"f/s"`: import the service under the same name (destination = source);
    - `{"f/s": "g/t", ...}`: source -> destination;
    - a list of strings and/or `{"source", "target", "upgrade"}` items (Spark's own
      `service_uri_source`/`service_uri_destination`/`update_version_type` names work too).
    """
    if isinstance(destination, str):
        items: list[Any] = [destination]
    elif isinstance(destination, Mapping) and not _is_item(destination):
        items = [{"source": src, "target": dst} for src, dst in destination.items()]
    elif isinstance(destination, Mapping):
        items = [destination]
    else:
        items = list(destination)
    if not items:
        raise SparkSdkError("destination must name at least one service", cause=destination)
    return [_modify_item(item, upgrade) for item in items]


def _is_item(value: Mapping[str, Any]) -> bool:
    return "source" in value or "service_uri_source" in value


def _modify_item(item: Any, upgrade: str) -> dict[str, str]:
    if isinstance(item, str):
        item = {"source": item}
    if not isinstance(item, Mapping) or not _is_item(item):
        raise SparkSdkError("a destination item needs a source service", cause=item)
    source = item.get("source", item.get("service_uri_source"))
    target = item.get("target", item.get("service_uri_destination")) or source
    kind = item.get("upgrade", item.get("update_version_type")) or upgrade
    return {
        "service_uri_source": _blank_checked("destination source", str(source or "")),
        "service_uri_destination": _blank_checked("destination target", str(target or "")),
        "update_version_type": _choice("update_version_type", str(kind), UPGRADES),
    }


def _package_bytes(file: Package) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if hasattr(file, "read"):
        data = file.read()
        if not isinstance(data, bytes):
            raise SparkSdkError("file must be opened in binary mode", cause="file")
        return data
    path = Path(file)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SparkSdkError(f"cannot read package {str(path)!r}: {exc.strerror}", cause=str(path)) from None


def import_request(
    file: Package, *, destination: Destination, services_existing: str = "add_version",
    update_version_type: str = "minor", source_system: str | None = None, correlation_id: str | None = None,
) -> ApiRequest:  # fmt: skip
    """Multipart: `importRequestEntity` (a JSON string) and `file` (the package ZIP)."""
    entity = {
        "inputs": {"services_modify": services_modify(destination, update_version_type)},
        "services_existing": _choice("services_existing", services_existing, EXISTING),
        "source_system": source_system or SOURCE_SYSTEM,
        "correlation_id": correlation_id,
    }
    return ApiRequest(
        "POST",
        "api/v4/import",
        form={"importRequestEntity": json.dumps(entity)},
        files={"file": ("package.zip", _package_bytes(file), "application/zip")},
    )


# --- replies --------------------------------------------------------------------------------------------


def job_id_of(res: SparkResponse, kind: str) -> str:
    data = res.data if isinstance(res.data, Mapping) else {}
    if not data.get("id"):
        raise SparkSdkError(f"Spark's {kind} reply has no id", cause=res.data)
    return str(data["id"])


def _status(res: SparkResponse) -> str:
    data = res.data if isinstance(res.data, Mapping) else {}
    return str(data.get("status") or "unknown").lower()


def export_files(res: SparkResponse) -> list[str]:
    """The package URLs of a finished export (`outputs.files[].file`)."""
    outputs = res.data.get("outputs") if isinstance(res.data, Mapping) else None
    files = outputs.get("files") if isinstance(outputs, Mapping) else None
    if not isinstance(files, list):
        return []
    return [str(f["file"]) for f in files if isinstance(f, Mapping) and f.get("file")]


def _errors_text(errors: Any) -> str:
    """Spark's job `errors` in a few words: their messages when it sends objects (their shape is unknown)."""
    items = errors if isinstance(errors, list) else [errors]
    texts = [str(e.get("message") or e) if isinstance(e, Mapping) else str(e) for e in items]
    return "; ".join(texts)[:500]


def impex_job(kind: str, job_id: str) -> Job:
    """Done when `status` is completed or closed; failed when Spark reports errors or a failed/cancelled
    status, and (exports) when it finished without a file."""

    def failure(res: SparkResponse) -> str | None:
        errors = res.data.get("errors") if isinstance(res.data, Mapping) else None
        if errors:
            return _errors_text(errors)
        if _status(res) in FAILED:
            return f"status {_status(res)}"
        if kind == "export" and _status(res) in DONE and not export_files(res):
            return "it finished without a package file"
        return None

    return Job(f"{kind} {job_id}", lambda res: _status(res) in DONE, failure, lambda res: _status(res))


def package_path(to: str | os.PathLike[str], index: int) -> Path:
    """Where file `index` of an export goes: `to` itself, then `name-2.zip`, `name-3.zip`, ..."""
    path = Path(to)
    return path if index == 0 else path.with_name(f"{path.stem}-{index + 1}{path.suffix}")


def _status_reply(job: str | SparkResponse) -> SparkResponse | None:
    return job if isinstance(job, SparkResponse) else None


def package_urls(status: SparkResponse) -> list[str]:
    """`export_files()`, refusing a status that has none (not finished, or failed)."""
    urls = export_files(status)
    if not urls:
        raise SparkSdkError(f"the export has no package file (status: {_status(status)})", cause=status.data)
    return urls


# --- resources ------------------------------------------------------------------------------------------


class Exports(Resource):
    def initiate(
        self, *, folders: Names = None, services: Names = None, version_ids: Names = None,
        file_filter: str = "migrate", version_filter: str = "latest", source_system: str | None = None,
        correlation_id: str | None = None,
    ) -> SparkResponse:  # fmt: skip
        return self._send(export_request(
            folders=folders, services=services, version_ids=version_ids, file_filter=file_filter,
            version_filter=version_filter, source_system=source_system, correlation_id=correlation_id,
        ))  # fmt: skip

    def get_status(self, job_id: str) -> SparkResponse:
        return self._send(status_request("export", job_id))

    def cancel(self, job_id: str) -> SparkResponse:
        return self._send(cancel_request(job_id))

    def describe(self) -> SparkResponse:
        return self._send(EXPORTS_DESCRIBE)

    def download(self, job: str | SparkResponse, to: Target = None) -> list[SparkResponse]:
        """The package file(s) of a finished export (a job id, or its status reply): one response per file
        with the export status as `.data`, bytes in `.buffer`, or streamed to `package_path(to, i)`."""
        status = _status_reply(job) or self.get_status(str(job))
        results = []
        for i, url in enumerate(package_urls(status)):
            file = self._download(file_request(url), package_path(to, i) if to is not None else None)
            results.append(replace(file, data=status.data))
        return results


class AsyncExports(AsyncResource):
    async def initiate(
        self, *, folders: Names = None, services: Names = None, version_ids: Names = None,
        file_filter: str = "migrate", version_filter: str = "latest", source_system: str | None = None,
        correlation_id: str | None = None,
    ) -> SparkResponse:  # fmt: skip
        return await self._send(export_request(
            folders=folders, services=services, version_ids=version_ids, file_filter=file_filter,
            version_filter=version_filter, source_system=source_system, correlation_id=correlation_id,
        ))  # fmt: skip

    async def get_status(self, job_id: str) -> SparkResponse:
        return await self._send(status_request("export", job_id))

    async def cancel(self, job_id: str) -> SparkResponse:
        return await self._send(cancel_request(job_id))

    async def describe(self) -> SparkResponse:
        return await self._send(EXPORTS_DESCRIBE)

    async def download(self, job: str | SparkResponse, to: Target = None) -> list[SparkResponse]:
        status = _status_reply(job) or await self.get_status(str(job))
        results = []
        for i, url in enumerate(package_urls(status)):
            file = await self._download(file_request(url), package_path(to, i) if to is not None else None)
            results.append(replace(file, data=status.data))
        return results


class Imports(Resource):
    def initiate(
        self, file: Package, *, destination: Destination, services_existing: str = "add_version",
        update_version_type: str = "minor", source_system: str | None = None,
        correlation_id: str | None = None,
    ) -> SparkResponse:  # fmt: skip
        return self._send(import_request(
            file, destination=destination, services_existing=services_existing,
            update_version_type=update_version_type, source_system=source_system,
            correlation_id=correlation_id,
        ))  # fmt: skip

    def get_status(self, job_id: str) -> SparkResponse:
        return self._send(status_request("import", job_id))

    def describe(self) -> SparkResponse:
        return self._send(IMPORTS_DESCRIBE)


class AsyncImports(AsyncResource):
    async def initiate(
        self, file: Package, *, destination: Destination, services_existing: str = "add_version",
        update_version_type: str = "minor", source_system: str | None = None,
        correlation_id: str | None = None,
    ) -> SparkResponse:  # fmt: skip
        return await self._send(import_request(
            file, destination=destination, services_existing=services_existing,
            update_version_type=update_version_type, source_system=source_system,
            correlation_id=correlation_id,
        ))  # fmt: skip

    async def get_status(self, job_id: str) -> SparkResponse:
        return await self._send(status_request("import", job_id))

    async def describe(self) -> SparkResponse:
        return await self._send(IMPORTS_DESCRIBE)


class Impex(Resource):
    @cached_property
    def exports(self) -> Exports:
        return Exports(self._transport)

    @cached_property
    def imports(self) -> Imports:
        return Imports(self._transport)

    def exp(
        self, *, folders: Names = None, services: Names = None, version_ids: Names = None,
        file_filter: str = "migrate", version_filter: str = "latest", source_system: str | None = None,
        correlation_id: str | None = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None, to: Target = None,
    ) -> list[SparkResponse]:  # fmt: skip
        """Export, wait for the job, fetch the package(s): see `Exports.download` for what comes back."""
        check_wait(timeout, poll_interval)
        job_id = job_id_of(self.exports.initiate(
            folders=folders, services=services, version_ids=version_ids, file_filter=file_filter,
            version_filter=version_filter, source_system=source_system, correlation_id=correlation_id,
        ), "export")  # fmt: skip
        status = wait_for(
            lambda: self.exports.get_status(job_id), impex_job("export", job_id), job_id=job_id,
            timeout=timeout, interval=poll_interval, on_poll=on_poll,
        )  # fmt: skip
        return self.exports.download(status, to)

    def imp(
        self, file: Package, *, destination: Destination, services_existing: str = "add_version",
        update_version_type: str = "minor", source_system: str | None = None,
        correlation_id: str | None = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Import a package, wait for the job; returns its final status (`outputs.services`, ...)."""
        check_wait(timeout, poll_interval)
        job_id = job_id_of(self.imports.initiate(
            file, destination=destination, services_existing=services_existing,
            update_version_type=update_version_type, source_system=source_system,
            correlation_id=correlation_id,
        ), "import")  # fmt: skip
        return wait_for(
            lambda: self.imports.get_status(job_id), impex_job("import", job_id), job_id=job_id,
            timeout=timeout, interval=poll_interval, on_poll=on_poll,
        )  # fmt: skip


class AsyncImpex(AsyncResource):
    @cached_property
    def exports(self) -> AsyncExports:
        return AsyncExports(self._transport)

    @cached_property
    def imports(self) -> AsyncImports:
        return AsyncImports(self._transport)

    async def exp(
        self, *, folders: Names = None, services: Names = None, version_ids: Names = None,
        file_filter: str = "migrate", version_filter: str = "latest", source_system: str | None = None,
        correlation_id: str | None = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None, to: Target = None,
    ) -> list[SparkResponse]:  # fmt: skip
        check_wait(timeout, poll_interval)
        job_id = job_id_of(await self.exports.initiate(
            folders=folders, services=services, version_ids=version_ids, file_filter=file_filter,
            version_filter=version_filter, source_system=source_system, correlation_id=correlation_id,
        ), "export")  # fmt: skip
        status = await await_job(
            lambda: self.exports.get_status(job_id), impex_job("export", job_id), job_id=job_id,
            timeout=timeout, interval=poll_interval, on_poll=on_poll,
        )  # fmt: skip
        return await self.exports.download(status, to)

    async def imp(
        self, file: Package, *, destination: Destination, services_existing: str = "add_version",
        update_version_type: str = "minor", source_system: str | None = None,
        correlation_id: str | None = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        check_wait(timeout, poll_interval)
        job_id = job_id_of(await self.imports.initiate(
            file, destination=destination, services_existing=services_existing,
            update_version_type=update_version_type, source_system=source_system,
            correlation_id=correlation_id,
        ), "import")  # fmt: skip
        return await await_job(
            lambda: self.imports.get_status(job_id), impex_job("import", job_id), job_id=job_id,
            timeout=timeout, interval=poll_interval, on_poll=on_poll,
        )  # fmt: skip
