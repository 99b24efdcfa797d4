"""Shared fixtures: isolated settings, and real databases (SQLite and PostgreSQL).

The PostgreSQL server is started once per session by ``ThrowawayPostgres`` (as
``nobody`` when we are root); each test gets its own database copied from a migrated
template, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import get_settings
from tests.support.postgres import ThrowawayPostgres

_counter = itertools.count()

# Flows run in-process start Prefect's ephemeral server, whose first start (a fresh
# database) can outlast Prefect's 20 s default on a busy CI machine. Set before any test
# module imports Prefect, which reads its settings once.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


@pytest.fixture(autouse=True)
def _isolated_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Every test gets its own data directory and no CLAUSEWATCH_* from the outside."""
    for name in list(os.environ):
        if name.startswith("CLAUSEWATCH_"):
            monkeypatch.delenv(name)
    data_dir = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("CLAUSEWATCH_DATA_DIR", str(data_dir))
    # One cache for the session, never the user's: the encoder table is written once.
    monkeypatch.setenv("CLAUSEWATCH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.chdir(data_dir)  # no stray .env from the checkout
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    """One throwaway PostgreSQL server for the whole session."""
    with ThrowawayPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def _pg_template(postgres: ThrowawayPostgres) -> str:
    from models.db import make_engine, upgrade

    url = postgres.create_database("cw_template")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return "cw_template"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from models.db import make_engine, upgrade

    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, migrated history database — once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "history.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    server: ThrowawayPostgres = request.getfixturevalue("postgres")
    request.getfixturevalue("_pg_template")
    return server.create_database(f"cw_{next(_counter)}", template="cw_template")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, empty database — once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server: ThrowawayPostgres = request.getfixturevalue("postgres")
    return server.create_database(f"cw_empty_{next(_counter)}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop Prefect's temporary API servers while the session's output is still open.

    A flow run outside the harness starts one and leaves its stop to ``atexit``, which runs
    after pytest has closed the captured streams, so its goodbye log line ends in a
    "Logging error" traceback at the bottom of every CI run.
    """
    import sys

    if "prefect.server.api.server" not in sys.modules:
        return
    from prefect.server.api.server import SubprocessASGIServer

    for server in list(SubprocessASGIServer._instances.values()):
        server.stop()
