"""The emulator's module layers: every module imports, no module imports itself back through others
(no import cycles, type-only imports included), routes never import the pipeline (``app``), and the
emulator imports neither the SDK nor the CLI."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import cspark_emulator

PACKAGE = "cspark_emulator"
ROOT = Path(cspark_emulator.__file__).parent


def _modules() -> dict[str, Path]:
    found = {PACKAGE: ROOT / "__init__.py"}
    for info in pkgutil.walk_packages([str(ROOT)], prefix=f"{PACKAGE}."):
        path = ROOT.joinpath(*info.name.split(".")[1:])
        found[info.name] = path / "__init__.py" if info.ispkg else path.with_suffix(".py")
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, wherever the import statement is (functions, TYPE_CHECKING)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return out


GRAPH = {
    name: {m for m in _imports(name, path) if m in MODULES and m != name} for name, path in MODULES.items()
}


def test_every_module_imports() -> None:
    assert {"cspark_emulator.app", "cspark_emulator.http", "cspark_emulator.state"} <= set(MODULES)
    for name in MODULES:
        importlib.import_module(name)


def test_no_import_cycles() -> None:
    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        stack = list(GRAPH[start])
        while stack:
            module = stack.pop()
            if module not in seen:
                seen.add(module)
                stack.extend(GRAPH[module])
        return seen

    cycles = sorted(name for name in MODULES if name in reaches(name))
    assert cycles == []


def test_routes_never_import_the_pipeline() -> None:
    for name in MODULES:
        if name.startswith(f"{PACKAGE}.routes"):
            assert f"{PACKAGE}.app" not in GRAPH[name], name


def test_the_emulator_imports_neither_the_sdk_nor_the_cli() -> None:
    for name, path in MODULES.items():
        outside = {m.split(".")[0] for m in _imports(name, path)}
        assert not outside & {"cspark", "cspark_core", "cspark_cli"}, name


def test_only_the_pipeline_and_the_server_import_routes() -> None:
    """Lower layers (state, impex, http) never reach up into the route modules."""
    allowed = {f"{PACKAGE}.app", f"{PACKAGE}.server"}
    for name in MODULES:
        if name.startswith(f"{PACKAGE}.routes") or name in allowed:
            continue
        assert not {m for m in GRAPH[name] if m.startswith(f"{PACKAGE}.routes")}, name
