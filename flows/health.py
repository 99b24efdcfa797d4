"""Prefect flow ``check-sources``: judge every source's health once a day (ADR 0100).

Thin: one task per source calls ``pipeline.health.check_source``; verdict changes queue
operator alerts inside the history, and the ``deliver-alerts`` deployment sends them.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from flows.settings import flow_settings
from pipeline import health, tracking
from pipeline.tracking import TrackingRun


@task(name="check-source", task_run_name="check {source}", cache_policy=NO_CACHE)
def check_source(run: TrackingRun, source: str) -> health.SourceCheck:
    """Fetch one source's listing and newest statement, judge and record the verdict."""
    return health.check_source(source, run.client, run.history, sources=run.sources)


SOURCES = Field(
    default=None,
    description="Source slugs to check (e.g. rok-mnd). Empty: every enabled source.",
)


@flow(name="check-sources", log_prints=False)
def check_sources(sources: list[str] | None = SOURCES) -> list[dict[str, Any]]:
    """Check that each official site still has the shape its adapter reads: fetch its first
    listing page and newest statement, and say healthy, degraded or broken, with why.

    A change of verdict sends one mail to operator subscriptions (through the alert
    outbox); a source that stays broken sends nothing more. Artifacts: the check table.
    The run fails when any source is not healthy, so the UI shows it at a glance.
    """
    settings = flow_settings()
    with TrackingRun(settings) as run:
        slugs = tracking.select_sources(sources, run.sources)
        checks = [check_source(run, slug) for slug in slugs]
    create_table_artifact(
        key="source-health",
        table=[
            {
                "source": c.source,
                "listing": c.listing_cell,
                "article": c.article_cell,
                "last good fetch": c.last_good.isoformat() if c.last_good else None,
                "verdict": str(c.verdict),
                "reason": c.reason,
            }
            for c in checks
        ],
        description="Source health: listing, newest statement, verdict and reason",
    )
    create_markdown_artifact(
        key="source-health-table",
        markdown="```\n" + health.check_table(checks) + "\n```\n",
        description="The table `clausewatch sources check` prints",
    )
    logger = get_run_logger()
    for c in checks:
        logger.info("%s: %s (%s)", c.source, c.verdict, c.reason)
    troubled = [c.source for c in checks if c.verdict != "healthy"]
    if troubled:
        raise health.SourcesUnhealthy(troubled)
    return [c.to_dict() for c in checks]
