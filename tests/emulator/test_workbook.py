"""The Excel engine: schema inference, execution, errors, validation, rehydrate and the model cache."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from collections.abc import Callable

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cspark_emulator.workbook import Model, WorkbookError, load_model


def _name(book: openpyxl.Workbook, label: str, ref: str, sheet: str = "Main") -> None:
    book.defined_names[label] = DefinedName(label, attr_text=f"'{sheet}'!{ref}")


def _save(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _book(build: Callable[[openpyxl.Workbook, openpyxl.worksheet.worksheet.Worksheet], None]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Main"
    build(book, ws)
    return _save(book)


def _singles(book: openpyxl.Workbook, ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
    ws["B1"] = 10  # amount
    ws["B2"] = "Ana"  # who
    ws["B3"] = True  # vip
    ws["B4"] = dt.date(2024, 1, 31)
    ws["B4"].number_format = "yyyy-mm-dd"
    ws["B5"] = 0  # divisor
    for label, ref in [("amount", "B1"), ("who", "B2"), ("vip", "B3"), ("start", "B4"), ("divisor", "B5")]:
        _name(book, f"Xinput_{label}", f"$B${ref[1:]}")
    ws["D1"] = "=B1*3"
    ws["D2"] = '="Hi "&B2'
    ws["D3"] = "=IF(B3,B1*0.9,B1)"
    ws["D4"] = "=EDATE(B4,1)"
    ws["D4"].number_format = "yyyy-mm-dd"
    ws["D5"] = "=B1/B5"
    ws["D6"] = "=VLOOKUP(99,B1:B2,1,FALSE)"
    ws["D7"] = "=NOT(B3)"
    for label, ref in [("tripled", 1), ("greeting", 2), ("price", 3), ("next_month", 4)]:
        _name(book, f"Xoutput_{label}", f"$D${ref}")
    _name(book, "Xoutput_ratio", "$D$5")
    _name(book, "Xoutput_missing", "$D$6")
    _name(book, "Xoutput_not_vip", "$D$7")


def _tables(book: openpyxl.Workbook, ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
    ws.append(["item", "qty", "price"])
    ws.append(["apple", 2, 0.5])
    ws.append(["pear", 3, 1.25])
    for r in range(2, 6):
        ws[f"E{r}"] = f'=IF(A{r}="","",A{r})'
        ws[f"F{r}"] = f'=IF(A{r}="","",B{r}*C{r})'
    ws["E1"], ws["F1"] = "item", "cost"
    ws["H1"] = "=SUM(F2:F5)"
    _name(book, "Xinput_lines", "$A$1:$C$5")
    _name(book, "Xoutput_costs", "$E$1:$F$5")
    _name(book, "Xoutput_total", "$H$1")


def _dropdowns(book: openpyxl.Workbook, ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
    ws["B1"] = "red"
    ws["B2"] = 2
    ws["B3"] = "L"
    for label, row in [("colour", 1), ("level", 2), ("size", 3)]:
        _name(book, f"Xinput_{label}", f"$B${row}")
    for i, size in enumerate(["S", "M", "L", "XL"], start=1):
        ws[f"F{i}"] = size
        ws[f"G{i}"] = f'=IF({i}<=$B$2+1,F{i},"")'  # sizes on offer grow with the level
    ws["D1"] = '=B1&"-"&B3'
    _name(book, "Xoutput_code", "$D$1")
    colour = DataValidation(type="list", formula1='"red,green,blue"')
    size = DataValidation(type="list", formula1="$G$1:$G$4", allow_blank=False)
    level = DataValidation(type="whole", operator="between", formula1="1", formula2="3")
    for dv, cell in ((colour, "B1"), (size, "B3"), (level, "B2")):
        ws.add_data_validation(dv)
        dv.add(cell)


@pytest.fixture(scope="module")
def singles() -> Model:
    return Model.load(_book(_singles))


@pytest.fixture(scope="module")
def tables() -> Model:
    return Model.load(_book(_tables))


@pytest.fixture(scope="module")
def dropdowns() -> Model:
    return Model.load(_book(_dropdowns))


# --------------------------------------------------------------------------- schema


def test_schema_infers_input_types_and_defaults(singles: Model) -> None:
    fields = {f.name: (f.type, f.default, f.sheet, f.address) for f in singles.schema.inputs}
    assert fields == {
        "amount": ("number", 10, "Main", "B1"),
        "who": ("text", "Ana", "Main", "B2"),
        "vip": ("boolean", True, "Main", "B3"),
        "start": ("date", "2024-01-31", "Main", "B4"),
        "divisor": ("number", 0, "Main", "B5"),
    }


def test_schema_infers_output_types_from_computed_values(singles: Model) -> None:
    kinds = {f.name: f.type for f in singles.schema.outputs}
    assert kinds["tripled"] == "number"
    assert kinds["greeting"] == "text"
    assert kinds["next_month"] == "date"
    assert kinds["not_vip"] == "boolean"


def test_table_schema_uses_header_row_and_stored_rows(tables: Model) -> None:
    lines = tables.schema.input("lines")
    assert lines is not None
    assert (lines.type, lines.address, lines.columns) == ("table", "A1:C5", ("item", "qty", "price"))
    assert lines.default == [
        {"item": "apple", "qty": 2, "price": 0.5},
        {"item": "pear", "qty": 3, "price": 1.25},
    ]
    costs = tables.schema.output("costs")
    assert costs is not None and costs.columns == ("item", "cost")


def test_stats_count_sheets_names_formulas_and_cells(singles: Model) -> None:
    assert singles.stats == {
        "no_of_sheets": 1,
        "no_of_inputs": 5,
        "no_of_outputs": 7,
        "no_of_formulas": 7,
        "no_of_cellswithdata": 12,
    }


# --------------------------------------------------------------------------- execute


def test_execute_with_defaults_warns_for_every_missing_input(singles: Model) -> None:
    result = singles.execute({}, requested=["tripled", "greeting"])
    assert result.outputs == {"tripled": 30, "greeting": "Hi Ana"}
    missing = {w["source_path"] for w in result.warnings if "not provided" in w["message"]}
    assert missing == {"Main!B1", "Main!B2", "Main!B3", "Main!B4", "Main!B5"}
    assert result.errors == []
    assert result.process_time_ms > 0


def test_execute_merges_inputs_and_converts_values(singles: Model) -> None:
    result = singles.execute(
        {"amount": 100, "who": "Bo", "vip": False, "start": "2024-12-15", "divisor": 4},
        requested=["tripled", "greeting", "price", "next_month", "ratio", "not_vip"],
    )
    assert result.outputs == {
        "tripled": 300,
        "greeting": "Hi Bo",
        "price": 100,
        "next_month": "2025-01-15",
        "ratio": 25,
        "not_vip": True,
    }
    assert all(type(v) in (int, float, str, bool) for v in result.outputs.values())
    assert result.warnings == [] and result.errors == []


def test_execute_accepts_lenient_spellings_of_numbers_and_booleans(singles: Model) -> None:
    result = singles.execute({"amount": "42", "vip": "yes"}, requested=["tripled", "price"])
    assert result.outputs == {"tripled": 126, "price": pytest.approx(37.8)}
    assert result.errors == []


def test_month_end_date_arithmetic_is_excel_like(singles: Model) -> None:
    assert singles.execute({"start": "2024-01-31"}, requested=["next_month"]).outputs == {
        "next_month": "2024-02-29"
    }


def test_formula_errors_become_null_outputs_with_calculation_errors(singles: Model) -> None:
    result = singles.execute({"divisor": 0}, requested=["ratio", "missing", "tripled"])
    assert result.outputs == {"ratio": None, "missing": None, "tripled": 30}
    by_type = {e["error_type"]: e for e in result.errors}
    assert set(by_type) == {"#DIV/0!", "#N/A"}
    div = by_type["#DIV/0!"]
    assert div["error_category"] == "CALCULATION_ERROR"
    assert div["source_path"] == "Main!D5"
    assert set(div) == {"error_category", "error_type", "additional_details", "source_path", "message"}


def test_wrong_type_for_a_number_is_an_input_error_and_the_default_is_used(singles: Model) -> None:
    result = singles.execute({"amount": "abc"}, requested=["tripled"])
    assert result.outputs == {"tripled": 30}
    assert [(e["error_category"], e["source_path"]) for e in result.errors] == [("INPUT_ERROR", "Main!B1")]
    bad_date = singles.execute({"start": "not a date"}, requested=["next_month"])
    assert bad_date.outputs == {"next_month": "2024-02-29"}
    assert bad_date.errors[0]["source_path"] == "Main!B4"


def test_unknown_inputs_are_ignored_with_a_warning(singles: Model) -> None:
    result = singles.execute({"nope": 1}, requested=["tripled"])
    assert result.outputs == {"tripled": 30}
    assert any("'nope'" in w["message"] for w in result.warnings)


def test_requested_outputs_limit_the_result(singles: Model) -> None:
    assert set(singles.execute({}, requested=["greeting", "unknown"]).outputs) == {"greeting"}
    assert {f.name for f in singles.schema.outputs} == set(singles.execute({"divisor": 1}).outputs)


def test_table_input_rows_drive_the_table_output(tables: Model) -> None:
    default = tables.execute({})
    assert default.outputs == {
        "costs": [{"item": "apple", "cost": 1}, {"item": "pear", "cost": 3.75}],
        "total": 4.75,
    }
    rows = [{"item": "fig", "qty": 4, "price": 2}, {"item": "kiwi", "qty": "1", "price": 0.25}]
    result = tables.execute({"lines": rows})
    assert result.outputs == {
        "costs": [{"item": "fig", "cost": 8}, {"item": "kiwi", "cost": 0.25}],
        "total": 8.25,
    }
    assert result.errors == [] and result.warnings == []


def test_table_input_accepts_the_columnar_form(tables: Model) -> None:
    result = tables.execute({"lines": [["item", "qty", "price"], ["plum", 10, 0.1]]}, requested=["total"])
    assert result.outputs == {"total": 1}


def test_table_rows_beyond_the_range_are_dropped_with_a_warning(tables: Model) -> None:
    rows = [{"item": f"i{n}", "qty": 1, "price": 1} for n in range(6)]
    result = tables.execute({"lines": rows}, requested=["total"])
    assert result.outputs == {"total": 4}
    assert any("first 4 rows" in w["message"] for w in result.warnings)


def test_a_table_input_that_is_not_a_list_is_an_input_error(tables: Model) -> None:
    result = tables.execute({"lines": "apple"}, requested=["total"])
    assert result.outputs == {"total": 4.75}
    assert result.errors[0]["error_category"] == "INPUT_ERROR"


def test_execute_is_thread_safe(singles: Model) -> None:
    results: dict[int, object] = {}

    def run(n: int) -> None:
        results[n] = singles.execute({"amount": n}, requested=["tripled"]).outputs["tripled"]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: 3 * n for n in range(8)}


SINGLES_CASES: list[dict[str, object]] = [
    {},
    {"amount": 100, "who": "Bo", "vip": False, "start": "2024-12-15", "divisor": 4},
    {"amount": "42", "vip": "yes", "divisor": 0},
    {"amount": "abc", "start": "not a date", "nope": 1},
    {"amount": None, "who": None, "start": 45000},
]
TABLES_CASES: list[dict[str, object]] = [
    {},
    {"lines": [{"item": "fig", "qty": 4, "price": 2}, {"item": "kiwi", "qty": "1", "price": 0.25}]},
    {"lines": [["item", "qty", "price"], ["plum", 10, 0.1]]},
    {"lines": [{"item": f"i{n}", "qty": 1, "price": "x"} for n in range(6)]},
    {"lines": "apple"},
]


@pytest.mark.parametrize("requested", [None, ["tripled", "ratio", "missing"], ["greeting"], []])
def test_the_compiled_path_gives_the_plain_results(
    singles: Model, tables: Model, requested: list[str] | None
) -> None:
    """Compiled calculations (cached per requested outputs) answer exactly what the plain path does."""
    for model, cases, wanted in ((singles, SINGLES_CASES, requested), (tables, TABLES_CASES, None)):
        for inputs in cases * 2:  # the second round runs the cached pipes
            compiled, plain = model.execute(inputs, wanted), model.execute(inputs, wanted, compiled=False)
            assert (compiled.outputs, compiled.warnings, compiled.errors) == (
                plain.outputs,
                plain.warnings,
                plain.errors,
            ), inputs


def test_volatile_formulas_take_the_plain_path() -> None:
    """A compiled pipe would freeze TODAY()/RAND() at compile time: such workbooks are never compiled."""

    def build(book: openpyxl.Workbook, ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
        ws["B1"] = 1
        ws["D1"] = "=B1+RAND()"
        _name(book, "Xinput_x", "$B$1")
        _name(book, "Xoutput_noisy", "$D$1")

    model = Model.load(_book(build))
    values = {model.execute({"x": 1}).outputs["noisy"] for _ in range(5)}
    assert len(values) > 1 and not model.compiled


# --------------------------------------------------------------------------- validation


def test_dropdowns_become_allowed_values(dropdowns: Model) -> None:
    colour, level, size = (dropdowns.schema.input(n) for n in ("colour", "level", "size"))
    assert colour is not None and level is not None and size is not None
    assert (colour.allowed, colour.validation) == (("red", "green", "blue"), "static")
    assert (size.allowed, size.validation) == (("S", "M", "L"), "dynamic")
    assert (level.allowed, level.validation) == (None, None)


def test_static_validation_reports_literal_lists_and_bounds(dropdowns: Model) -> None:
    entries = dropdowns.validate({"level": 3}, "static")
    assert entries["colour"] == {
        "validation_allow": "List",
        "validation_type": "static",
        "dependent_inputs": [],
        "min": None,
        "max": None,
        "options": ["red", "green", "blue"],
        "ignore_blank": False,
    }
    assert (entries["level"]["validation_allow"], entries["level"]["min"], entries["level"]["max"]) == (
        "WholeNumber",
        1,
        3,
    )
    assert entries["size"]["options"] == ["S", "M", "L"]  # static: evaluated at the defaults


def test_dynamic_validation_evaluates_lists_with_the_given_inputs(dropdowns: Model) -> None:
    size = dropdowns.validate({"level": 0}, "dynamic")["size"]
    assert size["validation_type"] == "dynamic"
    assert size["dependent_inputs"] == ["level"]
    assert size["options"] == ["S"]
    assert dropdowns.validate({"level": 3}, "dynamic")["size"]["options"] == ["S", "M", "L", "XL"]


def test_a_value_outside_a_static_list_warns(dropdowns: Model) -> None:
    result = dropdowns.execute({"colour": "pink", "level": 2, "size": "M"})
    assert result.outputs == {"code": "pink-M"}
    assert any("'pink'" in w["message"] for w in result.warnings)


# --------------------------------------------------------------------------- rehydrate


def test_rehydrate_writes_inputs_into_the_original_workbook(singles: Model, tables: Model) -> None:
    content = singles.rehydrate({"amount": 7, "start": "2030-06-01", "vip": "no"})
    ws = openpyxl.load_workbook(io.BytesIO(content))["Main"]
    assert (ws["B1"].value, ws["B2"].value, ws["B3"].value) == (7, "Ana", False)
    assert ws["B4"].value == dt.datetime(2030, 6, 1)
    assert ws["D1"].value == "=B1*3"  # formulas are kept
    again = Model.load(content)
    assert again.execute({}, requested=["tripled", "next_month"]).outputs == {
        "tripled": 21,
        "next_month": "2030-07-01",
    }
    rows = openpyxl.load_workbook(io.BytesIO(tables.rehydrate({"lines": [{"item": "fig", "qty": 1}]})))[
        "Main"
    ]
    assert [[c.value for c in row] for row in rows["A2:C3"]] == [["fig", 1, None], [None, None, None]]


# --------------------------------------------------------------------------- load errors and warnings


def test_bytes_that_are_not_a_workbook_raise_workbook_error() -> None:
    with pytest.raises(WorkbookError, match=r"notes\.txt is not an Excel workbook"):
        Model.load(b"just some text", "notes.txt")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(WorkbookError, match="not an Excel workbook"):
        Model.load(archive.getvalue(), "fake.xlsx")


def test_a_workbook_without_xinput_or_xoutput_names_raises_workbook_error() -> None:
    def plain(book: openpyxl.Workbook, ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
        ws["A1"] = 1
        _name(book, "rate", "$A$1")

    with pytest.raises(WorkbookError, match="no Xinput_/Xoutput_ names"):
        Model.load(_book(plain), "plain.xlsx")


def test_unsupported_functions_are_load_warnings() -> None:
    def offset(book: openpyxl.Workbook, ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
        ws["A1"] = 1
        ws["B1"] = "=OFFSET(A1,0,0)+NOTAFUNCTION(A1)"
        ws["B2"] = "=A1+1"
        _name(book, "Xinput_a", "$A$1")
        _name(book, "Xoutput_b", "$B$1")

    model = Model.load(_book(offset))
    assert len(model.warnings) == 2
    assert all(w.startswith("Main!B1: unsupported function") for w in model.warnings)
    assert {w.split()[3] for w in model.warnings} == {"OFFSET", "NOTAFUNCTION"}


# --------------------------------------------------------------------------- cache


def test_load_model_compiles_each_distinct_content_once() -> None:
    def tiny(book: openpyxl.Workbook, ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
        ws["A1"], ws["B1"] = 5, "=A1+1"
        _name(book, "Xinput_a", "$A$1")
        _name(book, "Xoutput_b", "$B$1")

    content = _book(tiny)
    found: list[Model] = []
    threads = [threading.Thread(target=lambda: found.append(load_model(content))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(m) for m in found}) == 1
    assert load_model(bytes(content)) is found[0]
    assert load_model(_book(_tables)) is not found[0]
    assert found[0].execute({"a": 1}).outputs == {"b": 2}


def test_names_on_sheets_with_spaces_and_any_prefix_case() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "My Inputs"
    ws["A1"], ws["A2"] = 4, "=A1*A1"
    book.defined_names["xinput_side"] = DefinedName("xinput_side", attr_text="'my inputs'!$A$1")
    _name(book, "XOUTPUT_area", "$A$2", sheet="My Inputs")
    model = Model.load(_save(book))
    assert [(f.name, f.sheet, f.address) for f in model.schema.inputs] == [("side", "My Inputs", "A1")]
    assert model.execute({"side": 5}).outputs == {"area": 25}
