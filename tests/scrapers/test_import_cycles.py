"""The scrapers package imports without cycles, counting imports inside functions too.

A cycle patched with a function-level import (base.py reading feeds through extract.py while
extract.py built base.py's Statement) hides which module stands on which.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "scrapers"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("scrapers.")}


def test_scrapers_modules_form_no_cycle() -> None:
    graph = {f"scrapers.{p.stem}": _imports(p) for p in PACKAGE.glob("*.py")}
    assert graph["scrapers.base"] >= {"scrapers.extract", "scrapers.statement"}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None
