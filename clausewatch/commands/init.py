"""``clausewatch init``: create or upgrade the history database."""

from __future__ import annotations

import typer

from core.errors import ConfigError
from core.settings import get_settings


def init() -> None:
    """Create the history database or upgrade it to this version's schema (safe to repeat)."""
    from models.db import head_revision, make_engine, safe_url, upgrade

    settings = get_settings()
    url = settings.resolved_database_url
    if settings.database_url is None:
        # The default history lives in the data directory, which init creates; a
        # directory named in CLAUSEWATCH_DATABASE_URL must exist (a typo creates nothing).
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create data directory {settings.data_dir}: {exc.strerror}"
            ) from None
    engine = make_engine(url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    where = safe_url(url)
    if before is None:
        typer.echo(f"created the history at {where} (schema revision {after})")
    elif before == after:
        typer.echo(f"the history at {where} is up to date (schema revision {after}); nothing to do")
    else:
        typer.echo(f"upgraded the history at {where} from revision {before} to {after}")
    assert after == head_revision()


def register(app: typer.Typer) -> None:
    """Add ``init`` to the CLI."""
    app.command("init")(init)
