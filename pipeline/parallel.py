"""Store and compare statements one series at a time, several series at once (ADR 0108).

A successor comparison reads its series as it stands, so the statements of one series
must be stored and compared in publication order; different series share nothing but a
few insert-only rows (source, commitments), so they can go side by side. A run's
statements are split into :func:`series_groups` (the English and Korean statements of a
meeting are one series, so translation pairs stay in one group), and each group is one
call of :func:`ingest_series` — one Prefect task, or one job of a process pool.

Only PostgreSQL takes writers side by side (:func:`parallel_allowed`): SQLite has one
writer lock, so on SQLite a run stays serial whatever it was asked. Alignment is
CPU-bound Python, so the workers are processes (:class:`SeriesPool`); each opens the
history once (:func:`history_at`). Two workers never store anything twice: every row has
its unique key and every insert is ``ON CONFLICT DO NOTHING``; a deadlock between two
first inserts of the same commitments is retried (:func:`retrying`).
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError

from clauses.encoder import configure_default_encoder, default_encoder_configuration
from core.errors import ClausewatchError
from models import History, open_history
from pipeline.stages import (
    ComparisonOutcome,
    StatementInput,
    StoreOutcome,
    compare_version,
    store_statement,
)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

#: PostgreSQL's "deadlock detected" and "could not serialize": the transaction was rolled
#: back whole, and running the (idempotent) stage again is the cure.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
#: Attempts of one stage before its error is reported.
ATTEMPTS = 3


@dataclass(frozen=True)
class StatementResult:
    """What storing and comparing one statement did, or the one-line error that stopped it."""

    url: str
    source: str
    stored: StoreOutcome | None = None
    comparisons: list[ComparisonOutcome] = field(default_factory=list)
    error: str | None = None


def error_line(exc: BaseException) -> str:
    """A one-line description of a stage failure for logs and the source status."""
    if isinstance(exc, ClausewatchError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def series_groups(statements: Iterable[StatementInput]) -> list[list[StatementInput]]:
    """``statements`` (already in publication order) split by series, each group in that
    order; statements of no series form one group of their own."""
    groups: dict[str | None, list[StatementInput]] = {}
    for statement in statements:
        groups.setdefault(statement.series, []).append(statement)
    return list(groups.values())


def longest_first(sizes: Sequence[int]) -> list[int]:
    """The indices of ``sizes`` (a series' statements or versions), largest first (ties in
    their order): the order to hand series to a pool, so that a long series never starts
    last and keeps one worker busy alone at the end while the others are idle."""
    return sorted(range(len(sizes)), key=lambda i: -sizes[i])


class Pending(Protocol[T_co]):
    """A result that may still be on its way (a pool's future, a Prefect future, a deferred
    call)."""

    def result(self) -> T_co:
        """The value; raises what the work raised."""
        ...


def gather(
    sizes: Sequence[int],
    submit: Callable[[int], Pending[T]],
    dead: Callable[[int, BaseException], T],
) -> list[T]:
    """Each job ``i`` (one series, of ``sizes[i]`` statements or versions) submitted by
    ``submit(i)`` largest first (:func:`longest_first`), the results in the order of
    ``sizes``; a job whose result raises (its worker died) gets ``dead(i, error)``."""
    pending = {i: submit(i) for i in longest_first(sizes)}
    results: list[T] = []
    for i in range(len(sizes)):
        try:
            results.append(pending[i].result())
        except Exception as exc:
            results.append(dead(i, exc))
    return results


def history_url(history: History) -> str:
    """The URL a worker process opens ``history`` with (password included)."""
    return history.engine.url.render_as_string(hide_password=False)


def dead_worker_results(
    statements: Sequence[StatementInput], exc: BaseException
) -> list[StatementResult]:
    """The results of a series whose worker stopped: every statement an error (what it had
    committed stays; the next run stores the rest)."""
    error = f"series worker stopped: {error_line(exc)}"
    return [StatementResult(s.url, s.source, error=error) for s in statements]


def parallel_allowed(history: History, workers: int) -> bool:
    """Whether series may be stored side by side: more than one worker, on PostgreSQL."""
    return workers > 1 and history.engine.dialect.name == "postgresql"


def retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a PostgreSQL deadlock or serialization failure."""
    return isinstance(exc, DBAPIError) and (
        getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
    )


def retrying(stage: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run an idempotent stage, again after a deadlock or serialization failure; raises the
    stage's error otherwise, or the last one when every attempt failed."""
    for attempt in range(1, attempts + 1):
        try:
            return stage()
        except DBAPIError as exc:
            if attempt == attempts or not retryable(exc):
                raise
    raise AssertionError("unreachable")


def ingest_series(
    history: History,
    statements: Sequence[StatementInput],
    lexical: bool,
    lexicon_dir: Path | None = None,
) -> list[StatementResult]:
    """Store then compare each statement of one series, in order, with the operator's
    lexicon families in ``lexicon_dir`` (None: the bundled ones); a failing statement is
    reported in its result and the next one goes on (as the serial run does)."""
    results: list[StatementResult] = []
    for statement in statements:
        try:
            stored = retrying(
                partial(
                    store_statement, history, statement, lexical=lexical, lexicon_dir=lexicon_dir
                )
            )
            compared = retrying(
                partial(
                    compare_version,
                    history,
                    stored.version_id,
                    lexical=lexical,
                    lexicon_dir=lexicon_dir,
                )
            )
        except Exception as exc:
            results.append(StatementResult(statement.url, statement.source, error=error_line(exc)))
            continue
        results.append(StatementResult(statement.url, statement.source, stored, compared))
    return results


_opened: dict[str, History] = {}
_opened_lock = threading.Lock()


def history_at(url: str) -> History:
    """This process's history at ``url``, opened on first use and kept (a worker process
    serves many series; an engine per series would cost more than short series do)."""
    with _opened_lock:
        if url not in _opened:
            history = _opened[url] = open_history(url)
            atexit.register(history.close)
        return _opened[url]


def ingest_series_at(
    url: str,
    statements: Sequence[StatementInput],
    lexical: bool,
    lexicon_dir: Path | None = None,
) -> list[StatementResult]:
    """:func:`ingest_series` on the history at ``url`` (a process worker's entry point)."""
    return ingest_series(history_at(url), statements, lexical, lexicon_dir)


def _start_worker(
    threads: int,
    weights_cache: Path | None,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> None:
    """A worker's start: the encoder configured as in the parent, then ``initializer``."""
    configure_default_encoder(threads=threads, weights_cache=weights_cache)
    if initializer is not None:
        initializer(*initargs)


class SeriesPool:
    """``workers`` processes (spawned, not forked: the parent holds threads and
    connections) that each run :func:`ingest_series_at` (or another per-series job, see
    :meth:`call`) for one series at a time. Each worker's encoder gets the parent's
    configuration (its threads and table cache, ADRs 0104 and 0110): a spawned process
    starts from the defaults."""

    def __init__(
        self,
        workers: int,
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        threads, weights_cache = default_encoder_configuration()
        self._executor: Executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(threads, weights_cache, initializer, initargs),
        )

    def submit(
        self,
        url: str,
        statements: Sequence[StatementInput],
        lexical: bool,
        lexicon_dir: Path | None = None,
    ) -> Future[list[StatementResult]]:
        """Queue one series; the future raises BrokenProcessPool if its worker died."""
        return self.call(ingest_series_at, url, list(statements), lexical, lexicon_dir)

    def call(self, job: Callable[..., T], *args: Any) -> Future[T]:
        """Queue ``job(*args)`` (a module-level function: it is pickled by name) on a
        worker, e.g. another per-series stage; the future raises BrokenProcessPool if its
        worker died."""
        return self._executor.submit(job, *args)

    def close(self) -> None:
        """Wait for the queued series and stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def series_pool(workers: int, **options: Any) -> Iterator[SeriesPool]:
    """A :class:`SeriesPool`, shut down on exit."""
    pool = SeriesPool(workers, **options)
    try:
        yield pool
    finally:
        pool.close()
