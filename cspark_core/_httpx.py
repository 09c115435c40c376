"""Keep httpx from importing its optional command-line client, whenever the SDK imports httpx.

httpx's package `__init__` imports `httpx._main` (its own CLI), which pulls in click, rich and pygments
whenever they are installed — as they are beside the `cspark` CLI. That would cost ~80 ms on the first
import of httpx and load rich. Unless httpx is imported already, a placeholder module takes `httpx._main`'s
place; calling `httpx.main()` still works: the placeholder loads the real module on first use. httpx itself
is imported only when a wire needs it (see `wire.py`).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any


def _main(*args: Any, **kwargs: Any) -> Any:
    sys.modules.pop("httpx._main", None)
    real = importlib.import_module("httpx._main")
    return real.main(*args, **kwargs)


if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    _placeholder = types.ModuleType("httpx._main")
    _placeholder.main = _main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = _placeholder
