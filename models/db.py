"""Engines, sessions and the schema's migration state.

Only ``models/`` talks to the database. SQLite gets foreign keys, WAL and a busy timeout
so the CLI, a Prefect worker and Datasette can share one file; PostgreSQL gets pre-ping
so a restarted server costs one retry, not a failed run.

Migrations: the checkout keeps them in the top-level ``alembic/`` folder; the wheel ships
the same folder as ``models/migrations`` (pyproject.toml, ``force-include``), so an
installed clausewatch can create and upgrade a history. Alembic itself is imported only
to migrate: the revision check every command makes reads the version files' ``revision``
lines and the ``alembic_version`` table directly.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ConfigError, StorageError

if TYPE_CHECKING:
    from alembic.config import Config

#: Alembic's bookkeeping table (its default name).
VERSION_TABLE = "alembic_version"


def migrations_dir() -> Path:
    """The migrations folder: inside the installed package, else the checkout's alembic/."""
    packaged = Path(str(files("models") / "migrations"))
    if (packaged / "env.py").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "alembic"


@cache
def _revisions() -> dict[str, str | None]:
    """Each shipped revision and the one it follows, read from the version files."""
    found: dict[str, str | None] = {}
    for path in sorted((migrations_dir() / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.AnnAssign):
                target: ast.expr = node.target
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            else:
                continue
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant):
                values[target.id] = node.value.value
        revision, down = values.get("revision"), values.get("down_revision")
        if isinstance(revision, str):
            found[revision] = down if isinstance(down, str) else None
    return found


def safe_url(url: str | URL) -> str:
    """The URL as text with any password masked, for messages and logs."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "<malformed database URL>"
    # libpq also takes the password as a query parameter (?password=...).
    query = {k: ("***" if k.lower() == "password" else v) for k, v in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True)


def parse_url(url: str) -> URL:
    """Parse a database URL; raises ConfigError when it is malformed or its driver is unknown."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(f"malformed database URL: {safe_url(url)}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _prepare_sqlite_dir(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:":
        return
    parent = Path(database).expanduser().resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create data directory {parent}: {exc.strerror}") from None
    if not os.access(parent, os.W_OK):
        raise ConfigError(f"data directory is not writable: {parent}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; raises ConfigError for a malformed or unusable URL."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_dir(parsed)
        try:
            engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise ConfigError(f"cannot use database {safe_url(url)}: {exc}") from None

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if parsed.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    try:
        return create_engine(
            parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10}, **kwargs
        )
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(f"cannot use database {safe_url(url)}: {exc}") from None


def check_reachable(engine: Engine) -> None:
    """Open one connection; raises ConfigError with a one-line reason when that fails."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        raise ConfigError(f"cannot reach database {safe_url(engine.url)}: {reason}") from None


def alembic_config(url: str | URL) -> Config:
    """An Alembic config for our migrations aimed at ``url`` (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    # ConfigParser interpolation would eat the % of an encoded password.
    rendered = make_url(url).render_as_string(hide_password=False).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", rendered)
    return cfg


def head_revision() -> str:
    """The newest migration revision shipped with this code (the chain is linear)."""
    revisions = _revisions()
    heads = set(revisions) - set(revisions.values())
    assert len(heads) == 1, f"migrations must form one chain, heads: {sorted(heads)}"
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The database's migration revision, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        row = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
        return None if row is None else str(row[0])


def check_revision(engine: Engine) -> None:
    """Raise ConfigError unless the database is at this code's head revision."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        if inspect(engine).get_table_names():
            raise ConfigError(
                f"database {safe_url(engine.url)} holds tables but no clausewatch revision"
            )
        raise ConfigError(f"database {safe_url(engine.url)} is empty: run `clausewatch init` first")
    if current not in _revisions():
        raise ConfigError(
            f"database {safe_url(engine.url)} is at unknown revision {current} "
            "(made by a newer clausewatch?)"
        )
    raise ConfigError(
        f"database {safe_url(engine.url)} is at revision {current}, code needs {head}: "
        "run `clausewatch init` to upgrade"
    )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the database to head; returns (revision before, revision after)."""
    from alembic import command

    check_reachable(engine)
    before = current_revision(engine)
    if before is not None and before not in _revisions():
        raise ConfigError(
            f"database {safe_url(engine.url)} is at unknown revision {before} "
            "(made by a newer clausewatch?); refusing to touch it"
        )
    cfg = alembic_config(engine.url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as exc:
        raise StorageError(f"migration failed on {safe_url(engine.url)}: {exc}") from exc
    after = current_revision(engine)
    assert after is not None
    return before, after


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory that keeps loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session
