"""The analyst's reads of the history: versions, one version's clauses, the commitment
timeline, successive comparisons, phrase search, and a read-only snapshot for Datasette.

Search means the same on both databases — a case-insensitive substring of the clause
text — so an analyst gets the same statements whichever backend holds the history.
SQLite answers it from the FTS5 trigram index of migration 0003 (which needs at least
three characters; shorter queries, such as the two-syllable 북한, fall back to LIKE);
PostgreSQL from ILIKE served by the pg_trgm GIN index. ``fuzzy`` ranks near matches:
pg_trgm's word similarity on PostgreSQL, rapidfuzz's partial ratio on SQLite.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, Select, and_, column, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, aliased

from core.errors import InputError
from core.series import builtin_series
from models import store
from models.schema import (
    Clause,
    Commitment,
    CommitmentMention,
    Comparison,
    Document,
    PhraseChange,
    Series,
    Source,
    Version,
)

# FTS5's trigram tokenizer indexes three-character windows; a shorter query matches nothing.
TRIGRAM_MIN_CHARS = 3
# Near-match thresholds: pg_trgm word_similarity (0..1) and rapidfuzz partial_ratio (0..100).
PG_WORD_SIMILARITY = 0.5
FUZZY_PARTIAL_RATIO = 85.0
SEARCH_LIMIT = 500


@dataclass(frozen=True)
class VersionRow:
    """One stored version with its document's metadata (a row of ``history``)."""

    version_id: int
    document_id: int
    seq: int
    series: str | None
    source: str
    language: str
    title: str | None
    published: dt.date | None
    url: str
    observed_at: dt.datetime
    clauses: int

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON-ready data (dates as ISO strings)."""
        return {
            "version_id": self.version_id,
            "document_id": self.document_id,
            "seq": self.seq,
            "series": self.series,
            "source": self.source,
            "language": self.language,
            "title": self.title,
            "published": _iso(self.published),
            "url": self.url,
            "observed_at": _iso(self.observed_at),
            "clauses": self.clauses,
        }


@dataclass(frozen=True)
class ClauseLine:
    """A clause of a stored version as an analyst reads it."""

    position: int
    paragraph: int
    text: str
    match_key: str


@dataclass(frozen=True)
class MentionLine:
    """A commitment a version carries, with its strength and evidence."""

    key: str
    label: str
    strength: str | None
    evidence: str | None
    position: int | None


@dataclass(frozen=True)
class VersionDetail:
    """One version: its metadata, clauses in reading order and commitment mentions."""

    row: VersionRow
    clauses: list[ClauseLine]
    mentions: list[MentionLine]

    def to_dict(self) -> dict[str, Any]:
        """The version as JSON-ready data (the ``show`` shape)."""
        return {
            **self.row.to_dict(),
            "clauses": [
                {"position": c.position, "paragraph": c.paragraph, "text": c.text}
                for c in self.clauses
            ],
            "commitments": [
                {
                    "key": m.key,
                    "label": m.label,
                    "strength": m.strength,
                    "evidence": m.evidence,
                    "position": m.position,
                }
                for m in self.mentions
            ],
        }


@dataclass(frozen=True)
class TimelineDocument:
    """A column of the timeline: a statement (its latest version)."""

    id: int
    version_id: int
    title: str | None
    published: dt.date | None
    url: str


@dataclass(frozen=True)
class TimelineCell:
    """Whether a commitment is in a statement, and how strongly worded."""

    state: str  # present | absent
    strength: str | None


@dataclass(frozen=True)
class TimelineRow:
    """A row of the timeline: one commitment across the statements."""

    key: str
    label: str
    cells: list[TimelineCell]


@dataclass(frozen=True)
class Timeline:
    """The commitment × statement matrix of one series in one language."""

    series: str
    series_title: str
    language: str
    documents: list[TimelineDocument]
    commitments: list[TimelineRow]
    #: Phrases that appeared or vanished between successive statements (any series, and
    #: the only rows of a series with no lexicon family).
    phrases: list[TimelineRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The timeline in the documented JSON shape (docs/analysts.md)."""
        return {
            "series": self.series,
            "language": self.language,
            "documents": [
                {"id": d.id, "title": d.title, "published": _iso(d.published), "url": d.url}
                for d in self.documents
            ],
            "commitments": [
                {
                    "key": r.key,
                    "label": r.label,
                    "cells": [{"state": c.state, "strength": c.strength} for c in r.cells],
                }
                for r in self.commitments
            ],
            "phrases": [
                {"phrase": r.label, "cells": [{"state": c.state} for c in r.cells]}
                for r in self.phrases
            ],
        }


@dataclass(frozen=True)
class SearchStatement:
    """A statement version holding the phrase, with the clauses that hold it."""

    row: VersionRow
    clauses: list[ClauseLine]
    score: float | None = None


@dataclass(frozen=True)
class SearchResult:
    """Where and when a phrase appeared: every statement version holding it, oldest first."""

    query: str
    mode: str  # fts | like | fuzzy
    series: str | None
    statements: list[SearchStatement] = field(default_factory=list)

    @property
    def first_seen(self) -> VersionRow | None:
        """The earliest statement (by publication date) that holds the phrase."""
        return self.statements[0].row if self.statements else None

    @property
    def last_seen(self) -> VersionRow | None:
        """The latest statement (by publication date) that holds the phrase."""
        return self.statements[-1].row if self.statements else None

    def to_dict(self) -> dict[str, Any]:
        """The result in the documented JSON shape of ``search`` (docs/analysts.md)."""

        def seen(row: VersionRow | None) -> dict[str, Any] | None:
            if row is None:
                return None
            return {
                "document_id": row.document_id,
                "version_id": row.version_id,
                "title": row.title,
                "published": _iso(row.published),
                "language": row.language,
            }

        return {
            "query": self.query,
            "mode": self.mode,
            "series": self.series,
            "first_seen": seen(self.first_seen),
            "last_seen": seen(self.last_seen),
            "statements": [
                {
                    **s.row.to_dict(),
                    "score": s.score,
                    "clauses": [{"position": c.position, "text": c.text} for c in s.clauses],
                }
                for s in self.statements
            ],
        }


@dataclass(frozen=True)
class SeriesComparison:
    """A stored comparison of two statements of a series, for the report."""

    id: int
    kind: str
    severity: str | None
    old: VersionRow
    new: VersionRow
    result: dict[str, Any]


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _version_rows_stmt() -> Select[*tuple[Any, ...]]:
    clause_count = (
        select(func.count(Clause.id)).where(Clause.version_id == Version.id).scalar_subquery()
    )
    return (
        select(
            Version.id,
            Document.id,
            Version.seq,
            Series.slug,
            Source.slug,
            Document.language,
            Document.title,
            Document.published,
            Document.url,
            Version.created_at,
            clause_count,
        )
        .join(Document, Document.id == Version.document_id)
        .join(Source, Source.id == Document.source_id)
        .outerjoin(Series, Series.id == Document.series_id)
    )


def _as_row(values: Sequence[Any]) -> VersionRow:
    return VersionRow(*values)


def require_series(session: Session, slug: str) -> Series:
    """The series with ``slug``; raises InputError naming the known series if it is unknown."""
    series = store.get_series(session, slug)
    if series is None:
        shipped = next((d for d in builtin_series() if d.slug == slug), None)
        if shipped is not None:
            # A built-in series gets its row with its first statement; until then it is
            # known and empty. The stand-in is never added to the session, and id -1
            # matches no document.
            return Series(id=-1, slug=shipped.slug, title=shipped.title, rules={})
        known = session.scalars(select(Series.slug).order_by(Series.slug)).all()
        hint = f"; known series: {', '.join(known)}" if known else "; the history has none yet"
        raise InputError(f"unknown series {slug!r}{hint}")
    return series


def _require_source(session: Session, slug: str) -> None:
    if session.scalars(select(Source.id).where(Source.slug == slug)).first() is None:
        known = session.scalars(select(Source.slug).order_by(Source.slug)).all()
        hint = f"; known sources: {', '.join(known)}" if known else "; the history has none yet"
        raise InputError(f"unknown source {slug!r}{hint}")


def version_rows(
    session: Session, *, series: str | None = None, source: str | None = None
) -> list[VersionRow]:
    """Every stored version by publication date; raises InputError for an unknown series/source."""
    stmt = _version_rows_stmt().order_by(Document.published, Document.id, Version.seq)
    if series is not None:
        require_series(session, series)
        stmt = stmt.where(Series.slug == series)
    if source is not None:
        _require_source(session, source)
        stmt = stmt.where(Source.slug == source)
    return [_as_row(r) for r in session.execute(stmt)]


def version_row(session: Session, version_id: int) -> VersionRow:
    """The metadata of one version; raises InputError if no version has that id."""
    found = session.execute(_version_rows_stmt().where(Version.id == version_id)).one_or_none()
    if found is None:
        raise InputError(f"no version with id {version_id} (see `clausewatch history`)")
    return _as_row(found)


def version_detail(session: Session, version_id: int) -> VersionDetail:
    """One version with its clauses and commitments; raises InputError for an unknown id."""
    row = version_row(session, version_id)
    clauses = [
        ClauseLine(c.position, c.paragraph, c.text, c.match_key)
        for c in store.version_clauses(session, version_id)
    ]
    mentions = [
        MentionLine(key, label, strength, evidence, position)
        for key, label, strength, evidence, position in session.execute(
            select(
                Commitment.key,
                Commitment.label,
                CommitmentMention.strength,
                CommitmentMention.evidence,
                CommitmentMention.position,
            )
            .join(Commitment, Commitment.id == CommitmentMention.commitment_id)
            .where(CommitmentMention.version_id == version_id)
            .order_by(CommitmentMention.position, Commitment.key)
        )
    ]
    return VersionDetail(row, clauses, mentions)


def _latest_versions(session: Session, series_id: int, language: str) -> list[TimelineDocument]:
    newest = (
        select(Version.document_id, func.max(Version.seq).label("seq"))
        .group_by(Version.document_id)
        .subquery()
    )
    rows = session.execute(
        select(Document.id, Version.id, Document.title, Document.published, Document.url)
        .join(newest, newest.c.document_id == Document.id)
        .join(Version, and_(Version.document_id == Document.id, Version.seq == newest.c.seq))
        .where(Document.series_id == series_id, Document.language == language)
        .order_by(Document.published, Document.id)
    )
    return [TimelineDocument(*r) for r in rows]


def commitment_timeline(session: Session, series: str, language: str) -> Timeline:
    """The commitment × statement matrix (latest version of each statement, by date).

    Rows are the commitments present in at least one statement, in the order they first
    appear. Raises InputError for an unknown series.
    """
    found = require_series(session, series)
    documents = _latest_versions(session, found.id, language)
    column = {d.version_id: i for i, d in enumerate(documents)}
    mentions = session.execute(
        select(
            CommitmentMention.version_id,
            CommitmentMention.strength,
            CommitmentMention.position,
            Commitment.key,
            Commitment.label,
        )
        .join(Commitment, Commitment.id == CommitmentMention.commitment_id)
        .where(CommitmentMention.version_id.in_(list(column)))
    ).all()
    first: dict[str, tuple[int, int]] = {}
    labels: dict[str, str] = {}
    strengths: dict[tuple[str, int], str | None] = {}
    for version_id, strength, position, key, label in mentions:
        index = column[version_id]
        labels[key] = label
        strengths[(key, index)] = strength
        where = (index, position if position is not None else 1 << 30)
        first[key] = min(first.get(key, where), where)
    rows = [
        TimelineRow(
            key,
            labels[key],
            [
                TimelineCell("present", strengths[(key, i)])
                if (key, i) in strengths
                else TimelineCell("absent", None)
                for i in range(len(documents))
            ],
        )
        for key in sorted(first, key=lambda k: (first[k], k))
    ]
    phrases = _phrase_rows(session, documents)
    return Timeline(found.slug, found.title, language, documents, rows, phrases)


#: The phrase rows of a timeline: the changes with the most support first, at most this many.
MAX_TIMELINE_PHRASES = 30


def _phrase_rows(session: Session, documents: list[TimelineDocument]) -> list[TimelineRow]:
    """Each phrase flagged between successive statements, present or absent in each one.

    A phrase counts as present in a statement whose text holds it (ignoring case and
    spacing), or on the side of a comparison that flagged it there (a Korean phrase may be
    matched regardless of its particles).
    """
    column = {d.version_id: i for i, d in enumerate(documents)}
    if len(column) < 2:
        return []
    changes = session.execute(
        select(
            PhraseChange.phrase,
            PhraseChange.status,
            PhraseChange.support,
            Comparison.old_version_id,
            Comparison.new_version_id,
        )
        .join(Comparison, Comparison.id == PhraseChange.comparison_id)
        .where(
            Comparison.kind == "successor",
            Comparison.new_version_id.in_(list(column)),
            Comparison.old_version_id.in_(list(column)),
            PhraseChange.status.in_(("added", "dropped")),
        )
    ).all()
    if not changes:
        return []
    texts = {
        vid: " ".join(text.lower().split())
        for vid, text in session.execute(
            select(Version.id, Version.text).where(Version.id.in_(list(column)))
        )
    }
    support: dict[str, int] = {}
    first: dict[str, int] = {}
    flagged: set[tuple[str, int]] = set()
    for phrase, status, weight, old_id, new_id in changes:
        support[phrase] = max(support.get(phrase, 0), weight or 0)
        holder = new_id if status == "added" else old_id
        flagged.add((phrase, column[holder]))
        first[phrase] = min(first.get(phrase, len(column)), column[old_id])
    chosen = sorted(support, key=lambda p: (-support[p], first[p], p))[:MAX_TIMELINE_PHRASES]
    rows = []
    for phrase in sorted(chosen, key=lambda p: (first[p], p)):
        needle = " ".join(phrase.lower().split())
        cells = [
            TimelineCell(
                "present"
                if (phrase, i) in flagged or needle in texts.get(d.version_id, "")
                else "absent",
                None,
            )
            for i, d in enumerate(documents)
        ]
        rows.append(TimelineRow(phrase, phrase, cells))
    return rows


def series_comparisons(
    session: Session,
    series: str,
    language: str,
    kinds: Sequence[str] = ("successor", "revision"),
) -> list[SeriesComparison]:
    """Stored comparisons of a series in one language, by the new statement's date.

    Raises InputError for an unknown series.
    """
    require_series(session, series)
    new_v = aliased(Version)
    new_d = aliased(Document)
    comparisons = [
        c
        for c in store.list_comparisons(session, series=series, kinds=kinds)
        if session.execute(
            select(new_d.language)
            .join(new_v, new_v.document_id == new_d.id)
            .where(new_v.id == c.new_version_id)
        ).scalar_one()
        == language
    ]
    return [
        SeriesComparison(
            c.id,
            c.kind,
            c.severity,
            version_row(session, c.old_version_id),
            version_row(session, c.new_version_id),
            store.comparison_dict(session, c),
        )
        for c in comparisons
    ]


def _escape_like(phrase: str) -> str:
    return phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _scope(
    stmt: Select[*tuple[Any, ...]], series: str | None, language: str | None
) -> Select[*tuple[Any, ...]]:
    if series is not None:
        stmt = stmt.where(Series.slug == series)
    if language is not None:
        stmt = stmt.where(Document.language == language)
    return stmt


def _candidates(series: str | None, language: str | None) -> Select[*tuple[Any, ...]]:
    stmt = (
        select(Clause.id, Clause.version_id, Clause.position, Clause.paragraph, Clause.text)
        .join(Version, Version.id == Clause.version_id)
        .join(Document, Document.id == Version.document_id)
        .outerjoin(Series, Series.id == Document.series_id)
    )
    return _scope(stmt, series, language)


#: Longest search phrase. Fuzzy matching scores the phrase against every stored clause, at a
#: cost growing with the phrase's length: 2,000 characters took 70 s (issue 15.12). A phrase
#: an analyst looks for is a few words; a whole paragraph is better found by a piece of it.
MAX_SEARCH_CHARS = 200


def search_clauses(
    session: Session,
    phrase: str,
    *,
    series: str | None = None,
    language: str | None = None,
    fuzzy: bool = False,
) -> SearchResult:
    """Every stored statement version whose clauses hold ``phrase``, oldest statement first.

    Raises InputError for an empty phrase, one longer than :data:`MAX_SEARCH_CHARS` or an
    unknown series; no hit is an empty result.
    """
    query = " ".join(phrase.split())
    if not query:
        raise InputError("the search phrase is empty")
    if len(query) > MAX_SEARCH_CHARS:
        raise InputError(
            f"the search phrase has {len(query)} characters; at most {MAX_SEARCH_CHARS} "
            "(search for a shorter passage of it)"
        )
    if series is not None:
        require_series(session, series)
    dialect = session.get_bind().dialect.name
    scores: dict[int, float] = {}
    if fuzzy:
        mode = "fuzzy"
        if dialect == "postgresql":
            similarity = func.word_similarity(query, Clause.text)
            stmt = (
                _candidates(series, language)
                .add_columns(similarity)
                .where(similarity >= PG_WORD_SIMILARITY)
            )
            hits = []
            for found in session.execute(stmt.limit(SEARCH_LIMIT)):
                hits.append(tuple(found[:5]))
                scores[found[0]] = round(float(found[5]) * 100, 1)
        else:
            from rapidfuzz import fuzz

            needle = query.casefold()
            hits = []
            for values in session.execute(_candidates(series, language)):
                score = fuzz.partial_ratio(needle, values[4].casefold())
                if score >= FUZZY_PARTIAL_RATIO:
                    hits.append(tuple(values))
                    scores[values[0]] = round(float(score), 1)
    elif dialect == "sqlite" and len(query) >= TRIGRAM_MIN_CHARS:
        mode = "fts"
        # A double-quoted FTS5 string is matched as one phrase: with the trigram
        # tokenizer that is a case-insensitive substring match.
        match = '"' + query.replace('"', '""') + '"'
        stmt = _candidates(series, language).where(
            Clause.id.in_(
                text("SELECT rowid FROM clause_search WHERE clause_search MATCH :m").columns(
                    column("rowid", Integer)
                )
            )
        )
        hits = [tuple(r) for r in session.execute(stmt.limit(SEARCH_LIMIT), {"m": match})]
    else:
        mode = "like"
        pattern = f"%{_escape_like(query)}%"
        if dialect == "postgresql":
            condition = Clause.text.ilike(pattern, escape="\\")
        else:
            # SQLite's LIKE folds ASCII case only, which is all the fallback needs
            # (queries shorter than three characters).
            condition = Clause.text.like(pattern, escape="\\")
        stmt = _candidates(series, language).where(condition)
        hits = [tuple(r) for r in session.execute(stmt.limit(SEARCH_LIMIT))]
    by_version: dict[int, list[ClauseLine]] = {}
    version_scores: dict[int, float] = {}
    for clause_id, version_id, position, paragraph, clause_text in hits:
        by_version.setdefault(version_id, []).append(
            ClauseLine(position, paragraph, clause_text, "")
        )
        if clause_id in scores:
            version_scores[version_id] = max(version_scores.get(version_id, 0.0), scores[clause_id])
    rows = [version_row(session, v) for v in by_version]
    rows.sort(key=lambda r: (r.published or dt.date.max, r.document_id, r.seq))
    statements = [
        SearchStatement(
            row,
            sorted(by_version[row.version_id], key=lambda c: c.position),
            version_scores.get(row.version_id),
        )
        for row in rows
    ]
    return SearchResult(query, mode, series, statements)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def read_only_uri(path: Path) -> str:
    """A SQLite URI reading ``path`` without writing anything beside it.

    In a directory this process cannot write, a WAL database cannot be opened ``mode=ro``
    unless its -wal and -shm files exist; it is then opened immutable (see models/db.py).
    """
    from urllib.parse import quote

    uri = f"file:{quote(str(path))}?mode=ro"
    beside = all(path.with_name(path.name + s).exists() for s in ("-wal", "-shm"))
    if not os.access(path.parent, os.W_OK) and not beside:
        uri += "&immutable=1"
    return uri


def snapshot_sqlite(url: str, target: Path, *, keep: Iterable[str] | None = None) -> Path:
    """Copy the SQLite history at ``url`` into ``target`` as one checkpointed, self-contained
    file (the backup API reads a consistent state even while the pipeline writes).

    With ``keep``, every table and view not named there is dropped from the copy and the
    file is vacuumed, so nothing else (subscribers' addresses, the outbox) is left in it,
    not even in free pages. Raises InputError when ``url`` is not a SQLite file or the file
    is missing.
    """
    source = sqlite_path(url)
    if source is None:
        raise InputError("a snapshot needs the SQLite history; see docs/analysts.md for PostgreSQL")
    if not source.is_file():
        raise InputError("no history database: run `clausewatch init`", path=str(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with (
        sqlite3.connect(read_only_uri(source), uri=True) as origin,
        sqlite3.connect(partial) as copy,
    ):
        origin.backup(copy)
        # A rollback journal, not WAL: the snapshot is one file that readers may open
        # immutable, with no -wal or -shm beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        if keep is not None:
            _keep_only(copy, frozenset(keep))
    origin.close()
    copy.close()
    partial.replace(target)
    return target


def _keep_only(copy: sqlite3.Connection, keep: frozenset[str]) -> None:
    def listed() -> list[tuple[str, str]]:
        # Views first: a view over a dropped table would fail when Datasette lists it.
        return copy.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table', 'trigger') "
            "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table'"
        ).fetchall()

    for kind, name in listed():
        # Dropping a full-text index drops its shadow tables too: look again before each.
        if (kind == "trigger" or name not in keep) and (kind, name) in listed():
            copy.execute(f'DROP {kind.upper()} "{name}"')
    copy.commit()
    # VACUUM rewrites the file: dropped rows must not survive in free pages.
    copy.execute("VACUUM")
