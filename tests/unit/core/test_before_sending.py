"""Bad arguments fail before anything is sent, naming the argument, in both twins. No sockets: every request
the client would send lands in `sent` (httpx.MockTransport), so "before sending" means `sent == []`."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cspark_core import AsyncClient, Client, SparkSdkError

BASE = "http://127.0.0.1:9/acme"
OPTIONS: dict[str, Any] = {"api_key": "k", "environ": {}, "logger": False}


class Spark:
    """A sync or async client on a mock Spark that answers every request with an empty success."""

    def __init__(self, kind: str) -> None:
        self.sent: list[httpx.Request] = []
        transport = httpx.MockTransport(self._answer)
        self.loop = asyncio.new_event_loop() if kind == "async" else None
        self.client: Client | AsyncClient = (
            AsyncClient(BASE, **OPTIONS, http_client=httpx.AsyncClient(transport=transport))
            if self.loop
            else Client(BASE, **OPTIONS, http_client=httpx.Client(transport=transport))
        )

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(200, json={"status": "Success", "data": None, "response_data": None})

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        target: Any = self.client
        for name in method.split("."):
            target = getattr(target, name)
        result = target(*args, **kwargs)
        if inspect.isawaitable(result):
            assert self.loop is not None
            result = self.loop.run_until_complete(result)
        return result

    def close(self) -> None:
        if self.loop:
            self.loop.close()


@pytest.fixture(params=["sync", "async"])
def spark(request: pytest.FixtureRequest) -> Iterator[Spark]:
    fake = Spark(request.param)
    yield fake
    fake.close()


def refused(spark: Spark, match: str, method: str, *args: Any, **kwargs: Any) -> SparkSdkError:
    with pytest.raises(SparkSdkError, match=match) as info:
        spark.call(method, *args, **kwargs)
    assert spark.sent == [], [str(r.url) for r in spark.sent]
    return info.value


# --- waits: a bad timeout or poll interval is refused before the upload / recompile starts ---------------


@pytest.mark.parametrize(
    ("method", "wait"),
    [
        ("services.compile", {"timeout": 0}),
        ("services.compile", {"poll_interval": -1}),
        ("services.create", {"timeout": -5}),
    ],
)
def test_a_bad_wait_is_refused_before_the_upload(spark: Spark, method: str, wait: dict[str, float]) -> None:
    refused(spark, "timeout|interval", method, "fold/svc", file=b"PK", **wait)


def test_a_bad_wait_is_refused_before_the_recompile(spark: Spark) -> None:
    refused(spark, "timeout", "services.recompile", "fold/svc", wait=True, timeout=0)


# --- folders ----------------------------------------------------------------------------------------------


def test_an_unreadable_cover_is_refused_before_the_folder_is_created(spark: Spark, tmp_path: Path) -> None:
    error = refused(spark, "cover", "folders.create", "team", cover=tmp_path / "missing.png")
    assert "missing.png" in str(error)


@pytest.mark.parametrize("method", ["folders.update", "folders.delete"])
@pytest.mark.parametrize("folder_id", ["", "  "])
def test_a_blank_folder_id_is_refused(spark: Spark, method: str, folder_id: str) -> None:
    refused(spark, "folder id", method, folder_id)


# --- logs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("job_id", ["", " "])
def test_a_blank_log_download_job_id_is_refused(spark: Spark, job_id: str) -> None:
    refused(spark, "job id", "logs.get_download_status", "fold/svc", job_id)


# --- services: a proxy endpoint takes no operation suffix -----------------------------


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("services.validate", ({"a": 1},)),
        ("services.get_metadata", ()),
        ("services.get_swagger", ()),
    ],
)
def test_a_proxy_locator_is_refused_where_an_operation_suffix_is_needed(
    spark: Spark, method: str, args: tuple[Any, ...]
) -> None:
    refused(spark, "proxy", method, "proxy/custom/endpoint", *args)
