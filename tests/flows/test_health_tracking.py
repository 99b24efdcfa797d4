"""Tracking while an official site is redesigned: nothing wrong is stored, statements flow.

The tracking stages run as the flow runs them (discover, series candidates, capture,
extract with the history, store), without Prefect, against the corpus replay with one
redesign switch at a time on the MND and DoD hosts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from clausewatch.demo.replay.redesign import Redesign
from clausewatch.demo.replay.server import ReplayServer
from clausewatch.demo.replay.site import ReplaySite
from core.errors import FetchError, ParseError
from core.settings import get_settings
from models import store
from models.analysis import version_rows
from models.schema import Capture, Source
from pipeline import stages, tracking

SINCE, UNTIL = dt.date(2025, 12, 1), dt.date(2026, 1, 10)
#: The corpus statements of the window: (language, published) by meeting-5 title words.
NCG5 = {"en": dt.date(2025, 12, 11), "ko": dt.date(2025, 12, 12)}


@pytest.fixture
def redesigned(corpus_site: ReplaySite) -> Iterator[ReplaySite]:
    corpus_site.redesigns.clear()
    yield corpus_site
    corpus_site.redesigns.clear()


def track(sources: list[str]) -> tuple[list[tuple[str, str, dt.date | None]], list[str]]:
    """Run the tracking stages; returns the stored (source, language, date) and the errors."""
    stored: list[tuple[str, str, dt.date | None]] = []
    errors: list[str] = []
    with tracking.TrackingRun(get_settings()) as run:
        for source in sources:
            items = tracking.series_candidates(
                run, tracking.discover(run, source, SINCE, UNTIL), None
            )
            for item in items:
                try:
                    page = tracking.capture_page(run, item)
                    statement = tracking.extract(run, page)
                except (FetchError, ParseError) as exc:
                    errors.append(str(exc))
                    continue
                if statement is None or not tracking.in_window(statement, SINCE, UNTIL):
                    continue
                stages.store_statement(run.history, statement)
                stored.append((statement.source, statement.language or "", statement.published))
    return stored, errors


def history_rows() -> list[tuple[str, str, dt.date | None, str]]:
    rows = []
    with tracking.TrackingRun(get_settings()) as run, run.history.sessions() as session:
        # What `clausewatch history` lists, and the newest version of each document.
        for row in version_rows(session):
            latest = store.latest_version(session, row.document_id)
            assert latest is not None
            if latest.id == row.version_id:
                rows.append((row.source, row.language, row.published, latest.text))
    return rows


def assert_nothing_wrong_stored() -> None:
    for source, language, published, text in history_rows():
        assert published == NCG5[language], (source, language, published)
        assert "쿠키" not in text and "cookie" not in text.lower()
        lines = text.split("\n\n")
        assert all(len(line) >= 12 for line in lines), lines


def test_unchanged_sites_store_both_statements(
    replay_env: ReplayServer, redesigned: ReplaySite
) -> None:
    stored, errors = track(["us-dod", "rok-mnd"])
    assert sorted((s, lang) for s, lang, _ in stored) == [("rok-mnd", "ko"), ("us-dod", "en")]
    assert errors == []
    assert_nothing_wrong_stored()


@pytest.mark.parametrize("switch", [Redesign.LISTING_CLASSES, Redesign.COOKIE_WALL])
def test_a_broken_mnd_listing_falls_back_to_korea_kr_and_wayback(
    replay_env: ReplayServer, redesigned: ReplaySite, switch: Redesign
) -> None:
    redesigned.redesign("www.mnd.go.kr", switch)
    stored, _ = track(["rok-mnd"])
    # The Korean statement still arrives, under the provenance it was read from.
    assert ("ko", NCG5["ko"]) in {(lang, day) for _, lang, day in stored}
    assert {s for s, _, _ in stored} <= {"korea-kr", "rok-mnd"}
    assert_nothing_wrong_stored()
    with tracking.TrackingRun(get_settings()) as run, run.history.sessions() as session:
        facts = store.health_facts(session, since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        listing = next(f for f in facts if f.kind == "listing" and f.source.slug == "rok-mnd")
        read_from = set(
            session.scalars(select(Source.slug).join(Capture, Capture.source_id == Source.id))
        )
    assert listing.items == 0 and "korea-kr" in listing.via and "wayback" in listing.via
    assert "listing broken" in (listing.note or "")
    # The captures name where the bytes really came from.
    assert read_from == {"korea-kr", "wayback"}


@pytest.mark.parametrize(
    ("host", "source", "switch"),
    [
        ("www.mnd.go.kr", "rok-mnd", Redesign.MOVED_DATE),
        ("www.mnd.go.kr", "rok-mnd", Redesign.WRAPPED_BODY),
        ("www.defense.gov", "us-dod", Redesign.MOVED_DATE),
        ("www.defense.gov", "us-dod", Redesign.WRAPPED_BODY),
        ("www.defense.gov", "us-dod", Redesign.COOKIE_WALL),
    ],
)
def test_a_redesigned_statement_page_stores_nothing_wrong(
    replay_env: ReplayServer, redesigned: ReplaySite, host: str, source: str, switch: Redesign
) -> None:
    redesigned.redesign(host, switch)
    stored, errors = track([source])
    assert_nothing_wrong_stored()
    with tracking.TrackingRun(get_settings()) as run, run.history.sessions() as session:
        articles = [
            (f.source.slug, (f.title_from, f.date_from, f.body_from), f.outcome)
            for f in store.health_facts(session, since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
            if f.kind == "article"
        ]
    assert articles and all(slug == source for slug, _, _ in articles)
    # Every page read during the redesign leaned on the fallback, and the record says so.
    assert all("fallback" in fields for _, fields, _ in articles)
    refused = [a for a in articles if a[2] == "refused"]
    assert len(refused) == len([e for e in errors if "refused to store" in e])
    if switch is Redesign.COOKIE_WALL or (switch is Redesign.WRAPPED_BODY and source == "rok-mnd"):
        assert refused and not stored


def judge(sources: list[str], since: dt.datetime) -> dict[str, tuple[str, int]]:
    """Each source's verdict from the run's facts, and the operator alerts it queued."""
    from pipeline.health import judge_run

    out = {}
    with tracking.TrackingRun(get_settings()) as run:
        for source in sources:
            check = judge_run(run.history, source, since)
            if check is not None:
                out[source] = (str(check.verdict), check.alerts_queued)
    return out


def test_the_first_run_after_a_redesign_tells_the_operator_once(
    replay_env: ReplayServer, redesigned: ReplaySite
) -> None:
    from models import outbox

    with tracking.TrackingRun(get_settings()) as run, run.history.sessions.begin() as session:
        outbox.subscribe(session, "ops@example.org", operator=True)
    started = dt.datetime.now(dt.UTC)
    track(["us-dod", "rok-mnd"])
    assert judge(["us-dod", "rok-mnd"], started) == {
        "us-dod": ("healthy", 0),
        "rok-mnd": ("healthy", 0),
    }
    redesigned.redesign("www.defense.gov", Redesign.COOKIE_WALL)
    redesigned.redesign("www.mnd.go.kr", Redesign.LISTING_CLASSES)
    for expected_alerts in (1, 0):
        started = dt.datetime.now(dt.UTC)
        track(["us-dod", "rok-mnd"])
        assert judge(["us-dod", "rok-mnd"], started) == {
            "us-dod": ("broken", expected_alerts),
            "rok-mnd": ("broken", expected_alerts),
        }


def test_check_sources_is_deployed_daily_with_a_timezone() -> None:
    import importlib
    from pathlib import Path

    import yaml

    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "prefect.yaml").read_text())
    (deployment,) = [d for d in config["deployments"] if d["name"] == "check-sources"]
    module, _, name = deployment["entrypoint"].partition(":")
    assert getattr(importlib.import_module(module), name).name == "check-sources"
    (schedule,) = deployment["schedules"]
    assert schedule["timezone"] and schedule["active"] and schedule["cron"].endswith("* * *")
    assert "healthy, degraded or" in deployment["description"]
