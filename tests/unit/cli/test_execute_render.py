"""The pure parts of `services execute` and the download helper: record tables, rendering of v3/v4 bodies in
each format, and saving a download (the fetch is a stand-in for the network, the file logic is real)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cspark_cli.commands.services import record_table, render_execute
from cspark_cli.downloads import DownloadUsageError, save_download
from cspark_cli.output import Output

V3 = {
    "status": "Success",
    "response_data": {"outputs": {"total": 3, "note": "ok"}, "errors": None, "inputs": {"a": 1}},
    "response_meta": {"call_id": "c1"},
}
V4 = {
    "outputs": [{"total": 1}, {"total": 2, "extra.dotted": "x"}],
    "errors": [None, [{"message": "bad"}]],
    "process_time": [1, 1],
}


def output(fmt: str) -> tuple[Output, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Output(fmt, terminal=False, stdout=out, stderr=err), out, err  # type: ignore[arg-type]


def test_record_table_puts_inputs_first_and_renames_clashes() -> None:
    rows, columns = record_table([{"total": 3, "a": 9}], [{"a": 1, "b": 2}])
    assert [c.header for c in columns] == ["input.a", "b", "total", "a"]
    assert rows == [[1, 2, 3, 9]]
    assert [c.text(rows[0]) for c in columns] == ["1", "2", "3", "9"]


def test_record_table_keeps_names_with_dots_and_missing_values() -> None:
    rows, columns = record_table(V4["outputs"], None)
    assert [c.header for c in columns] == ["total", "extra.dotted"]
    assert [[c.text(row) for c in columns] for row in rows] == [["1", ""], ["2", "x"]]


def test_one_record_json_is_the_body_as_is() -> None:
    out, stdout, stderr = output("json")
    render_execute(out, V3, single=True, inputs=None)
    assert json.loads(stdout.getvalue()) == V3 and stderr.getvalue() == ""


def test_one_record_table_is_name_value_rows() -> None:
    out, stdout, _ = output("table")
    render_execute(out, V3, single=True, inputs=None)
    assert stdout.getvalue().splitlines() == ["total:  3", "note:   ok"]


def test_one_record_table_shows_a_table_output_as_a_table() -> None:
    body = {
        "status": "Success",
        "response_data": {
            "outputs": {
                "count": 2,
                "premiums": [{"id": "P-1", "premium": 180}, {"id": "P-2", "premium": 9.5}],
            },
            "errors": None,
            "warnings": None,
        },
    }
    out, stdout, _ = output("table")
    render_execute(out, body, single=True, inputs=None)
    assert stdout.getvalue().splitlines() == [
        "count:  2",
        "",
        "premiums:",
        "id   premium",
        "P-1  180",
        "P-2  9.5",
    ]  # not `premiums:  [{"id":"P-1","premium":180},...]`


def test_one_record_csv_is_one_row_with_echoed_inputs() -> None:
    out, stdout, _ = output("csv")
    render_execute(out, V3, single=True, inputs=[V3["response_data"]["inputs"]])
    assert list(csv.reader(io.StringIO(stdout.getvalue()))) == [["a", "total", "note"], ["1", "3", "ok"]]


def test_many_records_warn_about_errors_on_stderr() -> None:
    out, stdout, stderr = output("csv")
    render_execute(out, V4, single=False, inputs=None)
    assert stdout.getvalue().splitlines() == ["total,extra.dotted", "1,", "2,x"]
    assert stderr.getvalue() == (
        "warning: of 2 records, 1 came back with errors and 0 with warnings (-o json shows them)\n"
    )


def test_one_record_shows_sparks_errors_and_warnings_on_stderr() -> None:
    body = {
        "response_data": {
            "outputs": {"total": None},
            "errors": [{"message": "#DIV/0! in total", "source_path": "Main!B4"}],
            "warnings": [{"message": "Input 'a' was not provided; the default value was used"}],
        }
    }
    out, stdout, stderr = output("table")
    render_execute(out, body, single=True, inputs=None)
    assert stdout.getvalue().splitlines() == ["total:"]
    assert stderr.getvalue().splitlines() == [
        "warning: #DIV/0! in total",
        "warning: Input 'a' was not provided; the default value was used",
    ]


# --- downloads ----------


def fetch_writing(content: bytes, name: str | None) -> Any:
    headers = {"content-disposition": f'attachment; filename="{name}"'} if name else {}

    def fetch(to: Path) -> Any:
        to.write_bytes(content)
        return SimpleNamespace(headers=headers, request_id="r1")

    return fetch


def test_download_takes_the_server_name(tmp_path: Path) -> None:
    out, _, _ = output("table")
    saved = save_download(out, fetch_writing(b"abc", "../evil.xlsx"), dest=tmp_path, force=False,
                          fallback="x.bin", what="file")  # fmt: skip
    assert saved.path == tmp_path / "evil.xlsx" and saved.size == 3
    assert [p.name for p in tmp_path.iterdir()] == ["evil.xlsx"]  # a name, never a path
    umask = os.umask(0o022)
    try:
        saved = save_download(out, fetch_writing(b"abcd", "m.zip"), dest=tmp_path, force=False,
                              fallback="x.bin", what="file")  # fmt: skip
    finally:
        os.umask(umask)
    assert stat.S_IMODE(saved.path.stat().st_mode) == 0o644  # the umask's mode, not mkstemp's 0600


def test_download_falls_back_and_never_overwrites(tmp_path: Path) -> None:
    out, _, _ = output("table")
    (tmp_path / "x.bin").write_bytes(b"old")
    with pytest.raises(DownloadUsageError, match="--force"):
        save_download(
            out, fetch_writing(b"new", None), dest=tmp_path, force=False, fallback="x.bin", what="f"
        )
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]
    assert (tmp_path / "x.bin").read_bytes() == b"old"
    save_download(out, fetch_writing(b"new", None), dest=tmp_path, force=True, fallback="x.bin", what="f")
    assert (tmp_path / "x.bin").read_bytes() == b"new"


def test_a_failing_fetch_leaves_nothing(tmp_path: Path) -> None:
    out, _, _ = output("table")

    def broken(to: Path) -> Any:
        to.write_bytes(b"partial")
        raise ConnectionError("dropped")

    with pytest.raises(ConnectionError):
        save_download(out, broken, dest=tmp_path / "f.zip", force=False, fallback="f.zip", what="f")
    assert list(tmp_path.iterdir()) == []


def test_a_download_that_waits_for_a_job_says_so_on_its_spinner(tmp_path: Path) -> None:
    said: list[str] = []

    class Spinning(Output):
        @contextmanager
        def spinner(self, text: str) -> Iterator[None]:
            said.append(text)
            yield

    out = Spinning("table", terminal=False, stdout=io.StringIO(), stderr=io.StringIO())
    save_download(out, fetch_writing(b"a", "p.zip"), dest=tmp_path, force=False, fallback="x", what="package",
                  doing="Waiting for the export job, then downloading the package")  # fmt: skip
    save_download(out, fetch_writing(b"a", "w.zip"), dest=tmp_path, force=False, fallback="x", what="module")
    assert said == ["Waiting for the export job, then downloading the package", "Downloading module"]
