"""The history database: ORM schema, engine and sessions, and every read and write."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ConfigError
from models.db import (
    check_reachable,
    check_revision,
    make_engine,
    parse_url,
    read_session_factory,
    session_factory,
)


@dataclass
class History:
    """An open history database: its engine, a session factory, and one for sessions that
    only read (``reads``: see :func:`models.db.read_session_factory`; they refuse writes,
    which on PostgreSQL would commit at once)."""

    engine: Engine
    sessions: sessionmaker[Session]
    reads: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.reads = read_session_factory(self.engine)

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()


def _require_sqlite_file(url: str) -> None:
    """Refuse a missing SQLite file rather than let a read command create an empty one."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if not Path(parsed.database).expanduser().exists():
        raise ConfigError(f"no history at {parsed.database}: run `clausewatch init` first")


def open_history(url: str, *, check: bool = True, read_only: bool = False) -> History:
    """Open the history at ``url`` (``settings.resolved_database_url`` at the edges); raises
    ConfigError if unusable.

    With ``check`` the database must be reachable and at this code's migration head.
    ``read_only`` is for commands that only read: a SQLite history in a directory they
    cannot write is opened read-only instead of refused.
    """
    if check:
        _require_sqlite_file(url)
    engine = make_engine(url, read_only=read_only)
    if check:
        check_reachable(engine)
        check_revision(engine)
    return History(engine=engine, sessions=session_factory(engine))
