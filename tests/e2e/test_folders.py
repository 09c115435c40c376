"""Every folders method against the real emulator over HTTP, for `Client` and
`AsyncClient` alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cspark_core import ConflictError, NotFoundError, SparkSdkError


def names(res: Any) -> list[str]:
    return sorted(folder["name"] for folder in res.data["data"])


def test_exists(spark: Any) -> None:
    assert spark.folders.exists("my-folder") is True
    assert spark.folders.exists("no-such-folder") is False


def test_find_by_name_and_paging(spark: Any) -> None:
    everything = spark.folders.find()
    assert everything.data["status"] == "Success"
    assert names(everything) == ["my-folder", "pricing"]
    assert names(spark.folders.find("pric")) == ["pricing"]
    assert spark.folders.find("no-such-folder").data["data"] == []
    first = spark.folders.find(size=1)
    assert len(first.data["data"]) == 1 and first.data["count"] == 2


def test_create_get_update_delete(spark: Any, tmp_path: Path) -> None:
    cover = tmp_path / "cover.png"
    cover.write_bytes(b"\x89PNG fake image")
    created = spark.folders.create("team", description="first", category="Life", cover=cover)
    folder = created.data["data"]
    assert (folder["name"], folder["description"], folder["category"]) == ("team", "first", "Life")
    assert folder["coverImagePath"]  # the cover went up after the create
    assert spark.folders.get("team").data["data"]["id"] == folder["id"]

    spark.folders.update(folder["id"], description="second", category="Other")
    updated = spark.folders.get("team").data["data"]
    assert (updated["description"], updated["category"]) == ("second", "Other")

    spark.folders.delete(folder["id"])
    assert spark.folders.exists("team") is False
    with pytest.raises(NotFoundError):
        spark.folders.get("team")


def test_a_duplicate_name_is_a_conflict(spark: Any) -> None:
    with pytest.raises(ConflictError):  # reported inside an HTTP 200 reply
        spark.folders.create("my-folder")


def test_an_unreadable_cover_creates_no_folder(spark: Any, tmp_path: Path) -> None:
    with pytest.raises(SparkSdkError, match="cover"):
        spark.folders.create("team", cover=tmp_path / "missing.png")
    assert spark.folders.exists("team") is False


def test_a_missing_folder_is_not_found(spark: Any) -> None:
    with pytest.raises(NotFoundError):
        spark.folders.get("no-such-folder")
