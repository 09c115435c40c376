"""The emulator's state and rules: folders, services and versions, execution, call history.

Everything goes through one re-entrant lock. Handlers in ``routes/`` only parse the request, call a method
here and render the reply; all Spark rules (version bumps, resolution, history) live in this module.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import Files
from .jobs import Job, Jobs
from .models import (
    ApiError,
    CallLog,
    Folder,
    Service,
    Version,
    bad_request,
    bump,
    iso_ms,
    new_id,
    not_found,
    now_plus_years,
    optional_date,
    parse_date,
    semver_key,
    utcnow,
)
from .store import Store
from .workers import Calculator, InProcess

SAMPLES = Path(__file__).parent / "samples"
MAX_CALL_LOGS = 10_000
MAX_CALL_LOG_RECORDS = 100_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
DEFAULT_CATEGORIES = (
    ("Medical", "medical.svg"),
    ("Critical Illness", "critical-illness.svg"),
    ("Lifelong Participation", "lifelong.svg"),
    ("Universal Life", "universal-life.svg"),
    ("Investment Linked", "investment.svg"),
    ("Annuity", "annuity.svg"),
    ("Term", "term.svg"),
    ("VHIS", "vhis.svg"),
    ("VHIS + Medical", "vhis.svg"),
    ("Property & Casualty", "property.svg"),
    ("Other", "other.svg"),
)


def _key(name: str) -> str:
    return name.strip().casefold()


def load_model(content: bytes, filename: str) -> Any:
    """The Excel engine, imported lazily so the server starts fast."""
    from .workbook import load_model as engine_load

    return engine_load(content, filename)


def workbook_error() -> type[Exception]:
    from .workbook import WorkbookError

    return WorkbookError


@dataclass
class Upload:
    """A workbook uploaded but not yet published (kept in memory only)."""

    folder: str
    service: str
    filename: str
    original_id: str
    engine_id: str
    request_data: dict[str, Any]
    job_id: str
    error: str | None
    stats: dict[str, Any]
    warnings: list[str]


@dataclass
class ExecOptions:
    """The parts of v3 ``request_meta`` / the v4 body that shape an execution."""

    requested: list[str] | None = None
    regex: str | None = None
    array_outputs: list[str] = field(default_factory=list)
    echo_inputs: bool = False
    call_purpose: str = "Single Execution"
    source_system: str = ""
    correlation_id: str | None = None
    transaction_date: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Execution:
    call_id: str
    service: Service
    version: Version
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    warnings: list[list[dict[str, Any]] | None]
    errors: list[list[dict[str, Any]] | None]
    process_time: list[int]
    timestamp: str


class CallLogs:
    """The call history: a ring of the most recent calls, so memory stays flat however many records run.

    At most ``max_calls`` calls and ``max_records`` records (a v4 call holds one per record) are kept; the
    oldest calls fall off first. A call that fell off is unknown, like one that never ran. Not thread-safe:
    the State lock guards it.
    """

    def __init__(self, max_calls: int = MAX_CALL_LOGS, max_records: int = MAX_CALL_LOG_RECORDS) -> None:
        if max_calls < 1 or max_records < 1:
            raise ValueError("the call log must hold at least one call and one record")
        self.max_calls = max_calls
        self.max_records = max_records
        self.records = 0
        self._logs: OrderedDict[str, CallLog] = OrderedDict()

    def add(self, log: CallLog) -> list[str]:
        """Keep ``log``; the ids of the calls that fell off to make room."""
        old = self._logs.pop(log.call_id, None)
        if old is not None:
            self.records -= len(old.inputs)
        self._logs[log.call_id] = log
        self.records += len(log.inputs)
        dropped = []
        while len(self._logs) > 1 and (len(self._logs) > self.max_calls or self.records > self.max_records):
            call_id, gone = self._logs.popitem(last=False)
            self.records -= len(gone.inputs)
            dropped.append(call_id)
        return dropped

    def get(self, call_id: str) -> CallLog | None:
        return self._logs.get(call_id)

    def values(self) -> Iterator[CallLog]:
        return iter(self._logs.values())

    def clear(self) -> None:
        self._logs.clear()
        self.records = 0

    def __len__(self) -> int:
        return len(self._logs)


@dataclass(frozen=True)
class Target:
    """Where a call points: any combination of the service locator forms."""

    folder: str | None = None
    service: str | None = None
    service_id: str | None = None
    version_id: str | None = None
    version: str | None = None
    proxy: str | None = None
    at: str | None = None


class State:
    def __init__(
        self,
        files: Files,
        data_dir: Path | None = None,
        user: str = "emulator@local",
        max_call_logs: int = MAX_CALL_LOGS,
        max_call_log_records: int = MAX_CALL_LOG_RECORDS,
        calculator: Calculator | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.files = files
        self.jobs = Jobs()
        self.user = user
        self.store = Store(data_dir) if data_dir else None
        self.folders: dict[str, Folder] = {}
        self.services: dict[str, Service] = {}
        self.documents: dict[str, bytes] = {}
        self.uploads: dict[str, Upload] = {}
        self.logs = CallLogs(max_call_logs, max_call_log_records)
        self.calculator: Calculator = calculator or InProcess()
        self.categories: dict[str, dict[str, str]] = {}
        self.transforms: dict[tuple[str, str], dict[str, Any]] = {}
        self._models: dict[str, Any] = {}
        self._reset_categories()
        if self.store:
            self._load()

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        with self.lock:
            self.folders.clear()
            self.services.clear()
            self.documents.clear()
            self.uploads.clear()
            self.logs.clear()
            self.transforms.clear()
            self.jobs.clear()
            self.files.clear()
            self._reset_categories()
            if self.store:
                self.store.clear()

    def _reset_categories(self) -> None:
        self.categories = {
            name: {"key": name, "value": name, "icon": icon} for name, icon in DEFAULT_CATEGORIES
        }

    def _load(self) -> None:
        assert self.store is not None
        self.documents.update(self.store.load_documents())
        for row in self.store.load("folder"):
            folder = Folder.from_dict(row)
            self.folders[_key(folder.name)] = folder
        for row in self.store.load("service"):
            service = Service.from_dict(row)
            self.services[service.id] = service
        for row in self.store.load("log"):  # oldest first: a smaller cap than last time keeps the newest
            for call_id in self.logs.add(CallLog.from_dict(row)):
                self.store.delete("log", call_id)
        for row in self.store.load("category"):
            self.categories[row["key"]] = row
        for row in self.store.load("transform"):
            self.transforms[(row["folder"], row["name"])] = row

    def _save(self, kind: str, key: str, body: dict[str, Any]) -> None:
        if self.store:
            self.store.put(kind, key, body)

    def _drop(self, kind: str, key: str) -> None:
        if self.store:
            self.store.delete(kind, key)

    def _put_document(self, content: bytes) -> str:
        doc_id = new_id()
        self.documents[doc_id] = content
        return doc_id

    def store_document(self, content: bytes) -> str:
        with self.lock:
            return self._put_document(content)

    def document(self, doc_id: str) -> bytes:
        with self.lock:
            content = self.documents.get(doc_id)
        if content is None:
            raise not_found(f"document {doc_id} was not found")
        return content

    def seed(self, directory: Path, skip_existing: bool = False) -> list[str]:
        """Publish every workbook under ``directory/<folder>/`` as ``<folder>/<stem>``.

        ``skip_existing`` leaves services that already exist alone (a restart with ``--data``).
        """
        published = []
        for folder_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
            workbooks = [p for p in sorted(folder_dir.iterdir()) if p.suffix.lower() in WORKBOOK_SUFFIXES]
            if not workbooks:
                continue
            with self.lock:
                if self.find_folder(folder_dir.name) is None:
                    self.create_folder(folder_dir.name, description="Seeded by the emulator")
            for path in workbooks:
                if skip_existing and self.find_service(folder_dir.name, path.stem) is not None:
                    continue
                self.publish_direct(folder_dir.name, path.stem, path.read_bytes(), path.name)
                published.append(f"{folder_dir.name}/{path.stem}")
        return published

    # ------------------------------------------------------------------ folders

    def find_folder(self, name: str) -> Folder | None:
        with self.lock:
            return self.folders.get(_key(name))

    def folder(self, name: str) -> Folder:
        folder = self.find_folder(name)
        if folder is None:
            raise not_found(f"folder {name!r} was not found")
        return folder

    def folder_by_id(self, folder_id: str) -> Folder:
        with self.lock:
            for folder in self.folders.values():
                if folder.id == folder_id.lower():
                    return folder
        raise not_found(f"folder {folder_id} was not found")

    def create_folder(
        self,
        name: str,
        *,
        category: str = "Other",
        description: str = "",
        status: str = "Design",
        start: Any = None,
        launch: Any = None,
    ) -> Folder:
        name = name.strip()
        if not name or "/" in name:
            raise bad_request("folder Name is required and cannot contain '/'")
        start_at = optional_date(start, "StartDate", utcnow())
        launch_at = optional_date(launch, "LaunchDate", start_at.replace(year=start_at.year + 10))
        with self.lock:
            if _key(name) in self.folders:
                raise ApiError(409, f"a folder named {name!r} already exists", "PRODUCT_ALREADY_EXISTS")
            now = iso_ms()
            folder = Folder(
                id=new_id(),
                name=name,
                category=category or "Other",
                description=description,
                status=status or "Design",
                start_date=iso_ms(start_at),
                launch_date=iso_ms(launch_at),
                created_at=now,
                updated_at=now,
                created_by=self.user,
            )
            self.folders[_key(name)] = folder
            self._save("folder", folder.id, folder.to_dict())
            return folder

    def update_folder(self, folder_id: str, changes: Mapping[str, Any]) -> Folder:
        with self.lock:
            folder = self.folder_by_id(folder_id)
            if changes.get("description") is not None:
                folder.description = str(changes["description"])
            if changes.get("category") is not None:
                folder.category = str(changes["category"])
            if changes.get("startDate") is not None:
                folder.start_date = iso_ms(parse_date(changes["startDate"], "startDate"))
            if changes.get("launchDate") is not None:
                folder.launch_date = iso_ms(parse_date(changes["launchDate"], "launchDate"))
            if changes.get("isStarred") is not None:
                folder.is_starred = bool(changes["isStarred"])
            folder.updated_at = iso_ms()
            self._save("folder", folder.id, folder.to_dict())
            return folder

    def set_cover(self, folder_id: str, content: bytes) -> None:
        with self.lock:
            folder = self.folder_by_id(folder_id)
            folder.cover_image = self._put_document(content)
            if self.store:
                self.store.put_document(folder.cover_image, content)
            folder.updated_at = iso_ms()
            self._save("folder", folder.id, folder.to_dict())

    def delete_folder(self, folder_id: str) -> None:
        with self.lock:
            folder = self.folder_by_id(folder_id)
            for service in self.folder_services(folder.name):
                self._delete_service(service)
            del self.folders[_key(folder.name)]
            self._drop("folder", folder.id)

    def folder_services(self, name: str) -> list[Service]:
        with self.lock:
            return [s for s in self.services.values() if _key(s.folder) == _key(name)]

    def list_folders(
        self, search: Iterable[Mapping[str, Any]], page: int, size: int, sort: str
    ) -> tuple[list[Folder], int]:
        with self.lock:
            folders = [f for f in self.folders.values() if _folder_matches(f, search)]
        folders = _sorted(folders, sort, FOLDER_SORT_KEYS, default="-updated")
        return _page(folders, page, size), len(folders)

    # ------------------------------------------------------------------ categories

    def save_category(self, key: str | None, value: str, icon: str | None) -> None:
        if not value:
            raise bad_request("category value is required")
        with self.lock:
            entry = {"key": key or new_id(), "value": value, "icon": icon or "other.svg"}
            self.categories[entry["key"]] = entry
            self._save("category", entry["key"], entry)

    def delete_category(self, key: str) -> None:
        with self.lock:
            if key not in self.categories:
                raise not_found(f"category {key!r} was not found")
            del self.categories[key]
            self._drop("category", key)

    # ------------------------------------------------------------------ services

    def find_service(self, folder: str, name: str) -> Service | None:
        with self.lock:
            for service in self.services.values():
                if _key(service.folder) == _key(folder) and _key(service.name) == _key(name):
                    return service
        return None

    def service(self, folder: str, name: str) -> Service:
        service = self.find_service(folder, name)
        if service is None:
            raise not_found(f"service {folder}/{name} was not found")
        return service

    def upload(self, folder: str, service: str, filename: str, content: bytes, request_data: dict) -> Upload:
        self.folder(folder)
        if not content:
            raise bad_request("serviceFile is empty")
        error, stats, warnings = None, {}, []
        try:
            model = load_model(content, filename)
            stats, warnings = dict(model.stats), list(model.warnings)
        except workbook_error() as exc:
            error = str(exc)
        with self.lock:
            original_id = self._put_document(content)
            job = self.jobs.start("compilation")
            upload = Upload(
                folder, service, filename, original_id, new_id(), request_data, job.id, error, stats, warnings
            )
            self.uploads[upload.engine_id] = upload
            self.uploads[upload.original_id] = upload
            return upload

    def compilation(self, job_id: str) -> tuple[int, str | None]:
        """Progress (0-100) and the compile error, if the workbook failed to compile."""
        with self.lock:
            job, progress = self.jobs.poll(job_id, "compilation")
            return progress, job.context.get("error") or _upload_error(self.uploads, job.id)

    def publish(self, folder: str, name: str, data: Mapping[str, Any]) -> tuple[Service, Version]:
        with self.lock:
            upload = self.uploads.get(str(data.get("engine_file_documentid") or "")) or self.uploads.get(
                str(data.get("original_file_documentid") or "")
            )
            if upload is None or _key(upload.folder) != _key(folder):
                raise bad_request("original_file_documentid / engine_file_documentid do not match an upload")
            if upload.error:
                raise bad_request(f"the workbook failed to compile: {upload.error}")
            target = str(data.get("draft_service_name") or name)
            merged = {**upload.request_data, **{k: v for k, v in data.items() if v is not None}}
            return self.add_version(folder, target, upload.original_id, upload.filename, merged)

    def publish_direct(self, folder: str, name: str, content: bytes, filename: str, **data: Any) -> Version:
        """Compile and publish in one step (seeding, import)."""
        load_model(content, filename)
        with self.lock:
            doc_id = self._put_document(content)
            return self.add_version(folder, name, doc_id, filename, data)[1]

    def add_version(
        self,
        folder: str,
        name: str,
        doc_id: str,
        filename: str,
        data: Mapping[str, Any],
        version_id: str = "",
    ) -> tuple[Service, Version]:
        folder_record = self.folder(folder)
        service = self.find_service(folder, name)
        now = iso_ms()
        if service is None:
            service = Service(
                id=new_id(), folder=folder_record.name, name=name, created_at=now, updated_at=now
            )
            self.services[service.id] = service
        start = optional_date(data.get("effective_start_date"), "effective_start_date", utcnow())
        end = optional_date(data.get("effective_end_date"), "effective_end_date", now_plus_years(10))
        current = service.latest.version if service.versions else None
        kind = data.get("version_difference") or data.get("upgradeType") or "minor"
        version = Version(
            id=version_id or new_id(),
            version=str(data["exact_version"]) if data.get("exact_version") else bump(current, str(kind)),
            document_id=doc_id,
            filename=filename,
            effective_start=iso_ms(start),
            effective_end=iso_ms(end),
            created_at=now,
            author=self.user,
            release_note=str(
                data.get("releasenote") or data.get("release_note") or data.get("releaseNotes") or ""
            ),
            label=str(data.get("version_label") or data.get("versionLabel") or data.get("label") or ""),
            tags=str(data.get("tags") or ""),
        )
        if "public" in data:
            service.public = _bool(data["public"])
        if data.get("proxy"):
            service.proxy = str(data["proxy"]).strip("/")
        service.versions.append(version)
        service.updated_at = now
        folder_record.updated_at = now
        if self.store:
            self.store.put_document(doc_id, self.documents[doc_id])
        self._save("service", service.id, service.to_dict())
        self._save("folder", folder_record.id, folder_record.to_dict())
        return service, version

    def set_flags(self, folder: str, name: str, public: Any = None, proxy: Any = None) -> Service:
        with self.lock:
            service = self.service(folder, name)
            if public is not None:
                service.public = _bool(public)
            if proxy is not None:
                service.proxy = str(proxy).strip("/") or None
            self._save("service", service.id, service.to_dict())
            return service

    def recompile(self, folder: str, name: str, data: Mapping[str, Any]) -> tuple[Version, Job]:
        with self.lock:
            service = self.service(folder, name)
            source = _version_of(service, data.get("versionId")) if data.get("versionId") else service.latest
            merged = {
                "version_difference": data.get("upgradeType") or "patch",
                "effective_start_date": data.get("effectiveStartDate"),
                "effective_end_date": data.get("effectiveEndDate"),
                "releasenote": data.get("releaseNotes"),
                "label": data.get("versionLabel") or data.get("label"),
                "tags": data.get("tags"),
            }
            _, version = self.add_version(
                service.folder, service.name, source.document_id, source.filename, merged
            )
            job = self.jobs.start("compilation")
            return version, job

    def delete_service(self, folder: str, name: str) -> None:
        with self.lock:
            self._delete_service(self.service(folder, name))

    def _delete_service(self, service: Service) -> None:
        del self.services[service.id]
        self._drop("service", service.id)

    def search_services(
        self, search: Iterable[Mapping[str, Any]], page: int, size: int, sort: str
    ) -> tuple[list[Service], int]:
        with self.lock:
            found = [s for s in self.services.values() if _service_matches(s, search)]
        found = _sorted(found, sort, SERVICE_SORT_KEYS, default="name")
        return _page(found, page, size), len(found)

    # ------------------------------------------------------------------ resolution and execution

    def may_serve_publicly(
        self,
        folder: str | None = None,
        service: str | None = None,
        service_id: str | None = None,
        version_id: str | None = None,
    ) -> bool:
        """Whether an anonymous call may go on to read its body: the service the path names is public (an
        unknown one is left to the handler's 404), or, when the path names none, some service is public."""
        with self.lock:
            if folder and service:
                found = self.find_service(folder, service)
            elif service_id:
                found = self.services.get(service_id.lower())
            elif version_id:
                wanted = version_id.lower()
                found = next(
                    (s for s in self.services.values() if any(v.id == wanted for v in s.versions)), None
                )
            else:
                return any(s.public for s in self.services.values())
            return found is None or found.public

    def resolve(self, target: Target, public: bool = False) -> tuple[Service, Version]:
        """Resolve version_id > service_id > folder/service > proxy, then the version."""
        with self.lock:
            service, version = self._locate(target)
            if public and not service.public:
                raise ApiError(401, "this service is not public", "UNAUTHORIZED")
            if version is not None:
                return service, version
            return service, _pick_version(service, target)

    def _locate(self, target: Target) -> tuple[Service, Version | None]:
        if target.version_id:
            for service in self.services.values():
                for version in service.versions:
                    if version.id == target.version_id.lower():
                        return service, version
            raise not_found(f"version {target.version_id} was not found")
        if target.service_id:
            service = self.services.get(target.service_id.lower())
            if service is None:
                raise not_found(f"service {target.service_id} was not found")
            return service, None
        if target.folder and target.service:
            return self.service(target.folder, target.service), None
        if target.proxy:
            wanted = target.proxy.strip("/")
            for service in self.services.values():
                if service.proxy and service.proxy == wanted:
                    return service, None
            raise not_found(f"no service has the custom endpoint {wanted!r}")
        raise bad_request("the request does not say which service to run")

    def model(self, version: Version) -> Any:
        model = self._models.get(version.document_id)
        if model is None:
            model = load_model(self.document(version.document_id), version.filename)
            self._models[version.document_id] = model
        return model

    def execute(
        self,
        target: Target,
        records: list[dict[str, Any]],
        options: ExecOptions,
        api: str,
        public: bool = False,
    ) -> Execution:
        """Run the records and record the call in the history (one call id per request)."""
        started = time.perf_counter()
        result = self.run_records(target, records, options, public)
        self._log(result, options, api, round((time.perf_counter() - started) * 1000))
        return result

    def run_records(
        self, target: Target, records: list[dict[str, Any]], options: ExecOptions, public: bool = False
    ) -> Execution:
        service, version = self.resolve(target, public)
        model = self.model(version)
        requested = _requested(model, options)
        defaults = {f.name: f.default for f in model.schema.inputs}
        result = Execution(new_id(), service, version, [], [], [], [], [], iso_ms())
        if not all(isinstance(record, dict) for record in records):
            raise bad_request("each input record must be a JSON object")
        runs = self.calculator.run(model, records, requested)  # in order; the engine warns of defaults used
        for record, run in zip(records, runs, strict=True):
            merged = {**defaults, **record}  # what ran, for the call log and echoed inputs
            result.inputs.append(merged)
            result.outputs.append(_shape_outputs(dict(run.outputs), options.array_outputs))
            result.warnings.append(list(run.warnings) or None)
            result.errors.append(list(run.errors) or None)
            result.process_time.append(max(0, round(run.process_time_ms)))
        return result

    def _log(self, run: Execution, options: ExecOptions, api: str, total_ms: int) -> None:
        log = CallLog(
            call_id=run.call_id,
            api_version=api,
            service_id=run.service.id,
            version_id=run.version.id,
            version=run.version.version,
            folder=run.service.folder,
            service=run.service.name,
            log_time=run.timestamp,
            transaction_date=options.transaction_date or run.timestamp,
            user=self.user,
            source_system=options.source_system,
            call_purpose=options.call_purpose,
            correlation_id=options.correlation_id,
            request_meta=options.meta,
            inputs=run.inputs,
            outputs=run.outputs,
            warnings=run.warnings,
            errors=run.errors,
            process_time=run.process_time,
            total_time_ms=total_ms,
        )
        with self.lock:
            dropped = self.logs.add(log)
            self._save("log", log.call_id, log.to_dict())
            for call_id in dropped:  # the store keeps what memory keeps
                self._drop("log", call_id)

    def validate(
        self, target: Target, inputs: Mapping[str, Any], kind: str, public: bool = False
    ) -> tuple[Service, Version, dict]:
        service, version = self.resolve(target, public)
        return service, version, self.model(version).validate(inputs, kind)

    # ------------------------------------------------------------------ history

    def call_log(self, call_id: str) -> CallLog:
        with self.lock:
            log = self.logs.get(call_id.lower())
        if log is None:
            raise not_found(f"call {call_id} was not found")
        return log

    def rehydrate(
        self, folder: str, name: str, call_id: str, index: int | None
    ) -> tuple[CallLog, bytes, str]:
        service = self.service(folder, name)
        log = self.call_log(call_id)
        if log.service_id != service.id:
            raise not_found(f"call {call_id} does not belong to {folder}/{name}")
        position = len(log.inputs) - 1 if index is None else index
        if not 0 <= position < len(log.inputs):
            raise bad_request(f"index {index} is out of range: the call has {len(log.inputs)} record(s)")
        version = _version_of(service, log.version_id)
        content = self.model(version).rehydrate(log.inputs[position])
        return log, content, version.filename

    def logs_for(
        self, folder: str, name: str, request: Mapping[str, Any], version_id: str | None
    ) -> list[CallLog]:
        service = self.service(folder, name)
        ids = request.get("call_ids") or []
        wanted = [str(c).lower() for c in ([ids] if isinstance(ids, str) else ids) if c]
        start = _maybe_date(request.get("start_date"))
        end = _maybe_date(request.get("end_date"))
        with self.lock:
            logs = [log for log in self.logs.values() if log.service_id == service.id]
        return [
            log
            for log in logs
            if (not version_id or log.version_id == version_id)
            and (
                not wanted
                or {log.call_id, (log.correlation_id or "").lower(), log.source_system.lower()} & set(wanted)
            )
            and (start is None or parse_date(log.log_time, "log time") >= start)
            and (end is None or parse_date(log.log_time, "log time") <= end)
        ]


# ---------------------------------------------------------------------- helpers (pure)

FOLDER_SORT_KEYS = {
    "updated": lambda f: f.updated_at,
    "created": lambda f: f.created_at,
    "name": lambda f: f.name.casefold(),
    "productname": lambda f: f.name.casefold(),
}
SERVICE_SORT_KEYS = {
    "name": lambda s: s.name.casefold(),
    "name1": lambda s: s.name.casefold(),
    "name1_co": lambda s: s.name.casefold(),
    "foldername": lambda s: s.folder.casefold(),
    "updated": lambda s: s.updated_at,
    "modifieddate": lambda s: s.updated_at,
}


def _sorted(items: list, sort: str, keys: Mapping[str, Any], default: str) -> list:
    sort = (sort or default).strip()
    descending = sort.startswith("-")
    key = keys.get(sort.lstrip("-+").casefold()) or keys[default.lstrip("-")]
    return sorted(items, key=key, reverse=descending)


def _page(items: list, page: int, size: int) -> list:
    if size is None or size < 0:
        return items
    if page < 1 or size == 0:
        raise bad_request("page must be >= 1 and pageSize must be >= 1 (or -1 for everything)")
    return items[(page - 1) * size : page * size]


def _folder_matches(folder: Folder, search: Iterable[Mapping[str, Any]]) -> bool:
    """``name``: case-insensitive contains; other fields: case-insensitive equality (Spark's is unknown)."""
    values = {
        "name": folder.name,
        "category": folder.category,
        "status": folder.status,
        "id": folder.id,
        "isstarred": folder.is_starred,
        "description": folder.description,
    }
    for item in search:
        field_name, wanted = str(item.get("field", "")).casefold(), item.get("value")
        if wanted in (None, "") or field_name not in values:
            continue
        actual = values[field_name]
        if field_name == "name":
            if str(wanted).casefold() not in folder.name.casefold():
                return False
        elif isinstance(actual, bool):
            if actual != _bool(wanted):
                return False
        elif str(actual).casefold() != str(wanted).casefold():
            return False
    return True


def _service_matches(service: Service, search: Iterable[Mapping[str, Any]]) -> bool:
    """Case-insensitive contains on folder and service names, equality on ids (Spark's rule is unknown)."""
    values = {
        "foldername": service.folder,
        "folder": service.folder,
        "filename": service.name,
        "name": service.name,
        "servicename": service.name,
        "name1": service.name,
        "id": service.id,
        "version": service.latest.version if service.versions else "",
    }
    for item in search:
        field_name, wanted = str(item.get("field", "")).casefold(), item.get("value")
        if wanted in (None, "") or field_name not in values:
            continue
        if str(wanted).casefold() not in str(values[field_name]).casefold():
            return False
    return True


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _maybe_date(value: Any) -> Any:
    return parse_date(value, "date") if value not in (None, "") else None


def _upload_error(uploads: Mapping[str, Upload], job_id: str) -> str | None:
    for upload in uploads.values():
        if upload.job_id == job_id:
            return upload.error
    return None


def _version_of(service: Service, version_id: Any) -> Version:
    for version in service.versions:
        if version.id == str(version_id).lower():
            return version
    raise not_found(f"version {version_id} of {service.folder}/{service.name} was not found")


def _pick_version(service: Service, target: Target) -> Version:
    if not service.versions:
        raise not_found(f"{service.folder}/{service.name} has no published version")
    if target.version:
        for version in service.versions:
            if version.version == target.version:
                return version
        raise not_found(f"{service.folder}/{service.name} has no version {target.version}")
    if target.at:
        moment = parse_date(target.at, "transaction_date")
        effective = [
            v
            for v in service.versions
            if parse_date(v.effective_start, "start") <= moment <= parse_date(v.effective_end, "end")
        ]
        if not effective:
            raise not_found(f"no version of {service.folder}/{service.name} is effective at {target.at}")
        return max(effective, key=lambda v: semver_key(v.version))
    return service.latest


def _requested(model: Any, options: ExecOptions) -> list[str] | None:
    if not options.requested and not options.regex:
        return None
    names = [f.name for f in model.schema.outputs]
    if options.requested:
        wanted = set(options.requested)
        names = [n for n in names if n in wanted]
    if options.regex:
        try:
            pattern = re.compile(options.regex)
        except re.error as exc:
            raise bad_request(f"requested_output_regex is not a valid regex: {exc}") from exc
        names = [n for n in names if pattern.search(n)]
    return names


def _shape_outputs(outputs: dict[str, Any], array_outputs: list[str]) -> dict[str, Any]:
    """Turn the tables named in ``array_outputs`` into a header row followed by value rows."""
    for name in array_outputs:
        rows = outputs.get(name)
        if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
            columns = list(rows[0])
            outputs[name] = [columns, *[[r.get(c) for c in columns] for r in rows]]
    return outputs


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
