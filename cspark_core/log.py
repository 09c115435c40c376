"""SDK logging: stdlib `logging` under the `cspark` logger, configured per client by `LoggerOptions`.

The core never prints; it logs. Log lines name methods, paths and statuses only: never headers or bodies,
and tokenised download paths are masked (`mask_url`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from .errors import SettingsError

__all__ = ["LoggerOptions", "SdkLogger", "mask_url", "redact", "secret_forms"]

_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}
_TOKEN_SEGMENT = re.compile(r"(/tokens?/)[^/?#]+", re.IGNORECASE)


@dataclass(frozen=True)
class LoggerOptions:
    """How a client logs. `logger=True` means these defaults; `logger=False` means `disabled=True`."""

    context: str = "CSPARK"
    disabled: bool = False
    colorful: bool = True
    timestamp: bool = True
    datefmt: str = "%Y-%m-%d %H:%M:%S"
    level: str = "WARNING"

    @classmethod
    def of(cls, value: bool | Mapping[str, Any] | LoggerOptions | None) -> LoggerOptions:
        if isinstance(value, LoggerOptions):
            return value
        if value is None or value is True:
            return cls()
        if value is False:
            return cls(disabled=True)
        if isinstance(value, Mapping):
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise SettingsError(f"unknown logger option {unknown[0]!r}", cause=unknown[0])
            opts = cls(**dict(value))
            if opts.level.upper() not in _LEVELS:
                raise SettingsError(f"logger level must be one of {', '.join(_LEVELS)}", cause=opts.level)
            return opts
        raise SettingsError("logger must be a bool, a mapping or LoggerOptions", cause=type(value).__name__)


def mask_url(url: str) -> str:
    """Drop the query and mask path segments that carry a download token."""
    return _TOKEN_SEGMENT.sub(r"\1***", url.split("?", 1)[0])


def secret_forms(secret: str) -> set[str]:
    """The ways a secret can appear in text: as is, and as Python and HTTP libraries quote it (`repr` of the
    text or of its bytes, `\\r`-style escapes, JSON escapes), so a redactor finds `b'key\\r'` too."""
    forms = {secret}
    forms.add(repr(secret)[1:-1])
    forms.add(secret.encode("unicode_escape").decode("ascii"))
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    try:
        forms.add(repr(secret.encode("utf-8"))[2:-1])
        forms.add(repr(secret.encode("latin-1"))[2:-1])
    except UnicodeEncodeError:
        pass
    stripped = secret.strip()
    if stripped and stripped != secret:
        forms |= secret_forms(stripped)
    return {form for form in forms if len(form) >= 4}


def redact(text: str, secrets: Iterable[str | None], mask: str = "***") -> str:
    """`text` with every form of every secret (see `secret_forms`) replaced by `mask`."""
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= 4:
            forms |= secret_forms(secret)
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, mask)
    return text


class _Formatter(logging.Formatter):
    _COLORS: ClassVar[dict[int, str]] = {
        logging.WARNING: "\x1b[33m",
        logging.ERROR: "\x1b[31m",
        logging.DEBUG: "\x1b[2m",
    }

    def __init__(self, options: LoggerOptions) -> None:
        fmt = ("%(asctime)s " if options.timestamp else "") + f"[{options.context}] %(levelname)s %(message)s"
        super().__init__(fmt, datefmt=options.datefmt)
        self.colorful = options.colorful and sys.stderr.isatty()

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        color = self._COLORS.get(record.levelno) if self.colorful else None
        return f"{color}{text}\x1b[0m" if color else text


class SdkLogger:
    """A small per-client front for the shared `cspark` logger, honouring the client's options."""

    def __init__(self, options: LoggerOptions) -> None:
        self.options = options
        self.level = _LEVELS[options.level.upper()]
        self._logger = logging.getLogger("cspark")
        self._handler: logging.Handler | None = None
        if not options.disabled:
            self._handler = logging.StreamHandler(sys.stderr)
            self._handler.setFormatter(_Formatter(options))

    def log(self, level: int, message: str, *args: object) -> None:
        if self._handler is None or level < self.level:
            return
        record = self._logger.makeRecord("cspark", level, __file__, 0, message, args, None)
        self._handler.handle(record)

    def debug(self, message: str, *args: object) -> None:
        self.log(logging.DEBUG, message, *args)

    def info(self, message: str, *args: object) -> None:
        self.log(logging.INFO, message, *args)

    def warning(self, message: str, *args: object) -> None:
        self.log(logging.WARNING, message, *args)
