"""Migrated history databases for tests: a template migrated once, a fresh copy per use.

Migrating costs far more than copying, so tests/conftest.py migrates one SQLite file and one
PostgreSQL template database per session and every test copies them (``sqlite_url``,
``pg_url``, ``db_url`` and their ``fresh_*`` factories). ``migrate`` is for a database whose
place is given: the settings' own history, or a worker's data directory.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from core.settings import get_settings
from tests.support.postgres import ThrowawayPostgres

if TYPE_CHECKING:
    import pytest

#: The migrated template database on the session's PostgreSQL server.
PG_TEMPLATE = "cw_template"

_names = itertools.count()


def migrate(url: str) -> str:
    """Migrate the database at ``url`` to the head revision; returns ``url``."""
    from models.db import make_engine, upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        if engine.dialect.name == "sqlite":
            # Everything in the main file, so that a plain copy of it is the whole history.
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return url


def use_in_settings(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make ``url`` the settings' history (``CLAUSEWATCH_DATABASE_URL``); returns ``url``."""
    monkeypatch.setenv("CLAUSEWATCH_DATABASE_URL", url)
    get_settings.cache_clear()
    return url


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of the SQLite file at ``path``."""
    return f"sqlite:///{path}"


def sqlite_template(folder: Path) -> Path:
    """A migrated, empty SQLite history in ``folder``, to copy."""
    path = folder / "template.db"
    migrate(sqlite_url(path))
    return path


def copy_sqlite(template: Path, target: Path) -> str:
    """Copy the migrated ``template`` to ``target``; returns its URL."""
    shutil.copy(template, target)
    return sqlite_url(target)


def postgres_template(server: ThrowawayPostgres, name: str = PG_TEMPLATE) -> str:
    """Create and migrate template database ``name`` on ``server``; returns ``name``."""
    migrate(server.create_database(name))
    return name


def copy_postgres(server: ThrowawayPostgres, template: str = PG_TEMPLATE) -> str:
    """A new database on ``server`` copied from ``template``; returns its URL."""
    return server.create_database(f"cw_{next(_names)}", template=template)


def empty_postgres(server: ThrowawayPostgres) -> str:
    """A new, empty (unmigrated) database on ``server``; returns its URL."""
    return server.create_database(f"cw_empty_{next(_names)}")
