"""Source health checks against the replay redesigned like a real site, and drift alerts.

Each replay redesign switch is checked the way an operator would (``check_source``, the
function behind ``clausewatch sources check``), and the drift alerts go through the real
outbox to a real SMTP server on loopback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from alerts.deliver import SmtpConfig, deliver_pending
from clausewatch.demo.mailsink import MailServer
from clausewatch.demo.replay.redesign import Redesign
from clausewatch.demo.replay.server import ReplayServer
from clausewatch.demo.replay.site import ReplaySite
from core.settings import Settings, get_settings
from models import History, outbox
from pipeline.health import check_source, check_table
from scrapers.http import HostRateLimiter, PoliteClient
from scrapers.sources import SourceConfig, load_sources, replay_config

AS_OF = dt.date(2025, 12, 1)


@pytest.fixture(scope="module")
def site() -> ReplaySite:
    return ReplaySite.from_corpus()


@pytest.fixture(scope="module")
def server(site: ReplaySite) -> Iterator[ReplayServer]:
    with ReplayServer(site, as_of=AS_OF) as running:
        yield running


@pytest.fixture
def client(
    server: ReplayServer, site: ReplaySite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PoliteClient]:
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump(replay_config(server.url)), encoding="utf-8")
    monkeypatch.setenv("CLAUSEWATCH_SOURCES_FILE", str(sources))
    get_settings.cache_clear()
    site.redesigns.clear()
    with PoliteClient(
        ["127.0.0.1:*"], trusted_hosts=["127.0.0.1:*"], rate_limiter=HostRateLimiter(10_000)
    ) as polite:
        yield polite
    site.redesigns.clear()


@pytest.fixture
def configured(client: PoliteClient) -> dict[str, SourceConfig]:
    """The sources as the settings configure them (every one on the replay)."""
    return load_sources(get_settings().sources_file)


@pytest.mark.parametrize("slug", ["us-dod", "white-house", "state-dept", "rok-mnd", "korea-kr"])
def test_unchanged_sites_are_healthy(
    client: PoliteClient, configured: dict[str, SourceConfig], slug: str
) -> None:
    check = check_source(slug, client, sources=configured)
    assert (check.verdict, check.reasons) == ("healthy", [])
    assert check.listing_items and check.article_url
    assert set(check.provenance.values()) == {"adapter"}


REDESIGNS = [
    # host, source, switch, verdict, words the reason must contain
    ("www.mnd.go.kr", "rok-mnd", Redesign.LISTING_CLASSES, "broken", "lists no items"),
    ("www.state.gov", "state-dept", Redesign.LISTING_CLASSES, "broken", "lists no items"),
    ("www.mnd.go.kr", "rok-mnd", Redesign.MOVED_DATE, "degraded", "date from the generic"),
    ("www.defense.gov", "us-dod", Redesign.MOVED_DATE, "degraded", "date from the generic"),
    ("www.defense.gov", "us-dod", Redesign.WRAPPED_BODY, "degraded", "body, language from"),
    ("www.mnd.go.kr", "rok-mnd", Redesign.WRAPPED_BODY, "broken", "page chrome was read"),
    ("www.mnd.go.kr", "rok-mnd", Redesign.COOKIE_WALL, "broken", "lists no items"),
    ("www.defense.gov", "us-dod", Redesign.COOKIE_WALL, "broken", "is not the listed"),
]


@pytest.mark.parametrize(("host", "slug", "switch", "expected", "words"), REDESIGNS)
def test_each_redesign_is_reported_with_its_verdict_and_reason(
    client: PoliteClient,
    configured: dict[str, SourceConfig],
    site: ReplaySite,
    host: str,
    slug: str,
    switch: Redesign,
    expected: str,
    words: str,
) -> None:
    site.redesign(host, switch)
    check = check_source(slug, client, sources=configured)
    assert check.verdict == expected, check.reasons
    assert words in check.reason
    table = check_table([check])
    assert slug in table and expected in table and words in table


def test_a_redesigned_host_leaves_other_sources_healthy(
    client: PoliteClient, configured: dict[str, SourceConfig], site: ReplaySite
) -> None:
    site.redesign("www.mnd.go.kr", Redesign.COOKIE_WALL)
    assert check_source("korea-kr", client, sources=configured).verdict == "healthy"
    assert check_source("wayback", client, sources=configured).verdict == "healthy"


def test_one_operator_mail_per_state_change_none_while_it_stays(
    client: PoliteClient,
    configured: dict[str, SourceConfig],
    site: ReplaySite,
    sqlite_history: History,
) -> None:
    with sqlite_history.sessions.begin() as session:
        outbox.subscribe(session, "ops@example.org", operator=True)
        outbox.subscribe(session, "analyst@example.org")
    with MailServer() as mail:
        config = SmtpConfig(host="127.0.0.1", port=mail.port, timeout=5.0)

        def deliver() -> list[str]:
            report = deliver_pending(sqlite_history, Settings(), config=config)
            return report.sent

        first = check_source("rok-mnd", client, sqlite_history, sources=configured)
        assert first.verdict == "healthy" and first.alerts_queued == 0
        assert deliver() == []

        site.redesign("www.mnd.go.kr", Redesign.COOKIE_WALL)
        broken = [
            check_source("rok-mnd", client, sqlite_history, sources=configured) for _ in range(3)
        ]
        assert [c.verdict for c in broken] == ["broken"] * 3
        assert [c.alerts_queued for c in broken] == [1, 0, 0]
        assert len(deliver()) == 1
        assert deliver() == []

        site.redesign("www.mnd.go.kr")
        for _ in range(2):
            assert (
                check_source("rok-mnd", client, sqlite_history, sources=configured).verdict
                == "healthy"
            )
        assert len(deliver()) == 1

    assert [m.rcpt_tos for m in mail.received] == [("ops@example.org",)] * 2
    down, up = (m.message for m in mail.received)
    assert down["Subject"] == "[clausewatch] source rok-mnd is broken"
    assert up["Subject"] == "[clausewatch] source rok-mnd recovered: healthy again"
    text = down.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "listing page lists no items" in body and "Last good fetch: 20" in body
    assert "sources check --source rok-mnd" in body
    with sqlite_history.sessions() as session:
        kinds = {a.kind for a in outbox.list_alerts(session)}
    assert kinds == {"source-health"}


def test_health_facts_are_recorded_and_feed_the_median(
    client: PoliteClient, configured: dict[str, SourceConfig], sqlite_history: History
) -> None:
    from models import store

    for _ in range(3):
        check_source("us-dod", client, sqlite_history, sources=configured)
    with sqlite_history.sessions() as session:
        facts = store.health_facts(session, since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        bodies = store.recent_bodies(session, "us-dod")
    assert [f.kind for f in facts] == ["listing", "article"] * 3
    listing, article = facts[0], facts[1]
    assert listing.items and listing.status == 200 and listing.robots == "allowed"
    assert (article.title_from, article.body_from, article.outcome) == ("adapter",) * 2 + ("ok",)
    assert article.body_chars and article.paragraphs
    assert len(bodies) == 3
    fourth = check_source("us-dod", client, sqlite_history, sources=configured)
    assert fourth.median_chars == article.body_chars
