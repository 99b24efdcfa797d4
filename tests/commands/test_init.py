"""``clausewatch init`` and the CLI's exit-code policy, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items()}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "clausewatch", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("clausewatch ")


def test_init_creates_then_changes_nothing(tmp_path: Path) -> None:
    env = {"CLAUSEWATCH_DATA_DIR": str(tmp_path / "data")}
    first = run("init", env=env)
    assert first.returncode == 0, first.stderr
    assert "created the history" in first.stdout
    db = tmp_path / "data" / "clausewatch.db"
    assert db.exists()
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        before = conn.execute(text("SELECT sql FROM sqlite_master ORDER BY name")).all()
    second = run("init", env=env)
    assert second.returncode == 0
    assert "up to date" in second.stdout
    with engine.connect() as conn:
        after = conn.execute(text("SELECT sql FROM sqlite_master ORDER BY name")).all()
    assert before == after
    engine.dispose()


def test_init_on_postgresql(postgres: object, tmp_path: Path) -> None:
    from tests.support.postgres import ThrowawayPostgres

    assert isinstance(postgres, ThrowawayPostgres)
    url = postgres.create_database("cw_init_cli")
    env = {"CLAUSEWATCH_DATABASE_URL": url, "CLAUSEWATCH_DATA_DIR": str(tmp_path)}
    assert run("init", env=env).returncode == 0
    again = run("init", env=env)
    assert again.returncode == 0 and "up to date" in again.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CLAUSEWATCH_DATABASE_URL": "not a url"}, "malformed database URL"),
        ({"CLAUSEWATCH_DATABASE_URL": "mysql://x@127.0.0.1/db"}, "unsupported database"),
        (
            {"CLAUSEWATCH_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:9/x"},
            "cannot reach database",
        ),
        ({"CLAUSEWATCH_DATA_DIR": "/proc/clausewatch"}, "cannot create data directory"),
    ],
)
def test_bad_database_settings_exit_2_with_one_line(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    out = run("init", env={"CLAUSEWATCH_DATA_DIR": str(tmp_path / "d"), **env})
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "hunter2" not in out.stderr
    assert not (tmp_path / "d").exists()


def test_unwritable_data_dir(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere; covered by the /proc case")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    out = run("init", env={"CLAUSEWATCH_DATA_DIR": str(locked)})
    assert out.returncode == 2 and "not writable" in out.stderr


def test_newer_revision_is_refused(tmp_path: Path) -> None:
    env = {"CLAUSEWATCH_DATA_DIR": str(tmp_path)}
    assert run("init", env=env).returncode == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'clausewatch.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    out = run("init", env=env)
    assert out.returncode == 2
    assert "unknown revision f00dcafe" in out.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "f00dcafe"
    engine.dispose()
