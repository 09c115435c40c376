"""Route tables, one module per API area; order matters (specific paths before generic locators)."""

from __future__ import annotations

from ..app import Route


def all_routes() -> list[Route]:
    from . import admin, auth, execute, folders, health, services

    modules = [admin, health, auth, folders, execute, services]
    optional = ["batches", "logs", "impex", "transforms", "wasm"]
    for name in optional:
        try:
            modules.append(__import__(f"{__name__}.{name}", fromlist=["ROUTES"]))
        except ModuleNotFoundError:
            continue
    routes: list[Route] = []
    for module in modules:
        routes.extend(module.ROUTES)
    # Generic locator routes ({rest:path}) must come last so they never shadow specific ones.
    routes.sort(key=lambda r: "{rest:path}" in r.pattern)
    return routes
