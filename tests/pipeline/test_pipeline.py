"""Store → compare → flag → outbox on both databases, with the embedded NCG statements."""

from __future__ import annotations

from typing import Any

import pytest

from clausewatch.demo.corpus import get_statement
from models import History, open_history, store
from models.outbox import subscribe
from pipeline.stages import StatementInput, compare_version, ingest, store_statement
from tests.support.corpus_inputs import corpus_input

# NCG-FACTS.md, "What analysts reported changed from the 4th to the 5th statement".
EXPECTED_4_TO_5 = {
    "end-of-regime": "dropped",
    "swift-decisive-response": "dropped",
    "joint-planning-execution": "dropped",
    "strategic-asset-visibility": "dropped",
    "dprk-named": "dropped",
    "rok-leading-conventional-role": "added",
    "extended-deterrence-full-range": "retained",
}


def _counts(history: History) -> dict[str, int]:
    with history.sessions() as session:
        return store.table_counts(session)


def test_fourth_to_fifth_flags_what_analysts_reported(history: History) -> None:
    with history.sessions.begin() as session:
        subscribe(session, "analyst@example.test", series_slug="ncg", min_severity="high")
    ncg4, ncg5 = get_statement("ncg-4-en"), get_statement("ncg-5-en")
    results = ingest(history, [corpus_input(ncg4), corpus_input(ncg5)], lexical=True)
    (_, first), (_, second) = results
    assert first == []
    [successor] = second
    assert successor.kind == "successor" and successor.severity == "high"
    assert successor.alerts_queued == 1
    with history.sessions() as session:
        comparison = store.find_comparison(
            session, results[0][0].version_id, results[1][0].version_id, "successor"
        )
        assert comparison is not None
        data = store.comparison_dict(session, comparison)
    statuses = {c["key"]: c["status"] for c in data["commitments"]}
    for key, status in EXPECTED_4_TO_5.items():
        assert statuses.get(key) == status, key
    flagged = {k for k, s in statuses.items() if s != "retained"}
    # "and little else": at most one flag beyond the analysts' list (the 5th names TTS/TTX).
    assert len(flagged - set(EXPECTED_4_TO_5)) <= 1


def test_ingesting_twice_adds_nothing(history: History) -> None:
    statements = [corpus_input(get_statement(i)) for i in ("ncg-4-en", "ncg-5-en", "ncg-5-ko")]
    ingest(history, statements, lexical=True)
    once = _counts(history)
    assert once["comparison"] == 2  # 4→5 successor, 5 en↔ko translation
    again = ingest(history, statements, lexical=True)
    assert _counts(history) == once
    assert all(not c.created for _, comps in again for c in comps)
    assert all(not outcome.new_version for outcome, _ in again)


def test_a_statement_arriving_late_is_compared_with_both_neighbours(history: History) -> None:
    # A backfill may meet the 5th, then the 3rd, then the 4th statement.
    for statement_id in ("ncg-5-en", "ncg-3-en", "ncg-4-en"):
        ingest(history, [corpus_input(get_statement(statement_id))], lexical=True)
    with history.sessions() as session:
        pairs = {
            (c.old_version.document.url[-8:], c.new_version.document.url[-8:])
            for c in store.list_comparisons(session, kinds=["successor"])
        }
    # The 3rd→5th pair compared before the 4th arrived is retired (nobody was mailed about
    # it): only neighbours remain (ADR 0076).
    assert pairs == {("ncg-3-en", "ncg-4-en"), ("ncg-4-en", "ncg-5-en")}


def test_silent_edit_is_a_revision_and_compare_heals_after_a_crash(history: History) -> None:
    original = get_statement("ncg-5-en")
    edited = get_statement("ncg-5-en-edit")
    first = store_statement(history, corpus_input(original))
    compare_version(history, first.version_id, lexical=True)
    # The edit arrives at the same URL: a second version of the same document.
    at_same_url = StatementInput(
        url=f"https://example.test/{original.id}",
        source=original.publisher,
        text=edited.text,
        language="en",
        title=original.title,
        published=original.published,
        series="ncg",
    )
    revised = store_statement(history, at_same_url)
    assert revised.new_version and revised.document_id == first.document_id
    # Killed before comparing: the next run stores nothing new but still compares.
    again = store_statement(history, at_same_url)
    assert not again.new_version and again.version_id == revised.version_id
    [revision] = compare_version(history, again.version_id, lexical=True)
    assert revision.kind == "revision" and revision.created
    # The edit rewords a commitment sentence ("agreed" -> "discussed"): worth an alert.
    assert revision.severity is not None
    assert compare_version(history, again.version_id, lexical=True)[0].created is False


def test_a_later_meeting_in_the_other_language_is_a_successor(history: History) -> None:
    # Only the 4th in English and the 5th in Korean are known: a successor, not a translation.
    results = ingest(
        history,
        [corpus_input(get_statement("ncg-4-en")), corpus_input(get_statement("ncg-5-ko"))],
        lexical=True,
    )
    [successor] = results[1][1]
    assert successor.kind == "successor"
    with history.sessions() as session:
        comparison = store.find_comparison(
            session, results[0][0].version_id, results[1][0].version_id, "successor"
        )
        assert comparison is not None
        data = store.comparison_dict(session, comparison)
    assert data["kind"] == "successor"
    assert "matched" not in {c["status"] for c in data["clauses"]}
    statuses = {c["key"]: c["status"] for c in data["commitments"]}
    for key, status in EXPECTED_4_TO_5.items():
        assert statuses.get(key) == status, key


def test_the_translation_of_a_meeting_is_not_also_a_successor(history: History) -> None:
    # The 5th in Korean meets the 5th and the 4th in English: one translation, and the
    # 4th -> 5th successor in English only.
    ingest(
        history,
        [corpus_input(get_statement(i)) for i in ("ncg-4-en", "ncg-5-en", "ncg-5-ko")],
        lexical=True,
    )
    with history.sessions() as session:
        kinds = sorted(
            (c.kind, c.old_version.document.language, c.new_version.document.language)
            for c in store.list_comparisons(session)
        )
    assert kinds == [("successor", "en", "en"), ("translation", "en", "ko")]


def _successors_and_alerts(history: History) -> tuple[set[tuple[str, str]], list[tuple[str, str]]]:
    """Successor comparisons and live (not cancelled) alerts, by document URL."""
    from models.schema import Alert, Comparison

    with history.sessions() as session:
        pairs = {
            c.id: (c.old_version.document.url, c.new_version.document.url)
            for c in session.query(Comparison).filter(Comparison.kind == "successor")
        }
        alerts = sorted(
            pairs[a.comparison_id]
            for a in session.query(Alert).filter(Alert.status != "failed")
            if a.comparison_id in pairs
        )
    return set(pairs.values()), alerts


SERIES_ORDER = ("ncg-2-en", "ncg-3-en", "ncg-4-en", "ncg-5-en")


@pytest.mark.parametrize(
    "order", [("ncg-2-en", "ncg-4-en", "ncg-3-en", "ncg-5-en"), tuple(reversed(SERIES_ORDER))]
)
def test_an_import_out_of_order_leaves_the_history_of_an_ordered_one(
    db_url: str, sqlite_url: str, order: tuple[str, ...]
) -> None:
    results = []
    for ids in (SERIES_ORDER, order):
        history = open_history(db_url if ids is order else sqlite_url)
        try:
            with history.sessions.begin() as session:
                subscribe(session, "analyst@example.org", min_severity="low")
            ingest(history, [corpus_input(get_statement(i)) for i in ids], lexical=True)
            results.append(_successors_and_alerts(history))
        finally:
            history.close()
    (ordered_pairs, ordered_alerts), (pairs, alerts) = results
    assert len(ordered_pairs) == 3
    # No comparison spans a statement stored later between its sides, and none is alerted.
    assert pairs == ordered_pairs
    assert alerts == ordered_alerts


def test_racing_imports_never_save_or_alert_a_stale_neighbour(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.stages as stages

    with history.sessions.begin() as session:
        subscribe(session, "analyst@example.org", min_severity="low")
    first, middle, last = (
        corpus_input(get_statement(i)) for i in ("ncg-2-en", "ncg-3-en", "ncg-4-en")
    )
    ingest(history, [first], lexical=True)
    real_compare = stages._compare_pair
    raced: list[bool] = []

    def racing(*args: Any, **kw: Any) -> Any:
        # The other import stores and compares the middle statement in lockstep, after this
        # compare read its neighbours and before it saves.
        if not raced:
            raced.append(True)
            ingest(history, [middle], lexical=True)
        return real_compare(*args, **kw)

    monkeypatch.setattr(stages, "_compare_pair", racing)
    stored = store_statement(history, last)
    compare_version(history, stored.version_id, lexical=True)
    monkeypatch.undo()
    pairs, alerts = _successors_and_alerts(history)
    urls = [s.url for s in (first, middle, last)]
    assert pairs == {(urls[0], urls[1]), (urls[1], urls[2])}
    assert (urls[0], urls[2]) not in alerts and raced


def test_support_keys_are_stored_at_ingest_and_stale_ones_recomputed(history: History) -> None:
    from sqlalchemy import delete, update

    from clauses import segment
    from clauses.derived import support_key, support_stamp
    from models.schema import Comparison, Version

    def expected(version: Version | None) -> tuple[str, str]:
        assert version is not None
        return support_key(segment(version.text, "en"), "en"), support_stamp()

    def stored(version: Version | None) -> tuple[str | None, str | None]:
        assert version is not None
        return version.support_key, version.support_stamp

    def saved(comparison_id: int) -> dict[str, object]:
        with history.sessions() as session:
            comparison = store.get_comparison(session, comparison_id)
            assert comparison is not None
            return store.comparison_dict(session, comparison)

    fresh = ingest(
        history, [corpus_input(get_statement(f"ncg-{n}-en")) for n in (3, 4, 5)], lexical=True
    )
    ids = [outcome.version_id for outcome, _ in fresh]
    with history.sessions() as session:
        for version_id in ids:
            version = store.get_version(session, version_id)
            assert stored(version) == expected(version)
    before = saved(fresh[2][1][0].comparison_id)
    # Another engine's key, or none (a version stored before the migration), is never
    # read: it is recomputed from the text and written back, and the result is the same.
    with history.sessions.begin() as session:
        session.execute(
            update(Version).where(Version.id == ids[0]).values(support_key="x", support_stamp="old")
        )
        session.execute(
            update(Version).where(Version.id == ids[1]).values(support_key=None, support_stamp=None)
        )
        session.execute(delete(Comparison).where(Comparison.new_version_id == ids[2]))
    [again] = compare_version(history, ids[2], lexical=True)
    assert again.created and saved(again.comparison_id) == before
    with history.sessions() as session:
        for version_id in ids[:2]:
            version = store.get_version(session, version_id)
            assert stored(version) == expected(version)
