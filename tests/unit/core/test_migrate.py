"""The pure parts of `impex.migrate()`: which services, where they go, which version a dry run names, and
the rows read from an import's final status."""

from __future__ import annotations

import pytest

from cspark_core import SparkSdkError, Uri
from cspark_core.resources.impex import migrated_rows, migration_destination, migration_services, pick_version


def test_services_are_folder_service_locators() -> None:
    assert [str(e) for e in migration_services("a/b[1.2]")] == ["a/b[1.2]"]
    for bad in ([], None, "service/123", ["a/b", "version/9"]):
        with pytest.raises(SparkSdkError):
            migration_services(bad)


def test_destinations_same_name_to_folder_or_explicit() -> None:
    entries = [Uri.parse("a/b[1.0]"), Uri.parse("a/b"), Uri.parse("c/d")]
    same = migration_destination(entries, None, None, "minor")
    assert [(i["service_uri_source"], i["service_uri_destination"]) for i in same] == [
        ("a/b", "a/b"),
        ("c/d", "c/d"),
    ]
    moved = migration_destination(entries, None, "prod", "patch")
    assert [i["service_uri_destination"] for i in moved] == ["prod/b", "prod/d"]
    assert {i["update_version_type"] for i in moved} == {"patch"}
    explicit = migration_destination(entries, {"a/b": "x/y"}, None, "minor")
    assert explicit == [
        {"service_uri_source": "a/b", "service_uri_destination": "x/y", "update_version_type": "minor"}
    ]
    for destination, folder in (("a/b", "x"), (None, "x/y"), (None, " ")):
        with pytest.raises(SparkSdkError):
            migration_destination(entries, destination, folder, "minor")


def test_pick_version_matches_components_and_takes_the_newest() -> None:
    versions = [{"revision": v, "id": v} for v in ("1.4.2", "1.40.0", "1.4.10", "2.0.0")]
    assert pick_version(versions, None) == {"revision": "2.0.0", "id": "2.0.0"}
    assert pick_version(versions, "1.4")["revision"] == "1.4.10"  # type: ignore[index]
    assert pick_version(versions, "1.4.2")["revision"] == "1.4.2"  # type: ignore[index]
    assert pick_version(versions, "3") is None
    assert pick_version(None, None) is None


def test_rows_per_version_or_per_service() -> None:
    status = {
        "outputs": {
            "services": [{"service_uri_source": "a/b", "service_uri_destination": "x/b", "status": "added"}],
            "service_versions": [
                {
                    "folder_source": "a", "service_source": "b", "version_source": "1.0.0",
                    "version_id_source": "v1", "folder_destination": "x", "service_destination": "b",
                    "version_destination": "1.1.0", "version_id_destination": "v2", "status": "updated",
                }
            ],
        }
    }  # fmt: skip
    assert migrated_rows(status) == [
        {
            "service": "a/b", "source_version": "1.0.0", "source_version_id": "v1", "target": "x/b",
            "target_version": "1.1.0", "target_version_id": "v2", "status": "updated",
        }
    ]  # fmt: skip
    del status["outputs"]["service_versions"]
    assert [(r["service"], r["target"], r["status"]) for r in migrated_rows(status)] == [
        ("a/b", "x/b", "added")
    ]
    assert migrated_rows(None) == []
