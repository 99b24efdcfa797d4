"""The import rule (docs/architecture.md), checked on every module's import lines.

Imports point down only: clausewatch/ and flows/ (the edges) → pipeline/ → alerts/,
models/, scrapers/, clauses/ → core/. ``clauses/`` is pure text logic: it imports only the
core and no I/O library. No product module imports ``tests``, and no two modules import
each other, however indirectly. Every import counts — inside functions and under
``TYPE_CHECKING`` too: a lazy import is still a dependency. Settings are built at the edges
and passed down: no module below them calls ``get_settings()``.

The checker is a plain function of a source tree, so the tests at the bottom run it on
small fake trees to show that each rule does fail when broken.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: What each package may import (besides itself). The edges: clausewatch/, flows/.
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "clauses": frozenset({"core"}),
    "scrapers": frozenset({"core"}),
    "models": frozenset({"core"}),
    # The outbox rows alerts render and send are read through models/.
    "alerts": frozenset({"core", "models"}),
    "pipeline": frozenset({"core", "clauses", "scrapers", "models", "alerts"}),
    "flows": frozenset({"core", "clauses", "scrapers", "models", "alerts", "pipeline"}),
    "clausewatch": frozenset(
        {"core", "clauses", "scrapers", "models", "alerts", "pipeline", "flows"}
    ),
}
#: Libraries that do I/O (network, database, mail, orchestration): never in clauses/.
IO_LIBRARIES = frozenset(
    {
        "httpx",
        "httpcore",
        "requests",
        "urllib.request",
        "socket",
        "sqlalchemy",
        "psycopg",
        "alembic",
        "smtplib",
        "aiosmtpd",
        "prefect",
        "warcio",
    }
)
PURE = "clauses"
TEST_PACKAGES = frozenset({"tests"})
#: The edges, the only packages that build the settings; ``core`` defines ``get_settings``.
SETTINGS_BUILDERS = frozenset({"clausewatch", "flows", "core"})


@dataclass(frozen=True)
class Import:
    """One import line: the importing module, the line, the module it names and the
    dotted names it brings in (``from a import b`` → ``a.b``, a module or an attribute)."""

    module: str
    line: int
    target: str
    names: tuple[str, ...]


def module_name(root: Path, path: Path) -> str:
    """``scrapers/http.py`` → ``scrapers.http``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, path: Path) -> list[Import]:
    """Every import in a file (at any depth), relative ones resolved to absolute names."""
    module = module_name(root, path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, node.lineno, a.name, (a.name,)) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names = tuple(f"{target}.{a.name}" for a in node.names)
            found.append(Import(module, node.lineno, target, names))
    return found


def product_modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of the given top-level packages under ``root``."""
    return {
        module_name(root, path): path
        for package in packages
        if (root / package).is_dir()
        for path in sorted((root / package).rglob("*.py"))
    }


def _resolve(target: str, modules: Mapping[str, Path]) -> str | None:
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_violations(root: Path, allowed: Mapping[str, frozenset[str]] = ALLOWED) -> list[str]:
    """Every broken import rule in the tree at ``root``, one line each (empty: all hold)."""
    modules = product_modules(root, allowed)
    problems: list[str] = []
    module_graph: dict[str, set[str]] = {m: set() for m in modules}
    package_graph: dict[str, set[str]] = {p: set() for p in allowed}
    for module, path in modules.items():
        package = module.split(".")[0]
        where = f"{path.relative_to(root)}"
        for imp in imports_of(root, path):
            top = imp.target.split(".")[0]
            if top in TEST_PACKAGES:
                problems.append(f"{where}:{imp.line}: product code imports {imp.target}")
                continue
            if package == PURE and any(
                imp.target == lib or imp.target.startswith(lib + ".") for lib in IO_LIBRARIES
            ):
                problems.append(f"{where}:{imp.line}: {PURE}/ does I/O through {imp.target}")
            if top in allowed and top != package and top not in allowed[package]:
                problems.append(f"{where}:{imp.line}: {package}/ may not import {imp.target}")
            for name in imp.names:
                resolved = _resolve(name, modules)
                if resolved is not None and resolved != module:
                    module_graph[module].add(resolved)
                    if top != package:
                        package_graph[package].add(top)
    for cycle in _cycles(package_graph):
        problems.append("package cycle: " + " ↔ ".join(cycle))
    for cycle in _cycles(module_graph):
        problems.append("module cycle: " + " ↔ ".join(cycle))
    return sorted(set(problems))


def settings_violations(root: Path, allowed: Mapping[str, frozenset[str]] = ALLOWED) -> list[str]:
    """Every call of ``get_settings()`` below the edges, one line each (empty: none)."""
    below = [p for p in allowed if p not in SETTINGS_BUILDERS]
    problems = []
    for path in product_modules(root, below).values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "get_settings":
                problems.append(
                    f"{path.relative_to(root)}:{node.lineno}: get_settings() below the edges"
                    " (take the settings or the value as an argument)"
                )
    return sorted(problems)


def test_the_product_keeps_the_import_rule() -> None:
    assert layer_violations(ROOT) == []


def test_only_the_edges_build_the_settings() -> None:
    assert settings_violations(ROOT) == []


def test_every_product_package_has_a_place_in_the_rule() -> None:
    import tomllib

    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = wheel["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert set(packages) == set(ALLOWED)


# -- the checker fails when a rule is broken -------------------------------------------


def _tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    for name in ALLOWED:
        (tmp_path / name).mkdir(exist_ok=True)
        (tmp_path / name / "__init__.py").touch()
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"scrapers/http.py": "from clausewatch.cli import main\n"},
            "scrapers/http.py:1: scrapers/ may not import clausewatch.cli",
            id="a layer imports an edge",
        ),
        pytest.param(
            {"models/db.py": "def f():\n    from pipeline import stages\n"},
            "models/db.py:2: models/ may not import pipeline",
            id="a lazy import upward counts too",
        ),
        pytest.param(
            {"clauses/align.py": "from scrapers.base import ListingItem\n"},
            "clauses/align.py:1: clauses/ may not import scrapers.base",
            id="clauses imports a sibling",
        ),
        pytest.param(
            {"clauses/fetch.py": "import httpx\n"},
            "clauses/fetch.py:1: clauses/ does I/O through httpx",
            id="clauses does I/O",
        ),
        pytest.param(
            {"flows/track.py": "from tests.support.faults import Fault\n"},
            "flows/track.py:1: product code imports tests.support.faults",
            id="the product imports tests",
        ),
        pytest.param(
            {"core/settings.py": "from ..models import db\n", "models/db.py": ""},
            "core/settings.py:1: core/ may not import models",
            id="a relative import is resolved",
        ),
        pytest.param(
            {
                "scrapers/base.py": "from scrapers import extract\n",
                "scrapers/extract.py": "def f():\n    from scrapers.base import register\n",
            },
            "module cycle: scrapers.base ↔ scrapers.extract",
            id="two modules import each other",
        ),
    ],
)
def test_the_checker_reports_a_broken_rule(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    assert expected in layer_violations(_tree(tmp_path, files))


def test_the_checker_reports_a_package_cycle(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path,
        {"models/store.py": "import alerts.render\n", "alerts/render.py": "import models.store\n"},
    )
    # Even where the rule would allow one direction, a cycle between packages is reported.
    allowed = {**ALLOWED, "models": frozenset({"core", "alerts"})}
    problems = layer_violations(tree, allowed)
    assert "package cycle: alerts ↔ models" in problems


def test_the_checker_accepts_imports_that_point_down(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path,
        {
            "clausewatch/cli.py": "from flows import track\nfrom core import errors\n",
            "flows/track.py": "from pipeline.tracking import track\n",
            "pipeline/tracking.py": "from scrapers.http import PoliteClient\nimport httpx\n",
            "scrapers/http.py": "from core.errors import FetchError\n",
            "clauses/align.py": "import re\nfrom core.errors import InputError\n",
        },
    )
    assert layer_violations(tree) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {
                "pipeline/catalog.py": (
                    "def folder():\n"
                    "    from core.settings import get_settings\n\n"
                    "    return get_settings().data_dir\n"
                )
            },
            "pipeline/catalog.py:4: get_settings() below the edges",
            id="a lazy call in pipeline",
        ),
        pytest.param(
            {"models/db.py": "from core import settings\n\nURL = settings.get_settings().url\n"},
            "models/db.py:3: get_settings() below the edges",
            id="called through its module",
        ),
    ],
)
def test_the_checker_reports_settings_built_below_the_edges(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    assert any(p.startswith(expected) for p in settings_violations(_tree(tmp_path, files)))


def test_the_edges_may_build_the_settings(tmp_path: Path) -> None:
    call = "from core.settings import get_settings\n\nSETTINGS = get_settings()\n"
    tree = _tree(tmp_path, {"clausewatch/cli.py": call, "flows/track.py": call})
    assert settings_violations(tree) == []
