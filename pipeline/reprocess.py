"""Reprocess the history: give every stored version what the running engine needs (ADR 0109).

A reprocess walks the stored versions of each series in publication order and, for each
version, in two transactions of its own:

1. refreshes the derived values stored under another engine's stamp (ADR 0107: the
   phrase-support key and, unless lexical, the clause vectors) from the stored text;
2. makes the comparisons the version should take part in and the history lacks
   (``stages.compare_version`` saves only missing ones, with their alerts, as ingest would
   have).

It never re-decides a comparison that exists, even one an older engine made: a comparison
carries alert rows, and "never drop or duplicate an alert" needs its own decision first
(the ADR's next step). Series are independent (ADR 0108), so on PostgreSQL they go side by
side in worker processes (:func:`pipeline.parallel.series_pool`), each series still in
order; SQLite stays serial. Every step is idempotent: a second reprocess adds nothing, two
workers never store a row twice, and a killed one leaves only whole transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from clauses.encoder import configure_encoder
from core.errors import ClausewatchError, InputError
from core.settings import MAX_WORKERS, Settings
from models import History, open_history, store
from pipeline import catalog
from pipeline.parallel import (
    error_line,
    gather,
    history_at,
    history_url,
    parallel_allowed,
    retrying,
    series_pool,
)
from pipeline.stages import ComparisonOutcome, bundled_vectors, compare_version

#: How a report and a task name the statements that belong to no series (not a valid slug).
NO_SERIES = "(no series)"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeriesReprocessed:
    """What reprocessing one series did: versions visited, derived values refreshed,
    comparisons made (and the alerts they queued), one line per version that failed."""

    series: str
    versions: int = 0
    refreshed: int = 0
    comparisons: int = 0
    alerts_queued: int = 0
    errors: tuple[str, ...] = ()

    def row(self) -> dict[str, Any]:
        """The report's table row; ``error`` is the first failure's line."""
        return {
            "series": self.series,
            "versions": self.versions,
            "refreshed": self.refreshed,
            "comparisons": self.comparisons,
            "alerts queued": self.alerts_queued,
            "errors": len(self.errors),
            "error": self.errors[0] if self.errors else "",
        }


#: The columns of :meth:`ReprocessReport.totals`.
COUNTED = ("versions", "refreshed", "comparisons", "alerts queued", "errors")


@dataclass
class ReprocessReport:
    """Everything a reprocess did, one entry per series in the order they were asked."""

    series: list[SeriesReprocessed] = field(default_factory=list)
    #: Worker processes the series actually ran in (1: serially, in this process).
    workers: int = 1

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One table row per series."""
        return [s.row() for s in self.series]

    def totals(self) -> dict[str, int]:
        """The counted columns summed over series."""
        return {key: sum(int(row[key]) for row in self.rows) for key in COUNTED}

    @property
    def failed(self) -> bool:
        """Whether any version could not be reprocessed."""
        return any(s.errors for s in self.series)


class ReprocessFailed(ClausewatchError):
    """Raised after a reprocess in which some versions failed; carries the report."""

    def __init__(self, report: ReprocessReport) -> None:
        failed = [s for s in report.series if s.errors]
        errors = sum(len(s.errors) for s in failed)
        first = failed[0] if failed else None
        detail = f"; first: {first.series}: {first.errors[0]}" if first else ""
        super().__init__(f"{errors} version(s) could not be reprocessed{detail}")
        self.report = report


def check_workers(workers: int) -> int:
    """``workers`` if it is a usable number of worker processes; raises InputError."""
    if not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"workers must be from 1 to {MAX_WORKERS}, not {workers}")
    return workers


def series_to_reprocess(history: History, series: str | None) -> list[str]:
    """The series a reprocess walks: ``series`` alone, or every series that holds statements
    (then :data:`NO_SERIES` if some statements belong to none). Raises InputError for a
    series neither the history nor the built-in series know, and for an empty history."""
    with history.sessions() as session:
        stored = store.stored_series_slugs(session)
        loose = store.has_documents_without_series(session)
    if not stored and not loose:
        raise InputError(
            "the history holds no statements yet: nothing to reprocess "
            "(run a backfill or import statements first)"
        )
    if series is None:
        return [*stored, *([NO_SERIES] if loose else [])]
    known = dict.fromkeys([*(d.slug for d in catalog.all_series(history)), *stored])
    if series not in known:
        raise InputError(f"unknown series {series!r}; known: {', '.join(known)}")
    return [series]


def refresh_derived(
    history: History, version: store.WalkedVersion, *, lexical: bool = False
) -> int:
    """Recompute and store, in one transaction, the derived values of ``version`` that were
    not made by the running engine: its phrase-support key, and unless ``lexical`` its clause
    vectors (missing, damaged or under another stamp). Returns how many values it
    refreshed (0: all current; a lexical reprocess never loads the encoder).

    The values are functions of the stored text and the engine, so a second writer
    (another worker, a comparison's lazy refresh) writes the same key and vectors equal up
    to their last bits (which depend on the encoder's batch, ADR 0107).
    """
    from clauses import segment
    from clauses.derived import embedding_stamp, stored_vectors, support_key, support_stamp

    stale_key = version.support_stamp != support_stamp()
    if not stale_key and lexical:
        return 0
    with history.sessions() as session:
        text = store.version_text(session, version.id)
        clauses = [] if lexical else store.clauses_by_version(session, [version.id])[version.id]
        rows = [(c.id, c.text, c.embedding) for c in clauses]
    if text is None:
        return 0  # deleted since the walk was read (a retired document)
    key = None
    if stale_key:
        # The key of the document's language, as a successor comparison would compute it.
        key = support_key(segment(text, version.language), version.language)
    vectors = None
    if not lexical and (
        version.embedding_stamp != embedding_stamp()
        or stored_vectors([blob for _, _, blob in rows]) is None
    ):
        vectors = _encoded(rows)
    if key is None and vectors is None:
        return 0
    with history.sessions.begin() as session:
        if key is not None:
            store.save_support_keys(session, {version.id: key}, support_stamp())
        if vectors is not None:
            store.save_clause_vectors(session, {version.id: vectors}, embedding_stamp())
    return (key is not None) + (vectors is not None)


def _encoded(rows: Sequence[tuple[int, str, bytes | None]]) -> list[tuple[int, bytes]]:
    """(clause id, vector bytes) of the clauses in ``rows`` from the bundled encoder."""
    blobs = bundled_vectors([text for _, text, _ in rows])
    return list(zip([clause_id for clause_id, _, _ in rows], blobs, strict=True))


def reprocess_version(
    history: History,
    version: store.WalkedVersion,
    *,
    lexical: bool = False,
    lexicon_dir: Path | None = None,
) -> tuple[int, list[ComparisonOutcome]]:
    """Refresh one version's stale derived values, then make its missing comparisons; each
    step commits whole and is retried after a deadlock. Returns (values refreshed, the
    version's comparisons: ``created`` for the ones made now)."""
    refreshed = retrying(partial(refresh_derived, history, version, lexical=lexical))
    outcomes = retrying(
        partial(compare_version, history, version.id, lexical=lexical, lexicon_dir=lexicon_dir)
    )
    return refreshed, outcomes


def reprocess_series(
    history: History, series: str, lexical: bool = False, lexicon_dir: Path | None = None
) -> SeriesReprocessed:
    """Reprocess every stored version of ``series`` (:data:`NO_SERIES`: of no series) in
    publication order; a failing version is reported in one line and the next goes on."""
    with history.sessions() as session:
        versions = store.series_versions(session, None if series == NO_SERIES else series)
    refreshed = made = queued = 0
    errors: list[str] = []
    for version in versions:
        try:
            count, outcomes = reprocess_version(
                history, version, lexical=lexical, lexicon_dir=lexicon_dir
            )
        except Exception as exc:
            errors.append(f"version {version.id}: {error_line(exc)}")
            continue
        refreshed += count
        made += sum(1 for o in outcomes if o.created)
        queued += sum(o.alerts_queued for o in outcomes)
    return SeriesReprocessed(series, len(versions), refreshed, made, queued, tuple(errors))


def reprocess_series_at(
    url: str, series: str, lexical: bool, lexicon_dir: Path | None
) -> SeriesReprocessed:
    """:func:`reprocess_series` on the history at ``url`` (a worker process's entry point)."""
    return reprocess_series(history_at(url), series, lexical=lexical, lexicon_dir=lexicon_dir)


def dead_worker_result(series: str, exc: BaseException) -> SeriesReprocessed:
    """The result of a series whose worker stopped (what it committed stays; the next
    reprocess does the rest)."""
    return SeriesReprocessed(series, errors=(f"series worker stopped: {error_line(exc)}",))


#: Runs one series in this process: (history, series, lexical, lexicon_dir).
OneSeries = Callable[[History, str, bool, Path | None], SeriesReprocessed]
#: Runs the series side by side, the largest first (:func:`pipeline.parallel.gather`):
#: (history, series, their version counts, lexical, lexicon_dir, workers), results in the
#: order of the series.
SideBySide = Callable[
    [History, Sequence[str], Sequence[int], bool, Path | None, int], list[SeriesReprocessed]
]


def reprocess_in_processes(
    history: History,
    series: Sequence[str],
    sizes: Sequence[int],
    lexical: bool,
    lexicon_dir: Path | None,
    workers: int,
    **pool_options: Any,
) -> list[SeriesReprocessed]:
    """Each series reprocessed in a pool of ``workers`` spawned processes, the one with the
    most versions (``sizes``) first, results in the order of ``series`` (the plain-Python
    runner; the flow hands Prefect tasks instead; ``pool_options``: see
    :class:`pipeline.parallel.SeriesPool`)."""
    url = history_url(history)
    with series_pool(min(workers, len(series)), **pool_options) as pool:
        return gather(
            sizes,
            lambda i: pool.call(reprocess_series_at, url, series[i], lexical, lexicon_dir),
            lambda i, exc: dead_worker_result(series[i], exc),
        )


def version_counts(history: History, names: Sequence[str]) -> list[int]:
    """How many stored versions each series of ``names`` holds (:data:`NO_SERIES`: the
    statements of no series)."""
    with history.reads() as session:
        counts = store.version_counts_by_series(session)
    return [counts.get(None if name == NO_SERIES else name, 0) for name in names]


def reprocess(
    history: History,
    series: str | None = None,
    *,
    workers: int = 1,
    lexical: bool = False,
    lexicon_dir: Path | None = None,
    one_series: OneSeries = reprocess_series,
    side_by_side: SideBySide = reprocess_in_processes,
    log: logging.Logger | logging.LoggerAdapter[Any] = _log,
) -> ReprocessReport:
    """Reprocess ``series`` (None: every series), series side by side in ``workers``
    processes on PostgreSQL, serially otherwise; raises InputError for an unknown series,
    an empty history or an unusable number of workers. Failing versions are counted in the
    report, never raised (the caller decides: see :class:`ReprocessFailed`)."""
    check_workers(workers)
    names = series_to_reprocess(history, series)
    if workers > 1 and len(names) > 1 and parallel_allowed(history, workers):
        used = min(workers, len(names))
        log.info("reprocessing %d series with %d workers", len(names), used)
        sizes = version_counts(history, names)
        results = side_by_side(history, names, sizes, lexical, lexicon_dir, workers)
    else:
        used = 1
        if workers > 1 and history.engine.dialect.name != "postgresql":
            log.info("%d workers asked, reprocessing serially: SQLite takes one writer", workers)
        results = []
        for name in names:
            results.append(one_series(history, name, lexical, lexicon_dir))
    report = ReprocessReport(results, used)
    for result in results:
        log.info(
            "series %s: %d versions, %d refreshed, %d comparisons made, %d errors",
            result.series,
            result.versions,
            result.refreshed,
            result.comparisons,
            len(result.errors),
        )
    log.info("done: %s", ", ".join(f"{k} {v}" for k, v in report.totals().items()))
    return report


def reprocess_history(
    settings: Settings,
    series: str | None = None,
    *,
    workers: int = 1,
    lexical: bool = False,
    one_series: OneSeries = reprocess_series,
    side_by_side: SideBySide = reprocess_in_processes,
    log: logging.Logger | logging.LoggerAdapter[Any] = _log,
) -> ReprocessReport:
    """:func:`reprocess` on the history ``settings`` name, with the operator's lexicon
    families and (unless ``lexical``) the encoder configured from them, as the command and
    the deployment both run it; the history is closed after. Raises ConfigError when the
    history cannot be opened, and what :func:`reprocess` raises."""
    history = open_history(settings.resolved_database_url)
    try:
        if not lexical:
            configure_encoder(settings)
        return reprocess(
            history,
            series,
            workers=workers,
            lexical=lexical,
            lexicon_dir=settings.lexicon_dir,
            one_series=one_series,
            side_by_side=side_by_side,
            log=log,
        )
    finally:
        history.close()
