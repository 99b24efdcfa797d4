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


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    """Run migrations on a live connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    from clausewatch.settings import get_settings
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
    from clausewatch.settings import get_settings

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
