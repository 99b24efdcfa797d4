"""Prefect flow ``deliver_alerts``: send the alert outbox (scheduled by the orchestration).

Thin: each task calls one function of ``alerts/``; the logic is ``alerts.deliver`` and is
tested without Prefect.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task

from alerts.deliver import DeliveryReport, deliver_pending
from flows.settings import flow_settings
from models import open_history


@task(name="send-due-alerts")
def send_due_alerts(dry_run: bool = False) -> dict[str, Any]:
    """Claim, render and send due alerts; returns the delivery report as JSON data."""
    settings = flow_settings()
    history = open_history(settings.resolved_database_url)
    try:
        report: DeliveryReport = deliver_pending(
            history, settings, now=dt.datetime.now(dt.UTC), dry_run=dry_run
        )
    finally:
        history.close()
    return report.to_dict()


@flow(name="deliver_alerts", log_prints=False)
def deliver_alerts(dry_run: bool = False) -> dict[str, Any]:
    """Send every alert that is due: immediate ones at once, daily digests after midnight UTC.

    Args:
        dry_run: render what would go out and send nothing (no row changes).

    Failed sends stay queued with their error and are retried with exponential backoff by
    later runs; after five attempts a row is marked failed (see `clausewatch alerts list`).
    """
    result = send_due_alerts(dry_run)
    get_run_logger().info(
        "alerts sent %d, retrying %d, failed %d",
        len(result["sent"]),
        len(result["retrying"]),
        len(result["failed"]),
    )
    return result
