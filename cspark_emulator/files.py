"""Temporary, tokenised file URLs, served from the emulator's own origin."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

from .models import not_found

FILE_PATH = "/docstore/api/v1/documents/versions/tokens"
DEFAULT_TTL = 900.0
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class TempFile:
    content: bytes
    filename: str
    content_type: str
    expires: float


class Files:
    def __init__(self, ttl: float = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._files: dict[str, TempFile] = {}
        self._lock = threading.Lock()

    def publish(self, content: bytes, filename: str, content_type: str) -> str:
        """Store the bytes and return the path (on the emulator's origin) that serves them until expiry."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._files[token] = TempFile(content, filename, content_type, time.time() + self.ttl)
        return f"{FILE_PATH}/{token}/{quote(filename)}"

    def get(self, token: str) -> TempFile:
        with self._lock:
            item = self._files.get(token)
            if item is not None and item.expires <= time.time():
                del self._files[token]
                item = None
        if item is None:
            raise not_found("the file link is unknown or has expired")
        return item

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
