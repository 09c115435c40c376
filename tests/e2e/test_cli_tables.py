"""Tables on an 80-column terminal (issue #11, item 8): every list command's table, rendered as on a
terminal, fits in 80 columns, and ids, dates and locators are never broken over two lines."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cspark_cli.context import AppContext
from cspark_cli.output import Output
from tests.e2e.conftest import Run

ATOMIC = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\d{4}-\d\d-\d\dT[\d:.]+Z?"
)

TABLES = [
    ("folders", "find"),
    ("services", "search"),
    ("services", "versions", "my-folder/my-service"),
    ("services", "schema", "my-folder/my-service"),
    ("services", "validate", "my-folder/my-service"),
    ("batches", "describe"),
    ("impex", "describe-exports"),
    ("profiles", "list"),
]


@pytest.mark.parametrize("args", TABLES, ids=" ".join)
def test_tables_fit_80_columns(
    run: Run, sdk: Any, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    wide = run(*args, "-o", "csv")  # every value, unbroken
    terminal = AppContext(out=Output(terminal=True))
    result = run(*args, obj=terminal)
    assert result.exit_code == 0, result.stderr
    shown = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert all(len(line) <= 80 for line in shown.splitlines()), shown
    for value in set(ATOMIC.findall(wide.stdout)):  # each id or date is whole on a line, or not shown
        assert value in shown or "not shown" in result.stderr
