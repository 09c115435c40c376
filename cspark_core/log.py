"""SDK logging: stdlib `logging` under the `cspark` logger (one child per area), configured per client by
`LoggerOptions`.

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
    """The SDK's own line: `[context] LEVEL message`, with a time and colour as the client's options say."""

    _COLORS: ClassVar[dict[int, str]] = {
        logging.WARNING: "\x1b[33m",
        logging.ERROR: "\x1b[31m",
        logging.DEBUG: "\x1b[2m",
    }

    def format(self, record: logging.LogRecord) -> str:
        options = getattr(record, "cspark_options", None) or LoggerOptions()
        stamp = f"{self.formatTime(record, options.datefmt)} " if options.timestamp else ""
        text = f"{stamp}[{options.context}] {record.levelname} {record.getMessage()}"
        color = self._COLORS.get(record.levelno) if options.colorful and sys.stderr.isatty() else None
        return f"{color}{text}\x1b[0m" if color else text


class _DefaultHandler(logging.Handler):
    """What makes `logger=True` print: installed once on the `cspark` logger, it writes to stderr only while
    nobody else handles SDK records. An application that configures `logging` (a root handler, or one of its
    own on `cspark`) gets every record there instead, once."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(_Formatter())

    def emit(self, record: logging.LogRecord) -> None:
        if _others_handle(self):
            return
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging never breaks a call
            self.handleError(record)


def _others_handle(ours: logging.Handler) -> bool:
    root = logging.getLogger()
    sdk = logging.getLogger("cspark")
    return bool(root.handlers) or any(handler is not ours for handler in sdk.handlers)


_DEFAULT = _DefaultHandler()


def _install_default() -> None:
    sdk = logging.getLogger("cspark")
    if _DEFAULT not in sdk.handlers:
        sdk.addHandler(_DEFAULT)


def _explicit_level(logger: logging.Logger) -> int | None:
    """A level someone set on this logger or a parent up to `cspark` (an application's choice wins)."""
    current: logging.Logger | None = logger
    while current is not None and current.name.startswith("cspark"):
        if current.level != logging.NOTSET:
            return current.level
        current = current.parent if isinstance(current.parent, logging.Logger) else None
    return None


class SdkLogger:
    """How the SDK logs, per client: through the standard `cspark.<area>` loggers (children of `cspark`), so
    an application can route, filter or silence them the usual way. The client's `LoggerOptions` decide
    whether it logs at all and from which level (a level set on the `cspark` loggers wins); with nobody else
    handling them, records are printed to stderr as the seed SDK does (`logger=True`, the default)."""

    def __init__(self, options: LoggerOptions, name: str = "cspark.transport") -> None:
        self.options = options
        self.level = _LEVELS[options.level.upper()]
        self._logger = logging.getLogger(name)
        if not options.disabled:
            _install_default()

    def child(self, area: str) -> SdkLogger:
        """The same options on the logger of another area (`cspark.bulk`, ...)."""
        return SdkLogger(self.options, f"cspark.{area}")

    def log(self, level: int, message: str, *args: object) -> None:
        if self.options.disabled or level < self.level:
            return
        explicit = _explicit_level(self._logger)
        if explicit is not None and level < explicit:
            return
        record = self._logger.makeRecord(
            self._logger.name, level, __file__, 0, message, args, None, extra={"cspark_options": self.options}
        )
        self._logger.handle(record)

    def debug(self, message: str, *args: object) -> None:
        self.log(logging.DEBUG, message, *args)

    def info(self, message: str, *args: object) -> None:
        self.log(logging.INFO, message, *args)

    def warning(self, message: str, *args: object) -> None:
        self.log(logging.WARNING, message, *args)
