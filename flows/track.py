"""``track-statements``: read every enabled source, store what changed, compare, queue alerts.

Order of a run (ADR 0070): the network stages fan out — every source is discovered and
every page fetched concurrently, the polite client's process-wide limiter keeping each host
at its rate (ADR 0072) — and the history stages funnel — statements are stored and
compared one by one, oldest first, so a series is compared in publication order whatever
the order pages arrived in, and a killed run followed by a new one leaves the history a
single clean run would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import Field

from flows import tasks
from flows.forms import ALL_SERIES, SeriesChoice
from pipeline import tracking
from pipeline.stages import ComparisonOutcome, StatementInput
from pipeline.tracking import RunReport, SourceCounts, TrackingFailed, TrackingRun, error_line


def track_sources(
    sources: list[str],
    since: dt.date,
    until: dt.date,
    *,
    lexical: bool = False,
    series: str | None = None,
    use_wayback: bool = False,
) -> RunReport:
    """Run every stage for ``sources`` over the window (inside a flow); raises TrackingFailed
    when every source failed, after the artifacts are written."""
    logger = get_run_logger()
    report = RunReport(since, until)
    started = dt.datetime.now(dt.UTC)
    statements: list[tuple[str, StatementInput]] = []
    healing: list[int] = []
    with TrackingRun() as run:
        discovered = {s: tasks.discover.submit(run, s, since, until, use_wayback) for s in sources}
        fetches: dict[str, list[Any]] = {}
        for source, future in discovered.items():
            counts = report.counts[source] = SourceCounts(source)
            try:
                items = future.result()
            except Exception as exc:
                counts.error = error_line(exc)
                counts.errors += 1
                logger.warning("%s: discovery failed: %s", source, counts.error)
                continue
            items = tracking.series_candidates(run, items, series)
            counts.discovered = len(items)
            logger.info(
                "%s: %d statement pages listed from %s to %s", source, len(items), since, until
            )
            fetches[source] = [tasks.fetch.submit(run, item) for item in items]

        for source, futures in fetches.items():
            counts = report.counts[source]
            last_error = None
            for future in futures:
                try:
                    page = future.result()
                    if page.not_modified:
                        counts.not_modified += 1
                        if page.version_id is not None:
                            healing.append(page.version_id)
                        continue
                    counts.fetched += 1
                    statement = tasks.extract(run, page, series)
                except Exception as exc:
                    counts.errors += 1
                    last_error = error_line(exc)
                    logger.warning("%s: %s", source, last_error)
                    continue
                if statement is not None and tracking.in_window(statement, since, until):
                    statements.append((source, statement))
            if futures and counts.errors == len(futures):
                counts.error = f"every page failed; last: {last_error}"
            logger.info(
                "%s: %d fetched, %d not modified, %d errors",
                source,
                counts.fetched,
                counts.not_modified,
                counts.errors,
            )

        outcomes: list[ComparisonOutcome] = []
        for version_id in healing:
            outcomes += tasks.compare(run, version_id, lexical)
        by_url = {statement.url: source for source, statement in statements}
        ordered = tracking.chronological(s for _, s in statements)
        for number, statement in enumerate(ordered, 1):
            counts = report.counts[by_url[statement.url]]
            try:
                stored = tasks.store(run, statement)
                outcomes += tasks.compare(run, stored.version_id, lexical)
            except Exception as exc:
                counts.errors += 1
                logger.error("%s: storing %s failed: %s", counts.source, statement.url, exc)
                continue
            if stored.new_version:
                counts.new_versions += 1
                report.added.append(tracking.added_row(statement, stored))
            logger.info(
                "stored %d/%d: %s (%s)%s",
                number,
                len(ordered),
                statement.title,
                statement.published,
                " — new version" if stored.new_version else "",
            )
        report.flagged = tasks.flagged_changes(run, outcomes)
        report.unmatched = list(run.unmatched)
        for source, counts in report.counts.items():
            tasks.record_status(run, source, counts.error)
        health = tracking.health_rows(run.history, started)
        verdicts = [
            judged
            for source in report.counts
            if (judged := tasks.judge_health(run, source, started)) is not None
        ]

    create_table_artifact(
        key="source-counts",
        table=report.rows,
        description=f"Per-source counts, {since} to {until}",
    )
    create_table_artifact(
        key="unmatched-statements",
        table=report.unmatched or [{"unmatched": "every statement read matched a series"}],
        description=(
            f"{len(report.unmatched)} statements read from {since} to {until} that matched no "
            "tracked series (not stored)"
        ),
    )
    create_table_artifact(
        key="fetch-health",
        table=health,
        description=(
            "What each listing and statement fetch showed: items listed, which fields came "
            "from the adapter or the generic fallback, body size against the source's median"
        ),
    )
    create_table_artifact(
        key="source-verdicts",
        table=verdicts or [{"source": "-", "verdict": "-", "reason": "no page said anything"}],
        description="Each source's health as this run's pages showed it (ADR 0100)",
    )
    create_markdown_artifact(
        key="flagged-commitment-changes",
        markdown=tracking.flagged_markdown(report),
        description=f"{len(report.flagged)} flagged commitment changes",
    )
    totals = report.totals()
    logger.info("done: %s", ", ".join(f"{k} {v}" for k, v in totals.items()))
    if report.all_failed:
        raise TrackingFailed(report)
    return report


# Pydantic Field objects as defaults are how Prefect reads the form's descriptions.
SOURCES = Field(
    default=None,
    description="Source slugs to read (e.g. us-dod, rok-mnd). Empty: every enabled source.",
)
SINCE = Field(
    default=None, description="First publication date to look at. Empty: 30 days before until."
)
UNTIL = Field(default=None, description="Last publication date to look at. Empty: today (UTC).")
LEXICAL = Field(
    default=False, description="Align clauses by wording only (faster; no sentence encoder)."
)


SERIES: Any = Field(
    default=ALL_SERIES,
    description="Only store statements of this series; all: every tracked series.",
)


@flow(
    name="track-statements",
    log_prints=True,
)
def track_statements(
    sources: list[str] | None = SOURCES,
    since: dt.date | None = SINCE,
    until: dt.date | None = UNTIL,
    lexical: bool = LEXICAL,
    series: SeriesChoice = SERIES,
) -> RunReport:
    """Track the official statements: fetch what the sources published recently, store new
    versions, compare them and queue alerts for flagged commitment changes.

    One failing source does not stop the others; the run fails only when every source
    failed. Artifacts: per-source counts and the flagged commitment changes with evidence.
    """
    slugs = tracking.select_sources(sources)
    window = tracking.tracking_window(since, until)
    only = None if series == ALL_SERIES else tracking.check_series(series)
    return track_sources(slugs, *window, lexical=lexical, series=only)


__all__ = ["TrackingFailed", "track_sources", "track_statements"]
