"""Route tables, one module per API area; order matters (specific paths before generic locators)."""

from __future__ import annotations

from ..http import Route
from . import (
    admin,
    auth,
    batches,
    config,
    execute,
    files,
    folders,
    health,
    impex,
    logs,
    services,
    transforms,
    wasm,
)


def all_routes() -> list[Route]:
    modules = [
        admin,
        health,
        config,
        files,
        auth,
        folders,
        execute,
        services,
        logs,
        batches,
        impex,
        transforms,
        wasm,
    ]
    routes = [route for module in modules for route in module.ROUTES]
    # Generic locator routes ({rest:path}) go last so they never shadow specific ones (the sort is stable).
    routes.sort(key=lambda r: "{rest:path}" in r.pattern)
    return routes
