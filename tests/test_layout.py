"""The package layout: each pipeline stage imports only the stages before it (DESIGN §1),
and no module imports back a module that imports it (no circles)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tokfuzz"

STAGE_ORDER: dict[str, int] = {
    "strategies": 0, "inputs": 1, "backends": 2, "oracles": 3, "findings": 4,
    "engines": 5, "report": 6, "pytest_plugin": 6, "config": 6, "cli": 7,
}
"""Rank of each stage; a stage may import stages of a lower or equal rank. ``config``
(the project config) names engine settings, properties and subjects' backend specs, so
it comes after the engines; the pytest plugin and the command line read it."""


def _modules() -> dict[str, set[str]]:
    """Module name -> the tokfuzz modules (or module attributes) it imports, anywhere in it."""
    out: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "tokfuzz":
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.split(".")[0] == "tokfuzz")
        out[name] = deps
    return out


def test_every_stage_imports_only_earlier_stages() -> None:
    wrong = []
    for name, deps in _modules().items():
        parts = name.split(".")
        if len(parts) < 2:
            continue  # the facade re-exports every stage
        for dep in deps:
            target = dep.split(".")
            if len(target) < 2:
                wrong.append(f"{name} imports the tokfuzz facade")
            elif target[1] in STAGE_ORDER and STAGE_ORDER[target[1]] > STAGE_ORDER[parts[1]]:
                wrong.append(f"{name} ({parts[1]}) imports {dep} ({target[1]})")
    assert set(STAGE_ORDER) >= {p.stem for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert wrong == []


def test_no_import_circles() -> None:
    modules = _modules()
    graph = {m: {d for d in deps if d in modules and d != m and not d.startswith(m + ".") and not m.startswith(d + ".")}
             for m, deps in modules.items()}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str], done: set[str]) -> None:
        for dep in graph[node]:
            if dep in path:
                circles.append(path[path.index(dep):] + [dep])
            elif dep not in done:
                done.add(dep)
                visit(dep, [*path, dep], done)

    for module in graph:
        visit(module, [module], {module})
    assert circles == []
