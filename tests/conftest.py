"""Hermetic environment for every test: temporary config and cache folders, no `CSPARK_*` variables from
the developer's shell, no colour, a fixed terminal width."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def hermetic_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    for name in list(os.environ):
        if name.startswith("CSPARK_"):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("cspark-home")
    folders = {"config": home / "config", "cache": home / "cache"}
    monkeypatch.setenv("CSPARK_CONFIG_DIR", str(folders["config"]))
    monkeypatch.setenv("CSPARK_CACHE_DIR", str(folders["cache"]))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return folders
