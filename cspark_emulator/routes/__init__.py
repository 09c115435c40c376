"""Route tables, one module per API area; order matters (specific paths before generic locators)."""

from __future__ import annotations

from ..app import Route


def all_routes() -> list[Route]:
    from . import admin, auth, batches, execute, folders, health, impex, logs, services, transforms, wasm

    modules = [admin, health, auth, folders, execute, services, logs, batches, impex, transforms, wasm]
    routes = [route for module in modules for route in module.ROUTES]
    # Generic locator routes ({rest:path}) go last so they never shadow specific ones (the sort is stable).
    routes.sort(key=lambda r: "{rest:path}" in r.pattern)
    return routes
