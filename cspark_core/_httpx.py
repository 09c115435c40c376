"""Import httpx without its optional command-line client.

httpx's package `__init__` imports `httpx._main` (its own CLI), which pulls in click, rich and pygments
whenever they are installed — as they are beside the `cspark` CLI. That costs ~80 ms on every import of the
SDK and would make `import cspark_core` load rich. When httpx is not imported yet, a placeholder module takes
its place; calling `httpx.main()` still works: the placeholder loads the real module on first use.
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


if "httpx" not in sys.modules:
    _placeholder = types.ModuleType("httpx._main")
    _placeholder.main = _main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = _placeholder
    import httpx  # noqa: F401  (imported here, once, with the placeholder in place)
