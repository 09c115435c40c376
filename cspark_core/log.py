"""SDK logging: stdlib `logging` under the `cspark` logger, configured per client by `LoggerOptions`.

The core never prints; it logs. Log lines name methods, paths and statuses only: never headers or bodies,
and tokenised download paths are masked (`mask_url`).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from .errors import SettingsError

__all__ = ["LoggerOptions", "SdkLogger", "mask_url"]

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
