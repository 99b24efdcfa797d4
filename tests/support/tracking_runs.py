"""One lexical tracking run over the replayed corpus, as the tracking fault tests run it.

The run is ``pipeline.tracking.track``, the loop the flow runs, with its in-process stages:
a Prefect flow run costs seconds, and the point of these tests is what the stages leave in
the history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable

from core.settings import get_settings
from models import History, open_history
from pipeline import tracking
from pipeline.stages import StatementInput, StoreOutcome
from pipeline.tracking import RunReport, TrackingRun
from scrapers.http import PoliteClient
from tests.support import databases
from tests.support.fingerprints import Fingerprint, fingerprint, subscribe_analyst

D = dt.date
#: The replay's "today": after the fifth NCG statement and its silent edit.
AS_OF = D(2026, 1, 10)
#: The fourth and fifth NCG statements, in English (us-dod) and Korean (rok-mnd, mirrored
#: word for word by korea-kr); the other three sources list nothing in the window.
WINDOW = (D(2024, 12, 1), AS_OF)
SOURCES = ["us-dod", "white-house", "state-dept", "rok-mnd", "korea-kr"]


def track_once(
    run: TrackingRun,
    sources: list[str] = SOURCES,
    *,
    window: tuple[dt.date, dt.date] = WINDOW,
    between_statements: Callable[[int], None] | None = None,
) -> RunReport:
    """One lexical run of ``pipeline.tracking.track`` (the flow's loop) with its in-process
    stages, without Prefect.

    ``between_statements(n)`` is called before the n-th statement is stored (fault hooks).
    """
    stages = tracking.DIRECT_STAGES
    if between_statements is not None:
        hook, numbers = between_statements, itertools.count(1)

        def store(run: TrackingRun, statement: StatementInput, lexical: bool) -> StoreOutcome:
            hook(next(numbers))
            return tracking.DIRECT_STAGES.store(run, statement, lexical)

        stages = dataclasses.replace(stages, store=store)
    since, until = window
    return tracking.track(run, sources, since, until, lexical=True, stages=stages)


def clean_fingerprint(url: str, client: PoliteClient) -> Fingerprint:
    """The fingerprint of one clean run (no source in error) into the fresh, migrated
    history at ``url``, with the analyst subscribed."""
    history = open_history(url)
    try:
        subscribe_analyst(history)
        with TrackingRun(get_settings(), history=history, client=client) as run:
            report = track_once(run)
        assert not any(c.errors for c in report.counts.values()), report.rows
        return fingerprint(history)
    finally:
        history.close()


def migrated_history(url: str) -> History:
    """A history at ``url``, migrated to head, with the analyst subscribed."""
    history = open_history(databases.migrate(url))
    subscribe_analyst(history)
    return history
