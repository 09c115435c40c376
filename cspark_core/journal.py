"""A bulk run's journal: what was pushed where and what came back, kept in SQLite so that a run killed at any
instant (SIGKILL, a reboot, Ctrl-C) can go on where it stopped.

Every change is one SQLite transaction (write-ahead log), so the file is always consistent: a kill loses at
most the step under way, and the run's own rules recover from that (a chunk whose results were pulled but
not recorded is pushed again; one recorded twice is dropped). What it holds:

- `key`: what the run is for (service, input fingerprint, chunk size, ...); a resume with another key is
  refused, so results never get mixed with another run's;
- the pipeline (batch id) the run is using;
- per chunk (by its number in the input): the ids it was pushed under, and its results once pulled;
- the checkpoint: how many records the caller has stored for good, with the caller's own `cursor` (e.g. a
  byte offset in its results file). Chunks below the checkpoint are forgotten.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import SparkSdkError

__all__ = ["Journal", "JournalError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (seq INTEGER PRIMARY KEY, ids TEXT NOT NULL DEFAULT '[]', results TEXT);
"""
VERSION = 1


class JournalError(SparkSdkError):
    """No journal to resume, or one made for another run (`cause` names what differs)."""


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class Journal:
    """Open a new journal at `path` (`resume=False`; an existing file is refused), or the one an earlier run
    left there (`resume=True`; it must exist and have been made for the same `key`)."""

    def __init__(self, path: str | os.PathLike[str], key: Mapping[str, Any], *, resume: bool = False) -> None:
        self.path = Path(path)
        key = {"version": VERSION, **key}
        exists = self.path.exists()
        if resume and not exists:
            raise JournalError(f"there is no journal to resume at {self.path}", cause="resume")
        if not resume and exists:
            raise JournalError(
                f"a journal of an unfinished run is at {self.path}: resume it, or remove it to start over",
                cause="journal",
            )
        if not resume:  # made whole beside its place, then renamed: a kill never leaves half a journal
            meta = {"key": _text(key), "tag": secrets.token_hex(4), "next_index": "0", "cursor": "null"}
            fresh = self.path.with_name(self.path.name + ".new")
            fresh.unlink(missing_ok=True)
            self._db = self._connect(fresh)
            self._put(meta)
            self._db.close()
            os.replace(fresh, self.path)
        self._db = self._connect(self.path)
        try:
            meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{self.path} is not a usable journal: {exc}", cause="journal") from None
        if resume:
            self._check(meta, key)
        self.tag: str = meta["tag"]
        self.batch_id: str | None = meta.get("batch_id")
        self.next_index = int(meta.get("next_index", "0"))
        self.cursor: Any = json.loads(meta.get("cursor", "null"))

    def _connect(self, path: Path) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # consistent after a crash; a kill loses nothing
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{path} is not a usable journal: {exc}", cause="journal") from None
        return db

    def _check(self, meta: Mapping[str, str], key: Mapping[str, Any]) -> None:
        try:
            made_for = json.loads(meta["key"])
        except (KeyError, ValueError):
            raise JournalError(f"{self.path} is not a cspark journal", cause="journal") from None
        differs = sorted(name for name in {*made_for, *key} if made_for.get(name) != key.get(name))
        if differs:
            self.close()
            raise JournalError(
                f"the journal at {self.path} was made for another run (its {', '.join(differs)} differ)",
                cause=differs,
            )

    def _put(self, values: Mapping[str, str]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())

    # -- what the run records
    def pipeline(self, batch_id: str) -> None:
        self._put({"batch_id": batch_id})
        self.batch_id = batch_id

    def pushing(self, seq: int, chunk_id: str) -> None:
        """Written before the push is sent: results under this id belong to chunk `seq`."""
        ids, _ = self.chunk(seq)
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT INTO chunks (seq, ids) VALUES (?, ?) "
                "ON CONFLICT(seq) DO UPDATE SET ids = excluded.ids",
                (seq, _text([*ids, chunk_id])),
            )

    def results(self, seq: int, rows: list[Mapping[str, Any]]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT INTO chunks (seq, results) VALUES (?, ?) "
                "ON CONFLICT(seq) DO UPDATE SET results = excluded.results",
                (seq, _text(rows)),
            )

    def chunk(self, seq: int) -> tuple[list[str], list[dict[str, Any]] | None]:
        """The ids chunk `seq` was pushed under, and its results if they came back."""
        row = self._db.execute("SELECT ids, results FROM chunks WHERE seq = ?", (seq,)).fetchone()
        if row is None:
            return [], None
        return json.loads(row[0]), (json.loads(row[1]) if row[1] is not None else None)

    def checkpoint(self, next_index: int, chunk_size: int, cursor: Any) -> None:
        """Records below `next_index` are stored by the caller (its position: `cursor`)."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                {"next_index": str(next_index), "cursor": _text(cursor)}.items(),
            )
            self._db.execute("DELETE FROM chunks WHERE (seq + 1) * ? <= ?", (chunk_size, next_index))
        self.next_index, self.cursor = next_index, cursor

    # -- the file
    def close(self) -> None:
        self._db.close()

    def remove(self) -> None:
        """Close and delete the journal (the run is over and its results are stored)."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
