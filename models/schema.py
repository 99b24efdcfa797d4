"""The history schema: every table of DESIGN.md's data model, typed SQLAlchemy 2 ORM.

Uniqueness constraints carry the idempotency of the pipeline: the same content captured
twice is one version, the same pair compared twice is one comparison, and one alert
exists per (comparison, subscription). Times are stored as timezone-aware UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names so Alembic can alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType, list[Any]: JSONType}


class Series(Base):
    """A family of statements issued after the same kind of meeting (e.g. ``ncg``)."""

    __tablename__ = "series"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # The definition (core/series.py's to_dict shape): keywords per language, languages,
    # sources, exclusions, lexicon families. Authoritative only for user-defined series;
    # a built-in series is defined by its shipped YAML file.
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Added with `clausewatch series add` (migration 0006).
    user_defined: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Source(Base):
    """An official site (or an archive) that publishes statements."""

    __tablename__ = "source"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="official")  # official|archive|import
    base_url: Mapped[str | None] = mapped_column(String(2000))
    language: Mapped[str | None] = mapped_column(String(10))
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The verdict of the latest health check (healthy|degraded|broken), its reason in
    # words and when it last changed; drift alerts go out when it changes (ADR 0100).
    health: Mapped[str | None] = mapped_column(String(10))
    health_reason: Mapped[str | None] = mapped_column(Text)
    health_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class FetchHealth(Base):
    """What one listing or statement fetch showed about its source's markup (health facts)."""

    __tablename__ = "fetch_health"
    __table_args__ = (Index("ix_fetch_health_source_fetched", "source_id", "fetched_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    origin: Mapped[str] = mapped_column(String(10), default="track")  # track|check
    kind: Mapped[str] = mapped_column(String(10))  # listing|article
    url: Mapped[str] = mapped_column(String(2000))
    # direct, or the fallback that stood in for a broken listing (korea-kr, wayback)
    via: Mapped[str] = mapped_column(String(40), default="direct")
    status: Mapped[int | None] = mapped_column(Integer)
    redirects: Mapped[int] = mapped_column(Integer, default=0)
    robots: Mapped[str] = mapped_column(String(10), default="allowed")  # allowed|disallowed
    items: Mapped[int | None] = mapped_column(Integer)
    # adapter|fallback per field; NULL when the page gave no statement at all
    title_from: Mapped[str | None] = mapped_column(String(10))
    date_from: Mapped[str | None] = mapped_column(String(10))
    body_from: Mapped[str | None] = mapped_column(String(10))
    language_from: Mapped[str | None] = mapped_column(String(10))
    body_chars: Mapped[int | None] = mapped_column(Integer)
    paragraphs: Mapped[int | None] = mapped_column(Integer)
    median_chars: Mapped[float | None] = mapped_column(Float)
    median_paragraphs: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(10), default="ok")  # ok|refused|error
    note: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship()


class SourceEvent(Base):
    """A change of a source's health verdict; operator alerts point at it."""

    __tablename__ = "source_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    verdict: Mapped[str] = mapped_column(String(10))
    previous: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    source: Mapped[Source] = relationship()


class Document(Base):
    """One publication: a statement at one URL, in one language."""

    __tablename__ = "document"
    __table_args__ = (Index("ix_document_series_published", "series_id", "published"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    source: Mapped[Source] = relationship()
    series: Mapped[Series | None] = relationship()


class Capture(Base):
    """One fetch of a URL: when, what came back, and where the raw bytes are kept."""

    __tablename__ = "capture"
    __table_args__ = (Index("ix_capture_url_fetched", "url", "fetched_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    url: Mapped[str] = mapped_column(String(2000))
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    content_type: Mapped[str | None] = mapped_column(String(200))
    warc_path: Mapped[str | None] = mapped_column(String(1000))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    # The WARC-Record-ID makes re-recording the same record a no-op.
    warc_record_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    error: Mapped[str | None] = mapped_column(Text)


class Version(Base):
    """One distinct normalized text of a document; a new row only when the text changed."""

    __tablename__ = "version"
    # Not unique on sha256: a text that reverts to an earlier wording is a new version.
    # (document_id, seq) is the race guard: two workers cannot both add version n + 1.
    __table_args__ = (
        UniqueConstraint("document_id", "seq"),
        Index("ix_version_document_sha256", "document_id", "sha256"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Derived at ingest, each valid only under the engine stamp beside it (ADR 0107): the
    # phrase-support key later comparisons search, and which encoder filled clause.embedding.
    support_key: Mapped[str | None] = mapped_column(Text)
    support_stamp: Mapped[str | None] = mapped_column(String(64))
    embedding_stamp: Mapped[str | None] = mapped_column(String(64))

    document: Mapped[Document] = relationship()
    clauses: Mapped[list[Clause]] = relationship(
        order_by="Clause.position", cascade="all, delete-orphan", passive_deletes=True
    )


class Clause(Base):
    """A clause of a version, in reading order, with its match key."""

    __tablename__ = "clause"
    __table_args__ = (UniqueConstraint("version_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    paragraph: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    match_key: Mapped[str] = mapped_column(Text)
    # float32 bytes of the clause's unit vector; valid under version.embedding_stamp.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)


class Comparison(Base):
    """The result of aligning two versions: a revision, a successor or a translation."""

    __tablename__ = "comparison"
    __table_args__ = (UniqueConstraint("old_version_id", "new_version_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    old_version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"))
    new_version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # revision|successor|translation
    severity: Mapped[str | None] = mapped_column(String(10))  # high|medium|low|None
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    old_version: Mapped[Version] = relationship(foreign_keys=[old_version_id])
    new_version: Mapped[Version] = relationship(foreign_keys=[new_version_id])


class ClauseChange(Base):
    """One step of an alignment: which old clauses became which new ones, and how."""

    __tablename__ = "clause_change"
    __table_args__ = (UniqueConstraint("comparison_id", "ordinal"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparison.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    old_positions: Mapped[list[Any]] = mapped_column(default=list)
    new_positions: Mapped[list[Any]] = mapped_column(default=list)
    old_text: Mapped[str | None] = mapped_column(Text)
    new_text: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    diff: Mapped[list[Any] | None] = mapped_column(JSONType)


class Commitment(Base):
    """A tracked commitment from a lexicon: key, label, patterns and importance."""

    __tablename__ = "commitment"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    label: Mapped[str] = mapped_column(Text)
    patterns: Mapped[dict[str, Any]] = mapped_column(default=dict)
    importance: Mapped[int] = mapped_column(Integer, default=1)


class CommitmentMention(Base):
    """A commitment present in a version, with its strength and evidence (timeline cells)."""

    __tablename__ = "commitment_mention"
    __table_args__ = (UniqueConstraint("version_id", "commitment_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"))
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    strength: Mapped[str | None] = mapped_column(String(10))
    evidence: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int | None] = mapped_column(Integer)


class CommitmentChange(Base):
    """How a commitment fared in a comparison: added, dropped, retained, weakened, ..."""

    __tablename__ = "commitment_change"
    __table_args__ = (UniqueConstraint("comparison_id", "commitment_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparison.id", ondelete="CASCADE"))
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    status: Mapped[str] = mapped_column(String(20))
    old_evidence: Mapped[str | None] = mapped_column(Text)
    new_evidence: Mapped[str | None] = mapped_column(Text)
    strength_old: Mapped[str | None] = mapped_column(String(10))
    strength_new: Mapped[str | None] = mapped_column(String(10))

    commitment: Mapped[Commitment] = relationship()


class PhraseChange(Base):
    """A salient phrase one side has and the other lacks (no lexicon needed)."""

    __tablename__ = "phrase_change"
    __table_args__ = (UniqueConstraint("comparison_id", "phrase", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparison.id", ondelete="CASCADE"))
    phrase: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    support: Mapped[int] = mapped_column(Integer, default=0)


class QuantityChange(Base):
    """A figure of aligned clauses (amount, count, percent, deadline, frequency) that changed."""

    __tablename__ = "quantity_change"
    __table_args__ = (UniqueConstraint("comparison_id", "ordinal"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparison.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    old_text: Mapped[str | None] = mapped_column(String(500))
    new_text: Mapped[str | None] = mapped_column(String(500))
    old_clause: Mapped[int | None] = mapped_column(Integer)
    new_clause: Mapped[int | None] = mapped_column(Integer)


class ParticipantChange(Base):
    """A side (US, ROK) whose officials leading the meeting changed: who before, who after."""

    __tablename__ = "participant_change"
    __table_args__ = (UniqueConstraint("comparison_id", "side"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparison.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(10))
    # Each official as {"name", "title", "level", "acting"} (docs/comparison-json.md).
    old_people: Mapped[list[Any]] = mapped_column(default=list)
    new_people: Mapped[list[Any]] = mapped_column(default=list)


class Subscription(Base):
    """Who gets email about which changes, how severe, and how often."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("email", "series_slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    # "*" rather than NULL so the unique constraint holds on both dialects.
    series_slug: Mapped[str] = mapped_column(String(100), default="*")
    min_severity: Mapped[str] = mapped_column(String(10), default="medium")
    commitment_keys: Mapped[list[Any]] = mapped_column(default=list)
    # Statement languages to mail about ("en", "ko"); empty means every language.
    languages: Mapped[list[Any]] = mapped_column(default=list, server_default=sql_text("'[]'"))
    digest: Mapped[str] = mapped_column(String(10), default="immediate")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Operators also get one mail whenever a source's health verdict changes.
    operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Alert(Base):
    """Outbox row: one email owed to one subscription about one comparison, or (for an
    operator) about one change of a source's health."""

    __tablename__ = "alert"
    __table_args__ = (
        UniqueConstraint("comparison_id", "subscription_id"),
        UniqueConstraint("source_event_id", "subscription_id"),
        Index("ix_alert_status_next", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int | None] = mapped_column(
        ForeignKey("comparison.id", ondelete="CASCADE")
    )
    source_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("source_event.id", ondelete="CASCADE")
    )
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    comparison: Mapped[Comparison | None] = relationship()
    source_event: Mapped[SourceEvent | None] = relationship()
    subscription: Mapped[Subscription] = relationship()
