"""The import budget of one real `cspark services execute` against the emulator (issue #13): the set of
modules it imports, checked in a fresh interpreter. A new import on this path costs every CI call of
`cspark`; if one is needed, raise the budget here on purpose and re-run `bench/startup.py`."""

from __future__ import annotations

import os
from typing import Any

from tests.unit.cli.test_startup import imported_by

# Everything a one-record execute must not load: the pydantic coercion of Typer 0.29, asyncio (only
# --records), rich (only tables on a terminal, spinners, progress), httpx and its connection stack (the sync
# client sends through http.client; `httpx._main` is only the SDK's placeholder, see cspark_core/_httpx.py),
# the TOML parser (no config file here), and the SDK's other resources.
NEVER = {
    "pydantic",
    "pydantic_core",
    "asyncio",
    "rich",
    "httpcore",
    "h11",
    "anyio",
    "tomllib",
    "cspark_emulator",
}
OTHER_RESOURCES = {f"cspark_core.resources.{name}" for name in ("batches", "folders", "impex", "logs")}
BUDGET = 250  # modules in sys.modules after the call (237 without httpx; 261 when this test was written)


def test_one_execute_stays_within_its_import_budget(emulator: Any) -> None:
    env = {**os.environ, "CSPARK_BASE_URL": emulator.url, "CSPARK_API_KEY": emulator.api_key}
    modules = imported_by("services", "execute", "my-folder/my-service", "--inputs", "value=42", env=env)
    assert "cspark_core.resources.services" in modules  # it did run the call
    tops = {name.split(".")[0] for name in modules}
    assert not tops & NEVER
    assert not {"httpx", "httpx._client", "urllib.request", "http.cookiejar"} & modules
    assert not modules & OTHER_RESOURCES
    assert len(modules) <= BUDGET, f"{len(modules)} modules imported (budget {BUDGET})"
