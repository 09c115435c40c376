"""End-to-end fixtures: one real emulator per session on a free loopback port, reset before each test,
and SDK clients that talk to it over real HTTP.

`spark` is parametrised over the sync `Client` and the `AsyncClient`: for the async one, every awaitable a
call returns is run to completion on the test's own event loop, so one test body proves both twins.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cspark_core import AsyncClient, Client

emulator_module = pytest.importorskip("cspark_emulator")


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[Any]:
    with emulator_module.Emulator(samples=True) as emu:
        yield emu


@pytest.fixture
def emulator(emulator_session: Any) -> Any:
    emulator_session.reset()
    return emulator_session


class Blocking:
    """Runs an async SDK object's coroutines to completion, so tests read the same for both clients."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        return self._wrap(getattr(self._target, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(self._target(*args, **kwargs))

    def _wrap(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            value = self._loop.run_until_complete(value)
        if inspect.isasyncgen(value) or hasattr(value, "__aiter__"):  # async iterators: collected
            value = self._loop.run_until_complete(_collect(value))
        if callable(value) or type(value).__module__.startswith("cspark_core.resources"):
            return Blocking(value, self._loop)
        return value


async def _collect(agen: Any) -> list[Any]:
    return [item async for item in agen]


@pytest.fixture(params=["sync", "async"])
def spark(request: pytest.FixtureRequest, emulator: Any) -> Iterator[Any]:
    """A client on the emulator (API key auth): `Client`, or `AsyncClient` behind `Blocking`."""
    options = {"api_key": emulator.api_key, "environ": {}, "logger": False, "retry_interval": 0.01}
    if request.param == "sync":
        with Client(emulator.url, **options) as client:
            yield client
        return
    loop = asyncio.new_event_loop()
    client = AsyncClient(emulator.url, **options)
    try:
        yield Blocking(client, loop)
    finally:
        loop.run_until_complete(client.close())
        loop.close()


@pytest.fixture
def oauth_client(emulator: Any) -> Iterator[Client]:
    oauth = {"client_id": emulator.client_id, "client_secret": emulator.client_secret}
    with Client(emulator.url, oauth=oauth, environ={}, logger=False) as client:
        yield client


Run = Callable[..., Result]


@pytest.fixture
def run(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`run("services", "execute", ...)`: the cspark app through CliRunner, configured by environment
    variables alone (no profile), against the emulator."""
    from cspark_cli.main import app

    monkeypatch.setenv("CSPARK_BASE_URL", emulator.url)
    monkeypatch.setenv("CSPARK_API_KEY", emulator.api_key)

    def invoke(*args: str, input: str | None = None, obj: Any = None) -> Result:
        return CliRunner().invoke(app, list(args), input=input, obj=obj)

    return invoke


@pytest.fixture
def sdk(emulator: Any) -> Iterator[Client]:
    """A plain sync client, for a CLI test's setup and for comparing the CLI's output with the SDK's."""
    with Client(emulator.url, api_key=emulator.api_key, environ={}, logger=False) as client:
        yield client


@pytest.fixture(scope="session")
def prod_session() -> Iterator[Any]:
    """A second emulator (tenant `prod`, no samples): the other end of a migration or promotion."""
    with emulator_module.Emulator(tenant="prod") as emu:
        yield emu


@pytest.fixture
def prod(prod_session: Any) -> Any:
    prod_session.reset()
    return prod_session


@pytest.fixture
def prod_sdk(prod: Any) -> Iterator[Client]:
    """A plain sync client on the `prod` emulator."""
    with Client(prod.url, api_key=prod.api_key, environ={}, logger=False) as client:
        yield client
