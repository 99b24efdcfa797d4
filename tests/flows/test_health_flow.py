"""The ``check-sources`` flow on a temporary Prefect API, against the replayed corpus."""

from __future__ import annotations

import pytest

from clausewatch.demo.replay.redesign import Redesign
from clausewatch.demo.replay.server import ReplayServer
from clausewatch.demo.replay.site import ReplaySite
from core.settings import get_settings
from models import open_history, outbox, store
from pipeline.health import SourcesUnhealthy

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_check_sources_flow_records_verdicts_and_fails_while_one_is_broken(
    replay_env: ReplayServer, corpus_site: ReplaySite
) -> None:
    from flows.health import check_sources

    history = open_history(get_settings().resolved_database_url)
    with history.sessions.begin() as session:
        outbox.subscribe(session, "ops@example.org", operator=True)
    results = check_sources(sources=["us-dod", "rok-mnd"])
    assert [(r["source"], r["verdict"]) for r in results] == [
        ("us-dod", "healthy"),
        ("rok-mnd", "healthy"),
    ]
    corpus_site.redesign("www.mnd.go.kr", Redesign.LISTING_CLASSES)
    try:
        with pytest.raises(SourcesUnhealthy, match="rok-mnd"):
            check_sources(sources=["us-dod", "rok-mnd"])
    finally:
        corpus_site.redesign("www.mnd.go.kr")
    with history.sessions() as session:
        states = {s.slug: s.health for s in store.list_sources(session)}
        alerts = outbox.list_alerts(session)
    history.close()
    assert states == {"us-dod": "healthy", "rok-mnd": "broken"}
    assert [(a.kind, a.statement) for a in alerts] == [("source-health", "source rok-mnd: broken")]
