"""Export and import packages in the emulator's own ZIP format.

A package holds ``manifest.json`` (format ``cspark-emulator-export/1``: services, their versions and
metadata) and every version's workbook at ``services/<folder>/<service>/<version>/<file>``. Real Spark
packages hold compiled WASM modules instead; packages are only portable between emulators.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from .models import ApiError, Service, Version, bad_request, semver_key
from .state import State
from .state.targets import Target, parse_locator

FORMAT = "cspark-emulator-export/1"


def select(state: State, inputs: dict[str, Any], version_filter: str) -> list[tuple[Service, list[Version]]]:
    """The union of folders, services (version prefix match) and version ids, per service."""
    chosen: dict[str, tuple[Service, dict[str, Version]]] = {}

    def add(service: Service, versions: list[Version]) -> None:
        entry = chosen.setdefault(service.id, (service, {}))
        for version in versions:
            entry[1][version.id] = version

    def pick(service: Service, prefix: str | None = None) -> list[Version]:
        versions = [v for v in service.versions if not prefix or _has_prefix(v.version, prefix)]
        if not versions:
            raise ApiError(
                404, f"{service.folder}/{service.name} has no version matching {prefix!r}", "NOT_FOUND"
            )
        versions.sort(key=lambda v: semver_key(v.version))
        return versions if version_filter == "all" and not prefix else versions[-1:]

    for folder in inputs.get("folders") or []:
        services = state.folder_services(state.folder(str(folder)).name)
        if not services:
            raise bad_request(f"folder {folder!r} has no services to export")
        for service in services:
            add(service, pick(service))
    for text in inputs.get("services") or []:
        target = parse_locator(text, "inputs.services")
        service, _ = state.resolve(
            Target(folder=target.folder, service=target.service, service_id=target.service_id)
        )
        add(service, pick(service, target.version))
    for version_id in inputs.get("version_ids") or []:
        service, version = state.resolve(Target(version_id=str(version_id)))
        add(service, [version])
    return [
        (service, sorted(v.values(), key=lambda x: semver_key(x.version))) for service, v in chosen.values()
    ]


def _has_prefix(version: str, prefix: str) -> bool:
    """``1.4`` is a prefix of ``1.4.2`` but not of ``1.40.0``: versions match component by component."""
    wanted = prefix.strip().strip(".").split(".")
    return version.split(".")[: len(wanted)] == wanted


def build_package(state: State, selection: list[tuple[Service, list[Version]]]) -> bytes:
    buffer = io.BytesIO()
    manifest: dict[str, Any] = {"format": FORMAT, "services": []}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for service, versions in selection:
            entry: dict[str, Any] = {
                "folder": service.folder,
                "service": service.name,
                "service_id": service.id,
                "public": service.public,
                "proxy": service.proxy,
                "versions": [],
            }
            for version in versions:
                path = f"services/{service.folder}/{service.name}/{version.version}/{version.filename}"
                archive.writestr(path, state.document(version.document_id))
                entry["versions"].append({**version.to_dict(), "path": path})
            manifest["services"].append(entry)
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    return buffer.getvalue()


def read_package(content: bytes) -> tuple[dict[str, Any], zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise bad_request(f"the file is not an emulator export package: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise bad_request(f"unknown package format {manifest.get('format')!r}")
    return manifest, archive


def import_package(state: State, content: bytes, request: dict[str, Any]) -> dict[str, Any]:
    """Apply a package; returns the import status's ``outputs``. Raises ApiError when it cannot complete."""
    manifest, archive = read_package(content)
    mapping = _mapping(request)
    existing_rule = str(request.get("services_existing") or "abort")
    if existing_rule not in ("abort", "replace", "add_version"):
        raise bad_request("services_existing must be abort, replace or add_version")
    plan = []
    with state.lock:
        for entry in manifest["services"]:
            source = f"{entry['folder']}/{entry['service']}"
            destination, bump_kind = mapping.get(source.casefold(), (source, "minor"))
            folder, _, name = destination.partition("/")
            if state.find_folder(folder) is None:
                raise bad_request(f"destination folder {folder!r} does not exist")
            exists = state.find_service(folder, name) is not None
            if exists and existing_rule == "abort":
                raise ApiError(
                    409, f"service {destination} already exists (services_existing=abort)", "CONFLICT"
                )
            plan.append((entry, folder, name, bump_kind, exists))
        services, versions = [], []
        for entry, folder, name, bump_kind, exists in plan:
            outcome = _apply(state, archive, entry, folder, name, bump_kind, exists, existing_rule)
            services.append(outcome[0])
            versions.extend(outcome[1])
    return {"services": services, "service_versions": versions}


def _mapping(request: dict[str, Any]) -> dict[str, tuple[str, str]]:
    result = {}
    for item in (request.get("inputs") or {}).get("services_modify") or []:
        source = str(item.get("service_uri_source") or "").strip("/")
        destination = str(item.get("service_uri_destination") or source).strip("/")
        if "/" not in source or "/" not in destination:
            raise bad_request("service_uri_source/destination must be folder/service")
        result[source.casefold()] = (destination, str(item.get("update_version_type") or "minor"))
    return result


def _apply(
    state: State,
    archive: zipfile.ZipFile,
    entry: dict[str, Any],
    folder: str,
    name: str,
    bump_kind: str,
    exists: bool,
    rule: str,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if exists and rule == "replace":
        state.delete_service(folder, name)
    keep_numbers = not exists or rule == "replace"
    used_ids = {v.id for s in state.services.values() for v in s.versions}
    item_status = "added" if not exists else ("replaced" if rule == "replace" else "updated")
    rows = []
    service = None
    for meta in entry["versions"]:
        content = archive.read(meta["path"])
        data = {
            "effective_start_date": meta["effective_start"],
            "effective_end_date": meta["effective_end"],
            "releasenote": meta.get("release_note"),
            "label": meta.get("label"),
            "tags": meta.get("tags"),
            "version_difference": bump_kind,
            "public": entry.get("public", False),
        }
        if keep_numbers:
            data["exact_version"] = meta["version"]
        wanted_id = meta["id"] if meta["id"] not in used_ids else ""
        doc_id = state.store_document(content)
        service, version = state.add_version(folder, name, doc_id, meta["filename"], data, wanted_id)
        rows.append(_version_row(entry, meta, service, version, item_status))
    assert service is not None
    row = {
        "service_uri_source": f"{entry['folder']}/{entry['service']}",
        "folder_source": entry["folder"],
        "service_source": entry["service"],
        "service_id_source": entry["service_id"],
        "folder_destination": service.folder,
        "service_destination": service.name,
        "service_uri_destination": f"{service.folder}/{service.name}",
        "service_id_destination": service.id,
        "status": item_status,
    }
    return row, rows


def _version_row(
    entry: dict[str, Any], meta: dict[str, Any], service: Service, version: Version, status: str
) -> dict[str, Any]:
    return {
        "service_uri_source": f"{entry['folder']}/{entry['service']}[{meta['version']}]",
        "folder_source": entry["folder"],
        "service_source": entry["service"],
        "version_source": meta["version"],
        "version_id_source": meta["id"],
        "folder_destination": service.folder,
        "service_destination": service.name,
        "version_destination": version.version,
        "service_uri_destination": f"{service.folder}/{service.name}[{version.version}]",
        "service_id_destination": service.id,
        "version_id_destination": version.id,
        "status": status,
    }
