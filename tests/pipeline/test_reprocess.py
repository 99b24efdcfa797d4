"""Reprocessing the stored history (pipeline/reprocess.py, ADR 0109): stale derived values
refreshed, missing comparisons made with their alerts, nothing added the second time, and
two workers on PostgreSQL leaving the rows one worker leaves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from core.errors import InputError
from models import History, open_history, store
from models.schema import Version
from pipeline import reprocess
from pipeline.parallel import history_url
from pipeline.stages import StatementInput, ingest
from tests.support.databases import sqlite_url
from tests.support.fingerprints import (
    duplicates,
    fingerprint,
    history_counts,
)
from tests.support.synthetic_series import ALL, SERIES, age, ingested, keys


@pytest.fixture
def synthetic_history(db_url: str) -> Iterator[History]:
    """A history holding the synthetic series, ingested (SQLite, then PostgreSQL)."""
    opened = ingested(db_url)
    yield opened
    opened.close()


def test_reprocess_refreshes_stale_stamps_and_makes_missing_comparisons(
    synthetic_history: History,
) -> None:
    clean, clean_keys = fingerprint(synthetic_history), keys(synthetic_history)
    stale, removed = age(synthetic_history)
    assert fingerprint(synthetic_history) != clean

    report = reprocess.reprocess(synthetic_history, lexical=True)
    assert [s.series for s in report.series] == sorted(SERIES)
    assert report.totals() == {
        "versions": len(ALL),
        "refreshed": stale,
        "comparisons": removed,
        "alerts queued": report.totals()["alerts queued"],
        "errors": 0,
    }
    assert report.totals()["alerts queued"] > 0
    # What an uninterrupted ingest under this engine stored: keys, comparisons, alerts.
    assert keys(synthetic_history) == clean_keys
    assert fingerprint(synthetic_history) == clean

    again = reprocess.reprocess(synthetic_history, lexical=True)
    assert again.totals() == {
        "versions": len(ALL),
        "refreshed": 0,
        "comparisons": 0,
        "alerts queued": 0,
        "errors": 0,
    }
    assert fingerprint(synthetic_history) == clean


def test_one_series_touches_only_that_series(synthetic_history: History) -> None:
    age(synthetic_history)
    report = reprocess.reprocess(synthetic_history, "scm", lexical=True)
    assert [(s.series, s.versions, s.comparisons) for s in report.series] == [("scm", 6, 1)]
    from clauses.derived import support_stamp

    with synthetic_history.sessions() as session:
        current = {
            slug: sum(
                1
                for v in store.series_versions(session, slug)
                if v.support_stamp == support_stamp()
            )
            for slug in SERIES
        }
    assert current == {"ncg": 0, "scm": 6, "us-rok-leaders": 0}


def test_statements_of_no_series_are_walked_too(synthetic_history: History) -> None:
    loose = StatementInput(
        url="https://example.org/loose/1",
        source="synthetic",
        text="The two sides met.\n\nThey agreed to meet again.",
        language="en",
    )
    ingest(synthetic_history, [loose], lexical=True)
    with synthetic_history.sessions.begin() as session:
        session.execute(update(Version).values(support_stamp=None))
    report = reprocess.reprocess(synthetic_history, lexical=True)
    assert report.series[-1].series == reprocess.NO_SERIES
    assert (report.series[-1].versions, report.series[-1].refreshed) == (1, 1)


@pytest.mark.parametrize(
    ("series", "workers", "message"),
    [
        ("g7", 1, "unknown series 'g7'"),
        (None, 0, "workers must be from 1 to 16"),
        (None, 17, "workers must be from 1 to 16"),
    ],
)
def test_bad_requests_are_refused_before_any_work(
    synthetic_history: History, series: str | None, workers: int, message: str
) -> None:
    before = keys(synthetic_history)
    with pytest.raises(InputError, match=message):
        reprocess.reprocess(synthetic_history, series, workers=workers, lexical=True)
    assert keys(synthetic_history) == before


def test_an_empty_history_is_refused(db_url: str) -> None:
    history = open_history(db_url)
    try:
        with pytest.raises(InputError, match="no statements yet"):
            reprocess.reprocess(history, lexical=True)
    finally:
        history.close()


def test_a_failing_version_is_one_line_and_the_series_goes_on(
    synthetic_history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    age(synthetic_history)
    with synthetic_history.sessions() as session:
        broken = store.series_versions(session, "ncg")[1].id
    real = reprocess.refresh_derived

    def refresh(synthetic_history: History, version: store.WalkedVersion, *, lexical: bool) -> int:
        if version.id == broken:
            raise RuntimeError("disk on fire\nsecond line")
        return real(synthetic_history, version, lexical=lexical)

    monkeypatch.setattr(reprocess, "refresh_derived", refresh)
    report = reprocess.reprocess(synthetic_history, "ncg", lexical=True)
    [ncg] = report.series
    assert ncg.errors == (f"version {broken}: RuntimeError: disk on fire\nsecond line",)
    assert ncg.refreshed == ncg.versions - 1 and report.failed
    failure = reprocess.ReprocessFailed(report)
    assert "1 version(s) could not be reprocessed; first: ncg" in str(failure)


def test_two_workers_leave_the_rows_one_worker_leaves(fresh_pg_url: Callable[[], str]) -> None:
    """Two spawned worker processes (``SeriesPool``), three series: the same keys,
    comparisons, commitment changes and alerts as the serial reprocess, no duplicate."""
    histories = [ingested(fresh_pg_url()) for _ in range(2)]
    try:
        for history in histories:
            age(history)
        one = reprocess.reprocess(histories[0], workers=1, lexical=True)
        two = reprocess.reprocess(histories[1], workers=2, lexical=True)
        assert (one.workers, two.workers) == (1, 2)
        assert one.rows == two.rows and not two.failed
        serial, side_by_side = fingerprint(histories[0]), fingerprint(histories[1])
        assert duplicates(side_by_side) == 0 and side_by_side == serial
        assert history_counts(histories[1]) == history_counts(histories[0])
        assert keys(histories[1]) == keys(histories[0])
        again = reprocess.reprocess(histories[1], workers=2, lexical=True)
        assert again.totals()["refreshed"] == again.totals()["comparisons"] == 0
    finally:
        for history in histories:
            history.close()


def test_clause_vectors_are_refreshed_unless_lexical(db_url: str) -> None:
    """Vectors under another stamp, missing or damaged are encoded again by the bundled
    encoder (ADR 0107's rows: unit length, close to what ingest stored); a lexical
    reprocess leaves them alone, and a second one finds nothing to do."""
    import numpy as np

    from clauses.derived import embedding_stamp, stored_vectors
    from models.schema import Clause

    history = open_history(db_url)
    try:
        ncg = [s for s in ALL if s.series == "ncg"]
        ingest(history, ncg, lexical=False)

        def vectors() -> dict[int, tuple[str | None, list[bytes | None]]]:
            with history.sessions() as session:
                stamps = dict(session.execute(select(Version.id, Version.embedding_stamp)).all())
                found = store.clauses_by_version(session, stamps)
                return {v: (stamps[v], [c.embedding for c in found[v]]) for v in stamps}

        clean = vectors()
        assert {stamp for stamp, _ in clean.values()} == {embedding_stamp()}
        ids = sorted(clean)
        with history.sessions.begin() as session:
            session.execute(
                update(Version).where(Version.id == ids[0]).values(embedding_stamp="0ld")
            )
            session.execute(
                update(Version).where(Version.id == ids[1]).values(embedding_stamp=None)
            )
            session.execute(
                update(Clause).where(Clause.version_id == ids[1]).values(embedding=None)
            )
            damaged = session.scalars(select(Clause.id).where(Clause.version_id == ids[2])).first()
            session.execute(update(Clause).where(Clause.id == damaged).values(embedding=b"x"))

        lexical = reprocess.reprocess(history, "ncg", lexical=True)
        assert lexical.totals()["refreshed"] == 0
        report = reprocess.reprocess(history, "ncg", lexical=False)
        assert report.totals()["refreshed"] == 3 and report.totals()["comparisons"] == 0
        after = vectors()
        for version_id, (stamp, blobs) in after.items():
            assert stamp == embedding_stamp()
            rows = stored_vectors(blobs)
            assert rows is not None
            expected = stored_vectors(clean[version_id][1])
            assert expected is not None
            np.testing.assert_allclose(rows, expected, atol=1e-4)
        again = reprocess.reprocess(history, "ncg", lexical=False)
        assert again.totals()["refreshed"] == 0
    finally:
        history.close()


class _InlinePool:
    """Stands for :func:`pipeline.parallel.series_pool`: records the series in the order
    they are handed out and runs each at once, in this process, on ``history`` (what the
    worker would open at the URL it is given)."""

    def __init__(self, history: History | None = None, dies: frozenset[str] = frozenset()) -> None:
        self.history = history
        self.dies = dies
        self.handed: list[str] = []
        self.urls: set[str] = set()

    def call(self, job: Callable[..., Any], *args: Any) -> Future[Any]:
        assert job is reprocess.reprocess_series_at
        url, series, lexical, lexicon_dir = args
        self.urls.add(url)
        self.handed.append(series)
        future: Future[Any] = Future()
        if series in self.dies:
            future.set_exception(BrokenProcessPool("worker killed"))
        elif self.history is None:
            future.set_result(reprocess.SeriesReprocessed(series))
        else:
            future.set_result(
                reprocess.reprocess_series(
                    self.history, series, lexical=lexical, lexicon_dir=lexicon_dir
                )
            )
        return future


def _fake_series_pool(
    monkeypatch: pytest.MonkeyPatch, pool: _InlinePool
) -> list[tuple[int, dict[str, Any]]]:
    opened: list[tuple[int, dict[str, Any]]] = []

    @contextmanager
    def series_pool(workers: int, **options: Any) -> Iterator[_InlinePool]:
        opened.append((workers, options))
        yield pool

    monkeypatch.setattr(reprocess, "series_pool", series_pool)
    return opened


def test_workers_get_the_longest_series_first_and_the_report_keeps_the_order(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    history = ingested(pg_url)
    try:
        edited = next(s for s in ALL if s.series == "us-rok-leaders")
        ingest(
            history, [dataclasses.replace(edited, text=edited.text + "\n\nOne more.")], lexical=True
        )
        pool = _InlinePool(history)
        _fake_series_pool(monkeypatch, pool)
        given: list[tuple[list[str], list[int]]] = []

        def side_by_side(
            history: History,
            series: Any,
            sizes: Any,
            lexical: bool,
            lexicon_dir: Any,
            workers: int,
        ) -> list[reprocess.SeriesReprocessed]:
            given.append((list(series), list(sizes)))
            # The product's runner, its process pool replaced by the inline one.
            return reprocess.reprocess_in_processes(
                history, series, sizes, lexical, lexicon_dir, workers
            )

        report = reprocess.reprocess(history, workers=2, lexical=True, side_by_side=side_by_side)
        # The runner is given each series' version count, in the order of the series.
        assert given == [(["ncg", "scm", "us-rok-leaders"], [6, 6, 7])]
        assert pool.handed == ["us-rok-leaders", "ncg", "scm"]
        assert pool.urls == {history_url(history)}
        assert [(s.series, s.versions) for s in report.series] == [
            ("ncg", 6),
            ("scm", 6),
            ("us-rok-leaders", 7),
        ]
    finally:
        history.close()


def test_reprocess_in_processes_hands_out_the_largest_first_and_keeps_the_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pool = _InlinePool(dies=frozenset({"d"}))
    opened = _fake_series_pool(monkeypatch, pool)
    history = open_history(sqlite_url(tmp_path / "h.db"), check=False)
    try:
        # Only the history's URL is used; the pool is no bigger than the series need.
        results = reprocess.reprocess_in_processes(
            history, ["a", "b", "c", "d"], [2, 9, 1, 5], True, None, 8
        )
    finally:
        history.close()
    assert opened == [(4, {})]
    assert pool.handed == ["b", "d", "a", "c"]
    assert pool.urls == {history_url(history)}
    assert [r.series for r in results] == ["a", "b", "c", "d"]
    assert [r.errors for r in results[:3]] == [(), (), ()]
    assert results[3].errors == ("series worker stopped: BrokenProcessPool: worker killed",)
