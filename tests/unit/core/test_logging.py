"""The SDK logs through the standard `cspark` loggers: an application receives every record there, can
silence it the usual way, and the seed SDK's `logger=True` still prints to stderr when nobody else handles
SDK records."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from cspark_core import Client

BASE = "https://excel.test.coherent.global/tenant"


def flaky() -> httpx.MockTransport:
    """503 once, then 200."""
    calls = iter([503, 200])
    return httpx.MockTransport(lambda request: httpx.Response(next(calls), json={"status": "Success"}))


def call(**options: object) -> None:
    http = httpx.Client(transport=flaky())
    with Client(BASE, api_key="k", environ={}, retry_interval=0, http_client=http, **options) as client:  # type: ignore[arg-type]
        client.health.check()


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def bare_application() -> Iterator[None]:
    """No handler on the root logger (pytest keeps its own there) nor on `cspark`: a bare application."""
    root, sdk = logging.getLogger(), logging.getLogger("cspark")
    saved_root = root.handlers[:]
    saved_sdk = [h for h in sdk.handlers if type(h).__name__ != "_DefaultHandler"]
    root.handlers.clear()
    for handler in saved_sdk:
        sdk.removeHandler(handler)
    try:
        yield
    finally:
        root.handlers[:] = saved_root
        for handler in saved_sdk:
            sdk.addHandler(handler)


@pytest.fixture
def sdk_records() -> Iterator[Records]:
    handler = Records()
    logging.getLogger("cspark").addHandler(handler)
    yield handler
    logging.getLogger("cspark").removeHandler(handler)
    logging.getLogger("cspark").setLevel(logging.NOTSET)


def test_every_record_reaches_the_cspark_logger(
    sdk_records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    call(logger={"level": "DEBUG"})
    names = {record.name for record in sdk_records.records}
    levels = [record.levelname for record in sdk_records.records]
    assert names == {"cspark.transport"} and "WARNING" in levels and "INFO" in levels
    assert any("retry 1 of 2" in record.getMessage() for record in sdk_records.records)
    assert stderr.getvalue() == ""  # the application handles them: the SDK prints nothing itself


def test_an_application_can_silence_the_sdk(sdk_records: Records) -> None:
    logging.getLogger("cspark").setLevel(logging.ERROR)
    call(logger={"level": "DEBUG"})
    assert sdk_records.records == []
    logging.getLogger("cspark").setLevel(logging.NOTSET)
    call(logger=False)
    assert sdk_records.records == []


def test_logger_true_prints_warnings_to_stderr_when_nobody_else_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    with bare_application():
        call()  # logger=True: the seed SDK's default
    lines = stderr.getvalue().splitlines()
    assert len(lines) == 1 and "[CSPARK] WARNING" in lines[0] and "503" in lines[0]


def test_a_root_handler_gets_each_record_once(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr, captured = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    with bare_application():
        logging.getLogger().addHandler(logging.StreamHandler(captured))  # logging.basicConfig(...)
        call()
    assert stderr.getvalue() == "" and captured.getvalue().count("503") == 1
