"""pipeline/tracking.py without Prefect: validation, and each stage against the replay."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from clausewatch.demo.replay.server import ReplayServer
from core.errors import InputError
from core.settings import get_settings
from models import store
from pipeline import stages as pipeline
from pipeline import tracking
from scrapers.base import ListingItem

D = dt.date
TODAY = D(2026, 1, 10)


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (None, None, (D(2025, 12, 11), TODAY)),
        (D(2025, 1, 1), None, (D(2025, 1, 1), TODAY)),
        (None, D(2025, 6, 30), (D(2025, 5, 31), D(2025, 6, 30))),
        (D(2023, 7, 1), D(2023, 7, 1), (D(2023, 7, 1), D(2023, 7, 1))),
        # Seoul is ahead of UTC: tomorrow is still accepted.
        (D(2026, 1, 11), D(2026, 1, 11), (D(2026, 1, 11), D(2026, 1, 11))),
    ],
)
def test_window_fills_defaults(
    since: dt.date | None, until: dt.date | None, expected: tuple[dt.date, dt.date]
) -> None:
    assert tracking.tracking_window(since, until, today=TODAY) == expected


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        (D(2025, 2, 1), D(2025, 1, 1), "after until"),
        (D(2026, 1, 12), D(2026, 2, 1), "in the future"),
        (D(2025, 1, 1), D(2026, 3, 1), "in the future"),
    ],
)
def test_window_refuses_what_cannot_work(since: dt.date, until: dt.date, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        tracking.tracking_window(since, until, today=TODAY)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["rok-mnd"], ["rok-mnd"]),
        (["us-dod", "rok-mnd", "us-dod"], ["us-dod", "rok-mnd"]),
    ],
)
def test_select_named_sources(names: list[str], expected: list[str]) -> None:
    assert tracking.select_sources(names) == expected


def test_select_refuses_unknown_source_and_series() -> None:
    with pytest.raises(InputError, match="unknown source 'nowhere'"):
        tracking.select_sources(["us-dod", "nowhere"])
    with pytest.raises(InputError, match="unknown series 'g7'"):
        tracking.check_series("g7")
    assert tracking.check_series("ncg") == "ncg"


def test_every_enabled_source_by_default() -> None:
    from scrapers.base import adapter_classes

    assert tracking.select_sources(None) == list(adapter_classes())


def _items(run: tracking.TrackingRun, source: str) -> list[object]:
    return list(tracking.discover(run, source, D(2025, 12, 1), TODAY))


def test_capture_extract_store_then_304(replay_env: ReplayServer) -> None:
    with tracking.TrackingRun(get_settings()) as run:
        items = tracking.discover(run, "us-dod", D(2025, 12, 1), TODAY)
        pages = [tracking.capture_page(run, item) for item in items]
        assert pages and not any(p.not_modified for p in pages)
        assert all(p.capture_id and p.body for p in pages)
        statements = [s for s in (tracking.extract(run, p) for p in pages) if s is not None]
        # The listing mixes in unrelated releases; only the NCG statement is kept.
        assert [(s.series, s.published) for s in statements] == [("ncg", D(2025, 12, 11))]
        stored = pipeline.store_statement(run.history, statements[0])
        assert not statements[0].url.startswith(replay_env.url)

        again = {p.url: p for p in (tracking.capture_page(run, i) for i in items)}
        page = again[next(p.url for p in pages if tracking.extract(run, p) is not None)]
        assert page.not_modified and page.status == 304 and page.version_id == stored.version_id
        # Pages never stored are fetched in full again rather than answered 304.
        assert sum(p.not_modified for p in again.values()) == 1
        with run.history.sessions() as session:
            counts = store.table_counts(session)
        assert counts["capture"] == 2 * len(items)
        warc_files = list(run.archive.directory.glob("*.warc.gz"))
        assert warc_files


def test_a_page_captured_but_never_stored_is_fetched_in_full(replay_env: ReplayServer) -> None:
    with tracking.TrackingRun(get_settings()) as run:
        items = tracking.discover(run, "rok-mnd", D(2025, 12, 1), TODAY)
        first = [tracking.capture_page(run, item) for item in items]
        # A run killed here captured every page and stored nothing.
        second = [tracking.capture_page(run, item) for item in items]
    assert not any(p.not_modified for p in first + second)
    assert [p.body for p in first] == [p.body for p in second]


def test_wayback_discovery_maps_captures_to_their_publisher(replay_env: ReplayServer) -> None:
    with tracking.TrackingRun(get_settings()) as run:
        items = tracking.discover(
            run, "rok-president", D(2023, 12, 1), D(2023, 12, 31), use_wayback=True
        )
        assert items and all("web.archive.org" in i.url and i.original_url for i in items)
        statements = [
            s
            for s in (tracking.extract(run, tracking.capture_page(run, i)) for i in items)
            if s is not None
        ]
    assert statements
    assert {s.source for s in statements} == {"rok-president"}
    assert all(s.url == s.url.replace(replay_env.url, "") for s in statements)


def test_series_filter_drops_other_series(replay_env: ReplayServer) -> None:
    with tracking.TrackingRun(get_settings()) as run:
        page = next(
            p
            for p in (
                tracking.capture_page(run, i)
                for i in tracking.discover(run, "us-dod", D(2025, 12, 1), TODAY)
            )
            if tracking.extract(run, p) is not None
        )
        run.unmatched.clear()
        kept = tracking.extract(run, page, "ncg")
        assert kept is not None and kept.series == "ncg"
        assert run.unmatched == []
        # Asked for another series only, the NCG statement is skipped and listed as such.
        assert tracking.extract(run, page, "scm") is None
        assert [u["url"] for u in run.unmatched] == [kept.url]


@pytest.mark.parametrize(
    ("published", "inside"),
    [(D(2025, 11, 30), False), (D(2025, 12, 1), True), (TODAY, True), (None, True)],
)
def test_in_window(published: dt.date | None, inside: bool) -> None:
    statement = pipeline.StatementInput(url="u", source="us-dod", text="t", published=published)
    assert tracking.in_window(statement, D(2025, 12, 1), TODAY) is inside


def test_chronological_orders_and_deduplicates() -> None:
    def make(url: str, published: dt.date, language: str) -> pipeline.StatementInput:
        return pipeline.StatementInput(
            url=url, source="s", text="t", published=published, language=language
        )

    ordered = tracking.chronological(
        [
            make("c", D(2025, 1, 2), "en"),
            make("b", D(2025, 1, 1), "ko"),
            make("a", D(2025, 1, 1), "en"),
            make("c", D(2025, 1, 2), "en"),
        ]
    )
    assert [s.url for s in ordered] == ["a", "b", "c"]


def test_track_without_prefect_stores_then_finds_nothing_new(replay_env: ReplayServer) -> None:
    # The loop the flows run, with every stage called directly (DIRECT_STAGES).
    window = (D(2025, 12, 1), TODAY)
    with tracking.TrackingRun(get_settings()) as run:
        first = tracking.track(run, ["us-dod", "rok-mnd"], *window, lexical=True)
        second = tracking.track(run, ["us-dod", "rok-mnd"], *window, lexical=True)
    assert [c.source for c in first.counts.values()] == ["us-dod", "rok-mnd"]
    assert not any(c.errors for c in first.counts.values()), first.rows
    assert first.totals()["new versions"] >= 2
    assert {row["url"].split("/")[2] for row in first.added} == {"www.defense.gov", "www.mnd.go.kr"}
    assert second.totals()["new versions"] == 0 and not second.added
    assert second.totals()["not modified"] == first.totals()["new versions"]


def test_track_counts_a_failing_source_and_goes_on(replay_env: ReplayServer) -> None:
    def broken(
        run: tracking.TrackingRun, source: str, since: dt.date, until: dt.date, lexical: bool
    ) -> tracking.Deferred[list[ListingItem]]:
        def fail() -> list[ListingItem]:
            raise RuntimeError("listing gone")

        return tracking.Deferred(fail)

    stages = dataclasses.replace(tracking.DIRECT_STAGES, discover=broken)
    with tracking.TrackingRun(get_settings()) as run:
        report = tracking.track(run, ["us-dod"], D(2025, 12, 1), TODAY, stages=stages)
    assert report.all_failed
    assert report.counts["us-dod"].error == "RuntimeError: listing gone"
