"""Build a small history with one stored comparison, for the outbox and delivery tests."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from models import History, store
from models.outbox import enqueue_alerts
from tests.support.alert_samples import NCG_4_TO_5, NEW_TITLE, NEW_URL, OLD_TITLE, OLD_URL


def add_comparison(
    history: History,
    result: dict[str, Any] | None = None,
    *,
    severity: str | None = "high",
    old: tuple[str, str, dt.date] = (OLD_URL, OLD_TITLE, dt.date(2025, 1, 10)),
    new: tuple[str, str, dt.date] = (NEW_URL, NEW_TITLE, dt.date(2025, 12, 11)),
    language: str = "en",
    series: str = "ncg",
    enqueue: bool = True,
) -> tuple[int, int]:
    """Store two statements and their comparison, queueing alerts like the pipeline does.

    Returns (comparison id, alerts queued).
    """
    data = copy.deepcopy(result if result is not None else NCG_4_TO_5)
    with history.sessions.begin() as session:
        series_row = store.ensure_series(session, series, "NCG joint statements")
        source = store.ensure_source(session, "us-dod", base_url="https://www.defense.example")
        versions = []
        for url, title, published in (old, new):
            document, _ = store.ensure_document(
                session,
                url=url,
                source_id=source.id,
                language=language,
                series_id=series_row.id,
                title=title,
                published=published,
            )
            capture_id = store.add_capture(
                session,
                url=url,
                document_id=document.id,
                status=200,
                sha256="0" * 64,
                warc_path="/data/warc/cw-0001.warc.gz",
                fetched_at=dt.datetime.combine(published, dt.time(9), tzinfo=dt.UTC),
            )
            version, _ = store.add_version(
                session,
                document.id,
                f"text of {title}",
                [store.ClauseRow(0, 0, title, title.lower())],
                capture_id=capture_id,
            )
            versions.append(version.id)
        comparison, _ = store.save_comparison(
            session, versions[0], versions[1], data, severity=severity
        )
        queued = 0
        if enqueue:
            queued = enqueue_alerts(
                session,
                comparison.id,
                severity=severity,
                series_slug=series,
                commitment_keys=[
                    c["key"] for c in data["commitments"] if c["status"] != "retained"
                ],
            )
        return comparison.id, queued
