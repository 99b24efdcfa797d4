"""``clausewatch timeline``, ``search``, ``browse`` and ``report``: the analyst's views.

JSON shapes (documented in docs/analysts.md):

``timeline --format json``
    ``{"series", "language", "documents": [{"id", "title", "published", "url"}],
    "commitments": [{"key", "label", "cells": [{"state", "strength"}]}]}``, one cell per
    document in date order; ``state`` is present|absent, ``strength`` strong|medium|weak|null.
``search --format json``
    ``{"query", "mode", "series", "first_seen", "last_seen", "statements": [...]}`` where
    first/last_seen are ``{"document_id", "version_id", "title", "published", "language"}``
    or null and each statement is a ``history`` row plus ``"score"`` and
    ``"clauses": [{"position", "text"}]``.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import InputError
from core.language import Language

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from models.analysis import SearchResult, Timeline


class TimelineFormat(enum.StrEnum):
    """Output formats of ``timeline``."""

    text = "text"
    json = "json"
    png = "png"
    html = "html"


class SearchFormat(enum.StrEnum):
    """Output formats of ``search``."""

    text = "text"
    json = "json"


STRENGTH_MARKS = {"strong": "S", "medium": "M", "weak": "W", None: "+"}
LABEL_WIDTH = 44


def render_timeline_text(timeline: Timeline) -> str:
    """The matrix as fixed-width text with a legend; dropped cells are marked ✗."""
    from clausewatch.analyst.chart import dropped_cells

    lines = [
        f"{timeline.series_title} — commitments by statement "
        f"({timeline.language}, {len(timeline.documents)} statements)",
        "",
    ]
    header = " " * LABEL_WIDTH + "".join(
        f" {(d.published.isoformat() if d.published else 'undated'):^10}"
        for d in timeline.documents
    )
    lines.append(header)
    marked = dropped_cells(timeline)
    for r, row in enumerate(timeline.commitments):
        label = row.label if len(row.label) <= LABEL_WIDTH - 2 else row.label[: LABEL_WIDTH - 3]
        label = label + ("…" if label != row.label else "")
        cells = []
        for c, cell in enumerate(row.cells):
            if cell.state == "present":
                mark = STRENGTH_MARKS.get(cell.strength, "+")
            else:
                mark = "✗" if (r, c) in marked else "·"
            cells.append(f" {mark:^10}")
        lines.append(f"{label:<{LABEL_WIDTH}}" + "".join(cells))
    if not timeline.commitments:
        lines.append("(no commitment of a lexicon family found)")
    if timeline.phrases:
        lines += ["", "Phrases that appeared or vanished:"]
        for row in timeline.phrases:
            short = row.label if len(row.label) <= LABEL_WIDTH - 2 else row.label[: LABEL_WIDTH - 3]
            short = short + ("…" if short != row.label else "")
            marks = "".join(
                f" {('+' if cell.state == 'present' else '·'):^10}" for cell in row.cells
            )
            lines.append(f"{short:<{LABEL_WIDTH}}" + marks)
    lines.append("")
    lines.append(
        "S strong · M medium · W weak wording · + present · · absent · ✗ dropped "
        "(absent after present)"
    )
    return "\n".join(lines) + "\n"


def _tracked_but_unseen(session: Session, series: str, language: str) -> Timeline | None:
    """An empty timeline for a tracked series nothing was stored for yet, else None.

    A series row is written with its first statement, so on an empty history even the
    tracked series are "unknown"; that is an empty result (exit 0), not bad input.
    """
    from core.series import builtin_series
    from models import store
    from models.analysis import Timeline

    rule = next((r for r in builtin_series() if r.slug == series), None)
    if rule is None or store.get_series(session, series) is not None:
        return None
    return Timeline(series, rule.title, language, [], [])


def _load_timeline(series: str, language: str) -> Timeline:
    from core.settings import get_settings
    from models import open_history
    from models.analysis import commitment_timeline

    stored = open_history(get_settings().resolved_database_url, read_only=True)
    try:
        with stored.sessions() as session:
            empty = _tracked_but_unseen(session, series, language)
            return empty or commitment_timeline(session, series, language)
    finally:
        stored.close()


def _check_out(out: Path | None) -> None:
    """Refuse an output path that cannot be written before any work (and any note) is done."""
    if out is None:
        return
    if out.is_dir():
        raise InputError("the output path is a folder; name a file", path=str(out))
    if not out.parent.is_dir():
        raise InputError("no folder to write the file into", path=str(out))


def _write(out: Path, data: bytes) -> None:
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write the file: {exc.strerror or exc}", path=str(out)) from exc


def timeline(
    series: Annotated[str, typer.Option("--series", help="The series to chart.")],
    lang: Annotated[Language, typer.Option("--lang", help="Statements in this language.")] = (
        Language.en
    ),
    output: Annotated[
        TimelineFormat, typer.Option("--format", help="Output format (png and html need --out).")
    ] = TimelineFormat.text,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Show which commitments each statement of a series carries, oldest to newest."""
    if output in (TimelineFormat.png, TimelineFormat.html) and out is None:
        raise InputError(f"--format {output.value} writes a file: add --out FILE")
    _check_out(out)
    found = _load_timeline(series, lang.value)
    if not found.documents:
        typer.echo(f"no {lang.value} statements stored for series {series!r} yet", err=True)
        if output is TimelineFormat.text and out is None:
            return  # an empty matrix says nothing the line above does not
    if output is TimelineFormat.png:
        from clausewatch.analyst.chart import render_png

        assert out is not None
        _write(out, render_png(found))
        typer.echo(f"wrote {out}")
        return
    if output is TimelineFormat.html:
        from clausewatch.analyst.chart import render_png
        from clausewatch.analyst.report import render_report

        assert out is not None
        _write(out, render_report(found, None, render_png(found)).encode("utf-8"))
        typer.echo(f"wrote {out}")
        return
    rendered = (
        json.dumps(found.to_dict(), ensure_ascii=False, indent=2) + "\n"
        if output is TimelineFormat.json
        else render_timeline_text(found)
    )
    if out is not None:
        _write(out, rendered.encode("utf-8"))
        typer.echo(f"wrote {out}")
    else:
        typer.echo(rendered, nl=False)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def render_search_text(result: SearchResult) -> str:
    """Where and when the phrase appeared: first and last seen, then each statement's clauses."""

    def when(published: dt.date | None) -> str:
        return published.isoformat() if published else "undated"

    if not result.statements:
        scope = f" in series {result.series!r}" if result.series else ""
        return f"no clause holds “{result.query}”{scope}\n"
    first, last = result.first_seen, result.last_seen
    assert first is not None and last is not None
    lines = [
        f"“{result.query}” — {_count(len(result.statements), 'statement version')} "
        f"({result.mode} search)",
        f"first seen: {when(first.published)}  {first.title or '(untitled)'} ({first.language})",
        f"last seen:  {when(last.published)}  {last.title or '(untitled)'} ({last.language})",
    ]
    for statement in result.statements:
        row = statement.row
        score = f"  score {statement.score}" if statement.score is not None else ""
        lines.append("")
        lines.append(
            f"{when(row.published)}  {row.language}  {row.title or '(untitled)'}  "
            f"[version {row.version_id}, v{row.seq}]{score}"
        )
        for clause in statement.clauses:
            lines.append(f"    [{clause.position}] {clause.text}")
    return "\n".join(lines) + "\n"


def search(
    phrase: Annotated[str, typer.Argument(metavar="PHRASE", help="Words to look for.")],
    series: Annotated[str | None, typer.Option("--series", help="Only this series.")] = None,
    lang: Annotated[
        Language | None, typer.Option("--lang", help="Only statements in this language.")
    ] = None,
    fuzzy: Annotated[
        bool, typer.Option("--fuzzy", help="Also find near matches (misspellings, rewording).")
    ] = False,
    output: Annotated[SearchFormat, typer.Option("--format", help="Output format.")] = (
        SearchFormat.text
    ),
) -> None:
    """Find where and when a phrase appeared: first and last seen, and the clauses."""
    from core.settings import get_settings
    from models import open_history
    from models.analysis import search_clauses

    stored = open_history(get_settings().resolved_database_url, read_only=True)
    try:
        with stored.sessions() as session:
            result = search_clauses(
                session, phrase, series=series, language=lang.value if lang else None, fuzzy=fuzzy
            )
    finally:
        stored.close()
    if output is SearchFormat.json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_search_text(result), nl=False)


def browse(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8001,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open a web browser.")] = False,
) -> None:
    """Browse a read-only snapshot of the history in Datasette (SQLite histories)."""
    from clausewatch.analyst.browse import ANALYST_TABLES, DATABASE_NAME, serve
    from core.settings import get_settings
    from models import open_history
    from models.analysis import snapshot_sqlite, sqlite_path

    settings = get_settings()
    url = settings.resolved_database_url
    if sqlite_path(url) is None:
        raise InputError(
            "browse serves the SQLite history; for PostgreSQL connect a SQL client with the "
            "read-only role described in docs/analysts.md"
        )
    open_history(url, read_only=True).close()  # a clear error for a missing or unmigrated history
    snapshots = Path(settings.data_dir) / "snapshots"
    if not os.access(snapshots if snapshots.exists() else snapshots.parent, os.W_OK):
        # A read-only history (issue 15.5): the snapshot goes to a temporary folder.
        import tempfile

        snapshots = Path(tempfile.mkdtemp(prefix="clausewatch-browse-"))
    target = snapshots / f"{DATABASE_NAME}.db"
    snapshot_sqlite(url, target, keep=ANALYST_TABLES)
    typer.echo(f"snapshot of the history taken at {dt.datetime.now():%Y-%m-%d %H:%M}: {target}")
    typer.echo(f"serving it read-only on http://{host}:{port}/{DATABASE_NAME} (Ctrl-C stops)")
    serve(target, host=host, port=port, open_browser=not no_open)


def report(
    series: Annotated[str, typer.Option("--series", help="The series to report on.")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    lang: Annotated[Language, typer.Option("--lang", help="Statements in this language.")] = (
        Language.en
    ),
) -> None:
    """Write one static HTML page: the timeline chart, then each successive comparison."""
    _check_out(out)
    from clausewatch.analyst.chart import render_png
    from clausewatch.analyst.report import render_report
    from core.settings import get_settings
    from models import open_history
    from models.analysis import commitment_timeline, series_comparisons

    stored = open_history(get_settings().resolved_database_url, read_only=True)
    try:
        with stored.sessions() as session:
            empty = _tracked_but_unseen(session, series, lang.value)
            found = empty or commitment_timeline(session, series, lang.value)
            comparisons = [] if empty else series_comparisons(session, series, lang.value)
    finally:
        stored.close()
    if not found.documents:
        typer.echo(f"no {lang.value} statements stored for series {series!r}", err=True)
    chart = render_png(found) if found.documents else None
    _write(out, render_report(found, comparisons, chart).encode("utf-8"))
    typer.echo(f"wrote {out} ({len(found.documents)} statements, {len(comparisons)} comparisons)")


def register(app: typer.Typer) -> None:
    """Add ``timeline``, ``search``, ``browse`` and ``report`` to the CLI."""
    app.command("timeline")(timeline)
    app.command("search")(search)
    app.command("browse")(browse)
    app.command("report")(report)
