"""Series side by side (pipeline/parallel.py, ADR 0108): grouping, when it is allowed, the
deadlock retry, and two workers over overlapping work on one real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import OperationalError

from models import History, open_history
from pipeline import parallel, tracking
from pipeline.parallel import StatementResult
from pipeline.stages import StatementInput
from tests.support.databases import sqlite_url
from tests.support.fingerprints import (
    duplicates,
    fingerprint,
    history_counts,
    subscribe_analyst,
)
from tests.support.synthetic_series import ALL, SERIES, ingested

D = dt.date
# -- pure ---------------------------------------------------------------------------------


def _published(statement: StatementInput) -> dt.date:
    assert statement.published is not None  # every synthetic statement has its date
    return statement.published


def test_groups_keep_publication_order_and_translation_partners_together() -> None:
    groups = parallel.series_groups(ALL)
    assert [g[0].series for g in groups] == list(SERIES)
    for group in groups:
        assert len({s.series for s in group}) == 1
        assert [s.published for s in group] == sorted(_published(s) for s in group)
        # Both languages of each meeting are in the group, English first on the day.
        assert [(s.published, s.language) for s in group][:2] == [
            (group[0].published, "en"),
            (group[0].published, "ko"),
        ]
    assert sorted(s.url for g in groups for s in g) == sorted(s.url for s in ALL)


def test_statements_of_no_series_form_one_group() -> None:
    loose = [
        StatementInput(url=f"https://example.org/loose/{n}", source="s", text="t") for n in range(2)
    ]
    groups = parallel.series_groups([loose[0], ALL[0], loose[1]])
    assert [[s.url for s in g] for g in groups] == [
        [loose[0].url, loose[1].url],
        [ALL[0].url],
    ]


def _groups(*lengths: int) -> list[list[StatementInput]]:
    return [
        [
            StatementInput(url=f"https://example.org/g{g}/{n}", source="s", text="t")
            for n in range(k)
        ]
        for g, k in enumerate(lengths)
    ]


@pytest.mark.parametrize(
    ("lengths", "order"),
    [
        ((3, 9, 1), [1, 0, 2]),
        ((2, 2, 5, 2), [2, 0, 1, 3]),  # ties keep their order
        ((4,), [0]),
        ((), []),
    ],
)
def test_series_are_handed_out_longest_first(lengths: tuple[int, ...], order: list[int]) -> None:
    assert parallel.longest_first(list(lengths)) == order


class _FakePool:
    """Records the order series are submitted in and runs each at once."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(
        self,
        url: str,
        statements: Sequence[StatementInput],
        lexical: bool,
        lexicon_dir: Path | None = None,
    ) -> Future[list[StatementResult]]:
        self.submitted.append(statements[0].url)
        future: Future[list[StatementResult]] = Future()
        future.set_result([StatementResult(s.url, s.source) for s in statements])
        return future


def test_processes_get_the_longest_series_first_and_results_come_back_in_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pool = _FakePool()

    @contextmanager
    def fake_pool(workers: int, **options: object) -> Iterator[_FakePool]:
        yield pool

    monkeypatch.setattr(tracking, "series_pool", fake_pool)
    groups = _groups(1, 4, 2)
    history = open_history(sqlite_url(tmp_path / "h.db"), check=False)
    try:
        # Only the run's history is used (for its URL).
        run = SimpleNamespace(history=history, lexicon_dir=None)
        results = tracking.ingest_in_processes(run, groups, True, 2)  # type: ignore[arg-type]
    finally:
        history.close()
    assert pool.submitted == [groups[1][0].url, groups[2][0].url, groups[0][0].url]
    assert [[r.url for r in done] for done in results] == [[s.url for s in g] for g in groups]


def test_gather_submits_longest_first_and_a_dead_job_gets_its_fallback() -> None:
    submitted: list[int] = []

    def submit(i: int) -> Future[str]:
        submitted.append(i)
        future: Future[str] = Future()
        if i == 2:
            future.set_exception(RuntimeError("worker killed"))
        else:
            future.set_result(f"job {i}")
        return future

    results = parallel.gather([1, 5, 3], submit, lambda i, exc: f"job {i} lost: {exc}")
    assert submitted == [1, 2, 0]
    assert results == ["job 0", "job 1", "job 2 lost: worker killed"]


def test_a_dead_series_worker_makes_every_statement_an_error() -> None:
    (group,) = _groups(2)
    results = parallel.dead_worker_results(group, RuntimeError("killed"))
    assert [(r.url, r.stored, r.error) for r in results] == [
        (s.url, None, "series worker stopped: RuntimeError: killed") for s in group
    ]


class _Orig(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "attempts_made", "succeeds"),
    [
        ("40P01", 2, True),  # deadlock detected, then fine
        ("40001", 2, True),  # serialization failure, then fine
        ("23505", 1, False),  # a unique violation is a bug, not a race: raised at once
        (None, 1, False),
    ],
)
def test_retry_only_after_a_deadlock_or_serialization_failure(
    sqlstate: str | None, attempts_made: int, succeeds: bool
) -> None:
    calls: list[int] = []

    def stage() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("INSERT ...", {}, _Orig(sqlstate))
        return "stored"

    if succeeds:
        assert parallel.retrying(stage) == "stored"
    else:
        with pytest.raises(OperationalError):
            parallel.retrying(stage)
    assert len(calls) == attempts_made


def test_a_stage_failing_every_time_gives_up_after_the_last_attempt() -> None:
    calls: list[int] = []

    def stage() -> None:
        calls.append(1)
        raise OperationalError("INSERT ...", {}, _Orig("40P01"))

    with pytest.raises(OperationalError):
        parallel.retrying(stage, attempts=3)
    assert len(calls) == 3


# -- on the databases ---------------------------------------------------------------------


def test_only_postgresql_takes_series_side_by_side(db_url: str) -> None:
    history = open_history(db_url)
    try:
        on_postgres = history.engine.dialect.name == "postgresql"
        assert parallel.parallel_allowed(history, 2) is on_postgres
        assert parallel.parallel_allowed(history, 1) is False
    finally:
        history.close()


def test_two_workers_over_overlapping_series_store_everything_once(
    fresh_pg_url: Callable[[], str],
) -> None:
    """Two workers, each with its own engine and two series slots, both given every series
    (one in order, one in reverse): the history equals one serial run's, row for row."""
    baseline = ingested(fresh_pg_url())
    try:
        clean = fingerprint(baseline)
        clean_counts = history_counts(baseline)
    finally:
        baseline.close()
    assert clean_counts["alert"] > 0 and clean_counts["comparison"] > 0

    url = fresh_pg_url()
    setup = open_history(url)
    subscribe_analyst(setup)
    setup.close()
    groups = parallel.series_groups(ALL)
    plans = [groups, list(reversed(groups))]
    barrier = threading.Barrier(4, timeout=60)
    done: list[StatementResult] = []
    failures: list[BaseException] = []

    def slot(history: History, mine: Sequence[Sequence[StatementInput]]) -> None:
        try:
            barrier.wait()
            for group in mine:
                done.extend(parallel.ingest_series(history, group, lexical=True))
        except BaseException as exc:
            failures.append(exc)

    workers = [open_history(url) for _ in plans]
    threads = [
        threading.Thread(target=slot, args=(history, plan[k::2]))
        for history, plan in zip(workers, plans, strict=True)
        for k in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for history in workers:
        history.close()
    assert not failures, failures
    assert [r.error for r in done if r.error] == []
    assert len(done) == 2 * len(ALL)
    # Every statement was stored new by exactly one of the two workers.
    new = sorted(r.url for r in done if r.stored is not None and r.stored.new_version)
    assert new == sorted(s.url for s in ALL)

    checked = open_history(url)
    try:
        after = fingerprint(checked)
        assert duplicates(after) == 0
        assert after == clean
        assert history_counts(checked) == clean_counts
    finally:
        checked.close()


def _encoder_configuration_here() -> tuple[int, Path | None]:
    from clauses.encoder import default_encoder_configuration

    return default_encoder_configuration()


_initialized: list[str] = []


def _note_start(word: str) -> None:
    _initialized.append(word)


def _initializer_words() -> list[str]:
    return list(_initialized)


def test_a_worker_loads_the_encoder_as_the_parent_configured_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from clauses import encoder

    monkeypatch.setattr(encoder, "_threads", encoder.DEFAULT_THREADS)
    monkeypatch.setattr(encoder, "_weights_cache", None)
    encoder.configure_default_encoder(threads=3, weights_cache=tmp_path / "cache")
    with parallel.series_pool(1, initializer=_note_start, initargs=("started",)) as pool:
        assert pool.call(_encoder_configuration_here).result() == (3, tmp_path / "cache")
        # The caller's own initializer still runs, after the encoder's configuration.
        assert pool.call(_initializer_words).result() == ["started"]
