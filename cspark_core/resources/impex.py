"""ImpEx: export services as a package (a job: start, poll, fetch the ZIP) and import a
package into this tenant (a multipart upload, then a job). `impex.exp()` / `impex.imp()` do the whole
round; `impex.exports` / `impex.imports` expose each step; `impex.migrate()` exports from this client's
tenant and imports into another client's (or the same one, under other names)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Union

from ..errors import NotFoundError, SparkSdkError
from ..locator import Uri, UriParams
from ..polling import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, Job, await_job, check_wait, wait_for
from ..request import ApiRequest, segment
from ..response import SparkResponse
from ..settings import Settings
from ._base import AsyncResource, Resource
from .files import Target, file_request

if TYPE_CHECKING:
    from ..client import AsyncClient, Client

__all__ = [
    "AsyncExports",
    "AsyncImpex",
    "AsyncImports",
    "Exports",
    "Impex",
    "Imports",
    "described_jobs",
    "export_files",
    "export_request",
    "impex_job",
    "import_request",
    "imported_services",
    "package_path",
    "services_modify",
    "started_job_id",
]

Names = str | UriParams | Sequence[str | UriParams] | None
MigrateTo = Union["Client", "AsyncClient", Settings]
Package = str | os.PathLike[str] | bytes | BinaryIO
Destination = str | Mapping[str, Any] | Sequence[str | Mapping[str, Any]]
OnPoll = Callable[[SparkResponse], None] | None

SOURCE_SYSTEM = "cspark"
DONE = ("completed", "closed")
FAILED = ("failed", "cancelled", "canceled", "error", "aborted")  # failure values are unknown
UPGRADES = ("major", "minor", "patch")
EXISTING = ("abort", "replace", "add_version")
FILE_FILTERS = ("migrate", "onpremises")  # an export's `file_filter`
VERSION_FILTERS = ("latest", "all")  # an export's `version_filter`


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
        "file_filter": _choice("file_filter", file_filter, FILE_FILTERS),
        "version_filter": _choice("version_filter", version_filter, VERSION_FILTERS),
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


def started_job_id(res: SparkResponse) -> str | None:
    """The job id of an initiate or status reply, None when it has none (unlike `job_id_of`, no error)."""
    found = res.data.get("id") if isinstance(res.data, Mapping) else None
    return str(found) if found else None


def job_id_of(res: SparkResponse, kind: str) -> str:
    data = res.data if isinstance(res.data, Mapping) else {}
    if not data.get("id"):
        raise SparkSdkError(f"Spark's {kind} reply has no id", cause=res.data)
    return str(data["id"])


def _status(res: SparkResponse) -> str:
    data = res.data if isinstance(res.data, Mapping) else {}
    return str(data.get("status") or "unknown").lower()


def imported_services(res: SparkResponse) -> list[Any]:
    """The services a finished import reports (`outputs.services`); [] when there are none."""
    outputs = res.data.get("outputs") if isinstance(res.data, Mapping) else None
    services = outputs.get("services") if isinstance(outputs, Mapping) else None
    return services if isinstance(services, list) else []


def described_jobs(res: SparkResponse, kind: Literal["export", "import"]) -> list[dict[str, Any]]:
    """The jobs of a describe reply, in progress first then recent, each with its `status` on top."""
    data = res.data
    if not isinstance(data, Mapping):
        return []
    rows = [*data.get(f"in_progress_{kind}s", []), *data.get(f"recent_{kind}s", [])]
    return [{**row, "status": (row.get("data") or {}).get(f"{kind}_status")} for row in rows]


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


# --- migrate --------------------------------------------------------------------------------------------


def migration_services(services: Names) -> list[UriParams]:
    """The services to migrate: `folder/service` or `folder/service[version]` locators (at least one)."""
    entries = [Uri.of(entry) for entry in _listed(services)]
    if not entries:
        raise SparkSdkError("a migration needs at least one folder/service locator", cause=services)
    for entry in entries:
        if entry.version_id or entry.service_id or not entry.has_folder_service:
            raise SparkSdkError(
                f"a migration takes folder/service[version] locators, not {entry}", str(entry)
            )
    return entries


def _service_name(entry: UriParams) -> str:
    return f"{entry.folder}/{entry.service}"


def migration_destination(
    entries: Sequence[UriParams], destination: Destination | None, to_folder: str | None, upgrade: str
) -> list[dict[str, str]]:
    """`services_modify` for a migration: `destination` as `imp` takes it, or every service into
    `to_folder` under its own name, or (neither) every service to the same folder/service."""
    if destination is not None and to_folder is not None:
        raise SparkSdkError("give destination or to_folder, not both", cause=to_folder)
    if destination is not None:
        return services_modify(destination, upgrade)
    folder = _blank_checked("to_folder", to_folder) if to_folder is not None else None
    if folder is not None and "/" in folder:
        raise SparkSdkError(f"to_folder must be a folder name, not {folder!r}", cause=folder)
    names = list(dict.fromkeys(_service_name(entry) for entry in entries))
    items = [
        {"source": name, "target": f"{folder}/{name.split('/', 1)[1]}" if folder else name} for name in names
    ]
    return services_modify(items, upgrade)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in str(version).split("."))


def pick_version(versions: Any, wanted: str | None) -> Mapping[str, Any] | None:
    """The version an export takes from a `get_versions` list: the newest whose number starts with
    `wanted` component by component (`1.4` matches `1.4.2`, not `1.40.0`), or the newest of all."""
    items = (
        [v for v in versions if isinstance(v, Mapping) and v.get("revision")]
        if isinstance(versions, list)
        else []
    )
    if wanted:
        parts = wanted.strip().strip(".").split(".")
        items = [v for v in items if str(v["revision"]).split(".")[: len(parts)] == parts]
    return max(items, key=lambda v: _version_key(str(v["revision"])), default=None)


PLANNED = {"abort": "would fail: exists", "replace": "would replace", "add_version": "would add a version"}


def plan_row(
    entry: UriParams, target: str, version: Mapping[str, Any] | None, exists: bool, services_existing: str
) -> dict[str, Any]:
    """One row of a dry run: what would be exported (source version) and what would happen at `target`."""
    return {
        "service": _service_name(entry),
        "source_version": version.get("revision") if version else None,
        "source_version_id": version.get("id") if version else None,
        "target": target,
        "target_version": None,
        "target_version_id": None,
        "status": PLANNED[services_existing] if exists else "would create",
    }


def migrated_rows(import_status: Any) -> list[dict[str, Any]]:
    """What an import created or updated, one row per version (service, source and target versions and
    ids, Spark's item status), from the import job's final status."""
    outputs = import_status.get("outputs") if isinstance(import_status, Mapping) else None
    outputs = outputs if isinstance(outputs, Mapping) else {}
    rows = []
    for item in outputs.get("service_versions") or []:
        if not isinstance(item, Mapping):
            continue
        source = f"{item.get('folder_source')}/{item.get('service_source')}"
        target = f"{item.get('folder_destination')}/{item.get('service_destination')}"
        rows.append({
            "service": source, "source_version": item.get("version_source"),
            "source_version_id": item.get("version_id_source"), "target": target,
            "target_version": item.get("version_destination"),
            "target_version_id": item.get("version_id_destination"), "status": item.get("status"),
        })  # fmt: skip
    if rows:
        return rows
    return [  # no per-version items: one row per service
        {
            "service": item.get("service_uri_source"),
            "source_version": None,
            "source_version_id": None,
            "target": item.get("service_uri_destination"),
            "target_version": None,
            "target_version_id": None,
            "status": item.get("status"),
        }
        for item in outputs.get("services") or []
        if isinstance(item, Mapping)
    ]


def migration_reply(export: SparkResponse, imports: Sequence[SparkResponse]) -> SparkResponse:
    """`.data` of `migrate()`: `services` (the rows of `migrated_rows`), Spark's `export` job status and
    its `imports` job statuses (one per package file, usually one) as sent."""
    rows = [row for imported in imports for row in migrated_rows(imported.data)]
    data = {"services": rows, "export": export.data, "imports": [imported.data for imported in imports]}
    return replace(imports[-1], data=data, buffer=b"")


def _unknown_version(entry: UriParams) -> NotFoundError:
    wanted = f"version matching {entry.version!r}" if entry.version else "versions"
    return NotFoundError(f"{_service_name(entry)} has no {wanted}", cause=str(entry))


def plan_reply(rows: list[dict[str, Any]]) -> SparkResponse:
    return SparkResponse(200, {"dry_run": True, "services": rows})


def _remaining(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001)


@dataclass(frozen=True)
class _Migration:
    """A migration's arguments, checked before the first request."""

    entries: list[UriParams]
    modify: list[dict[str, str]]
    services_existing: str
    update_version_type: str
    export: dict[str, Any]
    tags: dict[str, Any]

    @classmethod
    def of(
        cls, services: Names, destination: Destination | None, to_folder: str | None,
        services_existing: str, update_version_type: str, version_filter: str,
        source_system: str | None, correlation_id: str | None, timeout: float, poll_interval: float,
    ) -> _Migration:  # fmt: skip
        check_wait(timeout, poll_interval)
        entries = migration_services(services)
        _choice("services_existing", services_existing, EXISTING)
        _choice("update_version_type", update_version_type, UPGRADES)
        modify = migration_destination(entries, destination, to_folder, update_version_type)
        tags = {"source_system": source_system, "correlation_id": correlation_id}
        export: dict[str, Any] = {
            "services": [str(e) for e in entries],
            "version_filter": version_filter,
            **tags,
        }
        export_request(**export)  # checks version_filter
        return cls(entries, modify, services_existing, update_version_type, export, tags)

    def target_of(self, entry: UriParams) -> str:
        name = _service_name(entry).casefold()
        for item in self.modify:
            if item["service_uri_source"].casefold() == name:
                return item["service_uri_destination"]
        return _service_name(entry)

    def row(self, entry: UriParams, versions: SparkResponse, exists: bool) -> dict[str, Any]:
        """A dry run's row for `entry`, from the source's versions and whether its target exists."""
        listed = versions.data.get("data") if isinstance(versions.data, Mapping) else None
        version = pick_version(listed, entry.version)
        if version is None:
            raise _unknown_version(entry)
        return plan_row(entry, self.target_of(entry), version, exists, self.services_existing)

    def import_options(self) -> dict[str, Any]:
        return {
            "destination": [
                {"source": i["service_uri_source"], "target": i["service_uri_destination"],
                 "upgrade": i["update_version_type"]}
                for i in self.modify
            ],
            "services_existing": self.services_existing,
            "update_version_type": self.update_version_type,
            **self.tags,
        }  # fmt: skip


def _target_sync(to: Any) -> tuple[Any, Callable[[], None]]:
    """The destination client's resources holder, and how to release it: a `Client` is used as is (the
    caller closes it); `Settings` get a transport of their own, closed after the migration."""
    from ..transport import SyncTransport

    if isinstance(to, Settings):
        transport = SyncTransport(to)
        return _Holder(Impex(transport), _services(transport)), transport.close
    if hasattr(to, "impex") and hasattr(to, "services"):
        return to, lambda: None
    raise SparkSdkError(f"to must be a Client or Settings, not {type(to).__name__}", cause=type(to).__name__)


def _target_async(to: Any) -> tuple[Any, Callable[[], Awaitable[None]]]:
    from ..transport import AsyncTransport

    async def nothing() -> None:
        return None

    if isinstance(to, Settings):
        transport = AsyncTransport(to)
        return _Holder(AsyncImpex(transport), _async_services(transport)), transport.aclose
    if hasattr(to, "impex") and hasattr(to, "services"):
        return to, nothing
    raise SparkSdkError(
        f"to must be an AsyncClient or Settings, not {type(to).__name__}", cause=type(to).__name__
    )


@dataclass(frozen=True)
class _Holder:
    impex: Any
    services: Any


def _services(transport: Any) -> Any:
    from .services import Services

    return Services(transport)


def _async_services(transport: Any) -> Any:
    from .services import AsyncServices

    return AsyncServices(transport)


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

    def migrate(
        self, to: MigrateTo, *, services: Names, destination: Destination | None = None,
        to_folder: str | None = None, services_existing: str = "add_version",
        update_version_type: str = "minor", version_filter: str = "latest", source_system: str | None = None,
        correlation_id: str | None = None, dry_run: bool = False, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Export `services` (folder/service[version] locators) from this client's tenant and import them
        into `to` (another `Client`, or `Settings`; this client itself works too, with other names),
        waiting on both jobs within `timeout` seconds in all. Each service goes to `destination` (as `imp`
        takes it), or into `to_folder` under its own name, or to the same folder/service.

        `.data`: `services` (one row per version: service, source_version(_id), target,
        target_version(_id), status), and Spark's `export` and `imports` job statuses. With `dry_run`
        nothing is exported or created: the rows say which version would be taken and what would happen
        at the target (`would create`, `would replace`, `would add a version`, `would fail: exists`)."""
        plan = _Migration.of(
            services, destination, to_folder, services_existing, update_version_type, version_filter,
            source_system, correlation_id, timeout, poll_interval,
        )  # fmt: skip
        target, release = _target_sync(to)
        try:
            if dry_run:
                return plan_reply([self._plan_row(plan, entry, target) for entry in plan.entries])
            deadline = time.monotonic() + timeout
            files = self.exp(**plan.export, timeout=timeout, poll_interval=poll_interval, on_poll=on_poll)
            imports = [
                target.impex.imp(
                    file.buffer,
                    **plan.import_options(),
                    timeout=_remaining(deadline),
                    poll_interval=poll_interval,
                    on_poll=on_poll,
                )
                for file in files
            ]
            return migration_reply(files[0], imports)
        finally:
            release()

    def _plan_row(self, plan: _Migration, entry: UriParams, target: Any) -> dict[str, Any]:
        versions = _services(self._transport).get_versions(_service_name(entry))
        return plan.row(entry, versions, target.services.exists(plan.target_of(entry)))


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

    async def migrate(
        self, to: MigrateTo, *, services: Names, destination: Destination | None = None,
        to_folder: str | None = None, services_existing: str = "add_version",
        update_version_type: str = "minor", version_filter: str = "latest", source_system: str | None = None,
        correlation_id: str | None = None, dry_run: bool = False, timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL, on_poll: OnPoll = None,
    ) -> SparkResponse:  # fmt: skip
        """Export `services` (folder/service[version] locators) from this client's tenant and import them
        into `to` (another `Client`, or `Settings`; this client itself works too, with other names),
        waiting on both jobs within `timeout` seconds in all. Each service goes to `destination` (as `imp`
        takes it), or into `to_folder` under its own name, or to the same folder/service.

        `.data`: `services` (one row per version: service, source_version(_id), target,
        target_version(_id), status), and Spark's `export` and `imports` job statuses. With `dry_run`
        nothing is exported or created: the rows say which version would be taken and what would happen
        at the target (`would create`, `would replace`, `would add a version`, `would fail: exists`)."""
        plan = _Migration.of(
            services, destination, to_folder, services_existing, update_version_type, version_filter,
            source_system, correlation_id, timeout, poll_interval,
        )  # fmt: skip
        target, release = _target_async(to)
        try:
            if dry_run:
                return plan_reply([await self._plan_row(plan, entry, target) for entry in plan.entries])
            deadline = time.monotonic() + timeout
            files = await self.exp(
                **plan.export, timeout=timeout, poll_interval=poll_interval, on_poll=on_poll
            )
            imports = [
                await target.impex.imp(
                    file.buffer,
                    **plan.import_options(),
                    timeout=_remaining(deadline),
                    poll_interval=poll_interval,
                    on_poll=on_poll,
                )
                for file in files
            ]
            return migration_reply(files[0], imports)
        finally:
            await release()

    async def _plan_row(self, plan: _Migration, entry: UriParams, target: Any) -> dict[str, Any]:
        versions = await _async_services(self._transport).get_versions(_service_name(entry))
        return plan.row(entry, versions, await target.services.exists(plan.target_of(entry)))
