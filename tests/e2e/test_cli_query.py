"""`--query EXPR` (issue #11, item 2): a JMESPath expression over the JSON data; one value prints bare, so
`X=$(cspark ... --query outputs.doubled)` needs no jq."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Run

SERVICE = "my-folder/my-service"


def test_a_scalar_prints_bare(run: Run) -> None:
    result = run("services", "execute", SERVICE, "value=42", "--query", "outputs.doubled")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "84\n", "")
    label = run("services", "execute", SERVICE, "value=42", "--query", "outputs.label")
    assert label.stdout == "Value is 42\n"
    call_id = run("services", "execute", SERVICE, "value=1", "--query", "call_id").stdout.strip()
    assert run("logs", "get", call_id, "--query", "response_data != null").stdout == "true\n"


def test_structures_print_as_json_and_work_on_any_listing(run: Run) -> None:
    result = run("folders", "find", "--query", "data[].name", "-o", "table")
    assert result.exit_code == 0, result.stderr
    assert "my-folder" in json.loads(result.stdout)


def test_a_bad_expression_is_a_usage_error_naming_it(run: Run) -> None:
    result = run("folders", "find", "--query", "data[0")
    assert result.exit_code == 2
    assert "'--query'" in result.stderr and "'data[0' is not a JMESPath expression" in result.stderr


def test_commands_that_print_one_value_take_a_query_too(run: Run, tmp_path: Path) -> None:
    result = run("services", "download", SERVICE, "--out", f"{tmp_path}/", "--query", "size")
    assert result.exit_code == 0, result.stderr
    assert int(result.stdout) == next(tmp_path.iterdir()).stat().st_size
