"""`cspark folders ...` against the real emulator over HTTP."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import Result

from tests.e2e.conftest import Run


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def names(run: Run, *args: str) -> list[str]:
    rows = csv.DictReader(io.StringIO(ok(run("-o", "csv", "folders", "find", *args)).stdout))
    return sorted(row["Name"] for row in rows)


def test_find_lists_the_seeded_folders(run: Run) -> None:
    assert names(run) == ["my-folder", "pricing"]
    assert names(run, "pric") == ["pricing"]
    body = json.loads(ok(run("-o", "json", "folders", "find", "--size", "1")).stdout)
    assert body["status"] == "Success" and len(body["data"]) == 1


def test_find_with_nothing_found_is_still_success(run: Run) -> None:
    result = ok(run("folders", "find", "no-such-folder"))
    assert result.stdout == "" and "No folders found" in result.stderr
    assert names(run, "no-such-folder") == []
    assert json.loads(ok(run("-o", "json", "folders", "find", "no-such-folder")).stdout)["data"] == []


def test_create_get_update_delete(run: Run, tmp_path: Path) -> None:
    cover = tmp_path / "cover.png"
    cover.write_bytes(b"\x89PNG fake image")
    created = ok(
        run(
            "folders", "create", "team", "--description", "first", "--category", "Life", "--cover", str(cover)
        )
    )
    assert "Created folder 'team'" in created.stderr
    shown = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in created.stdout.splitlines())}
    assert shown["name"] == "team" and shown["description"] == "first" and shown["category"] == "Life"
    ok(run("folders", "update", "team", "--description", "second", "--launch-date", "2040-01-01"))
    body = json.loads(ok(run("-o", "json", "folders", "get", "team")).stdout)
    assert body["data"]["description"] == "second"
    ok(run("folders", "update", body["data"]["id"], "--category", "Health"))
    assert json.loads(ok(run("-o", "json", "folders", "get", "team")).stdout)["data"]["category"] == "Health"
    assert ok(run("folders", "exists", "team")).stdout.strip() == "true"
    ok(run("folders", "delete", "team", "--yes"))
    assert ok(run("folders", "exists", "team")).stdout.strip() == "false"


def test_a_missing_folder_exits_3(run: Run) -> None:
    result = run("folders", "get", "nope")
    assert result.exit_code == 3 and result.stdout == "" and result.stderr.startswith("error: ")


def test_a_duplicate_folder_is_rejected(run: Run) -> None:
    result = run("folders", "create", "pricing")
    assert result.exit_code == 5, result.stderr


def test_delete_refuses_without_yes(run: Run) -> None:
    result = run("folders", "delete", "pricing")
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert ok(run("folders", "exists", "pricing")).stdout.strip() == "true"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["create", "x", "--start-date", "tomorrow"], "--start-date"),
        (["create", "x", "--cover", "/no/such.png"], "--cover"),
        (["update", "pricing"], "nothing to change"),
        (["find", "--page", "0"], "--page"),
    ],
)
def test_bad_flags_are_usage_errors(run: Run, args: list[str], flag: str) -> None:
    result = run("folders", *args)
    assert result.exit_code == 2 and flag in result.stderr and result.stdout == ""
