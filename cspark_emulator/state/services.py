"""Services and their versions: upload -> compile -> publish, recompile, flags, search, delete, seeding, and
the compiled workbook behind each version."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..jobs import Job
from ..models import (
    Service,
    Version,
    bad_request,
    bump,
    iso_ms,
    new_id,
    not_found,
    now_plus_years,
    optional_date,
    truthy,
    utcnow,
)
from .core import Core, key, page_of, sorted_by
from .folders import FoldersBackend

if TYPE_CHECKING:
    from ..workbook import Model

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SERVICE_SORT_KEYS: dict[str, Callable[[Service], Any]] = {
    "name": lambda s: s.name.casefold(),
    "name1": lambda s: s.name.casefold(),
    "name1_co": lambda s: s.name.casefold(),
    "foldername": lambda s: s.folder.casefold(),
    "updated": lambda s: s.updated_at,
    "modifieddate": lambda s: s.updated_at,
}


def load_model(content: bytes, filename: str) -> Model:
    """The Excel engine, imported lazily so the server starts fast."""
    from ..workbook import load_model as engine_load

    return engine_load(content, filename)


def workbook_error() -> type[Exception]:
    from ..workbook import WorkbookError

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


class ServicesBackend:
    def __init__(self, core: Core, folders: FoldersBackend) -> None:
        self.core = core
        self.folders = folders
        self.services: dict[str, Service] = {}  # by id
        self.uploads: dict[str, Upload] = {}  # by engine and by original document id
        self._models: dict[str, Model] = {}  # by document id

    def load(self) -> None:
        for row in self.core.load("service"):
            service = Service.from_dict(row)
            self.services[service.id] = service

    def reset(self) -> None:
        self.services.clear()
        self.uploads.clear()

    # ------------------------------------------------------------------ lookup

    def find(self, folder: str, name: str) -> Service | None:
        with self.core.lock:
            for service in self.services.values():
                if key(service.folder) == key(folder) and key(service.name) == key(name):
                    return service
        return None

    def get(self, folder: str, name: str) -> Service:
        service = self.find(folder, name)
        if service is None:
            raise not_found(f"service {folder}/{name} was not found")
        return service

    def in_folder(self, name: str) -> list[Service]:
        with self.core.lock:
            return [s for s in self.services.values() if key(s.folder) == key(name)]

    def search(
        self, search: Iterable[Mapping[str, Any]], page: int, size: int, sort: str
    ) -> tuple[list[Service], int]:
        with self.core.lock:
            found = [s for s in self.services.values() if _service_matches(s, search)]
        found = sorted_by(found, sort, SERVICE_SORT_KEYS, default="name")
        return page_of(found, page, size), len(found)

    def model(self, version: Version) -> Model:
        """The compiled workbook of a version (compiled once per document)."""
        model = self._models.get(version.document_id)
        if model is None:
            model = load_model(self.core.document(version.document_id), version.filename)
            self._models[version.document_id] = model
        return model

    # ------------------------------------------------------------------ upload, compile, publish

    def upload(
        self, folder: str, service: str, filename: str, content: bytes, request_data: dict[str, Any]
    ) -> Upload:
        self.folders.get(folder)
        if not content:
            raise bad_request("serviceFile is empty")
        error: str | None = None
        stats: dict[str, Any] = {}
        warnings: list[str] = []
        try:
            model = load_model(content, filename)
            stats, warnings = dict(model.stats), list(model.warnings)
        except workbook_error() as exc:
            error = str(exc)
        with self.core.lock:
            original_id = self.core.put_document(content)
            job = self.core.jobs.start("compilation")
            upload = Upload(
                folder, service, filename, original_id, new_id(), request_data, job.id, error, stats, warnings
            )
            self.uploads[upload.engine_id] = upload
            self.uploads[upload.original_id] = upload
            return upload

    def compilation(self, job_id: str) -> tuple[int, str | None]:
        """Progress (0-100) and the compile error, if the workbook failed to compile."""
        with self.core.lock:
            job, progress = self.core.jobs.poll(job_id, "compilation")
            return progress, job.context.get("error") or _upload_error(self.uploads, job.id)

    def publish(self, folder: str, name: str, data: Mapping[str, Any]) -> tuple[Service, Version]:
        with self.core.lock:
            upload = self.uploads.get(str(data.get("engine_file_documentid") or "")) or self.uploads.get(
                str(data.get("original_file_documentid") or "")
            )
            if upload is None or key(upload.folder) != key(folder):
                raise bad_request("original_file_documentid / engine_file_documentid do not match an upload")
            if upload.error:
                raise bad_request(f"the workbook failed to compile: {upload.error}")
            target = str(data.get("draft_service_name") or name)
            merged = {**upload.request_data, **{k: v for k, v in data.items() if v is not None}}
            return self.add_version(folder, target, upload.original_id, upload.filename, merged)

    def publish_direct(self, folder: str, name: str, content: bytes, filename: str, **data: Any) -> Version:
        """Compile and publish in one step (seeding, import)."""
        load_model(content, filename)
        with self.core.lock:
            doc_id = self.core.put_document(content)
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
        folder_record = self.folders.get(folder)
        service = self.find(folder, name)
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
            author=self.core.user,
            release_note=str(
                data.get("releasenote") or data.get("release_note") or data.get("releaseNotes") or ""
            ),
            label=str(data.get("version_label") or data.get("versionLabel") or data.get("label") or ""),
            tags=str(data.get("tags") or ""),
        )
        if "public" in data:
            service.public = truthy(data["public"])
        if data.get("proxy"):
            service.proxy = str(data["proxy"]).strip("/")
        service.versions.append(version)
        service.updated_at = now
        folder_record.updated_at = now
        self.core.persist_document(doc_id)
        self.save(service)
        self.folders.save(folder_record)
        return service, version

    def recompile(self, folder: str, name: str, data: Mapping[str, Any]) -> tuple[Version, Job]:
        with self.core.lock:
            service = self.get(folder, name)
            source = version_of(service, data.get("versionId")) if data.get("versionId") else service.latest
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
            job = self.core.jobs.start("compilation")
            return version, job

    # ------------------------------------------------------------------ changes

    def set_flags(self, folder: str, name: str, public: Any = None, proxy: Any = None) -> Service:
        with self.core.lock:
            service = self.get(folder, name)
            if public is not None:
                service.public = truthy(public)
            if proxy is not None:
                service.proxy = str(proxy).strip("/") or None
            self.save(service)
            return service

    def delete(self, folder: str, name: str) -> None:
        with self.core.lock:
            self._delete(self.get(folder, name))

    def delete_folder(self, folder_id: str) -> None:
        """A folder goes with all its services."""
        with self.core.lock:
            folder = self.folders.by_id(folder_id)
            for service in self.in_folder(folder.name):
                self._delete(service)
            self.folders.remove(folder)

    def _delete(self, service: Service) -> None:
        del self.services[service.id]
        self.core.drop("service", service.id)

    def save(self, service: Service) -> None:
        self.core.save("service", service.id, service.to_dict())

    # ------------------------------------------------------------------ seeding

    def seed(self, directory: Path, skip_existing: bool = False) -> list[str]:
        """Publish every workbook under ``directory/<folder>/`` as ``<folder>/<stem>``.

        ``skip_existing`` leaves services that already exist alone (a restart with ``--data``).
        """
        published = []
        for folder_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
            workbooks = [p for p in sorted(folder_dir.iterdir()) if p.suffix.lower() in WORKBOOK_SUFFIXES]
            if not workbooks:
                continue
            with self.core.lock:
                if self.folders.find(folder_dir.name) is None:
                    self.folders.create(folder_dir.name, description="Seeded by the emulator")
            for path in workbooks:
                if skip_existing and self.find(folder_dir.name, path.stem) is not None:
                    continue
                self.publish_direct(folder_dir.name, path.stem, path.read_bytes(), path.name)
                published.append(f"{folder_dir.name}/{path.stem}")
        return published


def version_of(service: Service, version_id: Any) -> Version:
    for version in service.versions:
        if version.id == str(version_id).lower():
            return version
    raise not_found(f"version {version_id} of {service.folder}/{service.name} was not found")


def _upload_error(uploads: Mapping[str, Upload], job_id: str) -> str | None:
    for upload in uploads.values():
        if upload.job_id == job_id:
            return upload.error
    return None


def _service_matches(service: Service, search: Iterable[Mapping[str, Any]]) -> bool:
    """Case-insensitive contains on folder and service names, equality on ids (schema unknown)."""
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
