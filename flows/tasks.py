"""The tasks of the tracking and backfill flows: one small task per stage.

Each task calls exactly one function of ``pipeline/tracking.py`` (which calls
``scrapers/`` and ``models/``) or ``pipeline/stages.py``; the logic is testable without
Prefect. Task inputs hold open resources (the run's client and history), so no task caches
its result (``NO_CACHE``) — every stage is idempotent instead.

No task retries: the polite client retries a fetch within one deadline (ADR 0034), and a
Prefect retry on top would multiply its attempts and its time; a failed page is recorded
and the next scheduled run asks again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ProcessPoolTaskRunner

from clauses.encoder import (
    DEFAULT_THREADS,
    configure_default_encoder,
    default_encoder_configuration,
)
from models import History
from pipeline import health, parallel, reprocess, tracking
from pipeline import stages as pipeline
from pipeline.parallel import StatementResult
from pipeline.reprocess import SeriesReprocessed
from pipeline.stages import ComparisonOutcome, StatementInput, StoreOutcome
from pipeline.tracking import PageCapture, TrackingRun
from scrapers.base import ListingItem


@task(name="discover", task_run_name="discover {source}", cache_policy=NO_CACHE)
def discover(
    run: TrackingRun, source: str, since: dt.date, until: dt.date, use_wayback: bool = False
) -> list[ListingItem]:
    """List the statement pages a source published in the window; raises FetchError."""
    return tracking.discover(run, source, since, until, use_wayback=use_wayback)


@task(name="fetch", task_run_name="fetch {item.url}", cache_policy=NO_CACHE)
def fetch(run: TrackingRun, item: ListingItem) -> PageCapture:
    """Fetch one page (conditional GET), archive it and record the capture; raises FetchError."""
    return tracking.capture_page(run, item)


@task(name="extract", task_run_name="extract {page.url}", cache_policy=NO_CACHE)
def extract(run: TrackingRun, page: PageCapture, series: str | None) -> StatementInput | None:
    """Parse a captured page, record its health facts and match it to a series; raises
    ParseError (also when an implausible fallback extraction is refused)."""
    return tracking.extract(run, page, series)


@task(name="store", task_run_name="store {statement.url}", cache_policy=NO_CACHE)
def store(run: TrackingRun, statement: StatementInput, lexical: bool) -> StoreOutcome:
    """Store a statement's document and, when its text changed, a new version (with its
    clause vectors unless ``lexical``)."""
    return pipeline.store_statement(
        run.history, statement, lexicon_dir=run.lexicon_dir, lexical=lexical
    )


@task(name="compare", task_run_name="compare version {version_id}", cache_policy=NO_CACHE)
def compare(run: TrackingRun, version_id: int, lexical: bool) -> list[ComparisonOutcome]:
    """Compare a version with its neighbours; flagged changes queue alerts in the same commit."""
    return pipeline.compare_version(
        run.history, version_id, lexical=lexical, lexicon_dir=run.lexicon_dir
    )


@task(name="flagged-changes", cache_policy=NO_CACHE)
def flagged_changes(run: TrackingRun, outcomes: list[ComparisonOutcome]) -> list[dict[str, Any]]:
    """The flagged commitment changes, with evidence, of the comparisons this run created."""
    return tracking.flagged_changes(run.history, outcomes)


@task(name="record-source-status", task_run_name="status {source}", cache_policy=NO_CACHE)
def record_status(run: TrackingRun, source: str, error: str | None) -> None:
    """Record a source's last success or last error in the history."""
    tracking.record_status(run, source, error)


@task(name="judge-source-health", task_run_name="health {source}", cache_policy=NO_CACHE)
def judge_health(run: TrackingRun, source: str, since: dt.datetime) -> dict[str, Any] | None:
    """Judge a source from the health facts this run recorded; a change alerts operators."""
    check = health.judge_run(run.history, source, since)
    return (
        None
        if check is None
        else {"source": source, "verdict": str(check.verdict), "reason": check.reason}
    )


def _encoder_as_configured() -> dict[str, Any]:
    """The parent's encoder configuration (ADRs 0104, 0110), as arguments of a task that runs
    in a worker process: a process of the pool starts from the defaults."""
    threads, weights_cache = default_encoder_configuration()
    return {"encoder_threads": threads, "weights_cache": weights_cache}


@contextmanager
def _workers_share_this_api() -> Iterator[None]:
    """Inside the block, process-pool workers reach the Prefect API this flow run uses.

    Without ``PREFECT_API_URL`` a flow run talks to a temporary server it started itself;
    each spawned worker would start one more of its own (ADR 0092) — seconds of CPU per
    worker, taken from the series it should be storing, and task runs recorded where no one
    sees them. With the URL set (a real server) this changes nothing.
    """
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL
    from prefect.settings.context import temporary_settings

    context = FlowRunContext.get()
    if PREFECT_API_URL.value() or context is None or context.client is None:
        yield
        return
    api = str(context.client.api_url).rstrip("/")
    # The runner hands its workers the settings current when a task is submitted.
    with temporary_settings(updates={PREFECT_API_URL: api}):
        yield


@task(name="ingest-series", task_run_name="ingest series {series}", cache_policy=NO_CACHE)
def ingest_series(
    database_url: str,
    series: str,
    statements: list[StatementInput],
    lexical: bool,
    encoder_threads: int = DEFAULT_THREADS,
    weights_cache: Path | None = None,
    lexicon_dir: Path | None = None,
) -> list[StatementResult]:
    """Store then compare one series' statements in publication order (in a worker
    process, its encoder configured as given); a failing statement is reported in its
    result, the next one goes on."""
    configure_default_encoder(threads=encoder_threads, weights_cache=weights_cache)
    return parallel.ingest_series_at(database_url, statements, lexical, lexicon_dir)


def ingest_series_in_processes(
    run: TrackingRun, groups: Sequence[Sequence[StatementInput]], lexical: bool, workers: int
) -> list[list[StatementResult]]:
    """One ``ingest-series`` task per series on a process pool of ``workers`` (ADR 0108):
    alignment is CPU-bound Python, which threads would run one at a time."""
    url = parallel.history_url(run.history)
    with (
        _workers_share_this_api(),
        ProcessPoolTaskRunner(max_workers=min(workers, len(groups))) as runner,
    ):
        return parallel.gather(
            [len(g) for g in groups],
            lambda i: runner.submit(
                ingest_series,
                {
                    "database_url": url,
                    "series": groups[i][0].series or "(none)",
                    "statements": list(groups[i]),
                    "lexical": lexical,
                    "lexicon_dir": run.lexicon_dir,
                    **_encoder_as_configured(),
                },
            ),
            lambda i, exc: parallel.dead_worker_results(groups[i], exc),
        )


@task(name="reprocess-series", task_run_name="reprocess series {series}", cache_policy=NO_CACHE)
def reprocess_series(
    history: History, series: str, lexical: bool, lexicon_dir: Path | None
) -> SeriesReprocessed:
    """Refresh stale derived values and make missing comparisons of one series' versions, in
    publication order (in this process); a failing version is counted, the next goes on."""
    return reprocess.reprocess_series(history, series, lexical=lexical, lexicon_dir=lexicon_dir)


@task(name="reprocess-series", task_run_name="reprocess series {series}", cache_policy=NO_CACHE)
def reprocess_series_at(
    database_url: str,
    series: str,
    lexical: bool,
    lexicon_dir: Path | None,
    encoder_threads: int = DEFAULT_THREADS,
    weights_cache: Path | None = None,
) -> SeriesReprocessed:
    """:func:`reprocess_series` in a worker process, on the history at ``database_url``,
    its encoder configured as given."""
    configure_default_encoder(threads=encoder_threads, weights_cache=weights_cache)
    return reprocess.reprocess_series_at(database_url, series, lexical, lexicon_dir)


def reprocess_series_in_processes(
    history: History,
    series: Sequence[str],
    sizes: Sequence[int],
    lexical: bool,
    lexicon_dir: Path | None,
    workers: int,
) -> list[SeriesReprocessed]:
    """One ``reprocess-series`` task per series on a process pool of ``workers``, the one
    with the most versions (``sizes``) first, as the backfill's ``ingest-series`` tasks
    (ADR 0108)."""
    url = parallel.history_url(history)
    with (
        _workers_share_this_api(),
        ProcessPoolTaskRunner(max_workers=min(workers, len(series))) as runner,
    ):
        return parallel.gather(
            sizes,
            lambda i: runner.submit(
                reprocess_series_at,
                {
                    "database_url": url,
                    "series": series[i],
                    "lexical": lexical,
                    "lexicon_dir": lexicon_dir,
                    **_encoder_as_configured(),
                },
            ),
            lambda i, exc: reprocess.dead_worker_result(series[i], exc),
        )


#: The tracking loop's stages as tasks: discovery and fetches submitted to the task runner.
TASK_STAGES = tracking.Stages(
    discover=discover.submit,
    fetch=fetch.submit,
    extract=extract,
    store=store,
    compare=compare,
    flagged_changes=flagged_changes,
    record_status=record_status,
    ingest_series=ingest_series_in_processes,
)
