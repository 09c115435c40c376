"""A workbook built in two versions that differ in a known way, for promote and compare tests.

Inputs: `value` (a number). Outputs:
- `doubled` = value * 2, and `label` = "Value is <value>": the same in both versions;
- `fee`: 5, or above 50 it is 10 in version 1 and 12 in version 2 (differs by 2 where value > 50);
- `ratio` = value / 3 rounded to 2 decimals in version 1 and 4 in version 2 (differs by less than 0.005,
  and not at all where value is a multiple of 3).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

FEES = {1: 10, 2: 12}
DECIMALS = {1: 2, 2: 4}


def _name(book: Workbook, label: str, cell: str) -> None:
    col, row = cell[0], cell[1:]
    book.defined_names[label] = DefinedName(label, attr_text=f"'Main'!${col}${row}")


def pricing_book(version: int) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "Main"
    ws["A2"], ws["B2"] = "value", 1
    _name(book, "Xinput_value", "B2")
    outputs = {
        "doubled": "=B2*2",
        "fee": f"=IF(B2>50,{FEES[version]},5)",
        "ratio": f"=ROUND(B2/3,{DECIMALS[version]})",
        "label": '="Value is "&B2',
    }
    for row, (name, formula) in enumerate(outputs.items(), start=4):
        ws[f"A{row}"], ws[f"B{row}"] = name, formula
        _name(book, f"Xoutput_{name}", f"B{row}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def expected(version: int, value: float) -> dict[str, object]:
    """What the emulator should answer for `value` with this version (for checking the books themselves)."""
    return {
        "doubled": value * 2,
        "fee": FEES[version] if value > 50 else 5,
        "ratio": round(value / 3, DECIMALS[version]),
        "label": f"Value is {value}",
    }
