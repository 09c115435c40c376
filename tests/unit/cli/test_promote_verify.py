"""`services promote --verify` when the promoted version answers differently (exit 8, the import left in
place), and the parsing of `--tolerance`. A fake client stands in for Spark: the emulator cannot make a
promoted copy of a workbook answer differently from its source."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from cspark_cli.commands.promote import parse_tolerance
from cspark_cli.context import AppContext
from cspark_cli.main import app
from cspark_core import Settings, SparkResponse
from cspark_core.resources.services import Services
from cspark_core.transport import SyncTransport

ROW = {
    "service": "f/s", "source_version": "1.0.0", "source_version_id": "src", "target": "f/s",
    "target_version": "1.0.0", "target_version_id": "dst", "status": "added",
}  # fmt: skip


class Fake:
    """migrate() reports one moved version; `services` is the SDK's own, over an `httpx.MockTransport` whose
    v4 execute replies answer `fee` 10 on the source and 12 on the target for values over 50."""

    def __init__(self) -> None:
        self.impex = SimpleNamespace(migrate=self.migrate)
        settings = Settings.build(
            "https://excel.test.coherent.global/t", api_key="k", environ={}, logger=False
        )
        http = httpx.Client(transport=httpx.MockTransport(self.reply))
        self.services = Services(SyncTransport(settings, http_client=http))
        self.migrated: list[dict[str, Any]] = []

    def migrate(self, to: Any, **options: Any) -> SparkResponse:
        self.migrated.append(options)
        return SparkResponse(200, {"services": [ROW], "export": {}, "imports": [{}]})

    def reply(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/t/api/v4/execute"
        body = json.loads(request.content)
        high = 12 if body["version_id"] == "dst" else 10
        outputs = [{"fee": high if r["value"] > 50 else 5, "value": r["value"]} for r in body["inputs"]]
        return httpx.Response(200, json={"outputs": outputs, "errors": [None] * len(outputs)})

    def close(self) -> None:
        pass


def run(fake: Fake, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), obj=AppContext(client=fake))


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps({"value": v}) for v in (10, 60, 70, 20)) + "\n")
    return path


def test_a_failed_verification_exits_8_and_shows_the_differences(cases: Path) -> None:
    fake = Fake()
    result = run(fake, "services", "promote", "f/s", "--verify", str(cases))
    assert result.exit_code == 8
    assert "error: the promoted version answers differently (the import stays in place): f/s[1.0.0]: " in (
        result.stderr
    )
    assert "2 differences in 4 records, in output(s) fee" in result.stderr
    assert "Verification of f/s[1.0.0] against f/s[1.0.0]:" in result.stdout
    assert [line.split() for line in result.stdout.splitlines()[-2:]] == [
        ["1", "fee", "10", "12", "2.0"],
        ["2", "fee", "10", "12", "2.0"],
    ]
    assert fake.migrated[0]["services_existing"] == "add_version"


def test_verification_json_and_ignore(cases: Path) -> None:
    failed = run(Fake(), "services", "promote", "f/s", "--verify", str(cases), "-o", "json")
    assert failed.exit_code == 8
    (check,) = json.loads(failed.stdout)["verify"]
    assert (check["equal"], check["different"], check["target_version_id"]) == (False, 2, "dst")
    ignored = run(Fake(), "services", "promote", "f/s", "--verify", str(cases), "--ignore", "fee")
    assert ignored.exit_code == 0, ignored.stderr
    assert "verified f/s[1.0.0] against f/s[1.0.0]: all 4 records answer the same" in ignored.stderr
    tolerated = run(Fake(), "services", "promote", "f/s", "--verify", str(cases), "--tolerance", "20%")
    assert tolerated.exit_code == 0, tolerated.stderr


def test_tolerance_values() -> None:
    assert parse_tolerance(None).absolute == 0 and parse_tolerance([]).relative == 0
    both = parse_tolerance(["0.01", "0.5%"])
    assert (both.absolute, both.relative) == (0.01, 0.005)
    for bad in (["x"], ["-1"], ["inf"], ["nan"], ["1", "2"], ["1%", "2%"]):
        with pytest.raises(typer.BadParameter):
            parse_tolerance(bad)
