"""The shared inputs parser and records reader."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from cspark_cli.inputs import infer_value, parse_inputs, parse_json_option, read_records


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-7", -7),
        ("0", 0),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        ("1e3", 1000.0),
        ("2.5E-2", 0.025),
        ("true", True),
        ("false", False),
        ("null", None),
        ("007", "007"),
        ("1_000", "1_000"),
        ("+1", "+1"),
        (".5", ".5"),
        ("1.", "1."),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("1e999", "1e999"),
        ("True", "True"),
        ("", ""),
        ("hello world", "hello world"),
        (" 42", " 42"),
    ],
)
def test_infer_value(text: str, expected: Any) -> None:
    value = infer_value(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["a=1"], {"a": 1}),
        (["a=x", "b=true", "c=null"], {"a": "x", "b": True, "c": None}),
        (["a=1", "a=2"], {"a": 2}),
        (["name=a=b"], {"name": "a=b"}),
        (["a:=[1, 2]"], {"a": [1, 2]}),
        (['a:="42"'], {"a": "42"}),
        (['a:={"b": {"c": null}}'], {"a": {"b": {"c": None}}}),
        (['{"a": 1, "b": [true]}'], {"a": 1, "b": [True]}),
        (['{"a": 1}', "a=2", "b=3"], {"a": 2, "b": 3}),
        (["url:=null", "k:v=1"], {"url": None, "k:v": 1}),
        (["empty="], {"empty": ""}),
        ([], {}),
    ],
)
def test_parse_inputs(entries: list[str], expected: dict[str, Any]) -> None:
    assert parse_inputs(entries) == expected


@pytest.mark.parametrize(
    ("entries", "quoted"),
    [
        (["novalue"], "'novalue'"),
        (["a=1", "oops"], "'oops' (entry 2)"),
        (["=1"], "'=1'"),
        ([":=1"], "':=1'"),
        (["a:=[1,"], "JSON value of 'a'"),
        (["{not json}"], "is not valid JSON"),
        (["[1, 2]"], "'[1, 2]'"),
        (['{"a": 1'], "is not valid JSON"),
        (["-", "-"], "only once"),
    ],
)
def test_malformed_entries_are_usage_errors_naming_the_flag(entries: list[str], quoted: str) -> None:
    with pytest.raises(typer.BadParameter) as info:
        parse_inputs(entries, flag="--inputs", stdin=io.StringIO("{}"))
    assert quoted in info.value.message
    assert info.value.param_hint == "'--inputs'"
    assert info.value.exit_code == 2


def test_json_must_be_an_object() -> None:
    with pytest.raises(typer.BadParameter, match="must be a JSON object, got list"):
        parse_inputs(["-"], stdin=io.StringIO("[1]"))


def test_stdin_and_file(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text('{"from_file": 1, "shared": "file"}', encoding="utf-8")
    merged = parse_inputs([f"@{path}", "-", "shared=arg"], stdin=io.StringIO('{"from_stdin": [1]}'))
    assert merged == {"from_file": 1, "from_stdin": [1], "shared": "arg"}


def test_missing_file_names_the_flag(tmp_path: Path) -> None:
    with pytest.raises(typer.BadParameter, match="cannot read") as info:
        parse_inputs([f"@{tmp_path / 'nope.json'}"], flag="--data")
    assert info.value.param_hint == "'--data'"


def test_parse_json_option() -> None:
    assert parse_json_option("--meta", '{"a": [1]}') == {"a": [1]}
    with pytest.raises(typer.BadParameter, match="line 1 column"):
        parse_json_option("--meta", "{nope")


_keys = st.text(st.characters(blacklist_characters="=:", blacklist_categories=("Cs",)), min_size=1).filter(
    lambda k: not k.lstrip().startswith("{") and k not in ("-",) and not k.startswith("@")
)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=8,
)


@given(key=_keys, value=_json_values)
def test_raw_json_round_trips(key: str, value: Any) -> None:
    assert parse_inputs([f"{key}:={json.dumps(value)}"]) == {key: value}


@given(key=_keys, value=st.text(st.characters(blacklist_categories=("Cs",))))
def test_key_value_is_the_string_or_its_json_literal(key: str, value: str) -> None:
    parsed = parse_inputs([f"{key}={value}"])[key]
    if isinstance(parsed, str):
        assert parsed == value
    else:  # only JSON literals are typed, and they read back as the same text
        assert json.dumps(parsed) == value or json.loads(value) == parsed


@given(value=st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False))
def test_scalars_written_as_json_come_back_typed(value: Any) -> None:
    assert parse_inputs([f"x={json.dumps(value)}"]) == {"x": value}


@given(obj=st.dictionaries(st.text(), _json_values, max_size=4))
def test_json_object_entry_is_taken_as_is(obj: dict[str, Any]) -> None:
    assert parse_inputs([json.dumps(obj)]) == obj


# -- records ----------
def test_records_from_each_format(tmp_path: Path) -> None:
    rows = [{"a": 1, "b": "x"}, {"a": 2.5, "b": None}]
    (tmp_path / "r.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    (tmp_path / "r.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "r.csv").write_text("a,b\n1,x\n2.5,null\n", encoding="utf-8")
    for name in ("r.jsonl", "r.json", "r.csv"):
        assert read_records(str(tmp_path / name)) == rows, name


def test_csv_values_are_typed_and_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffname,age,member,zip\nAda,36,true,01234\n".encode())
    assert read_records(str(path)) == [{"name": "Ada", "age": 36, "member": True, "zip": "01234"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"a": 1}]', [{"a": 1}]),
        ('{"a": 1}\n{"a": 2}\n', [{"a": 1}, {"a": 2}]),
        ("a\n1\n", [{"a": 1}]),
        ("", []),
    ],
)
def test_records_from_stdin_are_sniffed(text: str, expected: list[dict[str, Any]]) -> None:
    assert read_records("-", stdin=io.StringIO(text)) == expected


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.jsonl", '{"a": 1}\n[2]\n', "line 2"),
        ("r.jsonl", '{"a": 1}\n{oops\n', "line 2"),
        ("r.json", '[{"a": 1}, 3]', "record 2"),
        ("r.json", '"text"', "array of objects"),
        ("r.csv", "a,b\n1,2,3\n", "line 2"),
        ("r.csv", "a,a\n1,2\n", "repeated"),
        ("r.txt", "a\n", "cannot tell the format"),
    ],
)
def test_bad_records_name_the_flag_and_place(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(typer.BadParameter, match=message) as info:
        read_records(str(path), flag="--records")
    assert info.value.param_hint == "'--records'"
