"""Shared fixtures: isolated settings, and real databases (SQLite and PostgreSQL).

The PostgreSQL server is started once per session by ``ThrowawayPostgres`` (as
``nobody`` when we are root); each test gets its own database copied from a migrated
template, so tests never see each other's rows. Ask for ``db_url`` (both databases),
``sqlite_url`` or ``pg_url`` (one), or ``fresh_sqlite_url``/``fresh_pg_url`` for several
(session fixtures, so a module-scoped fixture can make its own); ``history`` and
``sqlite_history`` open one. A module that means something else by a history names its
fixture for it (``synthetic_history``, ``ncg_history``...) rather than overriding
``history``. tests/support/databases.py does the copying and migrating.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# The shared helpers in tests/support assert as test modules do: pytest explains their
# failures too. This must come before the first import of tests.support.
pytest.register_assert_rewrite("tests.support")

from core.settings import get_settings  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

if TYPE_CHECKING:
    from models import History

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
    """The name of the session's migrated template database."""
    return databases.postgres_template(postgres)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite history for the session, to copy."""
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def fresh_pg_url(postgres: ThrowawayPostgres, _pg_template: str) -> Callable[[], str]:
    """Make fresh, migrated PostgreSQL databases: each call returns a new one's URL (a
    session fixture, so module-scoped fixtures can make their databases with it too)."""
    return lambda: databases.copy_postgres(postgres, _pg_template)


@pytest.fixture
def pg_url(fresh_pg_url: Callable[[], str]) -> str:
    """URL of a fresh, migrated PostgreSQL history database."""
    return fresh_pg_url()


@pytest.fixture(scope="session")
def fresh_sqlite_url(
    _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], str]:
    """Make fresh, migrated SQLite databases, each in a folder of its own: each call
    returns a new one's URL (a session fixture, like ``fresh_pg_url``)."""
    return lambda: databases.copy_sqlite(
        _sqlite_template, tmp_path_factory.mktemp("sqlite") / "history.db"
    )


@pytest.fixture
def sqlite_url(fresh_sqlite_url: Callable[[], str]) -> str:
    """URL of a fresh, migrated SQLite history database."""
    return fresh_sqlite_url()


@pytest.fixture
def empty_pg_url(postgres: ThrowawayPostgres) -> str:
    """URL of a fresh, empty (unmigrated) PostgreSQL database."""
    return databases.empty_postgres(postgres)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """URL of a fresh, migrated history database — once on SQLite, once on PostgreSQL."""
    name = "fresh_sqlite_url" if request.param == "sqlite" else "fresh_pg_url"
    fresh: Callable[[], str] = request.getfixturevalue(name)
    return fresh()


@pytest.fixture
def history(db_url: str) -> Iterator[History]:
    """An open history on a fresh, migrated database (``db_url``: SQLite, then PostgreSQL)."""
    from models import open_history

    opened = open_history(db_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_history(sqlite_url: str) -> Iterator[History]:
    """An open history on a fresh, migrated SQLite database (for tests of one backend)."""
    from models import open_history

    opened = open_history(sqlite_url)
    yield opened
    opened.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, empty database — once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return databases.sqlite_url(tmp_path / "empty.db")
    url: str = request.getfixturevalue("empty_pg_url")
    return url


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
