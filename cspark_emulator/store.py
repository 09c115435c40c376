"""Optional persistence (``--data DIR``): records as JSON rows in SQLite, workbooks as files.

The in-memory State stays the source of truth while running; the store is written through on every change
and read once at start-up, so a restart loses nothing.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""


class Store:
    """A tiny key/value store per record kind. Callers serialise access (the State lock)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.documents = directory / "documents"
        self.documents.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            directory / "emulator.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def load(self, kind: str) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT body FROM records WHERE kind = ? ORDER BY rowid", (kind,))
        return [json.loads(body) for (body,) in rows]

    def put(self, kind: str, key: str, body: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO records (kind, key, body) VALUES (?, ?, ?)",
            (kind, key, json.dumps(body, separators=(",", ":"))),
        )

    def delete(self, kind: str, key: str) -> None:
        self._db.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))

    def clear(self) -> None:
        self._db.execute("DELETE FROM records")
        for path in self.documents.iterdir():
            path.unlink()

    def put_document(self, doc_id: str, content: bytes) -> None:
        path = self.documents / doc_id
        if not path.exists():
            path.write_bytes(content)

    def load_documents(self) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in self.documents.iterdir() if path.is_file()}
