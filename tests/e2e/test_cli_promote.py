"""`cspark services promote` and `cspark services compare` against two emulators over HTTP (profiles `uat`
and `prod`): what moved, a dry run, `--if-present` each way, `--verify`, and compare's counts, tolerance,
ignore, difference files and exit code 8 on the workbook of tests/e2e/books.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from cspark_core import Client
from tests.e2e.books import pricing_book
from tests.e2e.conftest import Run

SERVICE = "rates/fees"
FAST = ("--poll-interval", "0.01")
VALUES = [1, 3, 10, 30, 51, 60, 99, 100, 7, 75]  # five over 50
OVER_50 = [i for i, v in enumerate(VALUES) if v > 50]
NOT_THIRDS = [i for i, v in enumerate(VALUES) if v % 3]


@pytest.fixture
def profiles(run: Run, emulator: Any, prod: Any) -> None:
    for name, emu in (("uat", emulator), ("prod", prod)):
        saved = run(
            "auth", "login", "--name", name, "--base-url", emu.url, "--api-key-stdin", input=emu.api_key
        )
        assert saved.exit_code == 0, saved.stderr


@pytest.fixture
def fees(sdk: Client, prod_sdk: Client) -> dict[str, str]:
    """rates/fees 0.1.0 and 0.2.0 on uat; an empty rates folder on prod. Returns uat's version ids."""
    sdk.folders.create("rates")
    prod_sdk.folders.create("rates")
    for version in (1, 2):
        sdk.services.create(SERVICE, file=pricing_book(version), poll_interval=0.01)
    return {v["revision"]: v["id"] for v in sdk.services.get_versions(SERVICE).data["data"]}


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    path = tmp_path / "cases.csv"
    path.write_text("value\n" + "\n".join(str(v) for v in VALUES) + "\n")
    return path


def versions(client: Client) -> list[str]:
    return sorted(v["revision"] for v in client.services.get_versions(SERVICE).data["data"])


@pytest.mark.usefixtures("profiles")
def test_promote_moves_the_service_and_lists_it(run: Run, fees: dict[str, str], prod_sdk: Client) -> None:
    result = run("services", "promote", f"{SERVICE}[0.1]", "--from", "uat", "--to", "prod", *FAST)
    assert result.exit_code == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert header.split() == ["Service", "Source", "version", "Target", "Target", "version", "Status"]
    assert row.split() == [SERVICE, "0.1.0", SERVICE, "0.1.0", "added"]
    assert versions(prod_sdk) == ["0.1.0"]

    again = run("services", "promote", SERVICE, "--from", "uat", "--to", "prod", "-o", "json", *FAST)
    assert again.exit_code == 0, again.stderr
    data = json.loads(again.stdout)
    (moved,) = data["services"]
    assert (moved["source_version_id"], moved["status"]) == (fees["0.2.0"], "updated")
    assert data["export"]["status"] == "completed" and len(data["imports"]) == 1


@pytest.mark.usefixtures("profiles")
def test_dry_run_creates_nothing(run: Run, fees: dict[str, str], prod_sdk: Client) -> None:
    result = run(
        "services", "promote", SERVICE, "--to", "prod", "--to-folder", "rates", "--dry-run", "-o", "csv"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Service,Source version,Target,Target version,Status",
        f"{SERVICE},0.2.0,{SERVICE},,would create",
    ]
    assert not prod_sdk.services.exists(SERVICE)


@pytest.mark.usefixtures("profiles")
def test_if_present_each_way(run: Run, fees: dict[str, str], prod_sdk: Client) -> None:
    promote = ("services", "promote", "--from", "uat", "--to", "prod", "-o", "json", *FAST)
    assert run(*promote, f"{SERVICE}[0.1.0]").exit_code == 0

    aborted = run(*promote, SERVICE, "--if-present", "abort")
    assert aborted.exit_code == 7 and "already exists" in aborted.stderr and aborted.stdout == ""
    planned = run(*promote, SERVICE, "--if-present", "abort", "--dry-run")
    assert json.loads(planned.stdout)["services"][0]["status"] == "would fail: exists"

    added = run(*promote, SERVICE, "--if-present", "add-version", "--upgrade", "major")
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["services"][0]["status"] == "updated"
    assert versions(prod_sdk) == ["0.1.0", "1.0.0"]

    replaced = run(*promote, f"{SERVICE}[0.1]", "--if-present", "replace")
    assert replaced.exit_code == 0, replaced.stderr
    assert json.loads(replaced.stdout)["services"][0]["status"] == "replaced"
    assert versions(prod_sdk) == ["0.1.0"]


@pytest.mark.usefixtures("profiles")
def test_promote_verify_runs_the_records_on_both_sides(run: Run, fees: dict[str, str], cases: Path) -> None:
    result = run(
        "services", "promote", SERVICE, "--from", "uat", "--to", "prod", "--verify", str(cases), *FAST
    )
    assert result.exit_code == 0, result.stderr
    assert f"verified {SERVICE}[0.2.0] against {SERVICE}[0.2.0]" in result.stderr
    assert "all 10 records answer the same" in result.stderr

    as_json = run(
        "services", "promote", f"{SERVICE}[0.1]", "--to", "prod", "--verify", str(cases), "--ignore", "label",
        "-o", "json", *FAST,
    )  # fmt: skip
    assert as_json.exit_code == 0, as_json.stderr
    (check,) = json.loads(as_json.stdout)["verify"]
    assert check["equal"] and check["records"] == 10 and check["ignored"] == ["label"]
    assert (check["source_version_id"], check["target_version"]) == (
        fees["0.1.0"],
        "0.3.0",
    )  # added as a new version


@pytest.mark.usefixtures("profiles")
def test_promote_refuses_bad_input_before_any_request(run: Run, fees: dict[str, str], tmp_path: Path) -> None:
    cases = [
        (("service/abc",), "SERVICE"),
        ((SERVICE, "--tolerance", "0.1"), "--tolerance"),
        ((SERVICE, "--if-present", "merge"), "--if-present"),
        ((SERVICE, "--verify", str(tmp_path / "none.csv")), "--records"),
    ]
    for args, flag in cases:
        result = run("services", "promote", *args, "--to", "prod")
        assert result.exit_code == 2, (args, result.stderr)
        assert flag in result.stderr and result.stdout == ""
    unknown = run("services", "promote", SERVICE, "--to", "nowhere")
    assert unknown.exit_code == 4 and "no profile named 'nowhere'" in unknown.stderr


# -- compare ----------
@pytest.mark.usefixtures("fees")
def test_compare_equal_exits_0(run: Run, cases: Path) -> None:
    result = run("services", "compare", SERVICE, f"{SERVICE}[0.2.0]", "--records", str(cases))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Output", "Equal", "Different", "Max", "difference"]
    assert [line.split()[:3] for line in lines[1:]] == [
        [name, "10", "0"] for name in ("doubled", "fee", "label", "ratio")
    ]
    assert "all 10 records answer the same" in result.stderr


@pytest.mark.usefixtures("fees")
def test_compare_one_output_changed_in_a_known_subset(run: Run, cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "diff.csv"
    args = ("services", "compare", f"{SERVICE}[0.1.0]", SERVICE, "--records", str(cases), "--chunk-size", "3")
    result = run(*args, "--ignore", "ratio", "--out", str(out), "--sample", "2")
    assert result.exit_code == 8, result.stderr
    assert f"{len(OVER_50)} differences in 10 records, in output(s) fee" in result.stderr
    stats = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:4]}
    assert stats == {"doubled": ["10", "0", "0.0"], "fee": ["5", "5", "2.0"], "label": ["10", "0"]}
    first = result.stdout.split("First differences")[1].splitlines()[2:]
    assert [line.split() for line in first] == [[str(i), "fee", "10", "12", "2.0"] for i in OVER_50[:2]]
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(int(r["index"]), r["output"], r["a"], r["b"]) for r in rows] == [
        (i, "fee", "10", "12") for i in OVER_50
    ]

    again = run(*args, "--out", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr


@pytest.mark.usefixtures("fees")
def test_compare_tolerance_ignore_and_json(run: Run, cases: Path, tmp_path: Path) -> None:
    args = ("services", "compare", f"{SERVICE}[0.1.0]", SERVICE, "--records", str(cases))
    strict = run(*args, "-o", "json", "--out", str(tmp_path / "d.jsonl"))
    assert strict.exit_code == 8
    report = json.loads(strict.stdout)
    by_output = {o["output"]: o for o in report["outputs"]}
    assert by_output["ratio"]["different"] == len(NOT_THIRDS) and by_output["ratio"]["max_difference"] < 0.005
    lines = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [line["index"] for line in lines] == sorted(line["index"] for line in lines)  # input order
    assert len(lines) == len(OVER_50) + len(NOT_THIRDS)

    tolerant = run(*args, "--tolerance", "0.005", "--ignore", "fee")
    assert tolerant.exit_code == 0, tolerant.stdout
    relative = run(*args, "--tolerance", "1%", "--ignore", "fee,label,lable")
    assert relative.exit_code == 0 and "label" not in relative.stdout
    assert "warning: --ignore lable: no record has such an output" in relative.stderr
    still = run(*args, "--tolerance", "0.005")
    assert still.exit_code == 8 and "in output(s) fee" in still.stderr


@pytest.mark.usefixtures("profiles")
def test_compare_the_same_service_on_two_tenants(run: Run, fees: dict[str, str], cases: Path) -> None:
    assert run("services", "promote", f"{SERVICE}[0.1]", "--to", "prod", *FAST).exit_code == 0
    result = run(
        "services", "compare", SERVICE, SERVICE, "--profile-b", "prod", "--records", str(cases), "-o", "json"
    )
    assert result.exit_code == 8
    fee = next(o for o in json.loads(result.stdout)["outputs"] if o["output"] == "fee")
    assert fee["different"] == len(OVER_50) and fee["samples"][0]["a"] == 12 and fee["samples"][0]["b"] == 10


@pytest.mark.usefixtures("fees")
def test_compare_bad_input_is_a_usage_error(run: Run, cases: Path, tmp_path: Path) -> None:
    base = ("services", "compare", SERVICE, SERVICE)
    for args, flag in (
        (("--records", str(cases), "--tolerance", "abc"), "--tolerance"),
        (("--records", str(cases), "--tolerance", "1", "--tolerance", "2"), "--tolerance"),
        (("--records", str(cases), "--out", str(tmp_path / "d.txt")), "--out"),
        (("--records", str(tmp_path / "missing.csv")), "--records"),
    ):
        result = run(*base, *args)
        assert result.exit_code == 2 and flag in result.stderr, (args, result.stderr)
    bad = run("services", "compare", "nope", SERVICE, "--records", str(cases))
    assert bad.exit_code == 2 and "'A'" in bad.stderr


@pytest.mark.usefixtures("fees")
def test_compare_streams_records_from_stdin_and_reports_a_bad_one(run: Run, tmp_path: Path) -> None:
    lines = "".join(json.dumps({"value": v}) + "\n" for v in VALUES)
    piped = run(
        "services", "compare", SERVICE, f"{SERVICE}[0.2.0]", "--records", "-", "-o", "json", input=lines
    )
    assert piped.exit_code == 0, piped.stderr
    assert json.loads(piped.stdout)["records"] == len(VALUES)
    broken = tmp_path / "broken.jsonl"
    broken.write_text(lines + "not json\n")
    result = run("services", "compare", SERVICE, SERVICE, "--records", str(broken), "--chunk-size", "2")
    assert result.exit_code == 2 and "--records" in result.stderr and result.stdout == ""
