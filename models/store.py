"""All reads and writes of the history, the same on SQLite and PostgreSQL.

Writes that a pipeline stage may repeat (after a retry, a crash or a second worker) are
``INSERT ... ON CONFLICT DO NOTHING ... RETURNING`` against a unique constraint, so the
second attempt adds nothing and finds the first one's row. psycopg 3 reports no rowcount
for such inserts, hence RETURNING rather than rowcount everywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy import insert as insert_stmt
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from core.vocabulary import TRANSLATION_WINDOW_DAYS, comparison_kind
from models.schema import (
    Alert,
    Base,
    Capture,
    Clause,
    ClauseChange,
    Commitment,
    CommitmentChange,
    CommitmentMention,
    Comparison,
    Document,
    FetchHealth,
    ParticipantChange,
    PhraseChange,
    QuantityChange,
    Series,
    Source,
    SourceEvent,
    Subscription,
    Version,
    utcnow,
)

# Not fetch_health or source_event: they log every run, so a repeated run adds rows there.
COUNTED_TABLES: tuple[type[Base], ...] = (
    Series,
    Source,
    Document,
    Capture,
    Version,
    Clause,
    Comparison,
    ClauseChange,
    Commitment,
    CommitmentMention,
    CommitmentChange,
    PhraseChange,
    QuantityChange,
    ParticipantChange,
    Subscription,
    Alert,
)


def text_sha256(text: str) -> str:
    """The hex sha256 of a normalized text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _dialect_insert(session: Session) -> Any:
    """The database's own INSERT construct (``ON CONFLICT`` is spelled by each dialect)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _insert_unless_there(
    session: Session, model: type[Base], values: Mapping[str, Any], conflict: Sequence[str]
) -> Any:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING`` of one row, RETURNING to be added.
    Column defaults (created_at, empty JSON) are applied by Core for omitted columns."""
    return (
        _dialect_insert(session)(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict))
    )


_Row = TypeVar("_Row", bound=Base)


def insert_ignore(
    session: Session, model: type[Base], values: Mapping[str, Any], conflict: Sequence[str]
) -> int | None:
    """Insert a row unless ``conflict`` columns clash; returns the new id, or None if it existed."""
    stmt = _insert_unless_there(session, model, values, conflict)
    result: int | None = session.execute(stmt.returning(model.__table__.c.id)).scalar_one_or_none()
    return result


def insert_new(
    session: Session, model: type[_Row], values: Mapping[str, Any], conflict: Sequence[str]
) -> _Row | None:
    """Like :func:`insert_ignore`, but returns the new row itself, loaded into ``session``
    from the INSERT's RETURNING (no second read), or None if it existed."""
    stmt = _insert_unless_there(session, model, values, conflict)
    row: _Row | None = session.scalars(stmt.returning(model)).one_or_none()
    return row


# -- series, sources, commitments -------------------------------------------------------


def ensure_series(
    session: Session, slug: str, title: str | None = None, rules: dict[str, Any] | None = None
) -> Series:
    """The series with ``slug``, created if missing (title and rules filled when given)."""
    series = get_series(session, slug)
    if series is None:
        insert_ignore(
            session, Series, {"slug": slug, "title": title or slug, "rules": rules or {}}, ["slug"]
        )
        series = session.scalars(select(Series).where(Series.slug == slug)).one()
    if rules and series.rules != rules:
        series.rules = rules
    return series


def get_series(session: Session, slug: str) -> Series | None:
    """The series with ``slug`` or None."""
    return session.scalars(select(Series).where(Series.slug == slug)).one_or_none()


def user_series(session: Session) -> list[Series]:
    """The series analysts defined (``clausewatch series add``), oldest first."""
    return list(
        session.scalars(select(Series).where(Series.user_defined.is_(True)).order_by(Series.id))
    )


def save_user_series(
    session: Session, slug: str, title: str, definition: dict[str, Any]
) -> tuple[Series, bool]:
    """Create or replace a user-defined series; returns it and whether it is new.

    A row already made for statements of that slug (an import before the definition) is
    taken over, so its history stays attached.
    """
    series = get_series(session, slug)
    created = series is None
    if series is None:
        series = Series(slug=slug, title=title, rules=definition, user_defined=True)
        session.add(series)
    else:
        series.title = title
        series.rules = definition
        series.user_defined = True
    session.flush()
    return series, created


def remove_user_series(session: Session, slug: str) -> int:
    """Drop a user definition; returns how many statements of it the history keeps.

    A series with statements keeps its row (the history still names it) but is no longer
    defined, so no run picks it up again; a series with none is deleted.
    """
    series = get_series(session, slug)
    if series is None or not series.user_defined:
        return 0
    kept = session.scalar(
        select(func.count()).select_from(Document).where(Document.series_id == series.id)
    )
    if kept:
        series.user_defined = False
    else:
        session.delete(series)
    session.flush()
    return int(kept or 0)


def ensure_source(
    session: Session,
    slug: str,
    *,
    kind: str = "official",
    base_url: str | None = None,
    language: str | None = None,
) -> Source:
    """The source with ``slug``, created if missing; its base URL follows the configuration."""
    source = session.scalars(select(Source).where(Source.slug == slug)).one_or_none()
    if source is None:
        insert_ignore(
            session,
            Source,
            {"slug": slug, "kind": kind, "base_url": base_url, "language": language},
            ["slug"],
        )
        source = session.scalars(select(Source).where(Source.slug == slug)).one()
    if base_url and source.base_url != base_url:
        source.base_url = base_url
    return source


def record_source_status(
    session: Session, slug: str, *, error: str | None, at: dt.datetime | None = None
) -> None:
    """Record a source's last success (``error`` None) or its last error."""
    source = ensure_source(session, slug)
    when = at or utcnow()
    if error is None:
        source.last_success_at = when
    else:
        source.last_error_at = when
        source.last_error = error[:2000]


# -- source health ----------------------------------------------------------------------

#: How many recent statement bodies make a source's median (docs/operators.md).
MEDIAN_WINDOW = 20


def record_fetch_health(session: Session, slug: str, **facts: Any) -> int:
    """Store the health facts of one listing or statement fetch; returns the row id."""
    row = FetchHealth(source_id=ensure_source(session, slug).id, **facts)
    session.add(row)
    session.flush()
    return row.id


def _good_article(slug: str) -> Select[FetchHealth]:
    return (
        select(FetchHealth)
        .join(Source, Source.id == FetchHealth.source_id)
        .where(
            Source.slug == slug,
            FetchHealth.kind == "article",
            FetchHealth.outcome == "ok",
            FetchHealth.title_from == "adapter",
            FetchHealth.date_from == "adapter",
            FetchHealth.body_from == "adapter",
        )
    )


def recent_bodies(session: Session, slug: str, limit: int = MEDIAN_WINDOW) -> list[tuple[int, int]]:
    """(characters, paragraphs) of the source's latest bodies read by its own selectors."""
    rows = session.scalars(
        _good_article(slug)
        .order_by(FetchHealth.fetched_at.desc(), FetchHealth.id.desc())
        .limit(limit)
    )
    return [(r.body_chars or 0, r.paragraphs or 0) for r in rows if r.body_chars]


def last_good_fetch(session: Session, slug: str) -> dt.datetime | None:
    """When the source last gave a statement whose every field came from its adapter."""
    row = session.scalars(
        _good_article(slug).order_by(FetchHealth.fetched_at.desc(), FetchHealth.id.desc())
    ).first()
    if row is None:
        return None
    when: dt.datetime = row.fetched_at
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def health_facts(
    session: Session, *, since: dt.datetime, slugs: Sequence[str] | None = None
) -> list[FetchHealth]:
    """Health facts recorded from ``since`` on, oldest first (optionally some sources)."""
    stmt = (
        select(FetchHealth)
        .join(Source, Source.id == FetchHealth.source_id)
        .where(FetchHealth.fetched_at >= since)
        .order_by(FetchHealth.fetched_at, FetchHealth.id)
    )
    if slugs is not None:
        stmt = stmt.where(Source.slug.in_(list(slugs)))
    return list(session.scalars(stmt))


def set_source_health(
    session: Session, slug: str, verdict: str, reason: str | None, *, at: dt.datetime | None = None
) -> SourceEvent | None:
    """Record a source's verdict; returns the event when it changed (None when it did not).

    A first verdict of healthy is no change worth telling anyone about.
    """
    source = ensure_source(session, slug)
    previous = source.health
    source.health_reason = reason
    if previous == verdict:
        return None
    when = at or utcnow()
    source.health = verdict
    source.health_changed_at = when
    if previous is None and verdict == "healthy":
        return None
    event = SourceEvent(
        source_id=source.id, verdict=verdict, previous=previous, reason=reason, created_at=when
    )
    session.add(event)
    session.flush()
    return event


def list_sources(session: Session) -> list[Source]:
    """Every known source, by slug."""
    return list(session.scalars(select(Source).order_by(Source.slug)))


def commitment_ids(session: Session, labels: Mapping[str, str]) -> dict[str, int]:
    """The ids of the commitments keyed in ``labels`` (key → label), creating the missing.

    One SELECT when all exist, else one multi-row INSERT ... ON CONFLICT DO NOTHING and a
    second SELECT. Nothing is cached across transactions: an id another writer created in
    a transaction that then rolled back can never be handed out.
    """
    if not labels:
        return {}
    keys = sorted(labels)
    found = _commitment_ids(session, keys)
    missing = [k for k in keys if k not in found]
    if missing:
        # Sorted keys: two writers inserting overlapping sets lock rows in the same order.
        session.execute(
            _dialect_insert(session)(Commitment)
            .values(
                [{"key": k, "label": labels[k], "patterns": {}, "importance": 1} for k in missing]
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )
        found.update(_commitment_ids(session, missing))
    return found


def _commitment_ids(session: Session, keys: Sequence[str]) -> dict[str, int]:
    rows = session.execute(select(Commitment.key, Commitment.id).where(Commitment.key.in_(keys)))
    return {str(key): int(cid) for key, cid in rows}


# -- documents, captures, versions ------------------------------------------------------


def ensure_document(
    session: Session,
    *,
    url: str,
    source_id: int,
    language: str,
    series_id: int | None = None,
    title: str | None = None,
    published: dt.date | None = None,
    known: Document | None = None,
) -> tuple[Document, bool]:
    """The document at ``url``, created if missing; returns (document, created).

    ``known``: the document at ``url`` when the caller has just read it in ``session``
    (nothing is read or inserted then); None: insert, or read the row that is there.
    """
    document = known
    if document is None:
        document = insert_new(
            session,
            Document,
            {
                "url": url,
                "source_id": source_id,
                "language": language,
                "series_id": series_id,
                "title": title,
                "published": published,
            },
            ["url"],
        )
        if document is not None:
            return document, True
        document = session.scalars(select(Document).where(Document.url == url)).one()
    # A later fetch may know more than the first one did; never erase what we had.
    if series_id is not None and document.series_id is None:
        document.series_id = series_id
    if published is not None and document.published is None:
        document.published = published
    if title and not document.title:
        document.title = title
    return document, False


def get_document(session: Session, document_id: int) -> Document | None:
    """The document with ``document_id`` or None."""
    return session.get(Document, document_id)


def document_by_url(session: Session, url: str) -> Document | None:
    """The document at ``url`` or None."""
    return session.scalars(select(Document).where(Document.url == url)).one_or_none()


def add_capture(session: Session, **fields: Any) -> int:
    """Record one fetch; a capture with a known WARC record id is recorded once."""
    if fields.get("warc_record_id"):
        new_id = insert_ignore(session, Capture, fields, ["warc_record_id"])
        if new_id is not None:
            return new_id
        return session.scalars(
            select(Capture.id).where(Capture.warc_record_id == fields["warc_record_id"])
        ).one()
    capture = Capture(**fields)
    session.add(capture)
    session.flush()
    return capture.id


def last_validators(session: Session, url: str) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified of the newest successful capture of ``url``."""
    row = session.execute(
        select(Capture.etag, Capture.last_modified)
        .where(Capture.url == url, Capture.status == 200)
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    ).one_or_none()
    return (row[0], row[1]) if row else (None, None)


def latest_version(session: Session, document_id: int) -> Version | None:
    """The newest version of a document, or None if it has none yet."""
    return session.scalars(
        select(Version).where(Version.document_id == document_id).order_by(Version.seq.desc())
    ).first()


def latest_version_ids(session: Session, document_ids: Iterable[int]) -> dict[int, int]:
    """The id of each document's newest version (documents with none are left out)."""
    ids = sorted(set(document_ids))
    if not ids:
        return {}
    newest = aliased(Version)
    latest_seq = (
        select(func.max(newest.seq))
        .where(newest.document_id == Version.document_id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Version.document_id, Version.id).where(
            Version.document_id.in_(ids), Version.seq == latest_seq
        )
    ).all()
    return {int(doc): int(vid) for doc, vid in rows}


def get_version(session: Session, version_id: int) -> Version | None:
    """The version with ``version_id`` or None."""
    return session.get(Version, version_id)


@dataclass(frozen=True)
class ClauseRow:
    """A clause to store: what ``clauses.segment`` produced, minus the engine's types."""

    position: int
    paragraph: int
    text: str
    match_key: str
    embedding: bytes | None = None


def add_version(
    session: Session,
    document_id: int,
    text: str,
    clauses: Sequence[ClauseRow],
    *,
    capture_id: int | None = None,
    support_key: str | None = None,
    support_stamp: str | None = None,
    embedding_stamp: str | None = None,
    first: bool = False,
) -> tuple[Version, bool]:
    """Store ``text`` as the document's next version unless it equals the latest one.

    Returns (version, created). Two writers racing for the same sequence number meet at the
    (document_id, seq) constraint; the loser re-reads and returns the winner's version when
    the text is the same. The derived values (support key, stamps) are stored as given.
    ``first``: the document was created in this transaction, so it has no version yet
    and none is read.
    """
    sha = text_sha256(text)
    for _ in range(5):
        latest = None if first else latest_version(session, document_id)
        if latest is not None and latest.sha256 == sha:
            return latest, False
        version = insert_new(
            session,
            Version,
            {
                "document_id": document_id,
                "seq": 1 if latest is None else latest.seq + 1,
                "text": text,
                "sha256": sha,
                "capture_id": capture_id,
                "support_key": support_key,
                "support_stamp": support_stamp,
                "embedding_stamp": embedding_stamp,
            },
            ["document_id", "seq"],
        )
        if version is None:
            first = False
            continue
        if clauses:
            session.execute(
                insert_stmt(Clause),
                [
                    {
                        "version_id": version.id,
                        "position": c.position,
                        "paragraph": c.paragraph,
                        "text": c.text,
                        "match_key": c.match_key,
                        "embedding": c.embedding,
                    }
                    for c in clauses
                ],
            )
        return version, True
    raise RuntimeError(f"could not settle the next version of document {document_id}")


@dataclass(frozen=True)
class EarlierStatement:
    """The latest version of an earlier statement of a series, for phrase support."""

    version_id: int
    text: str
    support_key: str | None
    support_stamp: str | None


def series_history(session: Session, document: Document, limit: int) -> list[EarlierStatement]:
    """The latest versions of the ``limit`` statements of ``document``'s series and language
    just before it, newest first, in one query (statements with no version are skipped)."""
    if document.series_id is None or document.published is None:
        return []
    newest = aliased(Version)
    latest_seq = (
        select(func.max(newest.seq)).where(newest.document_id == Document.id).scalar_subquery()
    )
    rows = session.execute(
        select(Version.id, Version.text, Version.support_key, Version.support_stamp)
        .join(Document, Document.id == Version.document_id)
        .where(
            Document.series_id == document.series_id,
            Document.language == document.language,
            Document.id != document.id,
            or_(
                Document.published < document.published,
                (Document.published == document.published) & (Document.id < document.id),
            ),
            Version.seq == latest_seq,
        )
        .order_by(Document.published.desc(), Document.id.desc())
        .limit(limit)
    ).all()
    return [EarlierStatement(int(r[0]), r[1], r[2], r[3]) for r in rows]


def save_support_keys(session: Session, keys: Mapping[int, str], stamp: str) -> None:
    """Record versions' phrase-support keys computed under ``stamp`` (version id → key)."""
    if keys:
        session.execute(
            update(Version),
            [
                {"id": version_id, "support_key": key, "support_stamp": stamp}
                for version_id, key in keys.items()
            ],
        )


def save_clause_vectors(
    session: Session, vectors: Mapping[int, Sequence[tuple[int, bytes]]], stamp: str
) -> None:
    """Record versions' clause vectors made under ``stamp`` (version id → [(clause id,
    float32 bytes)], every clause of the version): two bulk UPDATEs, rows in id order so
    that two workers writing back the same version lock them in the same order."""
    if not vectors:
        return
    rows = sorted(row for pairs in vectors.values() for row in pairs)
    if rows:
        session.execute(
            update(Clause), [{"id": clause_id, "embedding": blob} for clause_id, blob in rows]
        )
    session.execute(
        update(Version),
        [{"id": version_id, "embedding_stamp": stamp} for version_id in sorted(vectors)],
    )


def version_embedding_stamps(session: Session, version_ids: Iterable[int]) -> dict[int, str | None]:
    """The ``embedding_stamp`` of each of ``version_ids`` that exists (one query)."""
    ids = sorted(set(version_ids))
    if not ids:
        return {}
    rows = session.execute(select(Version.id, Version.embedding_stamp).where(Version.id.in_(ids)))
    return {int(vid): stamp for vid, stamp in rows}


def latest_version_at(session: Session, url: str) -> Version | None:
    """The newest version of the document at ``url``, or None (one query)."""
    return session.scalars(
        select(Version)
        .join(Document, Document.id == Version.document_id)
        .where(Document.url == url)
        .order_by(Version.seq.desc())
        .limit(1)
    ).first()


def version_clauses(session: Session, version_id: int) -> list[Clause]:
    """The clauses of a version in reading order."""
    return list(
        session.scalars(
            select(Clause).where(Clause.version_id == version_id).order_by(Clause.position)
        )
    )


def previous_version(session: Session, version: Version) -> Version | None:
    """The version just before ``version`` of the same document."""
    if version.seq <= 1:
        return None  # sequence numbers start at 1
    return session.scalars(
        select(Version)
        .where(Version.document_id == version.document_id, Version.seq < version.seq)
        .order_by(Version.seq.desc())
    ).first()


@dataclass(frozen=True)
class PlacedDocument:
    """Where a document sits in its series: what neighbour rules need, nothing more."""

    id: int
    language: str
    published: dt.date | None


def series_documents(session: Session, series_id: int) -> list[PlacedDocument]:
    """Every document of a series, by (published, id), in one query."""
    rows = session.execute(
        select(Document.id, Document.language, Document.published)
        .where(Document.series_id == series_id)
        .order_by(Document.published, Document.id)
    ).all()
    return [PlacedDocument(int(i), str(lang), published) for i, lang, published in rows]


def predecessor_among(placed: Sequence[PlacedDocument], document: PlacedDocument) -> int | None:
    """The statement a successor comparison pairs ``document`` with (``placed``: the series'
    documents as :func:`series_documents` gives them): the latest earlier one in the same
    language, else the nearest earlier one in the other language when it is another
    meeting (a series whose 4th statement is English only and 5th Korean only)."""
    return _neighbour_among(placed, document, later=False)


def successor_among(placed: Sequence[PlacedDocument], document: PlacedDocument) -> int | None:
    """The statement whose predecessor ``document`` is: the earliest later one in the same
    language, else the nearest later one in the other language when it is another meeting."""
    return _neighbour_among(placed, document, later=True)


def _neighbour_among(
    placed: Sequence[PlacedDocument], document: PlacedDocument, *, later: bool
) -> int | None:
    if document.published is None:
        return None
    here = (document.published, document.id)
    side = [
        d
        for d in placed
        if d.id != document.id
        and d.published is not None
        and ((d.published, d.id) > here if later else (d.published, d.id) < here)
    ]
    nearest_first = side if later else side[::-1]
    for candidate in nearest_first:
        if candidate.language == document.language:
            return candidate.id
    if not nearest_first:
        return None
    nearest = nearest_first[0]
    assert nearest.published is not None
    kind = comparison_kind(
        same_document=False,
        same_language=nearest.language == document.language,
        days_apart=(document.published - nearest.published).days,
        window=TRANSLATION_WINDOW_DAYS,
    )
    return nearest.id if kind == "successor" else None


def partner_among(placed: Sequence[PlacedDocument], document: PlacedDocument) -> int | None:
    """The other-language statement of the same meeting: the nearest by date within
    ``TRANSLATION_WINDOW_DAYS``, the lower id on a tie."""
    if document.published is None:
        return None
    published = document.published
    candidates = [
        d
        for d in placed
        if d.published is not None
        and comparison_kind(
            same_document=d.id == document.id,
            same_language=d.language == document.language,
            days_apart=(d.published - published).days,
            window=TRANSLATION_WINDOW_DAYS,
        )
        == "translation"
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda d: (abs(((d.published or published) - published).days), d.id),
    ).id


def versions_with_documents(session: Session, version_ids: Iterable[int]) -> dict[int, Version]:
    """The versions with ``version_ids``, their documents and series loaded (one query)."""
    from sqlalchemy.orm import joinedload

    ids = sorted(set(version_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(Version)
        .where(Version.id.in_(ids))
        .options(joinedload(Version.document).joinedload(Document.series))
    ).all()
    return {v.id: v for v in rows}


def clauses_by_version(session: Session, version_ids: Iterable[int]) -> dict[int, list[Clause]]:
    """The clauses of each version in reading order (one query)."""
    ids = sorted(set(version_ids))
    found: dict[int, list[Clause]] = {i: [] for i in ids}
    if ids:
        for clause in session.scalars(
            select(Clause)
            .where(Clause.version_id.in_(ids))
            .order_by(Clause.version_id, Clause.position)
        ):
            found[clause.version_id].append(clause)
    return found


def successor_comparisons(session: Session, series_id: int) -> list[tuple[int, int, int]]:
    """(comparison id, old document id, new document id) of every successor comparison
    whose new statement belongs to the series."""
    old_version, new_version = aliased(Version), aliased(Version)
    new_doc = aliased(Document)
    rows = session.execute(
        select(Comparison.id, old_version.document_id, new_doc.id)
        .join(old_version, old_version.id == Comparison.old_version_id)
        .join(new_version, new_version.id == Comparison.new_version_id)
        .join(new_doc, new_doc.id == new_version.document_id)
        .where(
            Comparison.kind == "successor",
            new_doc.series_id == series_id,
            # Both sides of a successor are of one series; naming the old side's versions
            # lets the database reach the comparisons through the (old, new, kind) index
            # instead of reading every comparison of the history.
            Comparison.old_version_id.in_(
                select(Version.id)
                .join(Document, Document.id == Version.document_id)
                .where(Document.series_id == series_id)
            ),
        )
        .order_by(Comparison.id)
    ).all()
    return [(int(cid), int(old_id), int(new_id)) for cid, old_id, new_id in rows]


def retire_comparison(session: Session, comparison_id: int, reason: str) -> bool:
    """Retire a comparison that no longer holds; returns True when it was deleted.

    One nobody was told about (no alert sent) is deleted with its derived rows and pending
    alerts: it is recomputable data. One whose alert already went out is kept as the record
    of that mail, with its pending alerts cancelled (``failed``, ``reason``).
    """
    sent = session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(Alert.comparison_id == comparison_id, Alert.status == "sent")
    )
    if sent:
        session.execute(
            update(Alert)
            .where(Alert.comparison_id == comparison_id, Alert.status == "pending")
            .values(status="failed", last_error=reason)
        )
        return False
    session.execute(delete(Comparison).where(Comparison.id == comparison_id))
    return True


def find_mirror(
    session: Session,
    *,
    series_id: int,
    language: str,
    published: dt.date,
    sha256: str,
    window_days: int = 3,
) -> Document | None:
    """A document of the series whose latest text is exactly ``sha256``, published nearby.

    Aggregators (korea.kr) republish a ministry's release word for word at another URL:
    that is the same publication, not a new statement.
    """
    # The latest version per candidate document (correlated): a subquery grouping every
    # version of the history made each new statement cost O(history).
    newest = aliased(Version)
    latest_seq = (
        select(func.max(newest.seq)).where(newest.document_id == Document.id).scalar_subquery()
    )
    return session.scalars(
        select(Document)
        .join(Version, (Version.document_id == Document.id) & (Version.seq == latest_seq))
        .where(
            Document.series_id == series_id,
            Document.language == language,
            Document.published >= published - dt.timedelta(days=window_days),
            Document.published <= published + dt.timedelta(days=window_days),
            Version.sha256 == sha256,
        )
        .order_by(Document.id)
    ).first()


def earlier_comparison_between(session: Session, comparison: Comparison) -> Comparison | None:
    """An earlier comparison of the same kind between the same two documents, if any."""
    old_doc = select(Version.document_id).where(Version.id == comparison.old_version_id)
    new_doc = select(Version.document_id).where(Version.id == comparison.new_version_id)
    old_v = aliased(Version)
    new_v = aliased(Version)
    return session.scalars(
        select(Comparison)
        .join(old_v, old_v.id == Comparison.old_version_id)
        .join(new_v, new_v.id == Comparison.new_version_id)
        .where(
            Comparison.kind == comparison.kind,
            Comparison.id != comparison.id,
            Comparison.id < comparison.id,
            old_v.document_id == old_doc.scalar_subquery(),
            new_v.document_id == new_doc.scalar_subquery(),
        )
        .order_by(Comparison.id)
    ).first()


# -- comparisons ------------------------------------------------------------------------


def get_comparison(session: Session, comparison_id: int) -> Comparison | None:
    """The comparison with ``comparison_id`` or None."""
    return session.get(Comparison, comparison_id)


def find_comparison(
    session: Session, old_version_id: int, new_version_id: int, kind: str
) -> Comparison | None:
    """The stored comparison of two versions of that kind, or None."""
    return session.scalars(
        select(Comparison).where(
            Comparison.old_version_id == old_version_id,
            Comparison.new_version_id == new_version_id,
            Comparison.kind == kind,
        )
    ).one_or_none()


def save_comparison(
    session: Session,
    old_version_id: int,
    new_version_id: int,
    result: Mapping[str, Any],
    *,
    severity: str | None,
) -> tuple[Comparison, bool]:
    """Store a comparison in the JSON shape of docs/comparison-json.md; returns (row, created).

    A second save of the same (old, new, kind) adds nothing and returns the first row.
    """
    kind = str(result["kind"])
    comparison = insert_new(
        session,
        Comparison,
        {
            "old_version_id": old_version_id,
            "new_version_id": new_version_id,
            "kind": kind,
            "severity": severity,
            "summary": dict(result.get("summary") or {}),
        },
        ["old_version_id", "new_version_id", "kind"],
    )
    if comparison is None:
        found = find_comparison(session, old_version_id, new_version_id, kind)
        assert found is not None
        return found, False
    new_id = comparison.id
    clause_rows = [
        {
            "comparison_id": new_id,
            "ordinal": i,
            "status": c["status"],
            "old_positions": list(c.get("old") or []),
            "new_positions": list(c.get("new") or []),
            "old_text": c.get("old_text"),
            "new_text": c.get("new_text"),
            "score": c.get("score"),
            "diff": c.get("diff"),
        }
        for i, c in enumerate(result.get("clauses") or [])
    ]
    _insert_rows(session, ClauseChange, clause_rows)
    items = list(result.get("commitments") or [])
    ids = commitment_ids(session, {i["key"]: i.get("label") or i["key"] for i in items})
    _insert_rows(
        session,
        CommitmentChange,
        [
            {
                "comparison_id": new_id,
                "commitment_id": ids[item["key"]],
                "status": item["status"],
                "old_evidence": item.get("old_evidence"),
                "new_evidence": item.get("new_evidence"),
                "strength_old": item.get("strength_old"),
                "strength_new": item.get("strength_new"),
            }
            for item in items
        ],
    )
    seen: set[tuple[str, str]] = set()
    phrase_rows = []
    for item in result.get("phrases") or []:
        key = (str(item["text"])[:500], str(item["status"]))
        if key in seen:
            continue
        seen.add(key)
        phrase_rows.append(
            {
                "comparison_id": new_id,
                "phrase": key[0],
                "status": key[1],
                "support": int(item.get("support") or 0),
            }
        )
    _insert_rows(session, PhraseChange, phrase_rows)
    _insert_rows(
        session,
        QuantityChange,
        [
            {
                "comparison_id": new_id,
                "ordinal": i,
                "kind": str(item["kind"]),
                "status": str(item["status"]),
                "old_text": None if item.get("old") is None else str(item["old"])[:500],
                "new_text": None if item.get("new") is None else str(item["new"])[:500],
                "old_clause": item.get("old_clause"),
                "new_clause": item.get("new_clause"),
            }
            for i, item in enumerate(result.get("quantities") or [])
        ],
    )
    sides: set[str] = set()
    participant_rows = []
    for item in result.get("participants") or []:
        if str(item["side"]) in sides:
            continue
        sides.add(str(item["side"]))
        participant_rows.append(
            {
                "comparison_id": new_id,
                "side": str(item["side"]),
                "status": str(item["status"]),
                "level": item.get("level"),
                "old_people": list(item.get("old") or []),
                "new_people": list(item.get("new") or []),
            }
        )
    _insert_rows(session, ParticipantChange, participant_rows)
    session.flush()
    return comparison, True


def save_mentions(session: Session, version_id: int, mentions: Iterable[Mapping[str, Any]]) -> int:
    """Record which commitments a version carries (key, label, strength, evidence, position).

    Returns how many were new; a repeated save adds nothing.
    """
    rows = list(mentions)
    if not rows:
        return 0
    ids = commitment_ids(session, {m["key"]: m.get("label") or m["key"] for m in rows})
    added = session.execute(
        _dialect_insert(session)(CommitmentMention)
        .values(
            [
                {
                    "version_id": version_id,
                    "commitment_id": ids[m["key"]],
                    "strength": m.get("strength"),
                    "evidence": m.get("evidence"),
                    "position": m.get("position"),
                }
                for m in rows
            ]
        )
        .on_conflict_do_nothing(index_elements=["version_id", "commitment_id"])
        .returning(CommitmentMention.id)
    ).all()
    return len(added)


def _insert_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` with one executemany (multi-row VALUES on PostgreSQL), in their order.

    By default the ORM leaves a None out of a row's INSERT and batches only consecutive
    rows with the same columns, one statement per change of shape. ``render_nulls`` sends
    the None as NULL instead: the same rows are stored (a nullable column without a default
    is NULL either way; a JSON column's None is JSON null either way) in one batch.
    """
    if rows:
        session.execute(insert_stmt(model).execution_options(render_nulls=True), list(rows))


_Derived = TypeVar(
    "_Derived", ClauseChange, CommitmentChange, PhraseChange, QuantityChange, ParticipantChange
)


def _derived(
    session: Session, model: type[_Derived], comparison_id: int, order: Any
) -> Sequence[_Derived]:
    """One table's rows derived from a comparison, in the order given."""
    return session.scalars(
        select(model).where(model.comparison_id == comparison_id).order_by(order)
    ).all()


def comparison_dict(session: Session, comparison: Comparison) -> dict[str, Any]:
    """A stored comparison in the JSON shape of docs/comparison-json.md."""
    old_v, new_v = comparison.old_version, comparison.new_version
    changes = _derived(session, ClauseChange, comparison.id, ClauseChange.ordinal)
    commitments = _derived(session, CommitmentChange, comparison.id, CommitmentChange.id)
    phrases = _derived(session, PhraseChange, comparison.id, PhraseChange.id)
    quantities = _derived(session, QuantityChange, comparison.id, QuantityChange.ordinal)
    participants = _derived(session, ParticipantChange, comparison.id, ParticipantChange.id)

    def side(v: Version) -> dict[str, Any]:
        n = session.scalar(select(func.count()).where(Clause.version_id == v.id)) or 0
        return {"title": v.document.title, "language": v.document.language, "clauses": n}

    return {
        "kind": comparison.kind,
        "old": side(old_v),
        "new": side(new_v),
        "clauses": [
            {
                "status": c.status,
                "old": list(c.old_positions),
                "new": list(c.new_positions),
                "old_text": c.old_text,
                "new_text": c.new_text,
                "score": c.score,
                "diff": c.diff,
            }
            for c in changes
        ],
        "commitments": [
            {
                "key": c.commitment.key,
                "label": c.commitment.label,
                "status": c.status,
                "old_evidence": c.old_evidence,
                "new_evidence": c.new_evidence,
                "strength_old": c.strength_old,
                "strength_new": c.strength_new,
            }
            for c in commitments
        ],
        "phrases": [{"text": p.phrase, "status": p.status, "support": p.support} for p in phrases],
        "quantities": [
            {
                "kind": q.kind,
                "status": q.status,
                "old": q.old_text,
                "new": q.new_text,
                "old_clause": q.old_clause,
                "new_clause": q.new_clause,
            }
            for q in quantities
        ],
        "participants": [
            {
                "side": p.side,
                "status": p.status,
                "level": p.level,
                "old": list(p.old_people),
                "new": list(p.new_people),
            }
            for p in participants
        ],
        "summary": dict(comparison.summary),
    }


def list_comparisons(
    session: Session,
    *,
    series: str | None = None,
    since: dt.date | None = None,
    kinds: Sequence[str] | None = None,
) -> list[Comparison]:
    """Comparisons, oldest first, filtered by the new document's series and date."""
    new_v = aliased(Version)
    new_d = aliased(Document)
    stmt = (
        select(Comparison)
        .join(new_v, new_v.id == Comparison.new_version_id)
        .join(new_d, new_d.id == new_v.document_id)
        .order_by(new_d.published, Comparison.id)
    )
    if series is not None:
        stmt = stmt.join(Series, Series.id == new_d.series_id).where(Series.slug == series)
    if since is not None:
        stmt = stmt.where(new_d.published >= since)
    if kinds:
        stmt = stmt.where(Comparison.kind.in_(list(kinds)))
    return list(session.scalars(stmt))


# -- history ----------------------------------------------------------------------------


def document_versions(session: Session, document_id: int) -> list[Version]:
    """Every version of a document, oldest first."""
    return list(
        session.scalars(
            select(Version).where(Version.document_id == document_id).order_by(Version.seq)
        )
    )


@dataclass(frozen=True)
class WalkedVersion:
    """A stored version as reprocessing walks it: its document's language and the stamps
    of the engines that made its support key and its clause vectors."""

    id: int
    language: str
    support_stamp: str | None
    embedding_stamp: str | None = None


def stored_series_slugs(session: Session) -> list[str]:
    """The slugs of the series that hold at least one stored statement, by slug."""
    return list(
        session.scalars(
            select(Series.slug)
            .where(select(Document.id).where(Document.series_id == Series.id).exists())
            .order_by(Series.slug)
        )
    )


def has_documents_without_series(session: Session) -> bool:
    """Whether any stored statement belongs to no series."""
    return (
        session.scalar(select(Document.id).where(Document.series_id.is_(None)).limit(1)) is not None
    )


def version_counts_by_series(session: Session) -> dict[str | None, int]:
    """How many versions each series' statements have, by slug (None: of no series)."""
    rows = session.execute(
        select(Series.slug, func.count(Version.id))
        .select_from(Version)
        .join(Document, Document.id == Version.document_id)
        .outerjoin(Series, Series.id == Document.series_id)
        .group_by(Series.slug)
    ).all()
    return {slug: int(count) for slug, count in rows}


def series_versions(session: Session, slug: str | None) -> list[WalkedVersion]:
    """Every version of the statements of series ``slug`` (None: of no series) in
    publication order: published date (undated last), document id, sequence number."""
    stmt = select(
        Version.id, Document.language, Version.support_stamp, Version.embedding_stamp
    ).join(Document, Document.id == Version.document_id)
    if slug is None:
        stmt = stmt.where(Document.series_id.is_(None))
    else:
        stmt = stmt.join(Series, Series.id == Document.series_id).where(Series.slug == slug)
    rows = session.execute(
        stmt.order_by(Document.published.is_(None), Document.published, Document.id, Version.seq)
    ).all()
    return [
        WalkedVersion(int(i), str(language), key, vectors) for i, language, key, vectors in rows
    ]


def version_text(session: Session, version_id: int) -> str | None:
    """The normalized text of a version, or None if there is no such version."""
    return session.scalar(select(Version.text).where(Version.id == version_id))


def table_counts(session: Session) -> dict[str, int]:
    """Row counts of every history table (for summaries and the fault tests)."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in COUNTED_TABLES
    }
