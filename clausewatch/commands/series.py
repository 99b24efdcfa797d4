"""``clausewatch series list|add|edit|remove|export|import``: the tracked series.

Built-in series ship as data files (``core/builtin_series/``) and cannot be changed here;
user series live in the history (migration 0006). JSON shape of ``series list --format
json`` (docs/analysts.md): ``[{"slug", "title", "builtin", "keywords", "languages",
"lexicons"}]`` with ``keywords`` mapping a language (``en``, ``ko`` or ``*`` for any) to a
list of words.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from core.errors import InputError

series_app = typer.Typer(
    name="series",
    help="List, define and share the statement series clausewatch tracks.",
    no_args_is_help=True,
)

_LANG_PREFIXES = ("en:", "ko:")
DEPLOY_HINT = (
    "run `prefect deploy --all` again to offer it in the backfill form "
    "(the command line and scheduled runs see it now)"
)


class OutputFormat(enum.StrEnum):
    """Output formats of ``series list``."""

    text = "text"
    json = "json"


def _per_language(values: list[str] | None) -> dict[str, list[str]] | None:
    """``WORD`` applies to every language, ``en:WORD`` / ``ko:WORD`` to one."""
    if values is None:
        return None
    table: dict[str, list[str]] = {}
    for value in values:
        lang, word = "*", value
        if value[:3] in _LANG_PREFIXES:
            lang, word = value[:2], value[3:]
        table.setdefault(lang, []).append(word)
    return table


def _open() -> Any:
    from core.settings import get_settings
    from models import open_history

    return open_history(get_settings().resolved_database_url)


def _validate(definition: dict[str, Any], *, where: str) -> Any:
    """Parse a definition and check its families and sources; raises SeriesError."""
    from core.series import SeriesError, builtin_series, parse_series
    from core.settings import get_settings
    from pipeline.catalog import check_families, lexicon_families
    from scrapers.base import adapter_classes

    parsed = parse_series(definition, where=where)
    if parsed.slug in {d.slug for d in builtin_series()}:
        raise SeriesError(f"{parsed.slug!r} is a built-in series and cannot be changed")
    check_families(parsed, lexicon_families(get_settings().lexicon_dir))
    unknown = [s for s in parsed.sources if s not in adapter_classes()]
    if unknown:
        raise SeriesError(
            f"{where}: unknown source {unknown[0]!r}; known: {', '.join(adapter_classes())}"
        )
    return parsed


def _save(history: Any, parsed: Any) -> bool:
    from models import store

    with history.sessions.begin() as session:
        _, created = store.save_user_series(session, parsed.slug, parsed.title, parsed.to_dict())
    return bool(created)


@series_app.command("list")
def list_series(
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """List the built-in and user series with their keywords, languages and lexicons."""
    from core.errors import ConfigError
    from pipeline.catalog import all_series

    try:
        history = _open()
    except ConfigError:
        history = None  # no history yet: only the built-in series exist
    try:
        rows = [d.summary() for d in all_series(history)]
    finally:
        if history is not None:
            history.close()
    if output is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        kind = "built-in" if row["builtin"] else "user"
        typer.echo(f"{row['slug']}  {row['title']}  ({kind})")
        for lang, words in row["keywords"].items():
            label = "any language" if lang == "*" else lang
            typer.echo(f"  keywords ({label})  {', '.join(words)}")
        typer.echo(f"  languages  {', '.join(row['languages']) or 'any'}")
        lexicons = ", ".join(row["lexicons"]) or "none (phrase and figure changes)"
        typer.echo(f"  lexicons   {lexicons}")


@series_app.command("add")
def add(
    slug: Annotated[str, typer.Argument(help="Short name: a-z, 0-9 and -.")],
    title: Annotated[str, typer.Option("--title", help="What the series is called.")],
    keyword: Annotated[
        list[str],
        typer.Option(
            "--keyword",
            help="A word or name in the title or body (repeat; en:WORD for one language).",
        ),
    ],
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="A language it is published in (repeat).")
    ] = None,
    lexicon: Annotated[
        list[str] | None, typer.Option("--lexicon", help="A lexicon family to apply (repeat).")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only statements of this source (repeat).")
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="A word that keeps a statement out (repeat)."),
    ] = None,
    require: Annotated[
        list[str] | None,
        typer.Option("--require", help="One of these words must also appear (repeat)."),
    ] = None,
    not_statement_title: Annotated[
        list[str] | None,
        typer.Option(
            "--not-statement-title",
            help="A regular expression on titles of news about the meeting (repeat).",
        ),
    ] = None,
) -> None:
    """Define a new series; tracking, backfill and import pick it up at once."""
    from core.errors import InputError as _InputError

    definition = {
        "slug": slug,
        "title": title,
        "keywords": _per_language(keyword),
        "languages": lang or [],
        "lexicons": lexicon or [],
        "sources": source or [],
        "exclude": _per_language(exclude) or {},
        "require": _per_language(require) or {},
        "not_statement_titles": _per_language(not_statement_title) or {},
    }
    parsed = _validate(definition, where="series add")
    history = _open()
    try:
        from pipeline.catalog import find_series

        existing = find_series(history, slug)
        if existing is not None:
            raise _InputError(f"series {slug!r} exists; change it with `clausewatch series edit`")
        _save(history, parsed)
    finally:
        history.close()
    typer.echo(f"added series {slug}; {DEPLOY_HINT}")


@series_app.command("edit")
def edit(
    slug: Annotated[str, typer.Argument(help="The user series to change.")],
    title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    keyword: Annotated[
        list[str] | None,
        typer.Option("--keyword", help="Replace the keywords (repeat; en:WORD for one language)."),
    ] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Replace the languages.")] = None,
    lexicon: Annotated[
        list[str] | None, typer.Option("--lexicon", help="Replace the lexicon families.")
    ] = None,
    no_lexicon: Annotated[
        bool, typer.Option("--no-lexicon", help="Use no lexicon family (phrases only).")
    ] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Replace the sources.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Replace the exclusion words.")
    ] = None,
    require: Annotated[
        list[str] | None, typer.Option("--require", help="Replace the required words.")
    ] = None,
    not_statement_title: Annotated[
        list[str] | None,
        typer.Option("--not-statement-title", help="Replace the news-title patterns."),
    ] = None,
) -> None:
    """Change a user series; options given replace that field, others stay."""
    from pipeline.catalog import require_series

    history = _open()
    try:
        current = require_series(history, slug)
        if current.builtin:
            raise InputError(f"{slug!r} is a built-in series and cannot be changed")
        definition = current.to_dict()
        replacements: dict[str, Any] = {
            "title": title,
            "keywords": _per_language(keyword),
            "languages": lang,
            "lexicons": [] if no_lexicon else lexicon,
            "sources": source,
            "exclude": _per_language(exclude),
            "require": _per_language(require),
            "not_statement_titles": _per_language(not_statement_title),
        }
        definition.update({k: v for k, v in replacements.items() if v is not None})
        _save(history, _validate(definition, where="series edit"))
    finally:
        history.close()
    typer.echo(f"changed series {slug}")


@series_app.command("remove")
def remove(slug: Annotated[str, typer.Argument(help="The user series to remove.")]) -> None:
    """Remove a user series; statements already stored stay in the history."""
    from models import store
    from pipeline.catalog import require_series

    history = _open()
    try:
        current = require_series(history, slug)
        if current.builtin:
            raise InputError(f"{slug!r} is a built-in series and cannot be removed")
        with history.sessions.begin() as session:
            kept = store.remove_user_series(session, slug)
    finally:
        history.close()
    suffix = f"; the history keeps its {kept} statements" if kept else ""
    typer.echo(f"removed series {slug}{suffix}")


@series_app.command("export")
def export(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
    builtin: Annotated[
        bool, typer.Option("--builtin", help="Include the built-in series too.")
    ] = False,
) -> None:
    """Print the user series as YAML, for keeping them in git (`series import` reads it)."""
    from pipeline.catalog import all_series

    history = _open()
    try:
        definitions = [d for d in all_series(history) if builtin or not d.builtin]
    finally:
        history.close()
    text = yaml.safe_dump(
        {"series": [d.to_dict() for d in definitions]}, allow_unicode=True, sort_keys=False
    )
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(definitions)} series to {out}")


@series_app.command("import")
def import_series(
    file: Annotated[Path, typer.Argument(help="A YAML file written by `series export`.")],
) -> None:
    """Add or replace the user series defined in a YAML file (all or none)."""
    from core.series import builtin_series, parse_series_yaml

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {file}: {exc}", path=str(file)) from exc
    builtins = {d.slug for d in builtin_series()}
    # An export made with --builtin carries the shipped series: they are not imported.
    parsed = [
        _validate(d.to_dict(), where=str(file))
        for d in parse_series_yaml(text, where=str(file))
        if d.slug not in builtins
    ]
    history = _open()
    try:
        created = sum(_save(history, d) for d in parsed)
    finally:
        history.close()
    typer.echo(f"imported {len(parsed)} series ({created} new) from {file}")


def register(app: typer.Typer) -> None:
    """Add the ``series`` command group to the CLI."""
    app.add_typer(series_app, name="series")
