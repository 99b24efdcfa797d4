"""Each replay fault during a tracking run: the other sources finish, the faulty URLs end as
recorded errors, and after the fault is cleared one more run leaves exactly the history of
one clean run (no duplicate, nothing lost).

The run is ``pipeline.tracking.track``, the loop the flow runs, with its in-process stages: a
Prefect flow run costs seconds, and the point here is what the stages leave in the history.
The helpers below (:func:`track_once`, :func:`fingerprint`) are shared with the PostgreSQL
fault tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from clausewatch.demo.replay.server import ReplayServer
from clausewatch.demo.replay.site import ReplaySite
from core.settings import get_settings
from models import History, open_history, outbox, store
from models.schema import Alert, CommitmentChange, Comparison, Document, Version
from pipeline import tracking
from pipeline.stages import StatementInput, StoreOutcome
from pipeline.tracking import RunReport, TrackingRun
from scrapers.http import PoliteClient
from scrapers.sources import replay_config
from tests.support import databases
from tests.support.faults import Fault, FaultyReplayServer

D = dt.date
AS_OF = D(2026, 1, 10)
#: The fourth and fifth NCG statements, in English (us-dod) and Korean (rok-mnd, mirrored
#: word for word by korea-kr); the other three sources list nothing in the window.
WINDOW = (D(2024, 12, 1), AS_OF)
SOURCES = ["us-dod", "white-house", "state-dept", "rok-mnd", "korea-kr"]
SUBSCRIBER = "analyst@example.org"
#: The tables whose rows are the history a reader sees; captures are left out on purpose
#: (every run records its own fetches, 304s included).
HISTORY_TABLES = ("document", "version", "comparison", "commitment_change", "alert")

Fingerprint = dict[str, Counter[tuple[Any, ...]]]


# -- shared by the fault tests -----------------------------------------------------------


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


def subscribe_analyst(history: History) -> None:
    """One subscriber to every series at the lowest severity, so every flagged change alerts."""
    with history.sessions.begin() as session:
        outbox.subscribe(session, SUBSCRIBER, min_severity="low")


def migrated_history(url: str) -> History:
    """A history at ``url``, migrated to head, with the analyst subscribed."""
    history = open_history(databases.migrate(url))
    subscribe_analyst(history)
    return history


def fingerprint(history: History) -> Fingerprint:
    """The history's rows by natural key (URLs and text hashes, never row ids), with counts.

    Two histories are the same when their fingerprints are equal; a count above one is a
    duplicate.
    """
    with history.sessions() as session:

        def side(version: Version) -> tuple[str, str]:
            return version.document.url, version.sha256

        comparisons = {
            c.id: (*side(c.old_version), *side(c.new_version), c.kind, c.severity)
            for c in session.query(Comparison)
        }
        return {
            "document": Counter((d.url,) for d in session.query(Document)),
            "version": Counter(side(v) for v in session.query(Version)),
            "comparison": Counter(comparisons.values()),
            "commitment_change": Counter(
                (*comparisons[c.comparison_id], c.commitment.key, c.status)
                for c in session.query(CommitmentChange)
            ),
            "alert": Counter(
                (*comparisons[a.comparison_id], a.subscription.email) for a in session.query(Alert)
            ),
        }


def duplicates(found: Fingerprint) -> int:
    """How many rows repeat a natural key already present (0 in a sound history)."""
    return sum(n - 1 for counter in found.values() for n in counter.values() if n > 1)


def lost(clean: Fingerprint, found: Fingerprint, table: str = "alert") -> int:
    """How many rows of ``table`` the clean history has and ``found`` lacks."""
    return sum((clean[table] - found[table]).values())


def history_counts(history: History) -> dict[str, int]:
    """``table_counts`` restricted to the history tables."""
    with history.sessions() as session:
        counts = store.table_counts(session)
    return {table: counts[table] for table in HISTORY_TABLES}


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_site() -> ReplaySite:
    """Every official site serving the project's corpus."""
    return ReplaySite.from_corpus()


@pytest.fixture
def replay(corpus_site: ReplaySite) -> Iterator[ReplayServer]:
    """A replay of the corpus on loopback as of AS_OF, faults off."""
    with FaultyReplayServer(corpus_site, as_of=AS_OF) as server:
        yield server


@pytest.fixture
def replay_sources(
    replay: ReplayServer, _isolated_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> ReplayServer:
    """Every source pointed at the replay (loopback trusted, politeness off)."""
    sources = _isolated_settings / "sources.yaml"
    sources.write_text(yaml.safe_dump(replay_config(replay.url)), encoding="utf-8")
    monkeypatch.setenv("CLAUSEWATCH_SOURCES_FILE", str(sources))
    monkeypatch.setenv("CLAUSEWATCH_ALLOWED_HOSTS", replay.allowed_host)
    monkeypatch.setenv("CLAUSEWATCH_RATE_LIMIT_PER_HOST", "1000")
    get_settings.cache_clear()
    return replay


@pytest.fixture
def fast_client(make_client: Callable[..., PoliteClient]) -> Callable[[], PoliteClient]:
    """Build a client that gives up quickly (short read timeout, one quick retry).

    Each run gets its own, as each flow run does: a client caches robots.txt per origin.
    """
    return lambda: make_client(read_timeout=0.5, max_retries=1)


_CLEAN: dict[str, Fingerprint] = {}


@pytest.fixture
def clean_history(
    replay_sources: ReplayServer,
    fast_client: Callable[[], PoliteClient],
    fresh_sqlite_url: Callable[[], str],
) -> Fingerprint:
    """The fingerprint of one clean run on a fresh database (computed once per session)."""
    if "sqlite" not in _CLEAN:
        history = open_history(fresh_sqlite_url())
        subscribe_analyst(history)
        try:
            with TrackingRun(get_settings(), history=history, client=fast_client()) as run:
                report = track_once(run)
            assert not any(c.errors for c in report.counts.values()), report.rows
            _CLEAN["sqlite"] = fingerprint(history)
        finally:
            history.close()
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
    replay_sources: ReplayServer,
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
