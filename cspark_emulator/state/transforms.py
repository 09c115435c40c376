"""Transform documents, stored per folder and name; what a document means is the route's
business (``routes/transforms.py``)."""

from __future__ import annotations

from typing import Any

from ..models import iso_ms, not_found
from .core import Core


class TransformsBackend:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.transforms: dict[tuple[str, str], dict[str, Any]] = {}  # by (folder, name)

    def load(self) -> None:
        for row in self.core.load("transform"):
            self.transforms[(row["folder"], row["name"])] = row

    def reset(self) -> None:
        self.transforms.clear()

    def save(self, folder: str, name: str, content: str) -> dict[str, Any]:
        """Create or replace a document (its creation time stays)."""
        now = iso_ms()
        record: dict[str, Any] = {"folder": folder, "name": name, "content": content, "updatedAt": now}
        with self.core.lock:
            previous = self.transforms.get((folder, name))
            record["createdAt"] = previous["createdAt"] if previous else now
            self.transforms[(folder, name)] = record
            self.core.save("transform", f"{folder}/{name}", record)
        return record

    def get(self, folder: str, name: str) -> dict[str, Any]:
        record = self.transforms.get((folder, name))
        if record is None:
            raise not_found(f"transform {folder}/{name} was not found")
        return record

    def delete(self, folder: str, name: str) -> None:
        with self.core.lock:
            self.get(folder, name)
            del self.transforms[(folder, name)]
            self.core.drop("transform", f"{folder}/{name}")

    def in_folder(self, folder: str) -> list[dict[str, Any]]:
        """A folder's documents, most recently changed first."""
        return sorted(
            (r for (f, _), r in self.transforms.items() if f == folder),
            key=lambda r: r["updatedAt"],
            reverse=True,
        )
