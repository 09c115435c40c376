"""Write the emulator's sample workbooks (cspark_emulator/samples/<folder>/<service>.xlsx) with openpyxl.

Run `python scripts/make_samples.py` after changing this file and commit the .xlsx files it writes.
Only functions the `formulas` engine computes correctly are used (checked by tests/emulator/test_samples.py).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

SAMPLES = Path(__file__).resolve().parent.parent / "cspark_emulator" / "samples"
DATE_FORMAT = "yyyy-mm-dd"

# Annual premium rate per 1000 of sum assured, by age band (lower bound) and plan.
RATE_TABLE = [
    (18, 0.80, 1.10, 1.60),
    (30, 1.20, 1.55, 2.20),
    (40, 2.10, 2.70, 3.60),
    (50, 4.00, 5.10, 6.50),
    (60, 7.50, 9.20, 11.80),
]
PLANS = ("Basic", "Standard", "Premium")
SMOKER_LOADING = 1.5
POLICY_FEE = 25
TERMS = (5, 10, 15, 20, 25, 30)
MAX_AGE_AT_END = 75


def name(book: Workbook, label: str, sheet: str, ref: str) -> None:
    """Define a workbook-level name such as Xinput_value -> 'Main'!$B$2."""
    absolute = ":".join(_absolute(part) for part in ref.split(":"))
    book.defined_names[label] = DefinedName(label, attr_text=f"'{sheet}'!{absolute}")


def _absolute(cell: str) -> str:
    col = "".join(ch for ch in cell if ch.isalpha())
    row = cell[len(col) :]
    return f"${col}${row}"


def labelled(ws: Worksheet, row: int, label: str, value: object, number_format: str | None = None) -> str:
    ws.cell(row=row, column=1, value=label)
    cell = ws.cell(row=row, column=2, value=value)
    if number_format:
        cell.number_format = number_format
    return cell.coordinate


def my_service() -> Workbook:
    """value -> doubled, squared, label: the README demo."""
    book = Workbook()
    ws = book.active
    ws.title = "Main"
    ws["A1"] = "Inputs"
    name(book, "Xinput_value", "Main", labelled(ws, 2, "value", 1))
    ws["A4"] = "Outputs"
    name(book, "Xoutput_doubled", "Main", labelled(ws, 5, "doubled", "=B2*2"))
    name(book, "Xoutput_squared", "Main", labelled(ws, 6, "squared", "=B2^2"))
    name(book, "Xoutput_label", "Main", labelled(ws, 7, "label", '="Value is "&B2'))
    return book


def quote() -> Workbook:
    """A term-life pricing model: rate lookup by age band and plan, smoker loading, dates and text."""
    book = Workbook()
    ws = book.active
    ws.title = "Quote"
    rates = book.create_sheet("Rates")
    rates.append(["age_from", *PLANS])
    for row in RATE_TABLE:
        rates.append(list(row))
    rates["F1"] = "plans"
    for i, plan in enumerate(PLANS, start=2):
        rates[f"F{i}"] = plan
    rates["H1"], rates["I1"] = "terms", "terms_for_age"
    for i, term in enumerate(TERMS, start=2):  # a term is offered while age + term <= MAX_AGE_AT_END
        rates[f"H{i}"] = term
        rates[f"I{i}"] = f'=IF(Quote!$B$2+H{i}<={MAX_AGE_AT_END},H{i},"")'
    last = len(RATE_TABLE) + 1

    ws["A1"] = "Inputs"
    name(book, "Xinput_age", "Quote", labelled(ws, 2, "age", 35))
    name(book, "Xinput_sum_assured", "Quote", labelled(ws, 3, "sum_assured", 250000))
    name(book, "Xinput_smoker", "Quote", labelled(ws, 4, "smoker", "No"))
    name(book, "Xinput_term_years", "Quote", labelled(ws, 5, "term_years", 20))
    name(book, "Xinput_start_date", "Quote", labelled(ws, 6, "start_date", dt.date(2025, 1, 1), DATE_FORMAT))
    name(book, "Xinput_plan", "Quote", labelled(ws, 7, "plan", "Standard"))

    smoker = DataValidation(type="list", formula1='"Yes,No"', allow_blank=False)
    plan = DataValidation(type="list", formula1="Rates!$F$2:$F$4", allow_blank=False)
    term = DataValidation(type="list", formula1=f"Rates!$I$2:$I${len(TERMS) + 1}", allow_blank=False)
    age = DataValidation(type="whole", operator="between", formula1="18", formula2="70")
    for dv, cell in ((smoker, "B4"), (plan, "B7"), (term, "B5"), (age, "B2")):
        ws.add_data_validation(dv)
        dv.add(cell)

    ws["A9"] = "Working"
    labelled(ws, 10, "band_row", f"=MATCH(B2,Rates!$A$2:$A${last},1)")
    labelled(ws, 11, "plan_col", "=MATCH(B7,Rates!$B$1:$D$1,0)")
    labelled(ws, 12, "base_rate", f"=INDEX(Rates!$B$2:$D${last},B10,B11)")
    labelled(ws, 13, "age_band_from", f"=VLOOKUP(B2,Rates!$A$2:$D${last},1,TRUE)")
    labelled(ws, 14, "loading", f'=IF(B4="Yes",{SMOKER_LOADING},1)')

    ws["A16"] = "Outputs"
    name(book, "Xoutput_rate", "Quote", labelled(ws, 17, "rate", "=ROUND(B12*B14,4)"))
    name(
        book,
        "Xoutput_annual_premium",
        "Quote",
        labelled(ws, 18, "annual_premium", f"=ROUND(B3/1000*B17+{POLICY_FEE},2)"),
    )
    name(book, "Xoutput_monthly_premium", "Quote", labelled(ws, 19, "monthly_premium", "=ROUND(B18/12,2)"))
    name(book, "Xoutput_total_premium", "Quote", labelled(ws, 20, "total_premium", "=ROUND(B18*B5,2)"))
    name(book, "Xoutput_end_date", "Quote", labelled(ws, 21, "end_date", "=EDATE(B6,12*B5)", DATE_FORMAT))
    name(book, "Xoutput_age_at_end", "Quote", labelled(ws, 22, "age_at_end", "=B2+B5"))
    summary = (
        '=CONCATENATE(B7," plan, ",B5," years from ",TEXT(B6,"yyyy-mm-dd"),": ",'
        'TEXT(B18,"#,##0.00")," a year")'
    )
    name(book, "Xoutput_summary", "Quote", labelled(ws, 23, "summary", summary))
    name(
        book,
        "Xoutput_risk_class",
        "Quote",
        labelled(ws, 24, "risk_class", '=IF(B4="Yes","Smoker","Non-smoker")&" "&UPPER(LEFT(B7,1))&B13'),
    )
    return book


POLICIES = [
    ("P-001", 30, 100000, False),
    ("P-002", 45, 250000, True),
    ("P-003", 52, 150000, False),
    ("P-004", 61, 50000, True),
]
PORTFOLIO_ROWS = 10  # capacity of the policies table (rows below the header)


def portfolio() -> Workbook:
    """A table input of policies, a per-row table output and totals."""
    book = Workbook()
    ws = book.active
    ws.title = "Portfolio"
    rates = book.create_sheet("Rates")
    rates.append(["age_from", "rate"])
    for row in RATE_TABLE:
        rates.append([row[0], row[2]])  # the Standard plan
    last = len(RATE_TABLE) + 1

    ws.append(["policy_id", "age", "sum_assured", "smoker"])
    for policy in POLICIES:
        ws.append(list(policy))
    end = PORTFOLIO_ROWS + 1
    name(book, "Xinput_policies", "Portfolio", f"A1:D{end}")

    ws["F1"], ws["G1"], ws["H1"] = "policy_id", "rate", "premium"
    for r in range(2, end + 1):
        ws[f"F{r}"] = f'=IF(A{r}="","",A{r})'
        ws[f"G{r}"] = (
            f'=IF(A{r}="","",ROUND(VLOOKUP(B{r},Rates!$A$2:$B${last},2,TRUE)*IF(D{r},{SMOKER_LOADING},1),4))'
        )
        ws[f"H{r}"] = f'=IF(A{r}="","",ROUND(C{r}/1000*G{r}+{POLICY_FEE},2))'
    name(book, "Xoutput_premiums", "Portfolio", f"F1:H{end}")

    ws["J1"], ws["J2"], ws["J3"] = "total_premium", "policy_count", "smoker_count"
    ws["K1"] = f"=SUM(H2:H{end})"
    ws["K2"] = f"=COUNTA(A2:A{end})"
    ws["K3"] = f"=COUNTIF(D2:D{end},TRUE)"
    name(book, "Xoutput_total_premium", "Portfolio", "K1")
    name(book, "Xoutput_policy_count", "Portfolio", "K2")
    name(book, "Xoutput_smoker_count", "Portfolio", "K3")
    return book


BUILDERS = {
    "my-folder/my-service.xlsx": my_service,
    "pricing/quote.xlsx": quote,
    "pricing/portfolio.xlsx": portfolio,
}


def main(target: Path = SAMPLES) -> None:
    for relative, build in BUILDERS.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        build().save(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES)
