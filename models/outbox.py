"""Subscriptions and the alert outbox: every read and write behind email alerts.

An alert row is written in the same transaction as the comparison that causes it
(``enqueue_alerts``), so a comparison never exists without the alerts it owes. Delivery
(alerts/deliver.py) *claims* due rows by pushing their ``next_attempt_at`` forward by a
lease, sends, then marks them sent; a worker that dies mid-send leaves rows whose lease
expires and are sent again (at-least-once, same Message-ID; see docs/alerts.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.vocabulary import DIGESTS, SEVERITIES
from models.schema import (
    Alert,
    Capture,
    Comparison,
    Document,
    SourceEvent,
    Subscription,
    Version,
    utcnow,
)
from models.store import comparison_dict, insert_ignore

ALL_SERIES = "*"
# The right-hand side of every Message-ID we mint; ".invalid" can never be a real host.
MESSAGE_ID_DOMAIN = "clausewatch.invalid"


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def next_digest_time(after: dt.datetime) -> dt.datetime:
    """The moment a daily digest of alerts queued at ``after`` goes out: next midnight UTC."""
    day = after.astimezone(dt.UTC).date() + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# -- subscriptions ----------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionInfo:
    """A subscription as the commands show it."""

    id: int
    email: str
    series_slug: str
    min_severity: str
    commitment_keys: tuple[str, ...]
    languages: tuple[str, ...]
    digest: str
    active: bool
    created_at: dt.datetime
    operator: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``clausewatch subscriptions --format json`` (docs/alerts.md)."""
        return {
            "operator": self.operator,
            "id": self.id,
            "email": self.email,
            "series": self.series_slug,
            "min_severity": self.min_severity,
            "commitments": list(self.commitment_keys),
            "languages": list(self.languages),
            "digest": self.digest,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
        }


def _subscription_info(row: Subscription) -> SubscriptionInfo:
    created = _aware(row.created_at)
    assert created is not None
    return SubscriptionInfo(
        id=row.id,
        email=row.email,
        series_slug=row.series_slug,
        min_severity=row.min_severity,
        commitment_keys=tuple(str(k) for k in row.commitment_keys or ()),
        languages=tuple(str(k) for k in row.languages or ()),
        digest=row.digest,
        active=row.active,
        created_at=created,
        operator=bool(row.operator),
    )


def subscribe(
    session: Session,
    email: str,
    *,
    series_slug: str = ALL_SERIES,
    min_severity: str = "medium",
    commitment_keys: Sequence[str] = (),
    languages: Sequence[str] = (),
    digest: str = "immediate",
    operator: bool = False,
) -> tuple[SubscriptionInfo, bool]:
    """Create or update the subscription of ``email`` to a series; returns (it, created).

    ``operator`` also sends it one mail whenever a source's health verdict changes; an
    update without it leaves an operator an operator (``unsubscribe`` ends both).
    Raises ValueError for an unknown severity or digest (the command checks first).
    """
    if min_severity not in SEVERITIES:
        raise ValueError(f"unknown severity {min_severity!r}")
    if digest not in DIGESTS:
        raise ValueError(f"unknown digest {digest!r}")
    email = email.strip()
    keys = sorted(set(commitment_keys))
    wanted = sorted(set(languages))
    values = {
        "email": email,
        "series_slug": series_slug,
        "min_severity": min_severity,
        "commitment_keys": keys,
        "languages": wanted,
        "digest": digest,
        "active": True,
        "operator": operator,
    }
    new_id = insert_ignore(session, Subscription, values, ["email", "series_slug"])
    row = session.scalars(
        select(Subscription).where(
            Subscription.email == email, Subscription.series_slug == series_slug
        )
    ).one()
    if new_id is None:
        row.min_severity = min_severity
        row.commitment_keys = keys
        row.languages = wanted
        row.digest = digest
        # An operator stays one through updates, but not through an unsubscribe.
        row.operator = operator or (row.active and row.operator)
        row.active = True
        session.flush()
    return _subscription_info(row), new_id is not None


def unsubscribe(session: Session, email: str, *, series_slug: str | None = None) -> int:
    """Deactivate the subscriptions of ``email`` (one series, or all); returns how many.

    Their pending alerts are cancelled (marked failed, "unsubscribed") rather than sent.
    """
    stmt = select(Subscription).where(
        Subscription.email == email.strip(), Subscription.active.is_(True)
    )
    if series_slug is not None:
        stmt = stmt.where(Subscription.series_slug == series_slug)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.active = False
    if rows:
        session.execute(
            update(Alert)
            .where(
                Alert.subscription_id.in_([r.id for r in rows]),
                Alert.status == "pending",
            )
            .values(status="failed", last_error="unsubscribed before delivery")
        )
    session.flush()
    return len(rows)


def list_subscriptions(
    session: Session, *, include_inactive: bool = False
) -> list[SubscriptionInfo]:
    """Subscriptions by email then series (active ones only unless asked)."""
    stmt = select(Subscription).order_by(Subscription.email, Subscription.series_slug)
    if not include_inactive:
        stmt = stmt.where(Subscription.active.is_(True))
    return [_subscription_info(r) for r in session.scalars(stmt)]


# -- enqueueing -------------------------------------------------------------------------


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def alert_message_id(comparison: Comparison, subscription_id: int, email: str) -> str:
    """The deterministic Message-ID of the alert about ``comparison`` for one subscription.

    Both versions' text hashes go in, so two installations that happen to share ids never
    mint the same Message-ID for different mail (a client would hide one as a duplicate).
    """
    seed = "|".join(
        (
            comparison.kind,
            comparison.old_version.sha256,
            comparison.new_version.sha256,
            email.lower(),
        )
    )
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]
    return f"<alert.{comparison.id}.{subscription_id}.{digest}@{MESSAGE_ID_DOMAIN}>"


def enqueue_alerts(
    session: Session,
    comparison_id: int,
    *,
    severity: str | None,
    series_slug: str | None,
    commitment_keys: Sequence[str],
) -> int:
    """Queue one pending alert per matching active subscription; returns how many were added.

    A subscription matches when its series is ``*`` or the comparison's, the severity
    reaches its minimum, (when it lists commitment keys) one of them changed, and (when it
    lists languages) the new statement is in one of them. Running
    it twice adds nothing: (comparison, subscription) is unique.
    """
    if severity is None:
        return 0
    comparison = session.get(Comparison, comparison_id)
    if comparison is None:
        raise LookupError(f"no comparison {comparison_id}")
    series_filter = [ALL_SERIES] + ([series_slug] if series_slug else [])
    changed = set(commitment_keys)
    now = utcnow()
    added = 0
    for sub in session.scalars(
        select(Subscription)
        .where(Subscription.active.is_(True), Subscription.series_slug.in_(series_filter))
        .order_by(Subscription.id)
    ):
        if _rank(severity) < _rank(sub.min_severity):
            continue
        if sub.commitment_keys and not changed.intersection(sub.commitment_keys):
            continue
        # The new statement's language is read only for a subscription that filters on it.
        if sub.languages and comparison.new_version.document.language not in sub.languages:
            continue
        added += _queue(
            session,
            sub,
            subject=("comparison_id", comparison_id),
            severity=severity,
            message_id=alert_message_id(comparison, sub.id, sub.email),
            next_attempt_at=next_digest_time(now) if sub.digest == "daily" else None,
        )
    return added


def _queue(
    session: Session,
    sub: Subscription,
    *,
    subject: tuple[str, int],
    severity: str,
    message_id: str,
    next_attempt_at: dt.datetime | None,
) -> int:
    """Add one pending alert row for ``sub`` about ``subject`` (its column and id): 1, or 0
    when that subscription already has one about it."""
    column, subject_id = subject
    values = {
        column: subject_id,
        "subscription_id": sub.id,
        "severity": severity,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": next_attempt_at,
        "message_id": message_id,
    }
    return 0 if insert_ignore(session, Alert, values, [column, "subscription_id"]) is None else 1


def health_message_id(event: SourceEvent, subscription_id: int, email: str) -> str:
    """The deterministic Message-ID of the operator alert about one source health change."""
    seed = "|".join(
        (event.source.slug, event.previous or "", event.verdict, str(event.id), email.lower())
    )
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]
    return f"<health.{event.id}.{subscription_id}.{digest}@{MESSAGE_ID_DOMAIN}>"


#: The severity an operator alert carries, by the verdict the source turned to.
HEALTH_SEVERITY = {"broken": "high", "degraded": "medium", "healthy": "low"}


def enqueue_health_alerts(session: Session, event_id: int) -> int:
    """Queue one alert per active operator subscription about a source health change.

    Operators get every change whatever their other filters, and at once (a broken source
    waits for no digest). Returns how many were added; running it twice adds nothing.
    """
    event = session.get(SourceEvent, event_id)
    if event is None:
        raise LookupError(f"no source event {event_id}")
    added = 0
    for sub in session.scalars(
        select(Subscription)
        .where(Subscription.active.is_(True), Subscription.operator.is_(True))
        .order_by(Subscription.id)
    ):
        added += _queue(
            session,
            sub,
            subject=("source_event_id", event.id),
            severity=HEALTH_SEVERITY.get(event.verdict, "medium"),
            message_id=health_message_id(event, sub.id, sub.email),
            next_attempt_at=None,
        )
    return added


# -- delivery ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureRef:
    """Where a version's bytes were captured: our fetch, and the URL it came from."""

    url: str
    fetched_at: dt.datetime | None
    sha256: str | None
    warc_file: str | None


@dataclass(frozen=True)
class StatementRef:
    """One side of a comparison as a reader needs it: title, date, links."""

    title: str | None
    url: str
    language: str
    published: dt.date | None
    version_seq: int
    capture: CaptureRef | None


@dataclass(frozen=True)
class OutboxItem:
    """A claimed alert with everything needed to render and send it."""

    alert_id: int
    message_id: str
    severity: str
    attempts: int
    email: str
    subscription_id: int
    digest: str
    subscription_series: str
    subscription_keys: tuple[str, ...]
    min_severity: str
    comparison_id: int
    series_slug: str | None
    series_title: str | None
    old: StatementRef
    new: StatementRef
    comparison: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class HealthItem:
    """A claimed operator alert: a source whose health verdict changed."""

    alert_id: int
    message_id: str
    severity: str
    attempts: int
    email: str
    subscription_id: int
    source: str
    verdict: str
    previous: str | None
    reason: str | None
    changed_at: dt.datetime
    last_good: dt.datetime | None
    digest: str = "immediate"


def _statement_ref(session: Session, version: Version) -> StatementRef:
    document = version.document
    capture = session.get(Capture, version.capture_id) if version.capture_id else None
    ref = None
    if capture is not None:
        warc = capture.warc_path.rsplit("/", 1)[-1] if capture.warc_path else None
        ref = CaptureRef(capture.url, _aware(capture.fetched_at), capture.sha256, warc)
    return StatementRef(
        title=document.title,
        url=document.url,
        language=document.language,
        published=document.published,
        version_seq=version.seq,
        capture=ref,
    )


def claim_due(
    session: Session, now: dt.datetime, *, lease: dt.timedelta, limit: int = 500
) -> list[OutboxItem | HealthItem]:
    """Claim pending alerts that are due at ``now`` for ``lease``; returns them to send.

    The claim is an UPDATE guarded by the same condition as the SELECT, so of two workers
    racing for a row only one gets it back; the other skips it.
    """
    due = or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now)
    ids = list(
        session.scalars(
            select(Alert.id)
            .join(Subscription, Subscription.id == Alert.subscription_id)
            .where(Alert.status == "pending", Subscription.active.is_(True), due)
            .order_by(Alert.created_at, Alert.id)
            .limit(limit)
        )
    )
    if not ids:
        return []
    claimed = set(
        session.scalars(
            update(Alert)
            .where(Alert.id.in_(ids), Alert.status == "pending", due)
            .values(next_attempt_at=now + lease)
            .returning(Alert.id)
        )
    )
    return load_items(session, [i for i in ids if i in claimed])


def peek_due(
    session: Session, now: dt.datetime, *, limit: int = 500
) -> list[OutboxItem | HealthItem]:
    """The alerts that are due at ``now``, without claiming them (for ``--dry-run``)."""
    ids = list(
        session.scalars(
            select(Alert.id)
            .join(Subscription, Subscription.id == Alert.subscription_id)
            .where(
                Alert.status == "pending",
                Subscription.active.is_(True),
                or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now),
            )
            .order_by(Alert.created_at, Alert.id)
            .limit(limit)
        )
    )
    return load_items(session, ids)


def _health_item(session: Session, alert: Alert, event: SourceEvent) -> HealthItem:
    from models.store import last_good_fetch

    changed = _aware(event.created_at)
    assert changed is not None
    return HealthItem(
        alert_id=alert.id,
        message_id=alert.message_id,
        severity=alert.severity,
        attempts=alert.attempts,
        email=alert.subscription.email,
        subscription_id=alert.subscription_id,
        source=event.source.slug,
        verdict=event.verdict,
        previous=event.previous,
        reason=event.reason,
        changed_at=changed,
        last_good=last_good_fetch(session, event.source.slug),
    )


def load_items(session: Session, alert_ids: Sequence[int]) -> list[OutboxItem | HealthItem]:
    """The outbox items of ``alert_ids``, in the given order."""
    items: list[OutboxItem | HealthItem] = []
    cache: dict[int, tuple[dict[str, Any], StatementRef, StatementRef]] = {}
    for alert_id in alert_ids:
        alert = session.get(Alert, alert_id)
        if alert is None:
            continue
        if alert.source_event is not None:
            items.append(_health_item(session, alert, alert.source_event))
            continue
        comparison, sub = alert.comparison, alert.subscription
        assert comparison is not None
        if comparison.id not in cache:
            cache[comparison.id] = (
                comparison_dict(session, comparison),
                _statement_ref(session, comparison.old_version),
                _statement_ref(session, comparison.new_version),
            )
        data, old, new = cache[comparison.id]
        series = comparison.new_version.document.series
        items.append(
            OutboxItem(
                alert_id=alert.id,
                message_id=alert.message_id,
                severity=alert.severity,
                attempts=alert.attempts,
                email=sub.email,
                subscription_id=sub.id,
                digest=sub.digest,
                subscription_series=sub.series_slug,
                subscription_keys=tuple(str(k) for k in sub.commitment_keys or ()),
                min_severity=sub.min_severity,
                comparison_id=comparison.id,
                series_slug=series.slug if series else None,
                series_title=series.title if series else None,
                old=old,
                new=new,
                comparison=data,
            )
        )
    return items


def mark_sent(session: Session, alert_ids: Sequence[int], *, at: dt.datetime) -> None:
    """Mark alerts as sent at ``at`` (the error of an earlier attempt is kept for the record)."""
    session.execute(
        update(Alert)
        .where(Alert.id.in_(list(alert_ids)), Alert.status == "pending")
        .values(status="sent", sent_at=at, attempts=Alert.attempts + 1, next_attempt_at=None)
    )


def record_failure(
    session: Session,
    alert_ids: Sequence[int],
    *,
    error: str,
    retry_at: dt.datetime | None,
) -> None:
    """Count a failed attempt: pending again from ``retry_at``, or failed when it is None."""
    values: dict[str, Any] = {"attempts": Alert.attempts + 1, "last_error": error[:2000]}
    if retry_at is None:
        values.update(status="failed", next_attempt_at=None)
    else:
        values["next_attempt_at"] = retry_at
    session.execute(
        update(Alert)
        .where(Alert.id.in_(list(alert_ids)), Alert.status == "pending")
        .values(**values)
    )


# -- listing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertInfo:
    """An outbox row as ``clausewatch alerts list`` shows it."""

    id: int
    status: str
    severity: str
    email: str
    series: str | None
    statement: str | None
    kind: str
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    created_at: dt.datetime
    message_id: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``clausewatch alerts list --format json`` (docs/alerts.md)."""
        return {
            "id": self.id,
            "status": self.status,
            "severity": self.severity,
            "email": self.email,
            "series": self.series,
            "statement": self.statement,
            "kind": self.kind,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "created_at": self.created_at.isoformat(),
            "message_id": self.message_id,
        }


def list_alerts(
    session: Session, *, status: str | None = None, limit: int | None = None
) -> list[AlertInfo]:
    """Outbox rows, newest first, optionally of one status."""
    # Outer joins: an operator alert has a source event instead of a comparison.
    stmt = (
        select(Alert, Subscription.email, Comparison.kind, Document)
        .join(Subscription, Subscription.id == Alert.subscription_id)
        .outerjoin(Comparison, Comparison.id == Alert.comparison_id)
        .outerjoin(Version, Version.id == Comparison.new_version_id)
        .outerjoin(Document, Document.id == Version.document_id)
        .order_by(Alert.created_at.desc(), Alert.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Alert.status == status)
    if limit is not None:
        stmt = stmt.limit(limit)
    out: list[AlertInfo] = []
    for alert, email, kind, document in session.execute(stmt):
        created = _aware(alert.created_at)
        assert created is not None
        event = alert.source_event
        if document is None and event is not None:
            series, statement = None, f"source {event.source.slug}: {event.verdict}"
            kind = "source-health"
        else:
            series = document.series.slug if document.series else None
            statement = document.title or document.url
        out.append(
            AlertInfo(
                id=alert.id,
                status=alert.status,
                severity=alert.severity,
                email=email,
                series=series,
                statement=statement,
                kind=kind,
                attempts=alert.attempts,
                last_error=alert.last_error,
                next_attempt_at=_aware(alert.next_attempt_at),
                sent_at=_aware(alert.sent_at),
                created_at=created,
                message_id=alert.message_id,
            )
        )
    return out
