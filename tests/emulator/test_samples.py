"""The sample workbooks, checked against the same rules computed here in plain Python (not by the engine)."""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from cspark_emulator.workbook import Model, load_model

SAMPLES = Path(__file__).resolve().parents[2] / "cspark_emulator" / "samples"

# The pricing rules the samples implement: annual rate per 1000 assured by age band and plan.
RATES = {
    18: {"Basic": 0.80, "Standard": 1.10, "Premium": 1.60},
    30: {"Basic": 1.20, "Standard": 1.55, "Premium": 2.20},
    40: {"Basic": 2.10, "Standard": 2.70, "Premium": 3.60},
    50: {"Basic": 4.00, "Standard": 5.10, "Premium": 6.50},
    60: {"Basic": 7.50, "Standard": 9.20, "Premium": 11.80},
}
FEE = 25
SMOKER_LOADING = 1.5


def xround(value: float, digits: int) -> float:
    """Excel's ROUND: half away from zero on the decimal value Excel shows."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def add_months(start: dt.date, months: int) -> dt.date:
    """Excel's EDATE: same day of month, clamped to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def band(age: int) -> int:
    return max(lower for lower in RATES if lower <= age)


def expected_quote(
    age: int, sum_assured: float, smoker: str, term: int, start: str, plan: str
) -> dict[str, Any]:
    rate = xround(RATES[band(age)][plan] * (SMOKER_LOADING if smoker == "Yes" else 1), 4)
    annual = xround(sum_assured / 1000 * rate + FEE, 2)
    return {
        "rate": rate,
        "annual_premium": annual,
        "monthly_premium": xround(annual / 12, 2),
        "total_premium": xround(annual * term, 2),
        "end_date": add_months(dt.date.fromisoformat(start), 12 * term).isoformat(),
        "age_at_end": age + term,
        "summary": f"{plan} plan, {term} years from {start}: {annual:,.2f} a year",
        "risk_class": f"{'Smoker' if smoker == 'Yes' else 'Non-smoker'} {plan[0].upper()}{band(age)}",
    }


def expected_premium(age: int, sum_assured: float, smoker: bool) -> tuple[float, float]:
    rate = xround(RATES[band(age)]["Standard"] * (SMOKER_LOADING if smoker else 1), 4)
    return rate, xround(sum_assured / 1000 * rate + FEE, 2)


def sample(relative: str) -> Model:
    return load_model((SAMPLES / relative).read_bytes(), relative.rsplit("/", 1)[-1])


@pytest.fixture(scope="module")
def my_service() -> Model:
    return sample("my-folder/my-service.xlsx")


@pytest.fixture(scope="module")
def quote() -> Model:
    return sample("pricing/quote.xlsx")


@pytest.fixture(scope="module")
def portfolio() -> Model:
    return sample("pricing/portfolio.xlsx")


def test_samples_are_laid_out_as_folder_and_service() -> None:
    found = sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.xlsx"))
    assert found == ["my-folder/my-service.xlsx", "pricing/portfolio.xlsx", "pricing/quote.xlsx"]


def test_every_sample_loads_without_warnings(my_service: Model, quote: Model, portfolio: Model) -> None:
    for model in (my_service, quote, portfolio):
        assert model.warnings == []
        assert model.execute({}).errors == []


# --------------------------------------------------------------------------- my-folder/my-service


def test_my_service_schema(my_service: Model) -> None:
    assert [(f.name, f.type, f.default) for f in my_service.schema.inputs] == [("value", "number", 1)]
    assert {f.name: f.type for f in my_service.schema.outputs} == {
        "doubled": "number",
        "squared": "number",
        "label": "text",
    }


@pytest.mark.parametrize("value", [42, 0, -3, 2.5])
def test_my_service_outputs(my_service: Model, value: float) -> None:
    result = my_service.execute({"value": value})
    assert result.outputs == {"doubled": value * 2, "squared": value**2, "label": f"Value is {value:g}"}
    assert result.warnings == [] and result.errors == []


# --------------------------------------------------------------------------- pricing/quote


def test_quote_schema(quote: Model) -> None:
    inputs = {f.name: (f.type, f.default) for f in quote.schema.inputs}
    assert inputs == {
        "age": ("number", 35),
        "sum_assured": ("number", 250000),
        "smoker": ("text", "No"),
        "term_years": ("number", 20),
        "start_date": ("date", "2025-01-01"),
        "plan": ("text", "Standard"),
    }
    smoker, plan, term = (quote.schema.input(n) for n in ("smoker", "plan", "term_years"))
    assert smoker is not None and plan is not None and term is not None
    assert (smoker.allowed, smoker.validation) == (("Yes", "No"), "static")
    assert (plan.allowed, plan.validation) == (("Basic", "Standard", "Premium"), "static")
    assert term.validation == "dynamic"


QUOTES = [
    (35, 250000, "No", 20, "2025-01-01", "Standard"),
    (18, 100000, "Yes", 10, "2024-02-29", "Basic"),
    (29, 500000, "No", 30, "2023-08-31", "Premium"),
    (30, 75000, "Yes", 15, "2025-03-15", "Basic"),
    (49, 1000000, "No", 25, "2026-01-31", "Standard"),
    (62, 2000000, "Yes", 5, "2025-12-31", "Premium"),
]


@pytest.mark.parametrize(("age", "sum_assured", "smoker", "term", "start", "plan"), QUOTES)
def test_quote_outputs(
    quote: Model, age: int, sum_assured: float, smoker: str, term: int, start: str, plan: str
) -> None:
    inputs = {
        "age": age,
        "sum_assured": sum_assured,
        "smoker": smoker,
        "term_years": term,
        "start_date": start,
        "plan": plan,
    }
    result = quote.execute(inputs)
    assert result.outputs == expected_quote(age, sum_assured, smoker, term, start, plan)
    assert result.errors == [] and result.warnings == []


def test_quote_compiled_and_plain_paths_agree(quote: Model) -> None:
    """The compiled calculation (the default) against the plain one, over the cases above and odd inputs."""
    keys = ("age", "sum_assured", "smoker", "term_years", "start_date", "plan")
    cases: list[dict[str, Any]] = [dict(zip(keys, q, strict=True)) for q in QUOTES]
    cases += [{}, {"plan": "Gold"}, {"age": "old", "start_date": "soon"}, {"age": 74, "term_years": 30}]
    for requested in (None, ["annual_premium", "age_at_end"], ["summary"]):
        for inputs in cases:
            compiled = quote.execute(inputs, requested)
            plain = quote.execute(inputs, requested, compiled=False)
            assert (compiled.outputs, compiled.warnings, compiled.errors) == (
                plain.outputs,
                plain.warnings,
                plain.errors,
            ), inputs


def test_quote_terms_on_offer_depend_on_age(quote: Model) -> None:
    for age in (20, 50, 62, 70):
        entry = quote.validate({"age": age}, "dynamic")["term_years"]
        assert entry["dependent_inputs"] == ["age"]
        assert entry["options"] == [t for t in (5, 10, 15, 20, 25, 30) if age + t <= 75]


def test_quote_with_an_unknown_plan_reports_na(quote: Model) -> None:
    result = quote.execute({"plan": "Gold"}, requested=["annual_premium", "age_at_end"])
    assert result.outputs == {"annual_premium": None, "age_at_end": 55}
    assert {e["error_type"] for e in result.errors} == {"#N/A"}


# --------------------------------------------------------------------------- pricing/portfolio

POLICIES = [
    {"policy_id": "P-001", "age": 30, "sum_assured": 100000, "smoker": False},
    {"policy_id": "P-002", "age": 45, "sum_assured": 250000, "smoker": True},
    {"policy_id": "P-003", "age": 52, "sum_assured": 150000, "smoker": False},
    {"policy_id": "P-004", "age": 61, "sum_assured": 50000, "smoker": True},
]


def expected_portfolio(policies: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for p in policies:
        rate, premium = expected_premium(p["age"], p["sum_assured"], p["smoker"])
        rows.append({"policy_id": p["policy_id"], "rate": rate, "premium": premium})
    return {
        "premiums": rows,
        "total_premium": pytest.approx(sum(r["premium"] for r in rows)),
        "policy_count": len(rows),
        "smoker_count": sum(p["smoker"] for p in policies),
    }


def test_portfolio_schema(portfolio: Model) -> None:
    policies = portfolio.schema.input("policies")
    assert policies is not None
    assert (policies.type, policies.columns, policies.default) == (
        "table",
        ("policy_id", "age", "sum_assured", "smoker"),
        POLICIES,
    )
    premiums = portfolio.schema.output("premiums")
    assert premiums is not None and premiums.columns == ("policy_id", "rate", "premium")


def test_portfolio_defaults(portfolio: Model) -> None:
    assert portfolio.execute({}).outputs == expected_portfolio(POLICIES)


@pytest.mark.parametrize("count", [1, 3, 10])
def test_portfolio_with_other_policies(portfolio: Model, count: int) -> None:
    policies = [
        {"policy_id": f"Q-{n}", "age": 18 + 5 * n, "sum_assured": 20000 * (n + 1), "smoker": n % 3 == 0}
        for n in range(count)
    ]
    result = portfolio.execute({"policies": policies})
    assert result.outputs == expected_portfolio(policies)
    assert result.errors == [] and result.warnings == []


def test_portfolio_compiled_and_plain_paths_agree(portfolio: Model) -> None:
    for policies in (POLICIES, POLICIES[:1], [], [{"policy_id": "X", "age": "n/a", "sum_assured": 1}]):
        compiled = portfolio.execute({"policies": policies})
        plain = portfolio.execute({"policies": policies}, compiled=False)
        assert (compiled.outputs, compiled.errors) == (plain.outputs, plain.errors), policies


def test_committed_samples_match_the_generator(tmp_path: Path) -> None:
    """scripts/make_samples.py is the source of truth: regenerate and compare schema and results."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "make_samples.py"
    spec = importlib.util.spec_from_file_location("make_samples", script)
    assert spec is not None and spec.loader is not None
    make_samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_samples)
    make_samples.main(tmp_path)
    for relative in ("my-folder/my-service.xlsx", "pricing/quote.xlsx", "pricing/portfolio.xlsx"):
        fresh, committed = load_model((tmp_path / relative).read_bytes()), sample(relative)
        assert fresh.schema == committed.schema, relative
        assert fresh.stats == committed.stats, relative
        assert fresh.execute({}).outputs == committed.execute({}).outputs, relative
