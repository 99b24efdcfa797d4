"""Alembic environment: the URL comes from clausewatch's settings unless a caller passes one.

``models.db.upgrade`` hands over an open connection (``config.attributes["connection"]``);
the ``alembic`` command line builds its engine from ``CLAUSEWATCH_DATABASE_URL`` or the
default SQLite file in ``CLAUSEWATCH_DATA_DIR``.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from models.schema import Base

config = context.config
if config.config_file_name is not None and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

# The search index of migration 0003 lives outside the ORM metadata: the FTS5 table and
# its shadow tables on SQLite, two GIN indexes on PostgreSQL. Autogenerate must not
# report them as tables or indexes to drop.
SEARCH_INDEX_TABLE_PREFIX = "clause_search"
SEARCH_INDEX_NAMES = frozenset({"ix_clause_text_trgm", "ix_clause_text_fts"})


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave the search index (migration 0003) out of autogenerate's comparison."""
    if name is None:
        return True
    if type_ == "table" and name.startswith(SEARCH_INDEX_TABLE_PREFIX):
        return False
    return not (type_ == "index" and name in SEARCH_INDEX_NAMES)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )


def run_migrations_online() -> None:
    """Run migrations on a live connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    from core.settings import get_settings
    from models.db import make_engine

    url = config.get_main_option("sqlalchemy.url")
    if not url or config.config_file_name is not None:
        url = get_settings().resolved_database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
    engine.dispose()


def run_migrations_offline() -> None:
    """Emit SQL for the settings' database without connecting."""
    from core.settings import get_settings

    context.configure(
        url=get_settings().resolved_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
