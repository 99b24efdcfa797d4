"""``clausewatch import`` and ``clausewatch changes``: statements in, flagged changes out."""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from core.errors import InputError
from core.language import Language, detect_language

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class Format(enum.StrEnum):
    """Output formats of these commands."""

    text = "text"
    json = "json"


def parse_date(value: str, what: str) -> dt.date:
    """A YYYY-MM-DD date; raises InputError naming ``what`` otherwise."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what} must be a date as YYYY-MM-DD, not {value!r}") from None


def _published_for(path: Path, given: dt.date | None) -> dt.date:
    if given is not None:
        return given
    found = _DATE_IN_NAME.search(path.name)
    if found:
        try:
            return dt.date(*(int(g) for g in found.groups()))
        except ValueError:
            pass
    raise InputError(
        "no publication date: pass --published YYYY-MM-DD or put the date in the file name",
        path=str(path),
    )


def _import_url(series: str, language: str, published: dt.date, path: Path) -> str:
    # One imported publication per series, language, date and file stem: importing the same
    # file again finds the same document, and an edited file becomes its next version.
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "statement"
    return f"import:{series}/{language}/{published.isoformat()}/{stem}"


def import_statements(
    files: Annotated[list[Path], typer.Argument(help="Statement files (text, HTML or PDF).")],
    series: Annotated[str, typer.Option("--series", help="Series slug, e.g. ncg.")],
    published: Annotated[
        str | None,
        typer.Option("--published", help="Publication date YYYY-MM-DD (else from the file name)."),
    ] = None,
    lang: Annotated[
        Language | None, typer.Option("--lang", help="Language instead of detecting it.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the statement.")] = None,
    lexical: Annotated[
        bool, typer.Option("--lexical", help="Match wording only; do not load the encoder.")
    ] = False,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Store statement files in the history and compare each with its predecessor."""
    from clausewatch.commands.compare import read_statement
    from core.settings import get_settings
    from models import open_history
    from pipeline.catalog import require_series
    from pipeline.stages import StatementInput, ingest

    if not _SLUG.match(series):
        raise InputError(f"series must be a slug (a-z, 0-9, -), not {series!r}")
    given = parse_date(published, "--published") if published else None
    # Read and check every file before storing any, so bad input stores nothing.
    prepared = []
    for path in files:
        statement = read_statement(path)
        day = _published_for(path, given)
        prepared.append((path, statement, day))

    from clauses.encoder import configure_encoder

    settings = get_settings()
    configure_encoder(settings)
    history = open_history(settings.resolved_database_url)
    report: list[dict[str, Any]] = []
    try:
        rule = require_series(history, series)
        inputs = []
        for path, statement, day in prepared:
            language = lang.value if lang else detect_language(statement.text)
            inputs.append(
                StatementInput(
                    url=_import_url(series, language, day, path),
                    source="import",
                    source_kind="import",
                    text=statement.text,
                    language=language,
                    title=title or statement.title or path.stem,
                    published=day,
                    series=series,
                    series_title=rule.title,
                    series_rules=rule.to_dict(),
                )
            )
        results = ingest(history, inputs, lexical=lexical, lexicon_dir=settings.lexicon_dir)
        for (path, _statement, _day), (stored, comparisons) in zip(prepared, results, strict=True):
            report.append(
                {
                    "file": str(path),
                    "document": stored.document_id,
                    "version": stored.version_id,
                    "new_document": stored.new_document,
                    "new_version": stored.new_version,
                    "comparisons": [
                        {
                            "id": c.comparison_id,
                            "kind": c.kind,
                            "severity": c.severity,
                            "new": c.created,
                            "commitment_changes": c.commitment_changes,
                            "alerts_queued": c.alerts_queued,
                        }
                        for c in comparisons
                    ],
                }
            )
    finally:
        history.close()
    if output is Format.json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for item in report:
        state = "new version" if item["new_version"] else "unchanged, nothing stored"
        typer.echo(
            f"{item['file']}: document {item['document']}, version {item['version']} ({state})"
        )
        for c in item["comparisons"]:
            made = "compared" if c["new"] else "already compared"
            typer.echo(
                f"  {made} ({c['kind']}, comparison {c['id']}): severity {c['severity'] or '-'},"
                f" {c['commitment_changes']} commitment changes"
            )


def _render_change(item: dict[str, Any]) -> list[str]:
    from clauses import evidence_excerpt

    old, new = item["old"], item["new"]

    def side(name: str) -> str:
        shown, version = item[name], item.get(f"{name}_version")
        which = f", v{version['seq']} = version {version['id']}" if version else ""
        return (
            f"{shown['title'] or '?'} ({item.get(f'{name}_published') or '?'}, "
            f"{shown['language']}{which})"
        )

    lines = [
        f"#{item['id']} {item['kind']}  [{item['severity'] or 'no alert'}]  "
        f"{side('old')} -> {side('new')}"
    ]
    for c in item["commitments"]:
        if c["status"] == "retained":
            continue
        strength = ""
        if c["strength_old"] or c["strength_new"]:
            strength = f" [{c['strength_old'] or '-'} -> {c['strength_new'] or '-'}]"
        lines.append(f"  {c['status'].upper():<12} {c['label']}{strength}")
        if c["old_evidence"]:
            excerpt = evidence_excerpt(c["old_evidence"], c["key"], old["language"])
            lines.append(f"      was: {excerpt}")
        if c["new_evidence"]:
            excerpt = evidence_excerpt(c["new_evidence"], c["key"], new["language"])
            lines.append(f"      now: {excerpt}")
    for p in item["phrases"]:
        lines.append(f"  phrase {p['status']}: {p['text']}")
    for q in item.get("quantities") or []:
        lines.append(
            f"  figure {q['status']} ({q['kind']}): {q['old'] or '-'} -> {q['new'] or '-'}"
        )
    for change in item.get("participants") or []:
        before = "; ".join(x.get("name") or x.get("title") or "?" for x in change["old"]) or "-"
        after = "; ".join(x.get("name") or x.get("title") or "?" for x in change["new"]) or "-"
        level = f" (level {change['level']})" if change.get("level") else ""
        lines.append(f"  lead {change['side']} {change['status']}: {before} -> {after}{level}")
    summary = ", ".join(f"{k} {v}" for k, v in item["summary"].items() if v)
    lines.append(f"  clauses: {summary or 'none'}")
    return lines


def changes(
    series: Annotated[str | None, typer.Option("--series", help="Only this series.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only statements published on or after.")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Show stored comparisons and their flagged commitment changes, oldest first."""
    from core.settings import get_settings
    from models import open_history, store

    since_date = parse_date(since, "--since") if since else None
    history = open_history(get_settings().resolved_database_url, read_only=True)
    try:
        with history.sessions() as session:
            if series is not None and store.get_series(session, series) is None:
                raise InputError(f"unknown series {series!r}")
            items = []
            for comparison in store.list_comparisons(session, series=series, since=since_date):
                data = store.comparison_dict(session, comparison)
                data["id"] = comparison.id
                data["severity"] = comparison.severity
                data["old_published"] = _iso(comparison.old_version.document.published)
                data["new_published"] = _iso(comparison.new_version.document.published)
                # Two versions of one document share title, date and language: only the
                # version tells the sides of a revision apart.
                for side, version in (
                    ("old", comparison.old_version),
                    ("new", comparison.new_version),
                ):
                    data[f"{side}_version"] = {"id": version.id, "seq": version.seq}
                items.append(data)
    finally:
        history.close()
    if output is Format.json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        typer.echo("no changes recorded")
        return
    for data in items:
        typer.echo("\n".join(_render_change(data)))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``changes`` to the CLI."""
    app.command("import")(import_statements)
    app.command("changes")(changes)
