"""``clausewatch history``, ``show ID`` and ``diff A B``: the stored statements and versions.

JSON shapes (documented in docs/analysts.md):

``history --format json``
    ``[{"version_id", "document_id", "seq", "series", "source", "language", "title",
    "published", "url", "observed_at", "clauses"}]`` (csv: the same columns)
``show ID --format json``
    the same fields for one version, plus ``"clauses": [{"position", "paragraph", "text"}]``
    and ``"commitments": [{"key", "label", "strength", "evidence", "position"}]``
``diff A B --format json``
    the comparison JSON of ``compare`` (docs/comparison-json.md)
"""

from __future__ import annotations

import csv
import enum
import io
import json
from typing import TYPE_CHECKING, Annotated

import typer

from core.display import one_line

if TYPE_CHECKING:
    from clauses import ComparisonResult
    from models.analysis import VersionDetail, VersionRow


class HistoryFormat(enum.StrEnum):
    """Output formats of ``history``."""

    text = "text"
    json = "json"
    csv = "csv"


class ShowFormat(enum.StrEnum):
    """Output formats of ``show``."""

    text = "text"
    json = "json"


class DiffFormat(enum.StrEnum):
    """Output formats of ``diff`` (those of ``compare``)."""

    text = "text"
    json = "json"
    html = "html"


def _row_line(row: VersionRow) -> str:
    published = row.published.isoformat() if row.published else "undated   "
    return (
        f"{published}  {row.language}  v{row.seq} (version {row.version_id})  "
        f"{row.clauses:>3} clauses  {one_line(row.title or '(untitled)')}"
    )


def render_history_text(rows: list[VersionRow]) -> str:
    """The versions grouped by series, then document, one line per version."""
    by_series: dict[str | None, list[VersionRow]] = {}
    for row in rows:
        by_series.setdefault(row.series, []).append(row)
    blocks: list[str] = []
    for series, members in by_series.items():
        lines = [f"series {series or '(none)'}"]
        document: int | None = None
        for row in members:
            if row.document_id != document:
                document = row.document_id
                lines.append(f"  document {row.document_id} · {row.source} · {row.url}")
            lines.append(f"    {_row_line(row)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def history(
    series: Annotated[str | None, typer.Option("--series", help="Only this series.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    output: Annotated[
        HistoryFormat, typer.Option("--format", help="Output format.")
    ] = HistoryFormat.text,
) -> None:
    """List stored statements with their versions, dates, languages and URLs."""
    from core.settings import get_settings
    from models import open_history
    from models.analysis import version_rows

    stored = open_history(get_settings().resolved_database_url, read_only=True)
    try:
        with stored.sessions() as session:
            rows = version_rows(session, series=series, source=source)
    finally:
        stored.close()
    if output is HistoryFormat.json:
        typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
    elif output is HistoryFormat.csv:
        buffer = io.StringIO()
        fields = [
            "version_id",
            "document_id",
            "seq",
            "series",
            "source",
            "language",
            "title",
            "published",
            "url",
            "observed_at",
            "clauses",
        ]
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row.to_dict())
        typer.echo(buffer.getvalue(), nl=False)
    elif not rows:
        typer.echo("the history holds no statements yet" + (f" in {series!r}" if series else ""))
    else:
        typer.echo(render_history_text(rows), nl=False)


def render_show_text(detail: VersionDetail) -> str:
    """One version as text: a header, the clauses by paragraph, then its commitments."""
    row = detail.row
    lines = [
        row.title or "(untitled)",
        f"{row.published.isoformat() if row.published else 'undated'} · {row.language} · "
        f"series {row.series or '(none)'} · source {row.source}",
        row.url,
        f"version {row.version_id}: v{row.seq} of document {row.document_id}, "
        f"{row.clauses} clauses, seen {row.observed_at:%Y-%m-%d %H:%M}",
    ]
    paragraph: int | None = None
    for clause in detail.clauses:
        if clause.paragraph != paragraph:
            paragraph = clause.paragraph
            lines.append("")
        lines.append(f"  [{clause.position}] {clause.text}")
    lines.append("")
    if detail.mentions:
        lines.append("commitments:")
        for m in detail.mentions:
            where = f" [{m.position}]" if m.position is not None else ""
            lines.append(f"  {m.label} ({m.strength or 'present'}){where}")
    else:
        lines.append("commitments: none of the tracked commitments")
    return "\n".join(lines) + "\n"


def show(
    version_id: Annotated[int, typer.Argument(metavar="ID", help="A version id (see history).")],
    output: Annotated[ShowFormat, typer.Option("--format", help="Output format.")] = (
        ShowFormat.text
    ),
) -> None:
    """Show one stored version: its clauses and the commitments it carries."""
    from core.settings import get_settings
    from models import open_history
    from models.analysis import version_detail

    stored = open_history(get_settings().resolved_database_url, read_only=True)
    try:
        with stored.sessions() as session:
            detail = version_detail(session, version_id)
    finally:
        stored.close()
    if output is ShowFormat.json:
        typer.echo(json.dumps(detail.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_show_text(detail), nl=False)


def compare_versions(old: VersionDetail, new: VersionDetail, *, lexical: bool) -> ComparisonResult:
    """Align two stored versions with the clause engine (revision, successor or translation)."""
    from clauses import Clause, compare_clauses
    from core.vocabulary import comparison_kind

    dates = (old.row.published, new.row.published)
    kind = comparison_kind(
        same_document=old.row.document_id == new.row.document_id,
        same_language=old.row.language == new.row.language,
        days_apart=(dates[1] - dates[0]).days if dates[0] and dates[1] else None,
    )
    return compare_clauses(
        [Clause(c.position, c.paragraph, c.text, c.match_key) for c in old.clauses],
        [Clause(c.position, c.paragraph, c.text, c.match_key) for c in new.clauses],
        kind=kind,
        old_lang=old.row.language,
        new_lang=new.row.language,
        old_title=old.row.title,
        new_title=new.row.title,
        lexical=lexical,
    )


def diff(
    old_id: Annotated[int, typer.Argument(metavar="A", help="The earlier version id.")],
    new_id: Annotated[int, typer.Argument(metavar="B", help="The later version id.")],
    output: Annotated[DiffFormat, typer.Option("--format", help="Output format.")] = (
        DiffFormat.text
    ),
    lexical: Annotated[
        bool, typer.Option("--lexical", help="Match wording only; do not load the encoder.")
    ] = False,
) -> None:
    """Compare two stored versions clause by clause (the output of ``compare``)."""
    from clauses import render_html, render_text
    from clauses.encoder import configure_encoder
    from core.settings import get_settings
    from models import open_history
    from models.analysis import version_detail

    settings = get_settings()
    configure_encoder(settings)
    stored = open_history(settings.resolved_database_url, read_only=True)
    try:
        with stored.sessions() as session:
            old = version_detail(session, old_id)
            new = version_detail(session, new_id)
        if not lexical:
            from pipeline.stages import use_stored_vectors

            # The vectors stored at ingest: only clauses without one are encoded (read-only,
            # so nothing is written back here).
            use_stored_vectors(stored, [old_id, new_id])
    finally:
        stored.close()
    result = compare_versions(old, new, lexical=lexical)
    if output is DiffFormat.json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif output is DiffFormat.html:
        typer.echo(render_html(result), nl=False)
    else:
        typer.echo(render_text(result), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``history``, ``show`` and ``diff`` to the CLI."""
    app.command("history")(history)
    app.command("show")(show)
    app.command("diff")(diff)
