"""A history's rows by natural key, to compare two histories row for row.

Shared by the fault tests, the series-side-by-side and reprocess tests: a history equals
another when their fingerprints are equal, whatever the row ids; a count above one is a
duplicate.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from models import History, outbox, store
from models.schema import Alert, Clause, CommitmentChange, Comparison, Document, Version

SUBSCRIBER = "analyst@example.org"
#: The tables whose rows are the history a reader sees; captures are left out on purpose
#: (every run records its own fetches, 304s included).
HISTORY_TABLES = ("document", "version", "comparison", "commitment_change", "alert")

Fingerprint = dict[str, Counter[tuple[Any, ...]]]


def subscribe_analyst(history: History) -> None:
    """One subscriber to every series at the lowest severity, so every flagged change alerts."""
    with history.sessions.begin() as session:
        outbox.subscribe(session, SUBSCRIBER, min_severity="low")


def fingerprint(history: History) -> Fingerprint:
    """The history's rows by natural key (URLs and text hashes, never row ids), with counts.

    Two histories are the same when their fingerprints are equal; a count above one is a
    duplicate.
    """
    with history.sessions() as session:

        def side(version: Version) -> tuple[str, str]:
            return version.document.url, version.sha256

        comparisons = {
            c.id: (*side(c.old_version), *side(c.new_version), c.kind, c.severity)
            for c in session.query(Comparison)
        }

        def about(alert: Alert) -> tuple[str | None, ...]:
            """The comparison the alert is about. The histories fingerprinted here have
            analyst subscriptions only (:func:`subscribe_analyst`), so no operator's health
            alert (``comparison_id`` None) is expected."""
            assert alert.comparison_id is not None, f"alert {alert.id} is a health alert"
            return comparisons[alert.comparison_id]

        return {
            "document": Counter((d.url,) for d in session.query(Document)),
            "version": Counter(side(v) for v in session.query(Version)),
            "comparison": Counter(comparisons.values()),
            "commitment_change": Counter(
                (*comparisons[c.comparison_id], c.commitment.key, c.status)
                for c in session.query(CommitmentChange)
            ),
            "alert": Counter((*about(a), a.subscription.email) for a in session.query(Alert)),
        }


def duplicates(found: Fingerprint) -> int:
    """How many rows repeat a natural key already present (0 in a sound history)."""
    return sum(n - 1 for counter in found.values() for n in counter.values() if n > 1)


def lost(clean: Fingerprint, found: Fingerprint, table: str = "alert") -> int:
    """How many rows of ``table`` the clean history has and ``found`` lacks."""
    return sum((clean[table] - found[table]).values())


def history_counts(history: History) -> dict[str, int]:
    """``table_counts`` restricted to the history tables."""
    with history.sessions() as session:
        counts = store.table_counts(session)
    return {table: counts[table] for table in HISTORY_TABLES}


def half_written(history: History) -> dict[str, int]:
    """Rows a torn transaction would leave: versions without clauses, documents without
    versions (0 and 0 in a sound history)."""
    with history.sessions() as session:
        clauses = select(func.count()).where(Clause.version_id == Version.id).scalar_subquery()
        versions = select(func.count()).where(Version.document_id == Document.id).scalar_subquery()
        return {
            "versions without clauses": session.scalar(
                select(func.count()).select_from(Version).where(clauses == 0)
            )
            or 0,
            "documents without versions": session.scalar(
                select(func.count()).select_from(Document).where(versions == 0)
            )
            or 0,
        }
