"""``clausewatch sources`` and ``clausewatch fetch URL``: the configured sources, and one page
fetched and extracted without writing any history.

JSON shapes (documented in docs/sources.md):

``sources --format json``
    ``[{"slug", "hosts", "base_url", "base_urls", "languages", "enabled", "last_success",
    "last_error", "health", "health_reason"}]`` — the last four come from the database
    through :func:`source_health` (None until the history has recorded a fetch or verdict).
``fetch --format json``
    ``{"url", "final_url", "source", "title", "published", "language", "paragraphs", "text"}``
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from core.errors import InputError


class OutputFormat(enum.StrEnum):
    """Output formats of ``sources`` and ``fetch``."""

    text = "text"
    json = "json"


@dataclass(frozen=True)
class SourceHealth:
    """When a source was last read successfully, and its last recorded error."""

    last_success: str | None = None
    last_error: str | None = None
    health: str | None = None
    health_reason: str | None = None


def source_health() -> dict[str, SourceHealth]:
    """Each source's last success and last error from the history; empty before ``init``."""
    from core.errors import ConfigError
    from core.settings import get_settings
    from models import open_history
    from models.store import list_sources

    try:
        history = open_history(get_settings().resolved_database_url, read_only=True)
    except ConfigError:
        return {}
    try:
        with history.sessions() as session:
            return {
                s.slug: SourceHealth(
                    last_success=s.last_success_at.isoformat() if s.last_success_at else None,
                    last_error=s.last_error,
                    health=s.health,
                    health_reason=s.health_reason,
                )
                for s in list_sources(session)
            }
    finally:
        history.close()


def sources_report() -> list[dict[str, Any]]:
    """One row per configured source; raises ConfigError for a bad sources file."""
    from core.settings import get_settings
    from scrapers.base import adapter_classes
    from scrapers.sources import load_sources

    configs = load_sources(get_settings().sources_file)
    healths = source_health()
    rows = []
    for slug, cls in adapter_classes().items():
        config = configs[slug]
        health = healths.get(slug, SourceHealth())
        rows.append(
            {
                "slug": slug,
                "hosts": list(cls.hosts),
                "base_url": config.base_url,
                "base_urls": dict(config.base_urls),
                "languages": list(cls.languages),
                "enabled": config.enabled,
                "last_success": health.last_success,
                "last_error": health.last_error,
                "health": health.health,
                "health_reason": health.health_reason,
            }
        )
    return rows


sources_app = typer.Typer(
    help="List the sources (no command), or check their health (check).",
    invoke_without_command=True,
)


@sources_app.callback()
def sources(
    ctx: typer.Context,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """List every source: hosts, base URL, enabled, last success and last error."""
    if ctx.invoked_subcommand is not None:
        return
    rows = sources_report()
    if output is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "enabled" if row["enabled"] else "disabled"
        typer.echo(f"{row['slug']}  ({state}, {'/'.join(row['languages'])})")
        typer.echo(f"  base URL      {row['base_url']}")
        typer.echo(f"  hosts         {', '.join(row['hosts'])}")
        typer.echo(f"  last success  {row['last_success'] or '-'}")
        typer.echo(f"  last error    {row['last_error'] or '-'}")
        if row["health"]:
            typer.echo(f"  health        {row['health']} ({row['health_reason'] or '-'})")


def fetch_statement(url: str, source: str | None = None) -> dict[str, Any]:
    """Fetch one page through the polite client and extract it; nothing is stored.

    Raises InputError (unknown source, or a URL no source owns without ``--source``),
    RefusedError (outside the allowlist: nothing is fetched), FetchError or ParseError.
    """
    from core.settings import get_settings
    from scrapers.base import adapter_for_url, get_adapter
    from scrapers.http import PoliteClient
    from scrapers.sources import load_sources, source_hosts

    if not url.startswith(("http://", "https://")):
        raise InputError(f"not an http(s) URL: {url}", url=url)
    settings = get_settings()
    sources = load_sources(settings.sources_file)
    adapter = get_adapter(source, sources) if source else adapter_for_url(url, sources=sources)
    host = urlsplit(url).hostname or ""
    # A real-host URL is read through the configured base URL (the replay, in tests/demo).
    target = adapter.rebase(url, host) if host in adapter.base_urls else url
    hosts = source_hosts(sources)
    with PoliteClient.from_settings(settings, hosts, source=adapter.slug) as client:
        # The allowlist is checked before anything is sent, so a refused URL costs nothing.
        client.check_url(target, source=adapter.slug)
        result = client.fetch(target)
    statement = adapter.parse_statement(result.body, result.final_url)
    return {
        "url": url,
        "final_url": result.final_url,
        "source": adapter.slug,
        "title": statement.title,
        "published": statement.published.isoformat(),
        "language": statement.language,
        "paragraphs": statement.paragraphs,
        "text": statement.text,
    }


def fetch(
    url: Annotated[str, typer.Argument(help="The page to fetch and extract.")],
    source: Annotated[
        str | None,
        typer.Option("--source", help="Source slug; needed when the host is not a source's own."),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """Fetch one page and print its extracted statement, without writing history."""
    extracted = fetch_statement(url, source)
    if output is OutputFormat.json:
        typer.echo(json.dumps(extracted, ensure_ascii=False, indent=2))
        return
    typer.echo(extracted["title"])
    typer.echo(
        f"{extracted['published']} · {extracted['language']} · {extracted['source']} · "
        f"{extracted['final_url']}"
    )
    typer.echo("")
    typer.echo(extracted["text"])


@sources_app.command("check")
def check(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Check only this source (repeatable); default: enabled."),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """Fetch each source's first listing page and newest statement and judge its health:
    healthy, degraded or broken, with the reason. Exit 1 when any is not healthy."""
    from core.settings import get_settings
    from pipeline.health import check_table, run_checks

    checks = run_checks(get_settings(), source)
    if output is OutputFormat.json:
        typer.echo(json.dumps([c.to_dict() for c in checks], ensure_ascii=False, indent=2))
    else:
        typer.echo(check_table(checks))
    if any(c.verdict != "healthy" for c in checks):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``sources`` (with ``sources check``) and ``fetch`` to the CLI."""
    app.add_typer(sources_app, name="sources")
    app.command("fetch")(fetch)
