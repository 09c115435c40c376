"""The one store and the one lock every area of the state works over.

``Core`` holds what all areas share: the re-entrant lock, the optional on-disk store, the workbooks
(documents), the job registry, temporary files, the calculator and the acting user. Each area backend
(``folders.py``, ``services.py``, ``history.py``, ``execution.py``) keeps its own records and rules, takes
this lock and writes through this store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ..files import Files
from ..jobs import Jobs
from ..models import bad_request, new_id, not_found
from ..store import Store
from ..workers import Calculator, InProcess

T = TypeVar("T")


def key(name: str) -> str:
    """Folder and service names match case-insensitively, ignoring surrounding blanks."""
    return name.strip().casefold()


class Core:
    def __init__(
        self,
        files: Files,
        data_dir: Path | None = None,
        user: str = "emulator@local",
        calculator: Calculator | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.files = files
        self.jobs = Jobs()
        self.user = user
        self.store = Store(data_dir) if data_dir else None
        self.calculator: Calculator = calculator or InProcess()
        self.documents: dict[str, bytes] = {}
        if self.store:
            self.documents.update(self.store.load_documents())

    def reset(self) -> None:
        with self.lock:
            self.documents.clear()
            self.jobs.clear()
            self.files.clear()
            if self.store:
                self.store.clear()

    def load(self, kind: str) -> list[dict[str, Any]]:
        """The rows of one kind kept on disk (none without ``--data``)."""
        return self.store.load(kind) if self.store else []

    def save(self, kind: str, key: str, body: dict[str, Any]) -> None:
        if self.store:
            self.store.put(kind, key, body)

    def drop(self, kind: str, key: str) -> None:
        if self.store:
            self.store.delete(kind, key)

    def put_document(self, content: bytes) -> str:
        """Keep a workbook (or image) in memory; callers hold the lock."""
        doc_id = new_id()
        self.documents[doc_id] = content
        return doc_id

    def persist_document(self, doc_id: str) -> None:
        if self.store:
            self.store.put_document(doc_id, self.documents[doc_id])

    def store_document(self, content: bytes) -> str:
        with self.lock:
            return self.put_document(content)

    def document(self, doc_id: str) -> bytes:
        with self.lock:
            content = self.documents.get(doc_id)
        if content is None:
            raise not_found(f"document {doc_id} was not found")
        return content


def sorted_by(items: list[T], sort: str, keys: Mapping[str, Callable[[T], Any]], default: str) -> list[T]:
    """``sort`` names a key (``-`` first: descending); an unknown one falls back to ``default``."""
    sort = (sort or default).strip()
    descending = sort.startswith("-")
    order = keys.get(sort.lstrip("-+").casefold()) or keys[default.lstrip("-")]
    return sorted(items, key=order, reverse=descending)


def page_of(items: list[T], page: int, size: int) -> list[T]:
    """One page; a negative size is everything."""
    if size is None or size < 0:
        return items
    if page < 1 or size == 0:
        raise bad_request("page must be >= 1 and pageSize must be >= 1 (or -1 for everything)")
    return items[(page - 1) * size : page * size]
