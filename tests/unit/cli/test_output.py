"""Output: data on stdout, chatter on stderr, and the three formats."""

from __future__ import annotations

import io
import json

import pytest

from cspark_cli.output import Column, Output

ROWS = [
    {"name": "Pricing", "count": 3, "meta": {"owner": "ada"}, "live": True},
    {"name": "Risk [beta]", "count": None, "meta": {"owner": "bob"}, "live": False},
]
COLUMNS = [
    Column("Name", "name"),
    Column("Count", "count"),
    Column("Owner", "meta.owner"),
    Column("Live", "live"),
]


def make(fmt: str = "table", **kw: object) -> tuple[Output, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Output(fmt, stdout=out, stderr=err, **kw), out, err  # type: ignore[arg-type]


def test_plain_table_when_piped() -> None:
    output, out, err = make()
    output.result({"data": ROWS}, rows=ROWS, columns=COLUMNS)
    assert out.getvalue().splitlines() == [
        "Name         Count  Owner  Live",
        "Pricing      3      ada    true",
        "Risk [beta]         bob    false",
    ]
    assert err.getvalue() == ""


def test_an_empty_table_is_just_its_header() -> None:
    output, out, _ = make()
    output.result({"data": []}, rows=[], columns=COLUMNS)
    assert out.getvalue().splitlines() == ["Name  Count  Owner  Live"]


def test_rich_table_on_a_terminal_does_not_interpret_markup() -> None:
    output, out, _ = make(terminal=True)
    output.result(ROWS, rows=ROWS, columns=COLUMNS)
    text = out.getvalue()
    assert "Risk [beta]" in text and "\x1b[" in text  # styled, and user data kept literally


def test_no_color_on_a_terminal_is_plain() -> None:
    output, out, _ = make(terminal=True, no_color=True)
    output.result(ROWS, rows=ROWS, columns=COLUMNS)
    assert "\x1b[" not in out.getvalue() and out.getvalue().startswith("Name ")


def test_json_is_the_payload_as_sent() -> None:
    payload = {"status": "Success", "data": ROWS, "unicode": "é"}
    output, out, _ = make("json")
    output.result(payload, rows=ROWS, columns=COLUMNS)
    assert json.loads(out.getvalue()) == payload
    assert out.getvalue() == json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n"
    output, out, _ = make("json", terminal=True)
    output.result(payload, rows=ROWS)
    assert out.getvalue().startswith('{\n  "status": "Success"')


def test_csv_for_list_shaped_data() -> None:
    output, out, _ = make("csv")
    output.result({"data": ROWS}, rows=ROWS, columns=COLUMNS)
    assert out.getvalue() == "Name,Count,Owner,Live\nPricing,3,ada,true\nRisk [beta],,bob,false\n"


def test_columns_default_to_the_keys_of_the_rows() -> None:
    output, out, _ = make("csv")
    output.result([{"a": 1}, {"b": [1, 2]}])
    assert out.getvalue() == 'a,b\n1,\n,"[1,2]"\n'
    output, out, _ = make("csv")
    output.result(["x", "y"])
    assert out.getvalue() == "value\nx\ny\n"


def test_a_mapping_result_is_a_name_value_view() -> None:
    output, out, _ = make()
    output.result({"id": "abc", "version": 2, "tags": ["a"]})
    assert out.getvalue().splitlines() == ["id:       abc", "version:  2", 'tags:     ["a"]']
    output, out, _ = make("csv")
    output.kv({"id": "abc"})
    assert out.getvalue() == "name,value\nid,abc\n"


def test_a_name_value_view_names_nested_values_instead_of_printing_json() -> None:
    info = {"id": "b1", "summary": {"records_failed": 0, "time": {"ms": 5}}, "extra": {}}
    output, out, _ = make()
    output.kv(info, flatten=True)
    assert [line.split() for line in out.getvalue().splitlines()] == [
        ["id:", "b1"],
        ["summary.records_failed:", "0"],
        ["summary.time.ms:", "5"],
        ["extra:", "{}"],
    ]
    output, out, _ = make("csv")
    output.kv(info, flatten=True)
    assert out.getvalue().splitlines()[3] == "summary.time.ms,5"
    output, out, _ = make("json")
    output.kv(info, flatten=True)
    assert json.loads(out.getvalue()) == info  # -o json: as sent
    output, out, _ = make()
    output.kv({"inputs": {"a": 1}})
    assert out.getvalue() == 'inputs:  {"a":1}\n'  # without flatten, as before (a call's inputs in a log)


def test_messages_go_to_stderr_and_quiet_silences_chatter() -> None:
    output, out, err = make()
    output.info("working")
    output.success("done")
    output.warn("careful")
    output.error("broken", "try again")
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == [
        "working",
        "✓ done",
        "warning: careful",
        "error: broken",
        "hint: try again",
    ]
    output, _, err = make(quiet=True)
    output.info("working")
    output.success("done")
    output.error("broken")
    assert err.getvalue() == "error: broken\n"


def test_registered_secrets_never_reach_stderr() -> None:
    output, _, err = make()
    output.redact("s3cr3t-value")
    output.error("request with s3cr3t-value failed")
    output.traceback(RuntimeError("boom s3cr3t-value"))
    assert "s3cr3t-value" not in err.getvalue() and "***" in err.getvalue()


def test_spinner_and_progress_are_silent_off_a_terminal() -> None:
    output, out, err = make()
    with output.spinner("waiting"):
        pass
    with output.progress(10, "pushing") as bar:
        bar.advance(5)
        bar.update(10)
    assert out.getvalue() == "" and err.getvalue() == ""


def test_spinner_and_progress_draw_on_stderr_on_a_terminal() -> None:
    output, out, err = make(terminal=True)
    with output.progress(2, "pushing") as bar:
        bar.advance()
    with output.spinner("waiting"):
        pass
    assert out.getvalue() == "" and "\x1b[" in err.getvalue()


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="yaml"):
        Output("yaml")  # type: ignore[arg-type]


UUID = "31c2d713-b209-4128-b9ed-00d3236f3492"
STAMP = "2026-11-30T15:42:12.953Z"


def test_an_80_column_table_never_breaks_an_id_or_a_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    rows = [{"name": "pricing and risk models for the motor book", "updated": STAMP, "id": UUID}] * 2
    columns = [Column("Name", "name"), Column("Updated", "updated"), Column("Id", "id")]
    output, out, err = make(terminal=True)
    output.result(rows, rows=rows, columns=columns)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert all(len(_plain(line)) <= 80 for line in lines)
    assert sum(STAMP in line for line in lines) == 2 and sum(UUID in line for line in lines) == 2
    assert err.getvalue() == ""  # the prose column wrapped at spaces; nothing was dropped


def test_columns_that_cannot_fit_are_dropped_from_the_right_and_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    rows = [{"a": UUID, "b": STAMP, "c": UUID, "d": "x"}]
    columns = [Column("A", "a"), Column("B", "b"), Column("C", "c"), Column("D", "d")]
    output, out, err = make(terminal=True)
    output.result(rows, rows=rows, columns=columns)
    text = _plain(out.getvalue())
    assert UUID in text and STAMP in text and all(len(line) <= 80 for line in text.splitlines())
    assert "not shown, for the terminal's width: C, D" in err.getvalue()


def _plain(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize(
    ("expression", "printed"),
    [
        ("name", "Pricing\n"),
        ("count", "3\n"),
        ("live", "true\n"),
        ("missing", "null\n"),
        ("meta", '{"owner":"ada"}\n'),
    ],
)
def test_query_prints_one_value_bare_and_the_rest_as_json(expression: str, printed: str) -> None:
    import jmespath

    output, out, _ = make(query=jmespath.compile(expression))
    output.result(ROWS[0], rows=[ROWS[0]], columns=COLUMNS)
    output.kv({"ignored": 1})  # once per run: later data is not printed
    assert out.getvalue() == printed
