"""Series side by side in worker processes (ADR 0108): the same history as a serial run, a
worker killed while storing a statement leaves no half of it, and a rerun completes it.

The runs are ``pipeline.tracking.track`` with real spawned worker processes
(``SeriesPool``) against one PostgreSQL database; the window holds two series of the MND
site (the third and fourth Korean NCG statements, and the 56th SCM communiqué).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from clausewatch.demo.replay.server import ReplayServer
from core.settings import get_settings
from models import open_history, store
from pipeline import tracking
from pipeline.parallel import StatementResult
from pipeline.stages import StatementInput
from pipeline.tracking import RunReport, TrackingRun
from scrapers.http import PoliteClient
from tests.support.fingerprints import (
    Fingerprint,
    duplicates,
    fingerprint,
    half_written,
    subscribe_analyst,
)

D = dt.date
WINDOW = (D(2024, 6, 1), D(2025, 1, 31))
#: Words of the NCG statements' titles: the later of the two is the one a worker dies storing.
NCG_TITLE = "핵협의그룹"


def _database(url: str) -> str:
    """``url``, a fresh migrated history, with the analyst subscribed."""
    history = open_history(url)
    subscribe_analyst(history)
    history.close()
    return url


def _track(
    url: str, client: PoliteClient, workers: int, stages: tracking.Stages | None = None
) -> RunReport:
    history = open_history(url)
    try:
        with TrackingRun(get_settings(), history=history, client=client) as run:
            return tracking.track(
                run,
                ["rok-mnd"],
                *WINDOW,
                lexical=True,
                workers=workers,
                stages=stages or tracking.DIRECT_STAGES,
            )
    finally:
        history.close()


def _fingerprint(url: str) -> Fingerprint:
    history = open_history(url)
    try:
        return fingerprint(history)
    finally:
        history.close()


def _die_storing(doomed: str) -> None:
    """In a worker process: SIGKILL itself inside the transaction that stores the statement
    at ``doomed``, after its version and clauses are written, before the commit."""
    real = store.add_version

    def add_version_then_die(session: Any, document_id: int, *args: Any, **kwargs: Any) -> Any:
        written = real(session, document_id, *args, **kwargs)
        document = store.get_document(session, document_id)
        if document is not None and document.url == doomed:
            os.kill(os.getpid(), signal.SIGKILL)
        return written

    store.add_version = add_version_then_die


@pytest.fixture
def serial_run(
    fresh_pg_url: Callable[[], str],
    replay_sources: ReplayServer,
    fast_client: Callable[[], PoliteClient],
) -> tuple[RunReport, Fingerprint, str]:
    """The report and history of one serial run of the window, and the URL of its later
    NCG statement."""
    url = _database(fresh_pg_url())
    report = _track(url, fast_client(), workers=1)
    assert not any(c.errors for c in report.counts.values()), report.rows
    assert len({row["url"] for row in report.added}) == 3
    ncg = sorted(
        (row["published"], row["url"]) for row in report.added if NCG_TITLE in row["title"]
    )
    assert len(ncg) == 2, report.added
    return report, _fingerprint(url), ncg[-1][1]


def test_two_worker_processes_leave_the_history_of_a_serial_run(
    fresh_pg_url: Callable[[], str],
    fast_client: Callable[[], PoliteClient],
    serial_run: tuple[RunReport, Fingerprint, str],
) -> None:
    serial_report, clean, _ = serial_run
    url = _database(fresh_pg_url())
    report = _track(url, fast_client(), workers=2)
    assert report.rows == serial_report.rows
    assert report.added == [
        {**row, "version id": mine["version id"]}
        for row, mine in zip(serial_report.added, report.added, strict=True)
    ]
    assert report.alerts_queued == serial_report.alerts_queued
    after = _fingerprint(url)
    assert duplicates(after) == 0
    assert after == clean


def test_a_worker_killed_mid_statement_leaves_no_half_and_a_rerun_completes(
    fresh_pg_url: Callable[[], str],
    fast_client: Callable[[], PoliteClient],
    serial_run: tuple[RunReport, Fingerprint, str],
) -> None:
    _, clean, doomed = serial_run
    url = _database(fresh_pg_url())
    dying = dataclasses.replace(
        tracking.DIRECT_STAGES,
        ingest_series=functools.partial(
            tracking.ingest_in_processes, initializer=_die_storing, initargs=(doomed,)
        ),
    )
    first = _track(url, fast_client(), workers=2, stages=dying)
    # The run ends (no exception, no hang) and counts what the dead worker did not finish.
    assert first.counts["rok-mnd"].errors >= 1
    assert doomed not in [row["url"] for row in first.added]
    history = open_history(url)
    try:
        assert half_written(history) == {
            "versions without clauses": 0,
            "documents without versions": 0,
        }
        with history.sessions() as session:
            assert doomed not in _documents(session)
        assert duplicates(fingerprint(history)) == 0
    finally:
        history.close()

    rerun = _track(url, fast_client(), workers=2)
    assert not any(c.errors for c in rerun.counts.values()), rerun.rows
    assert doomed in [row["url"] for row in rerun.added]
    after = _fingerprint(url)
    assert duplicates(after) == 0
    assert after == clean


def test_sqlite_stays_serial_whatever_the_workers(
    replay_sources: ReplayServer, fast_client: Callable[[], PoliteClient], sqlite_url: str
) -> None:
    def never(
        run: TrackingRun, groups: Sequence[Sequence[StatementInput]], lexical: bool, workers: int
    ) -> list[list[StatementResult]]:
        raise AssertionError("series side by side on SQLite")

    report = _track(
        _database(sqlite_url),
        fast_client(),
        workers=2,
        stages=dataclasses.replace(tracking.DIRECT_STAGES, ingest_series=never),
    )
    assert not any(c.errors for c in report.counts.values()), report.rows
    assert len(report.added) == 3


def _documents(session: Any) -> list[str]:
    from models.schema import Document

    return [d.url for d in session.query(Document)]
