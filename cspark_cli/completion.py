"""Dynamic shell completion of locators: folder names, then `folder/service`, from the active profile.

TAB must never hang: the list comes from one `services.search()` with a short timeout and no retries, and is
cached per connection for a minute (in the cache folder, mode 0600); any failure completes nothing.
The shell scripts in `completions/` call `cspark __complete-locator PREFIX` (a hidden command); Typer's own
completion (`--install-completion`) reaches the same function through the FOLDER/SERVICE argument.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import AppContext

__all__ = ["CACHE_SECONDS", "TIMEOUT_MS", "locator_candidates", "service_names"]

CACHE_SECONDS = 60.0
TIMEOUT_MS = 1500.0


def locator_candidates(cli: AppContext, prefix: str) -> list[str]:
    """`folder/` for each folder while `prefix` has no slash yet, then `folder/service` names."""
    names = service_names(cli)
    if "/" not in prefix:
        return sorted({name.split("/", 1)[0] + "/" for name in names if name.startswith(prefix)})
    return [name for name in names if name.startswith(prefix)]


def service_names(cli: AppContext) -> list[str]:
    """Every `folder/service` of the active connection, from the cache when it is fresh."""
    from .profiles import atomic_write, cache_dir

    connection = cli.connection()
    path = cache_dir(cli.environ) / "completion" / f"{connection.cache_key()}.json"
    cached = _read(path)
    if cached is not None:
        return cached
    quick = replace(connection, timeout=TIMEOUT_MS, max_retries=0)
    from cspark_core.resources.services import service_paths

    names = service_paths(cli.make_client(quick).services.search())
    atomic_write(path, json.dumps({"at": time.time(), "names": names}).encode())
    return names


def _read(path: Path) -> list[str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    fresh = isinstance(data, dict) and time.time() - float(data.get("at", 0)) < CACHE_SECONDS
    names = data.get("names") if fresh else None
    return [str(n) for n in names] if isinstance(names, list) else None
