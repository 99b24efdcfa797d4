"""``clausewatch init`` and the CLI's exit-code policy, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support import free_port


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


def test_an_unreachable_database_is_a_runtime_failure(tmp_path: Path) -> None:
    """README: 1 is a runtime failure; a database server that does not answer is one."""
    url = f"postgresql://u:hunter2@127.0.0.1:{free_port()}/x"
    for command in ("init", "history"):
        out = run(command, env={"CLAUSEWATCH_DATABASE_URL": url})
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 1, out.stderr
        assert len(lines) == 1 and "cannot reach database" in lines[0]
        assert "hunter2" not in out.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, not a database\n", "not a SQLite database"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a SQLite database"),
        (b"SQLite for", "truncated"),
        ("malformed", "database disk image is malformed"),
    ],
)
@pytest.mark.parametrize("command", ["init", "history"])
def test_a_file_that_is_not_a_history_is_refused_and_left_untouched(
    content: bytes | str, message: str, command: str, tmp_path: Path
) -> None:
    db = tmp_path / "clausewatch.db"
    if content == "malformed":
        assert run("init", env={"CLAUSEWATCH_DATA_DIR": str(tmp_path)}).returncode == 0
        db.write_bytes(db.read_bytes()[:8192])  # the header survives, the pages do not
        for leftover in tmp_path.glob("clausewatch.db-*"):
            leftover.unlink()
    else:
        assert isinstance(content, bytes)
        db.write_bytes(content)
    before = db.read_bytes()
    out = run(command, env={"CLAUSEWATCH_DATA_DIR": str(tmp_path)})
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2, out.stderr
    assert len(lines) == 1 and message in lines[0] and str(db) in lines[0]
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clausewatch.db"]


def test_a_missing_directory_in_the_database_url_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    out = run(
        "init",
        env={"CLAUSEWATCH_DATABASE_URL": f"sqlite:///{missing / 'x.db'}"},
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and f"no directory {missing}" in lines[0]
    assert not (tmp_path / "no").exists()


def test_the_default_data_directory_is_created(tmp_path: Path) -> None:
    data = tmp_path / "a" / "b"
    out = run("init", env={"CLAUSEWATCH_DATA_DIR": str(data)})
    assert out.returncode == 0 and (data / "clausewatch.db").exists()


@pytest.mark.postgres
def test_a_postgres_url_is_read_as_postgresql(postgres: object, tmp_path: Path) -> None:
    from tests.support.postgres import ThrowawayPostgres

    assert isinstance(postgres, ThrowawayPostgres)
    url = postgres.create_database("cw_postgres_scheme")
    assert url.startswith("postgresql")
    alias = "postgres" + url[len("postgresql") :].replace("+psycopg", "", 1)
    env = {"CLAUSEWATCH_DATABASE_URL": alias, "CLAUSEWATCH_DATA_DIR": str(tmp_path)}
    first = run("init", env=env)
    assert first.returncode == 0, first.stderr
    assert "created the history" in first.stdout
    assert run("history", env=env).returncode == 0


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
