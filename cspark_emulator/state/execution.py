"""Resolution and execution: which service and version a call runs, the
records run through the calculator, and the call recorded in the history (one call id per request)."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..models import (
    ApiError,
    CallLog,
    Service,
    Version,
    bad_request,
    iso_ms,
    new_id,
    not_found,
    parse_date,
    semver_key,
)
from .core import Core
from .history import HistoryBackend
from .services import ServicesBackend
from .targets import Target

if TYPE_CHECKING:
    from ..workbook import Model


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


class ExecutionBackend:
    def __init__(self, core: Core, services: ServicesBackend, history: HistoryBackend) -> None:
        self.core = core
        self.services = services
        self.history = history

    # ------------------------------------------------------------------ resolution

    def may_serve_publicly(
        self,
        folder: str | None = None,
        service: str | None = None,
        service_id: str | None = None,
        version_id: str | None = None,
    ) -> bool:
        """Whether an anonymous call may go on to read its body: the service the path names is public (an
        unknown one is left to the handler's 404), or, when the path names none, some service is public."""
        services = self.services.services
        with self.core.lock:
            found: Service | None
            if folder and service:
                found = self.services.find(folder, service)
            elif service_id:
                found = services.get(service_id.lower())
            elif version_id:
                wanted = version_id.lower()
                found = next((s for s in services.values() if any(v.id == wanted for v in s.versions)), None)
            else:
                return any(s.public for s in services.values())
            return found is None or found.public

    def resolve(self, target: Target, public: bool = False) -> tuple[Service, Version]:
        """Resolve version_id > service_id > folder/service > proxy, then the version."""
        with self.core.lock:
            service, version = self._locate(target)
            if public and not service.public:
                raise ApiError(401, "this service is not public", "UNAUTHORIZED")
            if version is not None:
                return service, version
            return service, _pick_version(service, target)

    def _locate(self, target: Target) -> tuple[Service, Version | None]:
        services = self.services.services
        if target.version_id:
            for service in services.values():
                for version in service.versions:
                    if version.id == target.version_id.lower():
                        return service, version
            raise not_found(f"version {target.version_id} was not found")
        if target.service_id:
            found = services.get(target.service_id.lower())
            if found is None:
                raise not_found(f"service {target.service_id} was not found")
            return found, None
        if target.folder and target.service:
            return self.services.get(target.folder, target.service), None
        if target.proxy:
            wanted = target.proxy.strip("/")
            for service in services.values():
                if service.proxy and service.proxy == wanted:
                    return service, None
            raise not_found(f"no service has the custom endpoint {wanted!r}")
        raise bad_request("the request does not say which service to run")

    # ------------------------------------------------------------------ execution

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
        model = self.services.model(version)
        requested = _requested(model, options)
        defaults = {f.name: f.default for f in model.schema.inputs}
        result = Execution(new_id(), service, version, [], [], [], [], [], iso_ms())
        if not all(isinstance(record, dict) for record in records):
            raise bad_request("each input record must be a JSON object")
        runs = self.core.calculator.run(model, records, requested)  # in order; the engine warns of defaults
        for record, run in zip(records, runs, strict=True):
            merged = {**defaults, **record}  # what ran, for the call log and echoed inputs
            result.inputs.append(merged)
            result.outputs.append(_shape_outputs(dict(run.outputs), options.array_outputs))
            result.warnings.append(list(run.warnings) or None)
            result.errors.append(list(run.errors) or None)
            result.process_time.append(max(0, round(run.process_time_ms)))
        return result

    def _log(self, run: Execution, options: ExecOptions, api: str, total_ms: int) -> None:
        self.history.record(
            CallLog(
                call_id=run.call_id,
                api_version=api,
                service_id=run.service.id,
                version_id=run.version.id,
                version=run.version.version,
                folder=run.service.folder,
                service=run.service.name,
                log_time=run.timestamp,
                transaction_date=options.transaction_date or run.timestamp,
                user=self.core.user,
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
        )

    def validate(
        self, target: Target, inputs: Mapping[str, Any], kind: str, public: bool = False
    ) -> tuple[Service, Version, dict[str, Any]]:
        service, version = self.resolve(target, public)
        return service, version, self.services.model(version).validate(inputs, kind)


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


def _requested(model: Model, options: ExecOptions) -> list[str] | None:
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
