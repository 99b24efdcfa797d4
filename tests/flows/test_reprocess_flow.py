"""The ``reprocess`` flow on a temporary Prefect API: one task per series, serially on
SQLite and in worker processes on PostgreSQL, the same rows either way."""

from __future__ import annotations

import pytest

from core.errors import InputError
from models import History
from tests.support.databases import use_in_settings
from tests.support.fingerprints import Fingerprint, fingerprint
from tests.support.synthetic_series import ALL, SERIES, age, ingested, keys

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _use(url: str, monkeypatch: pytest.MonkeyPatch) -> History:
    return ingested(use_in_settings(url, monkeypatch))


def _task_names() -> dict[str, str]:
    """The reprocess task runs so far, by id."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    named = TaskRunFilter(name=TaskRunFilterName(like_="reprocess series"))
    with get_client(sync_client=True) as client:
        return {str(t.id): t.name for t in client.read_task_runs(task_run_filter=named)}


def _reprocessed(
    history: History, workers: int
) -> tuple[Fingerprint, dict[int, tuple[str | None, str | None]], list[str]]:
    from flows.reprocess import reprocess

    stale, removed = age(history)
    before = _task_names()
    report = reprocess(workers=workers, lexical=True)
    assert report.totals()["refreshed"] == stale and report.totals()["comparisons"] == removed
    again = reprocess(workers=workers, lexical=True)
    assert again.totals()["refreshed"] == again.totals()["comparisons"] == 0
    names = [n for i, n in _task_names().items() if i not in before]
    return fingerprint(history), keys(history), names


def test_reprocess_flow_runs_one_task_per_series_and_equals_on_both_databases(
    sqlite_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite with one worker in the flow's process, PostgreSQL with two worker processes
    (the backfill's ProcessPoolTaskRunner): the same rows, a second run adds nothing."""
    sqlite = _use(sqlite_url, monkeypatch)
    try:
        serial, serial_keys, names = _reprocessed(sqlite, workers=1)
    finally:
        sqlite.close()
    assert sorted(names) == sorted(2 * [f"reprocess series {s}" for s in SERIES])

    pg = _use(pg_url, monkeypatch)
    try:
        side_by_side, pg_keys, names = _reprocessed(pg, workers=2)
    finally:
        pg.close()
    assert sorted(names) == sorted(2 * [f"reprocess series {s}" for s in SERIES])
    assert side_by_side == serial
    assert sorted(pg_keys.values(), key=str) == sorted(serial_keys.values(), key=str)
    assert len(pg_keys) == len(ALL)


def test_reprocess_flow_refuses_an_unknown_series(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.reprocess import reprocess

    _use(sqlite_url, monkeypatch).close()
    with pytest.raises(InputError, match="unknown series 'g7'"):
        reprocess(series="g7", lexical=True)


def test_reprocess_form_offers_the_series_and_bounded_workers() -> None:
    from flows.reprocess import reprocess

    form = reprocess.parameters.model_dump()["properties"]
    assert form["workers"]["minimum"] == 1 and form["workers"]["maximum"] == 16
    assert "all" in form["series"]["enum"] and "ncg" in form["series"]["enum"]
    assert "not re-decide" in (reprocess.description or "")
