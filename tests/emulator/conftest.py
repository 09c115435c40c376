"""One emulator per session on a free loopback port (samples published), reset before each test.

Tests talk to it over real HTTP with plain httpx: never through cspark_core, so shape bugs are not shared.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cspark_emulator import Emulator
from tests.emulator.emuhelp import admin_headers


@pytest.fixture(scope="session")
def emu_session() -> Iterator[Emulator]:
    with Emulator(tenant="acme", samples=True) as emu:
        yield emu


@pytest.fixture
def emu(emu_session: Emulator) -> Emulator:
    emu_session.reset()
    return emu_session


@pytest.fixture
def api(emu: Emulator) -> Iterator[httpx.Client]:
    """API-key client rooted at the base URL (``{origin}/{tenant}``)."""
    headers = {"x-synthetic-key": emu.api_key, "x-tenant-name": emu.tenant}
    with httpx.Client(base_url=emu.url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def v1(emu: Emulator) -> Iterator[httpx.Client]:
    """API-key client rooted at the origin, for host-scoped v1 routes."""
    headers = {"x-synthetic-key": emu.api_key, "x-tenant-name": emu.tenant}
    with httpx.Client(base_url=emu.origin, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def admin(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{emu.origin}/_emulator", headers=admin_headers(emu), timeout=30) as client:
        yield client
