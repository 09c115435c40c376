"""`impex.migrate()` between two emulators (tenants `local` and `prod`), with the sync `Client` (target: a
`Client`) and the `AsyncClient` (target: `Settings`): what moved, `services_existing` each way, `to_folder`,
a dry run that creates nothing, and arguments refused before the first request."""

from __future__ import annotations

from typing import Any

import pytest

from cspark_core import Client, JobFailedError, NotFoundError, Settings, SparkSdkError
from tests.e2e.books import expected, pricing_book

SERVICE = "rates/fees"
FAST = {"poll_interval": 0.01}


@pytest.fixture
def source(sdk: Client) -> dict[str, str]:
    """rates/fees with versions 0.1.0 and 0.2.0 on the source emulator; their version ids."""
    sdk.folders.create("rates")
    for version in (1, 2):
        sdk.services.create(SERVICE, file=pricing_book(version), **FAST)
    return {v["revision"]: v["id"] for v in sdk.services.get_versions(SERVICE).data["data"]}


@pytest.fixture
def target(spark: Any, prod: Any, prod_sdk: Client) -> Any:
    """Where `spark` migrates to: the prod client itself for the sync client, prod's Settings for the async
    one (an AsyncClient cannot be driven from the test's blocking wrapper)."""
    prod_sdk.folders.create("rates")
    if isinstance(spark, Client):
        return prod_sdk
    return Settings.build(prod.url, api_key=prod.api_key, environ={}, logger=False)


def test_migrate_creates_the_service_in_the_other_tenant(
    spark: Any, source: dict[str, str], target: Any, prod_sdk: Client
) -> None:
    res = spark.impex.migrate(target, services=[f"{SERVICE}[0.1]"], **FAST)
    assert res.data["services"] == [
        {
            "service": SERVICE, "source_version": "0.1.0", "source_version_id": source["0.1.0"],
            "target": SERVICE, "target_version": "0.1.0", "target_version_id": source["0.1.0"],
            "status": "added",
        }
    ]  # fmt: skip
    assert res.data["export"]["status"] == "completed"
    assert [job["status"] for job in res.data["imports"]] == ["completed"]
    assert prod_sdk.services.execute(SERVICE, inputs={"value": 60}).outputs == expected(1, 60)


def test_if_present_add_version_replace_and_abort(
    spark: Any, source: dict[str, str], target: Any, prod_sdk: Client
) -> None:
    spark.impex.migrate(target, services=[f"{SERVICE}[0.1.0]"], **FAST)

    added = spark.impex.migrate(target, services=[SERVICE], services_existing="add_version", **FAST)
    (row,) = added.data["services"]
    assert (row["source_version"], row["status"]) == ("0.2.0", "updated")
    versions = [v["revision"] for v in prod_sdk.services.get_versions(SERVICE).data["data"]]
    assert sorted(versions) == ["0.1.0", row["target_version"]] and row["target_version"] != "0.1.0"
    assert prod_sdk.services.execute(SERVICE, inputs={"value": 60}).outputs["fee"] == 12

    with pytest.raises(JobFailedError, match="already exists"):
        spark.impex.migrate(target, services=[SERVICE], services_existing="abort", **FAST)

    replaced = spark.impex.migrate(target, services=[f"{SERVICE}[0.1]"], services_existing="replace", **FAST)
    assert [(r["target_version"], r["status"]) for r in replaced.data["services"]] == [("0.1.0", "replaced")]
    versions = [v["revision"] for v in prod_sdk.services.get_versions(SERVICE).data["data"]]
    assert versions == ["0.1.0"]
    assert prod_sdk.services.execute(SERVICE, inputs={"value": 60}).outputs["fee"] == 10


def test_to_folder_and_destination_map_the_services(
    spark: Any, source: dict[str, str], target: Any, prod_sdk: Client
) -> None:
    prod_sdk.folders.create("live")
    moved = spark.impex.migrate(target, services=[SERVICE], to_folder="live", **FAST)
    assert [r["target"] for r in moved.data["services"]] == ["live/fees"]
    renamed = spark.impex.migrate(target, services=[SERVICE], destination={SERVICE: "live/charges"}, **FAST)
    assert [r["target"] for r in renamed.data["services"]] == ["live/charges"]
    assert prod_sdk.services.execute("live/charges", inputs={"value": 3}).outputs == expected(2, 3)


def test_a_dry_run_says_what_would_happen_and_creates_nothing(
    spark: Any, source: dict[str, str], target: Any, prod_sdk: Client
) -> None:
    plan = spark.impex.migrate(target, services=[SERVICE], dry_run=True, **FAST)
    assert plan.data == {
        "dry_run": True,
        "services": [
            {
                "service": SERVICE, "source_version": "0.2.0", "source_version_id": source["0.2.0"],
                "target": SERVICE, "target_version": None, "target_version_id": None,
                "status": "would create",
            }
        ],
    }  # fmt: skip
    assert not prod_sdk.services.exists(SERVICE)
    assert spark.impex.exports.describe().data["recent_exports"] == []

    spark.impex.migrate(target, services=[SERVICE], **FAST)
    for rule, status in (("abort", "would fail: exists"), ("replace", "would replace"),
                         ("add_version", "would add a version")):  # fmt: skip
        plan = spark.impex.migrate(target, services=[SERVICE], services_existing=rule, dry_run=True, **FAST)
        assert [r["status"] for r in plan.data["services"]] == [status]
    with pytest.raises(NotFoundError, match="rates/fees has no version matching '9'"):
        spark.impex.migrate(target, services=[f"{SERVICE}[9]"], dry_run=True, **FAST)


def test_bad_arguments_are_refused_before_sending(spark: Any, prod_sdk: Client) -> None:
    with pytest.raises(SparkSdkError, match="at least one"):
        spark.impex.migrate(prod_sdk, services=[])
    with pytest.raises(SparkSdkError, match="folder/service"):
        spark.impex.migrate(prod_sdk, services=["version/abc"])
    with pytest.raises(SparkSdkError, match="not both"):
        spark.impex.migrate(prod_sdk, services=[SERVICE], to_folder="x", destination=SERVICE)
    with pytest.raises(SparkSdkError, match="services_existing"):
        spark.impex.migrate(prod_sdk, services=[SERVICE], services_existing="merge")
    with pytest.raises(SparkSdkError, match="to must be"):
        spark.impex.migrate("prod", services=[SERVICE])
