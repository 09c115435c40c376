"""The emulator's state and rules, by API area, over one store and one lock (``core.py``).

- ``folders.py``: folders and categories
- ``services.py``: uploads, compilation, publishing, versions, flags, seeding
- ``history.py``: the call history
- ``execution.py``: resolution (which service and version) and runs, v3 and v4
- ``batches.py``: asynchronous batch pipelines
- ``transforms.py``: transform documents
- ``targets.py``: ``Target`` and the locator grammars

``State`` is the facade handlers call: it builds the area backends and hands each call to the one that owns
it. Handlers in ``routes/`` only parse the request, call ``State`` and render the reply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..files import Files
from ..models import Folder, Service
from ..workers import Calculator
from .batches import Batches
from .core import Core
from .execution import ExecOptions, Execution, ExecutionBackend
from .folders import FoldersBackend
from .history import MAX_CALL_LOG_RECORDS, MAX_CALL_LOGS, CallLogs, HistoryBackend
from .services import ServicesBackend, Upload
from .targets import Target
from .transforms import TransformsBackend

__all__ = [
    "MAX_CALL_LOGS",
    "MAX_CALL_LOG_RECORDS",
    "CallLogs",
    "ExecOptions",
    "Execution",
    "State",
    "Target",
    "Upload",
]


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
        core = self.core = Core(files, data_dir, user, calculator)
        self.lock = core.lock  # the one lock: every area takes it
        self.files = core.files
        self.jobs = core.jobs
        self.user = core.user
        self.store = core.store
        self.calculator = core.calculator
        folders = self._folders = FoldersBackend(core)
        services = self._services = ServicesBackend(core, folders)
        history = self._history = HistoryBackend(core, services, max_call_logs, max_call_log_records)
        execution = self._execution = ExecutionBackend(core, services, history)
        self.batches = Batches(core, execution)
        transforms = self._transforms = TransformsBackend(core)
        if core.store:
            folders.load()
            services.load()
            history.load()
            folders.load_categories()
            transforms.load()
        # what handlers call, by area
        self.find_folder = folders.find
        self.folder = folders.get
        self.folder_by_id = folders.by_id
        self.create_folder = folders.create
        self.update_folder = folders.update
        self.set_cover = folders.set_cover
        self.list_folders = folders.search
        self.save_category = folders.save_category
        self.delete_category = folders.delete_category
        self.delete_folder = services.delete_folder
        self.folder_services = services.in_folder
        self.find_service = services.find
        self.service = services.get
        self.search_services = services.search
        self.upload = services.upload
        self.compilation = services.compilation
        self.publish = services.publish
        self.publish_direct = services.publish_direct
        self.add_version = services.add_version
        self.set_flags = services.set_flags
        self.recompile = services.recompile
        self.delete_service = services.delete
        self.model = services.model
        self.seed = services.seed
        self.call_log = history.call_log
        self.rehydrate = history.rehydrate
        self.logs_for = history.logs_for
        self.may_serve_publicly = execution.may_serve_publicly
        self.resolve = execution.resolve
        self.execute = execution.execute
        self.run_records = execution.run_records
        self.validate = execution.validate
        self.document = core.document
        self.store_document = core.store_document
        self.save_transform = transforms.save
        self.transform = transforms.get
        self.delete_transform = transforms.delete
        self.transforms_in = transforms.in_folder

    def reset(self) -> None:
        """Forget everything but the batches (``Runtime.reset`` resets those first)."""
        with self.core.lock:
            self._folders.reset()
            self._services.reset()
            self._history.reset()
            self._transforms.reset()
            self.core.reset()

    # ------------------------------------------------------------------ the records, by area

    @property
    def folders(self) -> dict[str, Folder]:
        return self._folders.folders

    @property
    def categories(self) -> dict[str, dict[str, str]]:
        return self._folders.categories

    @property
    def services(self) -> dict[str, Service]:
        return self._services.services

    @property
    def logs(self) -> CallLogs:
        return self._history.logs

    @property
    def transforms(self) -> dict[tuple[str, str], dict[str, Any]]:
        return self._transforms.transforms
