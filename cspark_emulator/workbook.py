"""The emulator's Excel engine: a workbook's `Xinput_*`/`Xoutput_*` names become a Spark service.

The schema (names, cells, types, defaults, dropdowns) is read with openpyxl alone; the formulas are
compiled once with the `formulas` package and recalculated on every `Model.execute`.

Conventions chosen where Spark's behaviour is not documented (lenient readings):
- A multi-cell name is a table: its first row holds the column names, the rows below are records.
  Output tables drop rows whose cells are all blank (`None` or `""`), so a fixed-size output range
  driven by a shorter input table returns only the filled rows.
- A formula error in an output (`#DIV/0!`, `#N/A`, ...) makes that output `null` and adds a Spark
  calculation-error item naming the error and the cell.
- A value of the wrong type for an input adds an input-error item; the input keeps its default.
- Dates cross the boundary as ISO `YYYY-MM-DD` strings (a date input also accepts an Excel serial).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import re
import tempfile
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula

__all__ = ["Execution", "Field", "Model", "Schema", "WorkbookError", "load_model"]

INPUT_PREFIX = "Xinput_"
OUTPUT_PREFIX = "Xoutput_"
_ENGINE_FILE = "book.xlsx"  # the name the compiled model knows the workbook by
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 in Excel's 1900 date system (after the 1900 leap bug)
_MAX_COMPILED = 32  # compiled calculations kept per model (one per distinct set of requested outputs)
_EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")


class WorkbookError(Exception):
    """The file is not a workbook Spark could turn into a service."""


@dataclass(frozen=True)
class Field:
    """One `Xinput_`/`Xoutput_` name."""

    name: str
    sheet: str
    address: str  # "B3" or "A1:C5"
    type: str  # "number" | "text" | "boolean" | "date" | "table"
    default: Any  # JSON value (table: list of row dicts)
    columns: tuple[str, ...] = ()  # tables only
    allowed: tuple[Any, ...] | None = None  # dropdown options
    validation: str | None = None  # "static" | "dynamic" | None

    @property
    def source_path(self) -> str:
        return f"{self.sheet}!{self.address}"


@dataclass(frozen=True)
class Schema:
    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...]

    def input(self, name: str) -> Field | None:
        return next((f for f in self.inputs if f.name == name), None)

    def output(self, name: str) -> Field | None:
        return next((f for f in self.outputs if f.name == name), None)


@dataclass
class Execution:
    outputs: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    process_time_ms: float = 0.0


@dataclass(frozen=True)
class _Validation:
    """An Excel data validation attached to an input cell."""

    allow: str  # Spark's validation_allow: "List", "WholeNumber", "Decimal", "Date", "TextLength", ...
    literal: tuple[Any, ...] | None = None  # a literal list ("a,b,c")
    source: tuple[tuple[str, str], ...] = ()  # (sheet, cell) of a list taken from cells
    minimum: Any = None
    maximum: Any = None
    ignore_blank: bool = True


# --------------------------------------------------------------------------- value conversion


def excel_serial(value: dt.date) -> float:
    """A date or datetime as an Excel serial number."""
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime.combine(_EXCEL_EPOCH, dt.time())
        return delta.days + delta.seconds / 86400
    return float((value - _EXCEL_EPOCH).days)


def serial_to_iso(serial: float) -> str:
    return (_EXCEL_EPOCH + dt.timedelta(days=math.floor(serial))).isoformat()


def _plain_number(value: float) -> int | float:
    """84.0 -> 84, so integral results look like Spark's JSON; NaN/inf are not JSON."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(value)
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _to_json(value: Any) -> Any:
    """A stored openpyxl value or a computed engine value as a plain JSON value (errors stay strings)."""
    value = _unwrap(value)
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return "#NUM!"  # NaN and infinities are not JSON; Excel shows #NUM! for them
    if isinstance(value, int | float):
        return _plain_number(float(value)) if isinstance(value, float) else value
    if hasattr(value, "item"):  # numpy scalar
        return _to_json(value.item())
    return str(value)


def _unwrap(value: Any) -> Any:
    """Engine values are 1x1 numpy arrays of Python/numpy scalars, XlError tokens or schedula's EMPTY."""
    if hasattr(value, "value") and not isinstance(value, str | bytes):  # a formulas Ranges/solution entry
        value = value.value
    if hasattr(value, "ravel"):
        flat = value.ravel()
        value = flat[0] if len(flat) else None
    if type(value).__name__ == "XlError":
        return str(value)
    if _is_empty(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def _is_empty(value: Any) -> bool:
    import schedula

    return value is schedula.EMPTY


def _is_error(value: Any) -> bool:
    return isinstance(value, str) and value in _EXCEL_ERRORS


def _type_of(value: Any, is_date_cell: bool) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dt.date) or (is_date_cell and isinstance(value, int | float)):
        return "date"
    if isinstance(value, int | float):
        return "number"
    return "text"


def _parse_date(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return excel_serial(dt.date.fromisoformat(text[:10]))
        except ValueError:
            return excel_serial(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None))
    raise ValueError(value)


def _parse_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and value.strip():
        return _plain_number(float(value.strip()))  # lenient: "42" from a command line is 42
    raise ValueError(value)


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(value)


def _parse_text(value: Any) -> Any:
    if isinstance(value, list | dict):
        raise ValueError(value)
    return value  # lenient: a number typed into a text cell stays a number, as in Excel


def to_cell_value(kind: str, value: Any) -> Any:
    """A JSON input value as the value Excel would hold for a cell of this kind; ValueError if impossible."""
    if value is None or (value == "" and kind != "text"):
        return None
    parsers: dict[str, Callable[[Any], Any]] = {
        "number": _parse_number,
        "boolean": _parse_boolean,
        "date": _parse_date,
    }
    return parsers.get(kind, _parse_text)(value)


# --------------------------------------------------------------------------- workbook reading


def _open_workbook(content: bytes, filename: str) -> Workbook:
    try:
        return openpyxl.load_workbook(io.BytesIO(content))
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise WorkbookError(f"{filename} is not an Excel workbook (.xlsx): {exc}") from exc


def _named_ranges(book: Workbook) -> Iterable[tuple[str, str, str]]:
    """(name, sheet, address) for every workbook- or sheet-level defined name pointing at cells."""
    titles = {ws.title.lower(): ws.title for ws in book.worksheets}
    scopes = [book.defined_names, *(ws.defined_names for ws in book.worksheets)]
    for names in scopes:
        for defn in names.values():
            try:
                destinations = list(defn.destinations)
            except Exception:  # a name holding a constant or a formula: not an input/output cell
                continue
            for sheet, ref in destinations[:1]:
                if sheet.lower() in titles:  # Excel matches sheet names case-insensitively
                    yield defn.name, titles[sheet.lower()], ref.replace("$", "")


def _is_range(address: str) -> bool:
    return ":" in address and address.split(":")[0] != address.split(":")[1]


def _cells(address: str) -> list[list[str]]:
    """A range as rows of cell coordinates."""
    min_col, min_row, max_col, max_row = range_boundaries(address)
    letters = [openpyxl.utils.get_column_letter(c) for c in range(min_col, max_col + 1)]
    return [[f"{col}{row}" for col in letters] for row in range(min_row, max_row + 1)]


def _is_formula(value: Any) -> bool:
    return isinstance(value, ArrayFormula) or (isinstance(value, str) and value.startswith("="))


def _formula_text(value: Any) -> str:
    return value.text if isinstance(value, ArrayFormula) else str(value)


def _count_stats(book: Workbook) -> tuple[int, int]:
    formulas = cells = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                cells += 1
                formulas += _is_formula(cell.value)
    return formulas, cells


# --------------------------------------------------------------------------- data validations


def _literal_options(formula: str) -> tuple[Any, ...]:
    options: list[Any] = []
    for part in formula.strip().strip('"').split(","):
        token = part.strip()
        try:
            options.append(_plain_number(float(token)))
        except ValueError:
            options.append(token)
    return tuple(options)


def _list_source(book: Workbook, sheet: str, formula: str) -> tuple[tuple[str, str], ...]:
    """The cells a list validation refers to: a range, a sheet-qualified range or a defined name."""
    ref = formula.lstrip("=").strip()
    if ref in book.defined_names:
        sheet, ref = next(iter(book.defined_names[ref].destinations))
    elif "!" in ref:
        sheet, ref = ref.rsplit("!", 1)
        sheet = sheet.strip("'").replace("''", "'")
    ref = ref.replace("$", "")
    try:
        rows = _cells(ref if ":" in ref else f"{ref}:{ref}")
    except ValueError:
        return ()  # INDIRECT(...), OFFSET(...): not something the emulator can follow
    return tuple((sheet, cell) for row in rows for cell in row)


_ALLOW = {"whole": "WholeNumber", "decimal": "Decimal", "date": "Date", "textLength": "TextLength"}


def _bound(formula: str | None) -> Any:
    if formula is None:
        return None
    try:
        return _plain_number(float(formula))
    except ValueError:
        return formula  # a cell reference or expression: passed on as written


def _to_validation(book: Workbook, sheet: str, dv: DataValidation) -> _Validation | None:
    blank = bool(dv.allow_blank)
    if dv.type == "list" and dv.formula1:
        if dv.formula1.strip().startswith('"'):
            return _Validation("List", literal=_literal_options(dv.formula1), ignore_blank=blank)
        return _Validation("List", source=_list_source(book, sheet, dv.formula1), ignore_blank=blank)
    if dv.type in _ALLOW:
        low, high = _bound(dv.formula1), _bound(dv.formula2)
        if dv.operator in ("greaterThan", "greaterThanOrEqual"):
            low, high = low, None
        elif dv.operator in ("lessThan", "lessThanOrEqual"):
            low, high = None, low
        return _Validation(_ALLOW[dv.type], minimum=low, maximum=high, ignore_blank=blank)
    return None


def _validations(book: Workbook, sheet: str, address: str) -> _Validation | None:
    ws = book[sheet]
    for dv in ws.data_validations.dataValidation:
        if address in dv.sqref:
            return _to_validation(book, sheet, dv)
    return None


# --------------------------------------------------------------------------- the model


def _engine_key(sheet: str, cell: str) -> str:
    return "'[{}]{}'!{}".format(_ENGINE_FILE, sheet.upper().replace("'", "''"), cell)


def _compile(content: bytes) -> Any:
    """Compile the workbook with `formulas` (it reads from a path, so the bytes go to a temp file)."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # formulas draws a progress bar on stderr otherwise
    import formulas

    with tempfile.TemporaryDirectory(prefix="cspark-wb-") as tmp:
        path = Path(tmp) / _ENGINE_FILE
        path.write_bytes(content)
        try:
            return formulas.ExcelModel().loads(str(path)).finish()
        except Exception as exc:  # formulas raises many kinds; all mean "cannot compile this book"
            raise WorkbookError(f"the workbook could not be compiled: {exc}") from exc


def _unsupported(book: Workbook) -> list[str]:
    """Warnings for formulas the engine cannot evaluate (they would come out as #NAME? later)."""
    import formulas
    from formulas.functions import get_functions

    known = get_functions()
    warnings: list[str] = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if _is_formula(cell.value):
                    warnings.extend(_formula_warnings(ws.title, cell, formulas.Parser(), known))
    return warnings


def _formula_warnings(sheet: str, cell: Cell, parser: Any, known: Mapping[str, Any]) -> list[str]:
    text = _formula_text(cell.value)
    where = f"{sheet}!{cell.coordinate}"
    try:
        tokens = parser.ast(text)[0]
    except Exception:
        return [f"{where}: formula {text} cannot be parsed (structured references are unsupported)"]
    names = {t.name.upper() for t in tokens if type(t).__name__ == "Function"}
    missing = sorted(n for n in names if not _implemented(known, n) and not _implemented(known, f"_XLFN.{n}"))
    return [f"{where}: unsupported function {name} in {text}" for name in missing]


_VOLATILE = re.compile(r"\b(?:NOW|TODAY|RAND|RANDBETWEEN|RANDARRAY)\s*\(", re.IGNORECASE)


def _has_volatile(book: Workbook) -> bool:
    """Whether a formula calls NOW/TODAY/RAND...: a compiled calculation would freeze their values."""
    return any(
        _is_formula(cell.value) and _VOLATILE.search(_formula_text(cell.value))
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
    )


def _implemented(known: Mapping[str, Any], name: str) -> bool:
    """`get_functions()` is a defaultdict that fills unknown names with `not_implemented` when compiling."""
    func = known.get(name)
    return func is not None and getattr(func, "__name__", "") != "not_implemented"


class Model:
    """A compiled workbook: schema, defaults and a thread-safe `execute`."""

    def __init__(self, content: bytes, filename: str = "book.xlsx") -> None:
        self.content = content
        self.filename = filename
        self.key = content_hash(content)  # names the compiled model in worker processes
        book = _open_workbook(content, filename)
        names = sorted(_named_ranges(book), key=lambda n: n[0].lower())
        ins = [n for n in names if n[0].lower().startswith(INPUT_PREFIX.lower())]
        outs = [n for n in names if n[0].lower().startswith(OUTPUT_PREFIX.lower())]
        if not ins and not outs:
            raise WorkbookError(f"{filename} has no Xinput_/Xoutput_ names, so it defines no service")
        self.warnings: list[str] = _unsupported(book)
        self._engine = _compile(content)
        self._lock = threading.Lock()
        # Compiled calculations (schedula pipes) by (input cells, output cells), and the output fields and
        # cells by requested outputs: worked out once, not on every call. None: the plain path (volatile
        # formulas such as TODAY() would be frozen at compile time).
        self._compiled: OrderedDict[tuple[tuple[str, ...], tuple[str, ...]], Any] | None = (
            None if _has_volatile(book) else OrderedDict()
        )
        self._plans: dict[frozenset[str] | None, tuple[tuple[Field, ...], list[str]]] = {}
        self._book_cells = {(ws.title, c.coordinate): c for ws in book.worksheets for row in ws for c in row}
        baseline = self._calculate({}, [_engine_key(s, c) for _, s, a in ins for c in _flat(a)])
        self._validation_rules: dict[str, _Validation] = {}
        inputs = tuple(self._input_field(book, name, sheet, addr, baseline) for name, sheet, addr in ins)
        self.schema = Schema(inputs=inputs, outputs=())
        out_keys = [_engine_key(s, c) for _, s, a in outs for c in _flat(a)]
        computed = self._calculate({}, out_keys)
        outputs = tuple(self._output_field(name, sheet, addr, computed) for name, sheet, addr in outs)
        self.schema = Schema(inputs=self._with_options(inputs), outputs=outputs)
        n_formulas, n_cells = _count_stats(book)
        self.stats: dict[str, int] = {
            "no_of_sheets": len(book.worksheets),
            "no_of_inputs": len(self.schema.inputs),
            "no_of_outputs": len(self.schema.outputs),
            "no_of_formulas": n_formulas,
            "no_of_cellswithdata": n_cells,
        }

    @property
    def compiled(self) -> bool:
        """Whether `execute` runs compiled calculations (not for workbooks with volatile formulas)."""
        return self._compiled is not None

    @classmethod
    def load(cls, content: bytes, filename: str = "book.xlsx") -> Model:
        """Read the schema and compile the formulas (slow: once per workbook; see `load_model`)."""
        return cls(content, filename)

    # ---- schema building

    def _stored(self, sheet: str, cell: str, computed: Mapping[str, Any]) -> Any:
        """A cell's value: the stored constant, or what its formula computes to."""
        key = _engine_key(sheet, cell)
        raw = self._book_cells.get((sheet, cell))
        value = raw.value if raw is not None else None
        if _is_formula(value):
            value = computed.get(key)
        return _to_json(value)

    def _is_date_cell(self, sheet: str, cell: str) -> bool:
        raw = self._book_cells.get((sheet, cell))
        return bool(raw is not None and (raw.is_date or is_date_format(raw.number_format)))

    def _cell_type(self, sheet: str, cell: str, value: Any) -> str:
        if self._is_date_cell(sheet, cell) and isinstance(value, int | float | str) and value is not None:
            return "date"
        return _type_of(value, False)

    def _typed_value(self, sheet: str, cell: str, computed: Mapping[str, Any]) -> Any:
        value = self._stored(sheet, cell, computed)
        if self._is_date_cell(sheet, cell) and isinstance(value, int | float) and not isinstance(value, bool):
            return serial_to_iso(value)
        return value

    def _table(
        self, sheet: str, address: str, computed: Mapping[str, Any]
    ) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        header, *body = _cells(address)
        columns = tuple(
            str(self._stored(sheet, c, computed) or f"column{i + 1}") for i, c in enumerate(header)
        )
        rows = [
            {col: self._typed_value(sheet, c, computed) for col, c in zip(columns, r, strict=True)}
            for r in body
        ]
        return columns, [row for row in rows if not _blank_row(row)]

    def _input_field(
        self, book: Workbook, name: str, sheet: str, address: str, computed: Mapping[str, Any]
    ) -> Field:
        short = name[len(INPUT_PREFIX) :]
        if _is_range(address):
            columns, rows = self._table(sheet, address, computed)
            return Field(short, sheet, address, "table", rows, columns=columns)
        cell = address.split(":")[0]
        value = self._typed_value(sheet, cell, computed)
        rule = _validations(book, sheet, cell)
        if rule is not None:
            self._validation_rules[short] = rule
        return Field(short, sheet, cell, self._cell_type(sheet, cell, value), value)

    def _output_field(self, name: str, sheet: str, address: str, computed: Mapping[str, Any]) -> Field:
        short = name[len(OUTPUT_PREFIX) :]
        if _is_range(address):
            columns, rows = self._table(sheet, address, computed)
            return Field(short, sheet, address, "table", rows, columns=columns)
        cell = address.split(":")[0]
        value = self._typed_value(sheet, cell, computed)
        kind = "number" if _is_error(value) else self._cell_type(sheet, cell, value)
        return Field(short, sheet, cell, kind, None if _is_error(value) else value)

    def _with_options(self, inputs: tuple[Field, ...]) -> tuple[Field, ...]:
        """Attach dropdown options (evaluated at the defaults) and static/dynamic to list inputs."""
        result = []
        for f in inputs:
            rule = self._validation_rules.get(f.name)
            if rule is None or rule.allow != "List":
                result.append(f)
                continue
            kind = "dynamic" if self._dependent_inputs(rule) else "static"
            result.append(
                Field(f.name, f.sheet, f.address, f.type, f.default, f.columns, self._options(rule, {}), kind)
            )
        return tuple(result)

    def _dependent_inputs(self, rule: _Validation) -> list[str]:
        """The inputs whose cells the list's cells are computed from (walks the formula graph back)."""
        pred = self._engine.dsp.dmap.pred
        stack = [_engine_key(s, c) for s, c in rule.source]
        seen: set[Any] = set(stack)
        while stack:
            for parent in pred.get(stack.pop(), {}):
                if parent not in seen and not str(parent).startswith("INV("):  # skip inverse range links
                    seen.add(parent)
                    stack.append(parent)
        sources = {k for s, c in rule.source for k in [_engine_key(s, c)]}
        return [
            f.name
            for f in self.schema.inputs
            if f.type != "table" and _engine_key(f.sheet, f.address) in seen - sources
        ]

    def _options(self, rule: _Validation, cell_values: Mapping[str, Any]) -> tuple[Any, ...]:
        if rule.literal is not None:
            return rule.literal
        keys = [_engine_key(s, c) for s, c in rule.source]
        solution = self._calculate(cell_values, keys)
        values = [self._stored(s, c, solution) for s, c in rule.source]
        return tuple(v for v in values if v not in (None, "") and not _is_error(v))

    # ---- calculation

    def _calculate(self, cell_values: Mapping[str, Any], keys: Collection[str]) -> dict[str, Any]:
        """Recalculate with these cell overrides; the values of `keys` as plain values (errors as strings)."""
        nodes = self._engine.dsp.data_nodes
        wanted = [k for k in keys if k in nodes]
        with self._lock:
            solution = self._engine.calculate(inputs=dict(cell_values), outputs=wanted or None)
            return {k: _unwrap(solution[k]) for k in wanted if k in solution}

    def _calculate_compiled(self, cell_values: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
        """`_calculate` through a pipe compiled for these input and output cells (built on first use and
        kept); the same values, without schedula working out the sub-graph on every call. Falls back to the
        plain path if the pipe cannot answer."""
        if self._compiled is None or not keys:
            return self._calculate(cell_values, keys)
        key = (tuple(cell_values), tuple(keys))
        with self._lock:  # a pipe keeps its solution between calls: one call at a time
            pipe = self._compiled.get(key)
            if pipe is None:
                pipe = self._engine.compile(list(key[0]), list(keys))
                self._compiled[key] = pipe
                if len(self._compiled) > _MAX_COMPILED:
                    self._compiled.popitem(last=False)
            else:
                self._compiled.move_to_end(key)
            try:
                values = pipe(*cell_values.values())
            except Exception:
                values = None
        if values is None:
            return self._calculate(cell_values, keys)
        if len(keys) == 1:
            values = [values]
        return {k: _unwrap(v) for k, v in zip(keys, values, strict=True)}

    def _plan(self, requested: Collection[str] | None) -> tuple[tuple[Field, ...], list[str]]:
        """The output fields and the engine cells to read for these requested outputs (cached)."""
        wanted = None if requested is None else frozenset(requested)
        plan = self._plans.get(wanted)
        if plan is None:
            fields = self.schema.outputs
            if wanted is not None:
                fields = tuple(f for f in fields if f.name in wanted)
            nodes = self._engine.dsp.data_nodes
            keys = [k for f in fields for c in _flat(f.address) if (k := _engine_key(f.sheet, c)) in nodes]
            plan = (fields, list(dict.fromkeys(keys)))
            if len(self._plans) < _MAX_COMPILED:
                self._plans[wanted] = plan
        return plan

    def _cell_inputs(self, inputs: Mapping[str, Any], report: _Report) -> dict[str, Any]:
        """Engine cell overrides for the merged inputs, with warnings/errors for what could not be used."""
        import schedula

        known = {f.name for f in self.schema.inputs}
        for name in inputs:
            if name not in known:
                report.warn("", f"Input '{name}' is not an input of this service and was ignored")
        cells: dict[str, Any] = {}
        for f in self.schema.inputs:
            if name_missing := f.name not in inputs:
                report.warn(f.source_path, f"Input '{f.name}' was not provided; the default value was used")
            value = f.default if name_missing else inputs[f.name]
            for (sheet, cell), cell_value in self._field_cells(f, value, report).items():
                cells[_engine_key(sheet, cell)] = [[schedula.EMPTY]] if cell_value is None else cell_value
        return cells

    def _field_cells(self, f: Field, value: Any, report: _Report) -> dict[tuple[str, str], Any]:
        if f.type == "table":
            return self._table_cells(f, value, report)
        try:
            cell_value = to_cell_value(f.type, value)
        except (ValueError, TypeError):
            report.input_error(f, value)
            cell_value = to_cell_value(f.type, f.default)
        if f.validation == "static" and f.allowed and value not in f.allowed and cell_value not in f.allowed:
            report.warn(f.source_path, f"Input '{f.name}': {value!r} is not one of {list(f.allowed)}")
        return {(f.sheet, f.address): cell_value}

    def _table_cells(self, f: Field, value: Any, report: _Report) -> dict[tuple[str, str], Any]:
        rows = _records(value, f.columns)
        if rows is None:
            report.input_error(f, value, "a list of row objects")
            rows = list(f.default)
        body = _cells(f.address)[1:]
        if len(rows) > len(body):
            report.warn(f.source_path, f"Input '{f.name}': only the first {len(body)} rows fit the table")
        kinds = self._column_kinds(f)
        cells: dict[tuple[str, str], Any] = {}
        for i, coords in enumerate(body):
            row = rows[i] if i < len(rows) else {}
            for col, coord in zip(f.columns, coords, strict=True):
                cells[(f.sheet, coord)] = self._table_value(f, kinds[col], row.get(col), report)
        return cells

    def _column_kinds(self, f: Field) -> dict[str, str]:
        body = _cells(f.address)[1:]
        kinds = {}
        for j, col in enumerate(f.columns):
            stored = [(c[j], self._typed_value(f.sheet, c[j], {})) for c in body]
            first = next(
                ((cell, v) for cell, v in stored if v is not None), (body[0][j] if body else "A1", None)
            )
            kinds[col] = self._cell_type(f.sheet, first[0], first[1]) if first[1] is not None else "text"
        return kinds

    @staticmethod
    def _table_value(f: Field, kind: str, value: Any, report: _Report) -> Any:
        try:
            return to_cell_value(kind, value)
        except (ValueError, TypeError):
            report.input_error(f, value, f"a {kind} in every row")
            return None

    def _read_outputs(
        self, fields: Iterable[Field], solution: Mapping[str, Any], report: _Report
    ) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        for f in fields:
            if f.type == "table":
                outputs[f.name] = self._read_table(f, solution, report)
            else:
                outputs[f.name] = self._read_cell(f, f.address, f.type, solution, report)
        return outputs

    def _read_cell(self, f: Field, cell: str, kind: str, solution: Mapping[str, Any], report: _Report) -> Any:
        value = _to_json(solution.get(_engine_key(f.sheet, cell)))
        if _is_error(value):
            report.calculation_error(f, f"{f.sheet}!{cell}", value)
            return None
        if kind == "date" and isinstance(value, int | float) and not isinstance(value, bool):
            return serial_to_iso(value)
        return value

    def _read_table(self, f: Field, solution: Mapping[str, Any], report: _Report) -> list[dict[str, Any]]:
        rows = []
        for coords in _cells(f.address)[1:]:
            row = {}
            for col, cell in zip(f.columns, coords, strict=True):
                kind = "date" if self._is_date_cell(f.sheet, cell) else "any"
                row[col] = self._read_cell(f, cell, kind, solution, report)
            if not _blank_row(row):
                rows.append(row)
        return rows

    # ---- public operations

    def execute(
        self, inputs: Mapping[str, Any], requested: Collection[str] | None = None, *, compiled: bool = True
    ) -> Execution:
        """Merge inputs over the defaults, recalculate, and read the (requested) outputs. Thread-safe.

        ``compiled=False`` takes the plain path (schedula works out the sub-graph on every call): the same
        results, slower; kept to check the compiled one against."""
        started = time.perf_counter()
        report = _Report()
        cells = self._cell_inputs(inputs, report)
        fields, keys = self._plan(requested)
        solution = self._calculate_compiled(cells, keys) if compiled else self._calculate(cells, keys)
        outputs = self._read_outputs(fields, solution, report)
        elapsed = (time.perf_counter() - started) * 1000
        return Execution(outputs, report.warnings, report.errors, elapsed)

    def validate(self, inputs: Mapping[str, Any], kind: str) -> dict[str, dict[str, Any]]:
        """Entries, one per input.

        `kind` "dynamic" evaluates the workbook's list validations with these inputs merged over the
        defaults; anything else ("static", or Spark's wire name "default_values") uses the defaults.
        Each entry's own `validation_type` says whether its list depends on other inputs.
        """
        cells = self._cell_inputs(inputs, _Report()) if kind == "dynamic" else {}
        return {f.name: self._validation_entry(f, cells) for f in self.schema.inputs}

    def _validation_entry(self, f: Field, cells: Mapping[str, Any]) -> dict[str, Any]:
        rule = self._validation_rules.get(f.name)
        entry: dict[str, Any] = {
            "validation_allow": _default_allow(f.type),
            "validation_type": "static",
            "dependent_inputs": [],
            "min": None,
            "max": None,
            "options": None,
            "ignore_blank": True,
        }
        if rule is None:
            return entry
        entry.update(
            validation_allow=rule.allow, min=rule.minimum, max=rule.maximum, ignore_blank=rule.ignore_blank
        )
        if rule.allow == "List":
            dependents = self._dependent_inputs(rule)
            entry.update(
                validation_type="dynamic" if dependents else "static",
                dependent_inputs=dependents,
                options=list(self._options(rule, cells)),
            )
        return entry

    def rehydrate(self, inputs: Mapping[str, Any]) -> bytes:
        """The original workbook with these inputs (merged over the defaults) written into its cells."""
        book = openpyxl.load_workbook(io.BytesIO(self.content))
        report = _Report()
        for f in self.schema.inputs:
            value = inputs.get(f.name, f.default)
            for (sheet, cell), cell_value in self._field_cells(f, value, report).items():
                target = book[sheet][cell]
                target.value = _to_stored(cell_value, self._is_date_cell(sheet, cell))
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def _to_stored(value: Any, is_date: bool) -> Any:
    if is_date and isinstance(value, int | float) and not isinstance(value, bool):
        return _EXCEL_EPOCH + dt.timedelta(days=math.floor(value))
    return value


def _default_allow(kind: str) -> str:
    return {"number": "Decimal", "date": "Date", "boolean": "List"}.get(kind, "Any")


def _flat(address: str) -> list[str]:
    return [c for row in _cells(address if ":" in address else f"{address}:{address}") for c in row]


def _blank_row(row: Mapping[str, Any]) -> bool:
    return all(v is None or v == "" for v in row.values())


def _records(value: Any, columns: tuple[str, ...]) -> list[dict[str, Any]] | None:
    """Table rows from a list of objects, or the columnar form `[[col, ...], [value, ...], ...]`."""
    if not isinstance(value, list):
        return None
    if value and all(isinstance(r, list) for r in value):
        header = [str(c) for c in value[0]]
        return [dict(zip(header, r, strict=False)) for r in value[1:]]
    if all(isinstance(r, dict) for r in value):
        return [dict(r) for r in value]
    return None


class _Report:
    """Collects Spark-shaped warnings and errors during one call."""

    def __init__(self) -> None:
        self.warnings: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def warn(self, source_path: str, message: str) -> None:
        self.warnings.append({"source_path": source_path, "message": message})

    def input_error(self, f: Field, value: Any, expected: str | None = None) -> None:
        self.errors.append(
            {
                "error_category": "INPUT_ERROR",
                "error_type": "TYPE_MISMATCH",
                "additional_details": f"expected {expected or 'a ' + f.type}, got {value!r}",
                "source_path": f.source_path,
                "message": f"Input '{f.name}' has an invalid value; the default value was used",
            }
        )

    def calculation_error(self, f: Field, source_path: str, error: str) -> None:
        self.errors.append(
            {
                "error_category": "CALCULATION_ERROR",
                "error_type": error,
                "additional_details": f"Output '{f.name}' evaluated to {error}",
                "source_path": source_path,
                "message": f"Output '{f.name}' could not be calculated ({error})",
            }
        )


# --------------------------------------------------------------------------- process-wide cache

_cache: dict[str, Model] = {}
_cache_locks: dict[str, threading.Lock] = {}
_cache_guard = threading.Lock()


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def load_model(content: bytes, filename: str = "book.xlsx") -> Model:
    """A compiled model for this workbook, compiled once per distinct content (thread-safe)."""
    key = content_hash(content)
    with _cache_guard:
        model = _cache.get(key)
        if model is not None:
            return model
        lock = _cache_locks.setdefault(key, threading.Lock())
    with lock:  # two threads loading the same new workbook compile it once
        model = _cache.get(key)
        if model is None:
            model = Model.load(content, filename)
            with _cache_guard:
                _cache[key] = model
        return model


def clear_cache() -> None:
    with _cache_guard:
        _cache.clear()
        _cache_locks.clear()
