"""The CLI's handler for the SDK's log records (`logging.getLogger("cspark")`): one line each on the CLI's
stderr, through `Output` so secrets are scrubbed. `-v` lowers the level to DEBUG and `-q` turns the SDK's
logging off (both through the client's logger options); with this handler in place the SDK prints nothing
itself."""

from __future__ import annotations

import logging

from .output import Output

__all__ = ["attach", "detach"]


class _CliHandler(logging.Handler):
    def __init__(self, out: Output) -> None:
        super().__init__()
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.out.stderr.write(self.out.scrub(f"[cspark] {record.levelname} {record.getMessage()}") + "\n")
            self.out.stderr.flush()
        except Exception:
            self.handleError(record)


def attach(out: Output) -> None:
    """Route the SDK's records to `out` (replacing the handler an earlier run in this process attached)."""
    detach()
    logging.getLogger("cspark").addHandler(_CliHandler(out))


def detach() -> None:
    sdk = logging.getLogger("cspark")
    for handler in list(sdk.handlers):
        if isinstance(handler, _CliHandler):
            sdk.removeHandler(handler)
