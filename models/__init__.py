"""The history database: ORM schema, engine and sessions, and every read and write."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import check_reachable, check_revision, make_engine, session_factory


@dataclass
class History:
    """An open history database: its engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()


def open_history(url: str | None = None, *, check: bool = True) -> History:
    """Open the history at ``url`` (default: the settings'); raises ConfigError if unusable.

    With ``check`` the database must be reachable and at this code's migration head.
    """
    if url is None:
        from clausewatch.settings import get_settings

        url = get_settings().resolved_database_url
    engine = make_engine(url)
    if check:
        check_reachable(engine)
        check_revision(engine)
    return History(engine=engine, sessions=session_factory(engine))
