"""Every sync class has an async twin with the same methods and the same parameters."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import cspark_core.resources as resources
from cspark_core import AsyncClient, Client


def twin_pairs() -> list[tuple[type, type]]:
    pairs = [(Client, AsyncClient)]
    for info in pkgutil.iter_modules(resources.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"cspark_core.resources.{info.name}")
        for name, cls in vars(module).items():
            twin = getattr(module, f"Async{name}", None)
            if inspect.isclass(cls) and inspect.isclass(twin) and cls.__module__ == module.__name__:
                pairs.append((cls, twin))
    return pairs


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    found = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") and name != "__init__":
            continue
        if inspect.isfunction(member):
            found[name] = inspect.signature(member).replace(return_annotation=inspect.Signature.empty)
    return found


PAIRS = twin_pairs()


def test_every_resource_module_has_twins() -> None:
    names = {sync.__name__ for sync, _ in PAIRS}
    assert {"Client", "Folders", "Health", "Config"} <= names


@pytest.mark.parametrize(("sync", "twin"), PAIRS, ids=[s.__name__ for s, _ in PAIRS])
def test_twin_signatures_match(sync: type, twin: type) -> None:
    mine, theirs = public_methods(sync), public_methods(twin)
    assert set(mine) == set(theirs), f"{sync.__name__} and {twin.__name__} differ in methods"
    for name, signature in mine.items():
        if name == "__init__":  # the HTTP client parameter differs in type only
            assert list(signature.parameters) == list(theirs[name].parameters)
            continue
        assert str(signature) == str(theirs[name]), f"{sync.__name__}.{name}"
