"""CLI unit-test helpers: a fake Spark client (the edge of the unit), and a runner that keeps stdout, stderr
and the exit code apart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cspark_cli.context import AppContext, Prompter
from cspark_cli.main import app


@dataclass
class FakeClient:
    """Stands in for cspark_core.Client: records calls, answers or raises what the test says."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    token: str = "fake-bearer-token"
    calls: list[str] = field(default_factory=list)
    closed: bool = False

    def __post_init__(self) -> None:
        self.folders = SimpleNamespace(find=self._find)
        base = self.kwargs.get("base_url") or "https://excel.test.coherent.global/tenant"
        self.settings = SimpleNamespace(
            base_url=SimpleNamespace(value=base, tenant=base.rstrip("/").split("/")[-1])
        )

    def _find(self, name: str | None = None, *, page: int = 1, size: int = 100) -> Any:
        self.calls.append("folders.find")
        if self.error is not None:
            raise self.error
        return SimpleNamespace(status=200, data={"data": []})

    def auth_token(self, *, fresh: bool = False) -> str:
        self.calls.append("auth_token(fresh)" if fresh else "auth_token")
        if self.error is not None:
            raise self.error
        return self.token

    def close(self) -> None:
        self.closed = True


@dataclass
class Harness:
    """Runs the real root app with an AppContext whose client factory makes FakeClients."""

    error: BaseException | None = None
    interactive: bool = False
    clients: list[FakeClient] = field(default_factory=list)

    def factory(self, **kwargs: Any) -> FakeClient:
        client = FakeClient(kwargs=kwargs, error=self.error)
        self.clients.append(client)
        return client

    def context(self) -> AppContext:
        return AppContext(client_factory=self.factory, prompter=Prompter(interactive=self.interactive))

    def run(self, args: Sequence[str], input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), input=input, obj=self.context())


@pytest.fixture
def harness() -> Harness:
    return Harness()


@pytest.fixture
def cli_run(harness: Harness) -> Callable[..., Result]:
    return harness.run
