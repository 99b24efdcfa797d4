"""The tracking and backfill flows on a temporary Prefect API, against the replayed corpus."""

from __future__ import annotations

import datetime as dt
import typing

import pytest

from core.errors import InputError
from core.settings import get_settings
from models import open_history, store
from pipeline.tracking import TrackingFailed
from tests.support.databases import use_in_settings
from tests.support.faults import Fault, FaultyReplayServer

pytestmark = pytest.mark.usefixtures("prefect_harness")

D = dt.date


class _Window(typing.TypedDict):
    """The window every run here covers (typed, so that ``**WINDOW`` type-checks)."""

    since: dt.date
    until: dt.date


WINDOW: _Window = {"since": D(2025, 12, 1), "until": D(2026, 1, 10)}


def _counts() -> dict[str, int]:
    history = open_history(get_settings().resolved_database_url)
    try:
        with history.sessions() as session:
            return store.table_counts(session)
    finally:
        history.close()


def test_tracking_stores_compares_and_heals_to_nothing_new(replay_env: FaultyReplayServer) -> None:
    from flows.track import track_statements

    report = track_statements(sources=["us-dod", "rok-mnd"], lexical=True, **WINDOW)
    counts = _counts()
    # The fifth statement in English (edited silently, one version as of the replay date)
    # and in Korean, compared as translations.
    assert report.totals()["new versions"] == 2 == counts["version"] == counts["document"]
    assert counts["comparison"] == 1
    assert {r["source"] for r in report.rows} == {"us-dod", "rok-mnd"}

    again = track_statements(sources=["us-dod", "rok-mnd"], lexical=True, **WINDOW)
    assert again.totals()["new versions"] == 0
    assert again.totals()["not modified"] == 2
    after = _counts()
    assert {k: v for k, v in after.items() if k != "capture"} == {
        k: v for k, v in counts.items() if k != "capture"
    }


def test_one_failing_source_does_not_fail_the_others(replay_env: FaultyReplayServer) -> None:
    from flows.track import track_statements

    replay_env.faults.add(Fault.robots_disallow(), host="www.mnd.go.kr")
    report = track_statements(sources=["us-dod", "rok-mnd"], lexical=True, **WINDOW)
    by_source = {c.source: c for c in report.counts.values()}
    assert by_source["rok-mnd"].failed and "robots" in (by_source["rok-mnd"].error or "")
    assert not by_source["us-dod"].failed and by_source["us-dod"].new_versions == 1
    history = open_history(get_settings().resolved_database_url)
    with history.sessions() as session:
        sources = {s.slug: s for s in store.list_sources(session)}
    history.close()
    assert sources["rok-mnd"].last_error and sources["us-dod"].last_success_at


def test_run_fails_only_when_every_source_failed(replay_env: FaultyReplayServer) -> None:
    from flows.track import track_statements

    replay_env.faults.add(Fault.robots_disallow(), host="*")
    with pytest.raises(TrackingFailed, match="every source failed"):
        track_statements(sources=["us-dod", "rok-mnd"], lexical=True, **WINDOW)


def test_backfill_is_idempotent(replay_env: FaultyReplayServer) -> None:
    from flows.backfill import backfill

    since, until = D(2024, 6, 1), D(2025, 1, 31)
    first = backfill(source="rok-mnd", since=since, until=until)
    # The third and fourth Korean NCG statements and the 56th SCM communiqué (a series of
    # its own, with no predecessor in the window) were published on the MND site.
    assert [row["published"] for row in first.added] == ["2024-06-10", "2024-10-31", "2025-01-11"]
    counts = _counts()
    assert counts["comparison"] == 1
    second = backfill(source="rok-mnd", since=since, until=until)
    assert second.added == []
    assert _counts()["version"] == counts["version"]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        # The other refusals are the same check (tests/flows/test_tracking.py).
        ({"since": D(2025, 2, 1), "until": D(2025, 1, 1)}, "after until"),
    ],
)
def test_backfill_refuses_an_unusable_window_before_any_request(
    replay_env: FaultyReplayServer, parameters: dict[str, typing.Any], message: str
) -> None:
    from flows.backfill import backfill

    with pytest.raises(InputError, match=message):
        backfill(source="us-dod", **parameters)
    assert replay_env.request_log == []


def test_backfill_form_choices_follow_the_registries() -> None:
    from core.series import builtin_series
    from flows.backfill import SourceSlug, backfill
    from flows.track import track_statements
    from scrapers.base import adapter_classes

    assert sorted(typing.get_args(SourceSlug)) == sorted(adapter_classes())
    slugs = [d.slug for d in builtin_series()]
    for flow_ in (backfill, track_statements):
        form = flow_.parameters.model_dump()["properties"]["series"]
        # Without a history only the built-in series exist; tests/commands covers user ones.
        assert form["enum"][0] == "all" and form["enum"][1 : 1 + len(slugs)] == slugs


def test_backfill_form_takes_a_number_of_workers_from_one() -> None:
    from flows.backfill import backfill

    form = backfill.parameters.model_dump()["properties"]["workers"]
    assert form["type"] == "integer" and form["default"] == 1 and form["minimum"] == 1
    assert "PostgreSQL" in form["description"]


def test_fetch_stages_leave_retries_to_the_client() -> None:
    # The polite client retries within one fetch deadline (ADR 0034); a task retry on top
    # would run every attempt again, past the deadline.
    from flows import tasks

    assert tasks.fetch.retries == 0 and tasks.discover.retries == 0


@pytest.mark.parametrize("subscribed", [False, True])
def test_a_run_says_how_many_alerts_it_queued(
    replay_env: FaultyReplayServer, subscribed: bool
) -> None:
    """Issue 15.8: "(alerts queued)" was printed when no subscription matched."""
    from clausewatch.commands.run import flagged_line
    from flows.backfill import backfill
    from models.outbox import subscribe

    if subscribed:
        history = open_history(get_settings().resolved_database_url)
        with history.sessions.begin() as session:
            subscribe(session, "analyst@example.org", min_severity="low")
        history.close()
    report = backfill(source="rok-mnd", since=D(2024, 6, 1), until=D(2025, 1, 31))
    assert report.totals()["new versions"] >= 2  # the 3rd and 4th at least, compared
    assert report.alerts_queued == _counts()["alert"]
    assert (report.alerts_queued > 0) is subscribed
    line = flagged_line(len(report.flagged), report.alerts_queued)
    assert ("no alert queued" in line) is not subscribed


@pytest.fixture
def postgres_history(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The settings' history on a fresh migrated PostgreSQL database (set before replay_env)."""
    return use_in_settings(pg_url, monkeypatch)


def test_backfill_with_two_workers_runs_one_task_per_series_on_postgresql(
    postgres_history: str, replay_env: FaultyReplayServer
) -> None:
    """ADR 0108: two series (NCG and SCM) in two worker processes, one task each; the run
    stores the statements, versions and comparison counts the serial backfill above stores
    (counts, not contents: tests/pipeline/test_parallel.py compares rows), and a second
    run adds nothing."""
    from prefect.client.orchestration import get_client

    from flows.backfill import backfill

    since, until = D(2024, 6, 1), D(2025, 1, 31)
    first = backfill(source="rok-mnd", since=since, until=until, workers=2)
    assert [row["published"] for row in first.added] == ["2024-06-10", "2024-10-31", "2025-01-11"]
    counts = _counts()
    assert counts["version"] == counts["document"] == 3 and counts["comparison"] == 1
    with get_client(sync_client=True) as client:
        names = sorted(t.name for t in client.read_task_runs() if t.name.startswith("ingest"))
    assert names == ["ingest series ncg", "ingest series scm"]
    second = backfill(source="rok-mnd", since=since, until=until, workers=2)
    assert second.added == [] and _counts()["version"] == 3
