"""Each replay fault during a tracking run: the other sources finish, the faulty URLs end as
recorded errors, and after the fault is cleared one more run leaves exactly the history of
one clean run (no duplicate, nothing lost).

The run is ``pipeline.tracking.track``, the loop the flow runs, with its in-process stages: a
Prefect flow run costs seconds, and the point here is what the stages leave in the history.
The run (``track_once``) and the comparison of histories (``fingerprint``) live in
tests/support, shared with the PostgreSQL and parallel fault tests; the replay fixtures are
in tests/reliability/conftest.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from core.settings import get_settings
from models import store
from pipeline.tracking import TrackingRun
from scrapers.http import PoliteClient
from tests.support.faults import Fault, FaultyReplayServer
from tests.support.fingerprints import (
    HISTORY_TABLES,
    Fingerprint,
    duplicates,
    fingerprint,
    history_counts,
    lost,
)
from tests.support.tracking_runs import clean_fingerprint, migrated_history, track_once

# -- fixtures ----------------------------------------------------------------------------


_CLEAN: dict[str, Fingerprint] = {}


@pytest.fixture
def clean_history(
    replay_sources: FaultyReplayServer,
    fast_client: Callable[[], PoliteClient],
    fresh_sqlite_url: Callable[[], str],
) -> Fingerprint:
    """The fingerprint of one clean run on a fresh database (computed once per session)."""
    if "sqlite" not in _CLEAN:
        _CLEAN["sqlite"] = clean_fingerprint(fresh_sqlite_url(), fast_client())
    return _CLEAN["sqlite"]


# -- the faults --------------------------------------------------------------------------

US_DOD = "www.defense.gov"
ROK_MND = "www.mnd.go.kr"
US_DOD_PAGES = ("/News/Releases/Release/Article/*",)
US_DOD_FEED = ("/DesktopModules/ArticleCS/RSS.ashx*",)
#: The feed and the paged listing it falls back to: discovery has nowhere else to go.
US_DOD_LISTINGS = (*US_DOD_FEED, "/News/Releases/", "/News/Releases/?Page=*")
ROK_MND_PAGES = ("*command=view*",)


@dataclass(frozen=True)
class FaultCase:
    """A fault on one source's pages or listing, and whether the run can recover by itself."""

    fault: Fault
    host: str = US_DOD
    paths: tuple[str, ...] = US_DOD_PAGES
    times: int | None = None
    #: Whether the run gets past the fault by itself (client retry, charset detection).
    recovers: bool = False

    @property
    def source(self) -> str:
        """The source whose URLs fail."""
        return {US_DOD: "us-dod", ROK_MND: "rok-mnd"}[self.host]


CASES = {
    "server-error": FaultCase(Fault.server_error(500)),
    "too-many-requests": FaultCase(Fault.too_many_requests("1")),
    "slow": FaultCase(Fault.slow(1.0)),
    "truncated": FaultCase(Fault.truncated()),
    "wrong-charset": FaultCase(
        Fault.wrong_charset("utf-8", "cp949"), ROK_MND, ROK_MND_PAGES, recovers=True
    ),
    "redirect-private": FaultCase(Fault.redirect_private()),
    "redirect-loop": FaultCase(Fault.redirect_loop()),
    "robots-disallow": FaultCase(Fault.robots_disallow()),
    "oversized": FaultCase(Fault.oversized()),
    "oversized-streamed": FaultCase(Fault.oversized(declare_length=False)),
    "gzip-bomb": FaultCase(Fault.gzip_bomb()),
    "feed-server-error": FaultCase(Fault.server_error(500), paths=US_DOD_FEED, recovers=True),
    "listing-server-error": FaultCase(Fault.server_error(500), paths=US_DOD_LISTINGS),
    "listing-truncated": FaultCase(Fault.truncated(), paths=US_DOD_LISTINGS),
    "flapping-page": FaultCase(Fault.server_error(503), times=1, recovers=True),
    "flapping-listing": FaultCase(
        Fault.server_error(503), paths=US_DOD_FEED, times=1, recovers=True
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_fault_during_a_run_then_a_rerun_leaves_one_clean_history(
    name: str,
    replay_sources: FaultyReplayServer,
    fast_client: Callable[[], PoliteClient],
    clean_history: Fingerprint,
) -> None:
    case = CASES[name]
    history = migrated_history(get_settings().resolved_database_url)
    faults = replay_sources.faults
    rules = [faults.add(case.fault, host=case.host, path=p, times=case.times) for p in case.paths]
    try:
        with TrackingRun(get_settings(), history=history, client=fast_client()) as run:
            started = time.monotonic()
            faulty = track_once(run)
            assert time.monotonic() - started < 15
        during = fingerprint(history)
        for rule in rules:
            faults.remove(rule)
        with TrackingRun(get_settings(), history=history, client=fast_client()) as run:
            rerun = track_once(run)
        after = fingerprint(history)
        counts = history_counts(history)
        with history.sessions() as session:
            status = {s.slug: s for s in store.list_sources(session)}
    finally:
        history.close()

    failed = faulty.counts[case.source]
    others = [c for c in faulty.counts.values() if c.source != case.source]
    # The other sources finish untouched, whatever the faulty one does.
    assert not any(c.errors for c in others), faulty.rows
    assert sum(c.new_versions for c in others) > 0
    if case.recovers:
        assert failed.errors == 0 and during == clean_history
    else:
        # Every URL of the faulty kind failed: the source's error is recorded, naming a URL.
        assert failed.error is not None and failed.errors >= 1, faulty.rows
        assert "127.0.0.1" in failed.error or "robots" in failed.error, failed.error
        assert status[case.source].last_error == failed.error
        assert during != clean_history
        # Nothing half-done from the faulty source reached the history.
        assert not any(url.startswith(f"https://{case.host}") for (url,) in during["document"]), (
            during["document"]
        )
    assert not any(c.errors for c in rerun.counts.values()), rerun.rows
    assert duplicates(after) == 0
    assert lost(clean_history, after) == 0
    assert after == clean_history
    assert counts == {table: sum(clean_history[table].values()) for table in HISTORY_TABLES}
    assert counts["alert"] > 0
