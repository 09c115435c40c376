"""Results files (cspark_cli/results.py) and the streaming record readers (cspark_cli/inputs.py): rows in
order as they come, the CSV header from the first record with outputs, a header that grows is widened once
at the end, a resumed file ends with the bytes of an uninterrupted one; readers that never hold the file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import typer

from cspark_cli.inputs import iter_records
from cspark_cli.results import HOLD, ResultsFile, ResultWriter


def rows(*outputs: dict[str, object]) -> list[dict[str, object]]:
    return [{"outputs": o, "errors": None, "warnings": None} for o in outputs]


def test_csv_header_waits_for_the_first_record_with_outputs() -> None:
    stream = io.StringIO()
    writer = ResultWriter(stream, "csv")
    writer.write({"outputs": {}, "errors": [{"message": "bad"}], "warnings": None})
    assert stream.getvalue() == "" and not writer.settled
    writer.write(rows({"a": 1, "b": "x"})[0])
    writer.close()
    assert stream.getvalue().splitlines() == ["a,b,errors,warnings", ',,"[{""message"":""bad""}]",', "1,x,,"]


def test_csv_names_that_clash_with_columns_are_prefixed_and_none_is_a_missing_result() -> None:
    stream = io.StringIO()
    writer = ResultWriter(stream, "csv")
    writer.write(rows({"errors": 1})[0])
    writer.write(None)
    assert stream.getvalue().splitlines()[0] == "outputs.errors,errors,warnings"
    assert "no result" in stream.getvalue().splitlines()[2]


def test_a_csv_of_failures_only_still_gets_a_header_and_holding_is_bounded() -> None:
    stream = io.StringIO()
    writer = ResultWriter(stream, "csv")
    for _ in range(HOLD):
        writer.write({"outputs": {}, "errors": ["e"], "warnings": None})
    assert writer.settled and stream.getvalue().startswith("errors,warnings\n")


def test_jsonl_lines_are_written_at_once() -> None:
    stream = io.StringIO()
    writer = ResultWriter(stream, "jsonl")
    writer.write(rows({"a": 1})[0])
    assert json.loads(stream.getvalue()) == {"outputs": {"a": 1}, "errors": None, "warnings": None}


def test_a_header_that_grows_is_widened_at_the_end(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    results = ResultsFile(out, "csv")
    for row in rows({"a": 1}, {"a": 2, "b": 3}, {"b": 4}):
        results.writer.write(row)
    results.commit()
    assert out.read_text().splitlines() == ["a,b,errors,warnings", "1,,,", "2,3,,", ",4,,"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_resumed_file_is_byte_for_byte_an_uninterrupted_one(tmp_path: Path) -> None:
    data = rows(*({"a": i} for i in range(5)), {"a": 5, "b": 1}, *({"a": i} for i in range(6, 9)))
    whole = tmp_path / "whole.csv"
    results = ResultsFile(whole, "csv")
    for row in data:
        results.writer.write(row)
    results.commit()

    out = tmp_path / "out.csv"
    first = ResultsFile(out, "csv")
    for row in data[:6]:
        first.writer.write(row)
    cursor = first.cursor()
    first.writer.write(data[6])  # written after the checkpoint: a resume writes it again
    first.close()
    assert cursor is not None and not out.exists()
    second = ResultsFile(out, "csv", json.loads(json.dumps(cursor)))
    for row in data[6:]:
        second.writer.write(row)
    second.commit()
    assert out.read_bytes() == whole.read_bytes()


def test_records_are_read_lazily_from_every_format(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text("[" + ",".join(json.dumps({"i": i, "pad": "x" * 100}) for i in range(2000)) + "]")
    reader = iter_records(str(big))
    assert next(reader)["i"] == 0  # the first record before the rest is read
    assert [r["i"] for r in reader] == list(range(1, 2000))
    (tmp_path / "one.json").write_text('{"i": 1}')
    assert list(iter_records(str(tmp_path / "one.json"))) == [{"i": 1}]
    stdin = io.StringIO('\n  {"i": 1}\n{"i": 2}\n')
    assert list(iter_records("-", stdin=stdin)) == [{"i": 1}, {"i": 2}]
    assert list(iter_records("-", stdin=io.StringIO("i\n1\n2\n"))) == [{"i": 1}, {"i": 2}]
    assert list(iter_records("-", stdin=io.StringIO(' [{"i": 1}]'))) == [{"i": 1}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"i": 1} {"i": 2}]', "expected ',' or ']'"),
        ('[{"i": 1},', "not closed"),
        ('[{"i": 1}] x', "extra data"),
        ('[{"i": 1}, 3]', "record 2"),
        ('[{"i": ]', "record 1"),
    ],
)
def test_a_broken_json_array_names_the_flag_and_the_record(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(typer.BadParameter, match=message):
        list(iter_records(str(path), flag="--records"))
