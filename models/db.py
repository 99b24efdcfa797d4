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
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

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
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database.startswith("file:"):
        # A history opened read-only (_read_only_url): show the file, not SQLite's URI form.
        from urllib.parse import unquote

        return f"sqlite:///{unquote(database.removeprefix('file:'))} (read-only)"
    # libpq also takes the password as a query parameter (?password=...).
    query = {k: ("***" if k.lower() == "password" else v) for k, v in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True)


def parse_url(url: str) -> URL:
    """Parse a database URL; raises ConfigError when it is malformed or its driver is unknown.

    ``postgres://`` (what many hosting services hand out) is read as ``postgresql://``;
    SQLAlchemy dropped that alias, so without this it was refused as an unknown database.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(f"malformed database URL: {safe_url(url)}") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        parsed = parsed.set(drivername=parsed.drivername.replace("postgres", "postgresql", 1))
        backend = "postgresql"
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://HOST/DB"
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


#: The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def _sqlite_path(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database before SQLite opens (or changes) it."""
    if path.is_dir():
        raise ConfigError(f"the history path is a directory, not a SQLite database: {path}")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"cannot read the history {path}: {exc.strerror}") from None
    # An empty file is a valid empty database (SQLite writes the header on first use).
    if head and head != SQLITE_HEADER:
        what = "truncated" if SQLITE_HEADER.startswith(head) else "not a SQLite database"
        raise ConfigError(f"the history file is {what}; left untouched: {path}")


def _check_sqlite_dir(path: Path, *, writable: bool) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise ConfigError(
            f"no directory {parent} for the SQLite history: create it first "
            "(only the data directory is created for you)"
        )
    if writable and not os.access(parent, os.W_OK):
        raise ConfigError(f"data directory is not writable: {parent} (reading commands still work)")


def _can_write(path: Path) -> bool:
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def _read_only_url(path: Path) -> URL:
    """A URL opening ``path`` read-only through SQLite's URI form.

    A WAL database cannot be read when its -shm file cannot be created; in a directory we
    cannot write that is the case unless a writer left both -wal and -shm behind. Then the
    file is opened as immutable: no writer is using it (it would have left its -wal and
    -shm), so nothing is read half-written.
    """
    from urllib.parse import quote

    wal = [path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm")]
    query = {"mode": "ro", "uri": "true"}
    if not all(wal):
        query["immutable"] = "1"
    return URL.create("sqlite", database=f"file:{quote(str(path))}", query=query)


def make_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; raises ConfigError for a malformed or unusable URL.

    A SQLite file must be a SQLite database (or not exist yet) and its directory must
    exist. ``read_only`` is for commands that only read: when the file or its directory
    cannot be written they open it read-only instead of refusing.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        opened = parsed
        if path is not None:
            _check_sqlite_file(path)
            writable = not read_only or _can_write(path)
            _check_sqlite_dir(path, writable=writable)
            if not writable:
                opened = _read_only_url(path)
        try:
            engine = create_engine(opened, connect_args={"timeout": 30}, **kwargs)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise ConfigError(f"cannot use database {safe_url(url)}: {exc}") from None
        wal = path is not None and opened is parsed

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if wal:
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
    """Open one connection and read the schema.

    Raises StorageError (exit 1) when a database server cannot be reached, ConfigError
    (exit 2) when a SQLite file cannot be opened or is not a usable database.
    """
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except DatabaseError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        where = safe_url(engine.url)
        if engine.dialect.name == "sqlite":
            raise ConfigError(f"cannot use the history {where}: {reason}") from None
        raise StorageError(f"cannot reach database {where}: {reason}") from None


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


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A factory of sessions that only read, and refuse to write.

    On PostgreSQL their connections run in autocommit: each SELECT sees what was committed
    when it started, exactly as under READ COMMITTED inside a transaction, without the
    BEGIN and ROLLBACK round trips (and psycopg keeps its prepared statements, which it drops
    on every rollback). SQLite's driver opens no transaction for a SELECT anyway. On
    PostgreSQL a write would commit at once, so an ORM INSERT, UPDATE or DELETE and a flush
    of changed objects raise RuntimeError instead, on both databases alike.
    """
    bind = engine
    if engine.dialect.name == "postgresql":
        bind = engine.execution_options(isolation_level="AUTOCOMMIT")
    factory = sessionmaker(bind, expire_on_commit=False, autoflush=False)
    event.listen(factory, "before_flush", _refuse_flush)
    event.listen(factory, "do_orm_execute", _refuse_write)
    return factory


def _refuse_flush(session: Session, *_: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read session cannot write: use history.sessions.begin()")


def _refuse_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise RuntimeError("a read session cannot write: use history.sessions.begin()")


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session
