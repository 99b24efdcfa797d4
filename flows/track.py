"""``track-statements``: read every enabled source, store what changed, compare, queue alerts.

Order of a run (ADR 0070): the network stages fan out — every source is discovered and
every page fetched concurrently, the polite client's process-wide limiter keeping each host
at its rate (ADR 0072) — and the history stages funnel — statements are stored and
compared one by one, oldest first, so a series is compared in publication order whatever
the order pages arrived in, and a killed run followed by a new one leaves the history a
single clean run would. That order is ``pipeline.tracking.track``; this flow hands it the
stages as Prefect tasks and writes the artifacts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import Field

from flows import tasks
from flows.forms import ALL_SERIES, SeriesChoice
from flows.settings import flow_settings
from pipeline import tracking
from pipeline.tracking import RunReport, TrackingFailed, TrackingRun
from scrapers.sources import load_sources


def track_sources(
    sources: list[str],
    since: dt.date,
    until: dt.date,
    *,
    lexical: bool = False,
    series: str | None = None,
    use_wayback: bool = False,
    workers: int = 1,
) -> RunReport:
    """Run every stage for ``sources`` over the window (inside a flow), series side by side
    in ``workers`` processes on PostgreSQL; raises TrackingFailed when every source failed,
    after the artifacts are written."""
    started = dt.datetime.now(dt.UTC)
    with TrackingRun(flow_settings()) as run:
        report = tracking.track(
            run,
            sources,
            since,
            until,
            lexical=lexical,
            series=series,
            use_wayback=use_wayback,
            stages=tasks.TASK_STAGES,
            log=get_run_logger(),
            workers=workers,
        )
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
    slugs = tracking.select_sources(sources, load_sources(flow_settings().sources_file))
    window = tracking.tracking_window(since, until)
    only = (
        None
        if series == ALL_SERIES
        else tracking.check_series(series, database_url=flow_settings().resolved_database_url)
    )
    return track_sources(slugs, *window, lexical=lexical, series=only)


__all__ = ["TrackingFailed", "track_sources", "track_statements"]
