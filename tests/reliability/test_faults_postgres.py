"""PostgreSQL faults during tracking: the server restarted mid-run, and two workers racing
the same run against one database. Each ends with the history of one clean run.

These tests own a PostgreSQL server (not the session's shared one): restarting it would
cut every other test's connections.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from clausewatch.demo.replay.server import ReplayServer
from core.settings import get_settings
from models import History, open_history, store
from pipeline.tracking import RunReport, TrackingRun
from scrapers.http import PoliteClient
from tests.support import databases
from tests.support.fingerprints import (
    HISTORY_TABLES,
    Fingerprint,
    duplicates,
    fingerprint,
    half_written,
    history_counts,
    lost,
    subscribe_analyst,
)
from tests.support.postgres import ThrowawayPostgres
from tests.support.tracking_runs import clean_fingerprint, track_once


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL server for this module alone, with a migrated template database."""
    with ThrowawayPostgres() as server:
        databases.postgres_template(server)
        yield server


def fresh_database(server: ThrowawayPostgres) -> str:
    """The URL of a new migrated database on ``server``, with the analyst subscribed."""
    url = databases.copy_postgres(server)
    history = open_history(url)
    try:
        subscribe_analyst(history)
    finally:
        history.close()
    return url


_CLEAN: dict[str, Fingerprint] = {}


@pytest.fixture
def clean_postgres_history(
    own_postgres: ThrowawayPostgres,
    replay_sources: ReplayServer,
    fast_client: Callable[[], PoliteClient],
) -> Fingerprint:
    """The fingerprint of one clean run on a fresh PostgreSQL database (once per session)."""
    if "postgresql" not in _CLEAN:
        _CLEAN["postgresql"] = clean_fingerprint(
            databases.copy_postgres(own_postgres), fast_client()
        )
    return _CLEAN["postgresql"]


def _assert_one_clean_history(history: History, clean: Fingerprint) -> None:
    after = fingerprint(history)
    assert duplicates(after) == 0
    assert lost(clean, after) == 0
    assert after == clean
    assert history_counts(history) == {t: sum(clean[t].values()) for t in HISTORY_TABLES}
    assert half_written(history) == {
        "versions without clauses": 0,
        "documents without versions": 0,
    }


# -- restarted mid-run -------------------------------------------------------------------

#: Where the restart hits: between two statements (the pool's pre-ping reconnects), or
#: inside the transaction that stores a version or the one that saves a comparison.
RESTART_POINTS = ("between-statements", "storing-a-version", "saving-a-comparison")


@pytest.mark.parametrize("point", RESTART_POINTS)
def test_postgres_restarted_mid_run_then_rerun_leaves_one_clean_history(
    point: str,
    own_postgres: ThrowawayPostgres,
    replay_sources: ReplayServer,
    fast_client: Callable[[], PoliteClient],
    clean_postgres_history: Fingerprint,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    history = open_history(fresh_database(own_postgres))
    restarts: list[float] = []

    def restart() -> None:
        started = time.monotonic()
        own_postgres.restart()
        restarts.append(time.monotonic() - started)

    def between(number: int) -> None:
        if point == "between-statements" and number == 2:
            restart()

    def restart_inside(name: str) -> None:
        real = getattr(store, name)

        def real_then_restart(*args: Any, **kwargs: Any) -> Any:
            written = real(*args, **kwargs)
            if not restarts:
                # The open transaction has written the version and its clauses (or the
                # comparison, before its alerts): all of it must vanish, not half.
                restart()
            return written

        monkeypatch.setattr(store, name, real_then_restart)

    if point == "storing-a-version":
        restart_inside("add_version")
    elif point == "saving-a-comparison":
        restart_inside("save_comparison")
    try:
        with TrackingRun(get_settings(), history=history, client=fast_client()) as run:
            first = track_once(run, between_statements=between)
        assert len(restarts) == 1
        errors = sum(c.errors for c in first.counts.values())
        if point == "between-statements":
            # pool_pre_ping notices the dead connections before any statement uses them.
            assert errors == 0, first.rows
        else:
            assert errors == 1, first.rows
            # The tracking loop counts a failed store against its source and logs the database
            # error (it leaves the source's error line to fetch failures).
            (failure,) = [
                r.getMessage()
                for r in caplog.records
                if r.name == "pipeline.tracking" and r.levelno == logging.ERROR
            ]
            assert "storing" in failure and "psycopg" in failure, failure
            # The torn statement or comparison is missing now, and only until the rerun.
            assert fingerprint(history) != clean_postgres_history
        assert half_written(history) == {
            "versions without clauses": 0,
            "documents without versions": 0,
        }
        with TrackingRun(get_settings(), history=history, client=fast_client()) as run:
            rerun = track_once(run)
        assert not any(c.errors for c in rerun.counts.values()), rerun.rows
        _assert_one_clean_history(history, clean_postgres_history)
    finally:
        history.close()


# -- two workers racing ------------------------------------------------------------------


@pytest.mark.parametrize("lockstep", [True, False], ids=["lockstep", "free-running"])
def test_two_workers_racing_one_database_leave_one_clean_history(
    lockstep: bool,
    own_postgres: ThrowawayPostgres,
    replay_sources: ReplayServer,
    fast_client: Callable[[], PoliteClient],
    clean_postgres_history: Fingerprint,
) -> None:
    """Two runs of the same window and sources at once, each with its own engine and client
    (as two process workers would have); in lockstep both store each statement together."""
    url = fresh_database(own_postgres)
    barrier = threading.Barrier(2, timeout=30)
    reports: list[RunReport] = []
    failures: list[BaseException] = []

    def worker() -> None:
        own = open_history(url)

        def in_step(number: int) -> None:
            barrier.wait()

        try:
            barrier.wait()
            with TrackingRun(get_settings(), history=own, client=fast_client()) as run:
                reports.append(track_once(run, between_statements=in_step if lockstep else None))
        except BaseException as exc:
            failures.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert len(reports) == 2
    # Both workers did the whole run; each statement was stored by one of them.
    assert all(not any(c.errors for c in r.counts.values()) for r in reports), [
        r.rows for r in reports
    ]
    new_versions = sum(c.new_versions for r in reports for c in r.counts.values())
    assert new_versions == sum(clean_postgres_history["version"].values())
    checked = open_history(url)
    try:
        _assert_one_clean_history(checked, clean_postgres_history)
    finally:
        checked.close()
