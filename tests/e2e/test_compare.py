"""`compare_services()` / `async_compare_services()` against the emulator: two versions of a workbook that
differ in a known way (tests/e2e/books.py), and the same version on two tenants."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from cspark_core import AsyncClient, Client
from cspark_core.compare import Tolerance, async_compare_services, compare_services
from tests.e2e.books import pricing_book

SERVICE = "rates/fees"
VALUES = [1, 3, 10, 30, 51, 60, 99, 100, 7, 75]
RECORDS = [{"value": v} for v in VALUES]
OVER_50 = [i for i, v in enumerate(VALUES) if v > 50]
NOT_THIRDS = [i for i, v in enumerate(VALUES) if v % 3]


@pytest.fixture
def versions(sdk: Client) -> None:
    sdk.folders.create("rates")
    for version in (1, 2):
        sdk.services.create(SERVICE, file=pricing_book(version), poll_interval=0.01)


def by_name(report: Any) -> dict[str, Any]:
    return {stats.name: stats for stats in report.outputs}


@pytest.mark.usefixtures("versions")
def test_two_versions_differ_exactly_where_the_workbook_changed(sdk: Client) -> None:
    seen: list[Any] = []
    report = compare_services(
        sdk, f"{SERVICE}[0.1.0]", SERVICE, iter(RECORDS), chunk_size=3, on_difference=seen.append
    )
    stats = by_name(report)
    assert report.records == len(VALUES) and not report.equal
    assert (stats["doubled"].equal, stats["doubled"].different) == (10, 0)
    assert (stats["label"].equal, stats["label"].different) == (10, 0)
    assert stats["fee"].different == len(OVER_50) and stats["fee"].max_difference == 2
    assert [(d.index, d.a, d.b) for d in stats["fee"].samples] == [(i, 10, 12) for i in OVER_50[:5]]
    assert stats["ratio"].different == len(NOT_THIRDS) and stats["ratio"].max_difference < 0.005
    assert [(d.output, d.index) for d in seen] == sorted(
        [("fee", i) for i in OVER_50] + [("ratio", i) for i in NOT_THIRDS], key=lambda p: (p[1], p[0])
    )


@pytest.mark.usefixtures("versions")
def test_tolerance_and_ignore_make_them_equal(sdk: Client) -> None:
    tolerant = compare_services(
        sdk, f"{SERVICE}[0.1.0]", SERVICE, RECORDS, tolerance=Tolerance(absolute=0.005)
    )
    assert by_name(tolerant)["ratio"].different == 0 and by_name(tolerant)["fee"].different == len(OVER_50)
    both = compare_services(
        sdk, f"{SERVICE}[0.1.0]", SERVICE, RECORDS, tolerance=Tolerance(relative=0.01), ignore=["fee"]
    )
    assert both.equal and "fee" not in by_name(both)
    same = compare_services(sdk, SERVICE, f"{SERVICE}[0.2.0]", RECORDS, concurrency=2)
    assert same.equal and same.records == 10


@pytest.mark.usefixtures("versions")
def test_the_async_twin_and_two_tenants(sdk: Client, emulator: Any, prod: Any, prod_sdk: Client) -> None:
    prod_sdk.folders.create("rates")
    sdk.impex.migrate(prod_sdk, services=[f"{SERVICE}[0.1]"], poll_interval=0.01)

    async def run() -> Any:
        options = {"environ": {}, "logger": False}
        async with (
            AsyncClient(emulator.url, api_key=emulator.api_key, **options) as uat,
            AsyncClient(prod.url, api_key=prod.api_key, **options) as live,
        ):
            return await async_compare_services(uat, SERVICE, SERVICE, RECORDS, client_b=live, chunk_size=4)

    report = asyncio.run(run())
    stats = by_name(report)
    assert stats["fee"].different == len(OVER_50)
    assert [(d.a, d.b) for d in stats["fee"].samples][:1] == [(12, 10)]  # uat has 0.2.0, prod 0.1.0
    assert math.isclose(
        stats["ratio"].max_difference, max(abs(v / 3 - round(v / 3, 2)) for v in VALUES), abs_tol=1e-4
    )
