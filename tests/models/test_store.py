"""Reads and writes of the history on SQLite and PostgreSQL alike: idempotent stages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session

from models import History, store
from models.db import make_engine, session_factory
from models.schema import Alert, Source, Subscription


def _doc(session: Session, url: str, published: dt.date, lang: str = "en") -> int:
    series = store.ensure_series(session, "ncg", "NCG joint statements")
    source = store.ensure_source(session, "us-dod", base_url="https://example.test")
    document, _ = store.ensure_document(
        session,
        url=url,
        source_id=source.id,
        language=lang,
        series_id=series.id,
        title=f"statement {published}",
        published=published,
    )
    return document.id


def _clauses(*texts: str) -> list[store.ClauseRow]:
    return [store.ClauseRow(i, 0, t, t.lower()) for i, t in enumerate(texts)]


def _result(kind: str = "successor") -> dict[str, Any]:
    return {
        "kind": kind,
        "clauses": [
            {
                "status": "unchanged",
                "old": [0],
                "new": [0],
                "old_text": "A.",
                "new_text": "A.",
                "score": 100.0,
                "diff": None,
            },
            {
                "status": "dropped",
                "old": [1],
                "new": [],
                "old_text": "B.",
                "new_text": None,
                "score": None,
                "diff": None,
            },
        ],
        "commitments": [
            {
                "key": "joint-planning-execution",
                "label": "Joint planning and execution",
                "status": "dropped",
                "old_evidence": "B.",
                "new_evidence": None,
                "strength_old": "strong",
                "strength_new": None,
            },
        ],
        "phrases": [{"text": "joint planning", "status": "dropped", "support": 2}],
        "quantities": [
            {
                "kind": "deadline",
                "status": "changed",
                "old": "by mid-2024",
                "new": "by the end of 2024",
                "old_clause": 0,
                "new_clause": 0,
            }
        ],
        "participants": [
            {
                "side": "US",
                "status": "changed",
                "level": "lower",
                "old": [{"name": "A", "title": "Under Secretary", "level": 3, "acting": False}],
                "new": [{"name": "B", "title": "Assistant Secretary", "level": 5, "acting": True}],
            }
        ],
        "summary": {"unchanged": 1, "dropped": 1},
    }


def test_same_text_twice_is_one_version(history: History) -> None:
    with history.sessions.begin() as s:
        doc = _doc(s, "https://example.test/a", dt.date(2025, 1, 10))
        v1, created1 = store.add_version(s, doc, "A. B.", _clauses("A.", "B."))
        v2, created2 = store.add_version(s, doc, "A. B.", _clauses("A.", "B."))
        assert (created1, created2) == (True, False)
        assert v1.id == v2.id
        v3, created3 = store.add_version(s, doc, "A. C.", _clauses("A.", "C."))
        # Reverting to the first wording is a real change: a third version, not a no-op.
        v4, created4 = store.add_version(s, doc, "A. B.", _clauses("A.", "B."))
        assert (created3, created4) == (True, True)
        assert [v.seq for v in store.document_versions(s, doc)] == [1, 2, 3]
        assert [c.text for c in store.version_clauses(s, v4.id)] == ["A.", "B."]
        assert store.previous_version(s, v4) == v3


def test_racing_writer_for_the_same_seq_gets_the_winners_version(history: History) -> None:
    with history.sessions.begin() as s:
        doc = _doc(s, "https://example.test/a", dt.date(2025, 1, 10))
        store.add_version(s, doc, "one", _clauses("one"))
    # A second session decides seq 2 first; then ours arrives with the same text.
    with history.sessions.begin() as other:
        other.execute(
            text(
                "INSERT INTO version (document_id, seq, text, sha256, created_at) "
                "VALUES (:d, 2, 'two', :h, CURRENT_TIMESTAMP)"
            ),
            {"d": doc, "h": store.text_sha256("two")},
        )
    with history.sessions.begin() as s:
        version, created = store.add_version(s, doc, "two", _clauses("two"))
        assert (version.seq, created) == (2, False)


def test_document_upsert_keeps_what_it_knew(history: History) -> None:
    with history.sessions.begin() as s:
        source = store.ensure_source(s, "rok-mnd")
        first, created = store.ensure_document(
            s, url="https://x.test/1", source_id=source.id, language="ko", title="제5차"
        )
        again, created_again = store.ensure_document(
            s,
            url="https://x.test/1",
            source_id=source.id,
            language="ko",
            title=None,
            published=dt.date(2025, 12, 11),
        )
        assert (created, created_again) == (True, False)
        assert first.id == again.id
        assert again.title == "제5차"
        assert again.published == dt.date(2025, 12, 11)


def test_same_comparison_twice_is_one_comparison(history: History) -> None:
    with history.sessions.begin() as s:
        d4 = _doc(s, "https://example.test/4", dt.date(2025, 1, 10))
        d5 = _doc(s, "https://example.test/5", dt.date(2025, 12, 11))
        v4, _ = store.add_version(s, d4, "A. B.", _clauses("A.", "B."))
        v5, _ = store.add_version(s, d5, "A.", _clauses("A."))
        c1, created1 = store.save_comparison(s, v4.id, v5.id, _result(), severity="high")
        c2, created2 = store.save_comparison(s, v4.id, v5.id, _result(), severity="high")
        assert (created1, created2) == (True, False)
        assert c1.id == c2.id
        stored = store.comparison_dict(s, c1)
        assert stored["commitments"][0]["status"] == "dropped"
        assert [c["status"] for c in stored["clauses"]] == ["unchanged", "dropped"]
        assert stored["old"]["clauses"] == 2 and stored["new"]["clauses"] == 1
        counts = store.table_counts(s)
        assert counts["comparison"] == 1
        assert counts["clause_change"] == 2
        assert counts["commitment_change"] == 1
        assert counts["phrase_change"] == 1
        assert counts["quantity_change"] == 1 and counts["participant_change"] == 1
        # Read back in the shape that was written (docs/comparison-json.md).
        assert stored["quantities"] == _result()["quantities"]
        assert stored["participants"] == _result()["participants"]


def test_series_neighbours_and_translation_partner(history: History) -> None:
    with history.sessions.begin() as s:
        d3 = _doc(s, "https://e.test/3", dt.date(2024, 6, 10))
        d4 = _doc(s, "https://e.test/4", dt.date(2025, 1, 10))
        d5 = _doc(s, "https://e.test/5", dt.date(2025, 12, 11))
        k5 = _doc(s, "https://e.test/5ko", dt.date(2025, 12, 12), lang="ko")
        doc4 = store.get_document(s, d4)
        assert doc4 is not None and doc4.series_id is not None
        placed = store.series_documents(s, doc4.series_id)
    assert [d.id for d in placed] == [d3, d4, d5, k5]
    at = {d.id: d for d in placed}
    assert store.predecessor_among(placed, at[d5]) == d4
    assert store.predecessor_among(placed, at[d4]) == d3
    assert store.predecessor_among(placed, at[d3]) is None
    assert store.successor_among(placed, at[d4]) == d5
    assert store.successor_among(placed, at[d5]) is None
    assert store.partner_among(placed, at[d5]) == k5
    assert store.partner_among(placed, at[k5]) == d5
    assert store.partner_among(placed, at[d4]) is None
    # The Korean statement of the 5th meeting has no earlier Korean one: the English
    # statement a day before is its translation, not its predecessor.
    assert store.predecessor_among(placed, at[k5]) is None


def test_a_statement_in_one_language_only_follows_the_other_language() -> None:
    """A meeting published only in Korean after one published only in English is still the
    next meeting: the other-language neighbour counts when it is outside the translation
    window, and only then."""
    en4 = store.PlacedDocument(1, "en", dt.date(2025, 1, 10))
    ko5 = store.PlacedDocument(2, "ko", dt.date(2025, 12, 12))
    placed = [en4, ko5]
    assert store.predecessor_among(placed, ko5) == en4.id
    assert store.successor_among(placed, en4) == ko5.id
    assert store.partner_among(placed, ko5) is None
    near = store.PlacedDocument(3, "ko", dt.date(2025, 1, 12))
    assert store.predecessor_among([en4, near], near) is None
    assert store.partner_among([en4, near], near) == en4.id
    undated = store.PlacedDocument(4, "en", None)
    assert store.predecessor_among([*placed, undated], undated) is None


def test_one_alert_per_comparison_and_subscription(history: History) -> None:
    with history.sessions.begin() as s:
        d4 = _doc(s, "https://e.test/4", dt.date(2025, 1, 10))
        d5 = _doc(s, "https://e.test/5", dt.date(2025, 12, 11))
        v4, _ = store.add_version(s, d4, "A.", _clauses("A."))
        v5, _ = store.add_version(s, d5, "B.", _clauses("B."))
        cmp, _ = store.save_comparison(s, v4.id, v5.id, _result(), severity="high")
        sub = Subscription(email="analyst@example.test")
        s.add(sub)
        s.flush()
        values = {
            "comparison_id": cmp.id,
            "subscription_id": sub.id,
            "severity": "high",
            "message_id": f"<{cmp.id}.{sub.id}@clausewatch>",
        }
        first = store.insert_ignore(s, Alert, values, ["comparison_id", "subscription_id"])
        second = store.insert_ignore(s, Alert, values, ["comparison_id", "subscription_id"])
        assert first is not None and second is None
        assert len(s.scalars(select(Alert)).all()) == 1


def test_views_answer_on_both_databases(history: History) -> None:
    with history.sessions.begin() as s:
        d4 = _doc(s, "https://e.test/4", dt.date(2025, 1, 10))
        d5 = _doc(s, "https://e.test/5", dt.date(2025, 12, 11))
        v4, _ = store.add_version(s, d4, "A. B.", _clauses("A.", "B."))
        v5, _ = store.add_version(s, d5, "A.", _clauses("A."))
        store.save_comparison(s, v4.id, v5.id, _result(), severity="high")
        store.save_mentions(
            s,
            v4.id,
            [
                {
                    "key": "joint-planning-execution",
                    "label": "JPE",
                    "strength": "strong",
                    "evidence": "B.",
                    "position": 1,
                }
            ],
        )
    with history.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT series, seq, clauses FROM version_history ORDER BY version_id")
        ).all()
        assert [tuple(r) for r in rows] == [("ncg", 1, 2), ("ncg", 1, 1)]
        change = conn.execute(
            text("SELECT commitments_dropped, clauses_dropped, severity FROM statement_changes")
        ).one()
        assert tuple(change) == (1, 1, "high")
        timeline = conn.execute(
            text("SELECT commitment, strength, document_id FROM commitment_timeline")
        ).all()
        assert [tuple(r) for r in timeline] == [("joint-planning-execution", "strong", d4)]


def test_last_validators_come_from_the_newest_good_capture(history: History) -> None:
    with history.sessions.begin() as s:
        url = "https://e.test/feed"
        t0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        store.add_capture(s, url=url, status=200, etag='"a"', fetched_at=t0, warc_record_id="r1")
        store.add_capture(
            s,
            url=url,
            status=200,
            etag='"b"',
            last_modified="Tue",
            fetched_at=t0 + dt.timedelta(hours=1),
            warc_record_id="r2",
        )
        store.add_capture(s, url=url, status=500, fetched_at=t0 + dt.timedelta(hours=2))
        # The same WARC record recorded twice is one capture.
        again = store.add_capture(s, url=url, status=200, etag='"b"', warc_record_id="r2")
        assert store.last_validators(s, url) == ('"b"', "Tue")
        assert store.table_counts(s)["capture"] == 3
        assert again > 0


@contextmanager
def _statements(history: History) -> Iterator[list[str]]:
    """The SQL statements the history's engine sends while the block runs, one line each."""
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(history.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(history.engine, "before_cursor_execute", note)


def test_rows_written_in_a_transaction_are_not_read_back(history: History) -> None:
    """A new document, its first version and a comparison come back from their INSERTs'
    RETURNING; nothing selects them again, and a first version reads no earlier one."""
    with history.sessions.begin() as s:
        source = store.ensure_source(s, "us-dod")
        d4 = _doc(s, "https://example.test/4", dt.date(2025, 1, 10))
        v4, _ = store.add_version(s, d4, "A. B.", _clauses("A.", "B."))
        with _statements(history) as sent:
            document, created = store.ensure_document(
                s, url="https://example.test/5", source_id=source.id, language="en"
            )
            version, _ = store.add_version(s, document.id, "A.", _clauses("A."), first=True)
            comparison, _ = store.save_comparison(s, v4.id, version.id, _result(), severity="high")
            assert store.previous_version(s, version) is None
        assert created and version.seq == 1 and comparison.new_version_id == version.id
    # Commitment ids are read (they may have been made by another writer); nothing else.
    reads = [q for q in sent if q.startswith("SELECT") and "FROM commitment " not in q]
    assert reads == []


def test_a_known_document_is_neither_read_nor_inserted(history: History) -> None:
    with history.sessions.begin() as s:
        source = store.ensure_source(s, "rok-mnd")
        first, _ = store.ensure_document(
            s, url="https://x.test/1", source_id=source.id, language="ko"
        )
        with _statements(history) as sent:
            again, created = store.ensure_document(
                s,
                url="https://x.test/1",
                source_id=source.id,
                language="ko",
                published=dt.date(2025, 12, 11),
                known=first,
            )
        assert sent == []
        assert (again.id, created, again.published) == (first.id, False, dt.date(2025, 12, 11))


def test_rows_of_different_shapes_go_in_one_insert_and_keep_their_nulls(
    history: History,
) -> None:
    """A dropped clause has no new text, an unchanged one has both: one INSERT carries both
    rows, and the missing text is SQL NULL, as when the row was written alone."""
    with history.sessions.begin() as s:
        d4 = _doc(s, "https://example.test/4", dt.date(2025, 1, 10))
        d5 = _doc(s, "https://example.test/5", dt.date(2025, 12, 11))
        v4, _ = store.add_version(s, d4, "A. B.", _clauses("A.", "B."))
        v5, _ = store.add_version(s, d5, "A.", _clauses("A."))
        with _statements(history) as sent:
            comparison, _ = store.save_comparison(s, v4.id, v5.id, _result(), severity="high")
        inserts = [q for q in sent if q.startswith("INSERT INTO clause_change")]
        assert len(inserts) == 1
        nulls = s.execute(
            text(
                "SELECT status, new_text IS NULL FROM clause_change "
                "WHERE comparison_id = :c ORDER BY ordinal"
            ),
            {"c": comparison.id},
        ).all()
        assert [tuple(row) for row in nulls] == [("unchanged", False), ("dropped", True)]


def test_read_sessions_open_no_transaction_on_postgresql(pg_url: str) -> None:
    """On PostgreSQL each statement of a read session is its own transaction (autocommit:
    ``now()``, the transaction's start, is the statement's own start), while a writing
    session on the same pooled connection afterwards keeps one transaction for all its
    statements, and its rollback leaves nothing."""
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    history = History(engine=engine, sessions=session_factory(engine))
    try:
        probe = text("SELECT now() = statement_timestamp()")
        with history.reads() as reading:
            reading.execute(text("SELECT pg_sleep(0.01)"))
            assert reading.execute(probe).scalar() is True
        with history.sessions() as writing:
            writing.execute(text("SELECT pg_sleep(0.01)"))
            assert writing.execute(probe).scalar() is False
            store.ensure_source(writing, "rolled-back")
            writing.rollback()
        with history.reads() as reading:
            assert reading.execute(text("SELECT count(*) FROM source")).scalar() == 0
    finally:
        history.close()


def test_read_sessions_refuse_to_write(history: History) -> None:
    with history.sessions.begin() as s:
        store.ensure_source(s, "us-dod")
    with history.reads() as reading:
        with pytest.raises(RuntimeError, match="read session cannot write"):
            reading.execute(update(Source).values(base_url="https://changed.test"))
        source = reading.scalars(select(Source)).one()
        source.base_url = "https://changed.test"
        with pytest.raises(RuntimeError, match="read session cannot write"):
            reading.commit()
    with history.sessions() as s:
        assert s.scalars(select(Source.base_url)).one() is None
