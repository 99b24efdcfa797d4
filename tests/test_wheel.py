"""The wheel on its own: built, installed in a fresh virtualenv, and used from there.

The fresh environment gets the locked dependencies from uv's cache (offline: ``make venv``
filled it) and the wheel without its dependencies, then runs ``clausewatch init`` — which
needs the migrations shipped inside the wheel — and ``clausewatch compare`` of two corpus
statements, whose JSON must equal what the checkout prints. Everything runs outside the
checkout, with no ``CLAUSEWATCH_*`` variable but the data directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).with_name("uv")
CORPUS = ROOT / "clausewatch" / "demo" / "corpus" / "ncg"

pytestmark = pytest.mark.wheel


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _runtime_lock(tmp_path: Path) -> Path:
    """The lock file without uv itself (a dev tool that make venv installs with pip)."""
    kept: list[str] = []
    skipping = False
    for line in (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            skipping = line.startswith("uv==")
        if not skipping:
            kept.append(line)
    path = tmp_path / "runtime-lock.txt"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel built from this checkout; returns its bin/."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp)}
    env["UV_CACHE_DIR"] = os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
    dist = tmp / "dist"
    _run([UV, "build", "--wheel", "--offline", "-o", dist, ROOT], cwd=tmp, env=env)
    wheel = next(dist.glob("clausewatch-*.whl"))
    venv = tmp / "venv"
    python = venv / "bin" / "python"
    _run([UV, "venv", "-q", "--python", sys.executable, venv], cwd=tmp, env=env)
    lock = _runtime_lock(tmp)
    _run([UV, "pip", "sync", "-q", "--offline", "--python", python, lock], cwd=tmp, env=env)
    _run(
        [UV, "pip", "install", "-q", "--offline", "--no-deps", "--python", python, wheel],
        cwd=tmp,
        env=env,
    )
    return venv / "bin"


def _clean_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CLAUSEWATCH_DATA_DIR": str(tmp_path / "data"),
    }


def test_the_wheel_carries_the_migrations(installed: Path, tmp_path: Path) -> None:
    where = _run(
        [installed / "python", "-c", "from models.db import migrations_dir as m; print(m())"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
    ).strip()
    assert "site-packages" in where and where.endswith("models/migrations")


def test_init_then_compare_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    created = _run([installed / "clausewatch", "init"], cwd=tmp_path, env=env)
    assert "created the history" in created
    assert (tmp_path / "data" / "clausewatch.db").is_file()
    again = _run([installed / "clausewatch", "init"], cwd=tmp_path, env=env)
    assert "created" not in again

    files = [CORPUS / "ncg-4.en.txt", CORPUS / "ncg-5.en.txt"]
    args: list[str | Path] = ["compare", *files, "--lexical", "--format", "json"]
    from_wheel = json.loads(_run([installed / "clausewatch", *args], cwd=tmp_path, env=env))
    checkout = Path(sys.executable).with_name("clausewatch")
    from_checkout = json.loads(_run([checkout, *args], cwd=tmp_path, env=env))
    assert from_wheel == from_checkout
    assert from_wheel["kind"] == "successor"
    assert any(c["status"] == "dropped" for c in from_wheel["commitments"])
