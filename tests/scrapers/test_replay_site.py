"""The replay site: each publisher's shape, "as of" listings, silent edits, the Wayback
Machine — and every adapter end to end through the real replay server and polite client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from clausewatch.demo.replay.server import ReplayServer
from clausewatch.demo.replay.site import PAGE_SIZE, ReplaySite, StandInStatement
from core.series import builtin_series
from core.series import match_series as match_definition
from core.settings import get_settings
from scrapers.base import ListingItem, Statement, get_adapter
from scrapers.http import HostRateLimiter, PoliteClient
from scrapers.sources import load_sources, replay_config
from scrapers.wayback import Wayback
from tests.support import corpus_replay

D = date


def match_series(statement: Statement) -> str | None:
    """The built-in series a parsed statement belongs to, by the rule in core/series.py."""
    found = match_definition(statement.title, statement.text, statement.language, builtin_series())
    return found.slug if found else None


# Short stand-ins in the corpus's shape; the real statements live in clausewatch/corpus.
STAND_INS = [
    StandInStatement(
        "ncg-1.en",
        "en",
        "Joint Readout of the Inaugural Nuclear Consultative Group Meeting",
        D(2023, 7, 18),
        "white-house",
        "The group met for the first time in Seoul.\n\nBoth sides reaffirmed extended deterrence.",
    ),
    StandInStatement(
        "ncg-1.ko",
        "ko",
        "한미 핵협의그룹(NCG) 출범회의 공동언론발표문",
        D(2023, 7, 18),
        "rok-president",
        "한미 양국은 서울에서 첫 회의를 열었다.\n\n양측은 확장억제를 재확인했다.",
    ),
    StandInStatement(
        "ncg-2.en",
        "en",
        "Joint Press Statement on Nuclear Consultative Group Meeting",
        D(2023, 12, 16),
        "rok-president",
        "The second meeting was held in Washington.\n\nThe group reviewed eight workstreams.",
    ),
    StandInStatement(
        "ncg-3.en",
        "en",
        "Joint Press Statement on the 3rd NCG Meeting",
        D(2024, 6, 10),
        "us-dod",
        "The third meeting was held in Seoul.\n\nJoint planning and execution advanced.",
    ),
    StandInStatement(
        "ncg-3.ko",
        "ko",
        "제3차 핵협의그룹(NCG) 회의 공동언론보도문",
        D(2024, 6, 10),
        "rok-mnd",
        "제3차 회의가 서울에서 열렸다.\n\n양측은 공동기획 및 실행을 진전시켰다.",
    ),
    StandInStatement(
        "ncg-4.en",
        "en",
        "Joint Press Statement on the Fourth NCG Meeting",
        D(2025, 1, 10),
        "state-dept",
        "The fourth meeting was held in Washington.\n\nThe sides condemned launches.",
    ),
    StandInStatement(
        "ncg-5.en",
        "en",
        "Joint Press Statement on the Fifth NCG Meeting",
        D(2025, 12, 11),
        "us-dod",
        "The fifth meeting was held in Washington.\n\nThe ROK will take a leading role.",
    ),
    StandInStatement(
        "ncg-5.en.edit",
        "en",
        "Joint Press Statement on the Fifth NCG Meeting",
        D(2025, 12, 11),
        "us-dod",
        "The fifth meeting was held in Washington.\n\n"
        "The ROK will take the leading role in the conventional defense of the peninsula.",
        edit_of="ncg-5.en",
        edited=D(2025, 12, 16),
    ),
    StandInStatement(
        "wh-2025",
        "en",
        "Statement on the Nuclear Consultative Group",
        D(2025, 6, 2),
        "white-house",
        "The President welcomed the NCG's work.\n\nThe alliance is ironclad.",
    ),
    StandInStatement(
        "other-1",
        "en",
        "Readout of a Call With the Defense Minister of Japan",
        D(2024, 6, 12),
        "us-dod",
        "The ministers discussed training.\n\nThey agreed to stay in touch.",
    ),
]


@pytest.fixture(scope="module")
def ncg_site() -> ReplaySite:
    """The replay of every site with the stand-in statements and unrelated releases."""
    return ReplaySite(STAND_INS)


# --- the site object -------------------------------------------------------------------------


def test_listing_shows_only_what_was_published_by_then(ncg_site: ReplaySite) -> None:
    before = ncg_site.get("www.defense.gov", "/News/Releases/", D(2024, 6, 9))
    after = ncg_site.get("www.defense.gov", "/News/Releases/", D(2024, 6, 10))
    assert before is not None and after is not None
    assert b"3rd NCG" not in before.body and b"3rd NCG" in after.body


def test_statement_page_is_missing_before_publication(ncg_site: ReplaySite) -> None:
    release = next(r for r in ncg_site.releases.values() if r.key == "ncg-3.en")
    assert ncg_site.get(release.host, release.path, D(2024, 6, 9)) is None
    assert ncg_site.get(release.host, release.path, D(2024, 6, 10)) is not None


def test_silent_edit_appears_at_the_same_url_from_its_date(ncg_site: ReplaySite) -> None:
    release = next(r for r in ncg_site.releases.values() if r.key == "ncg-5.en")
    before = ncg_site.get(release.host, release.path, D(2025, 12, 15))
    after = ncg_site.get(release.host, release.path, D(2025, 12, 16))
    assert before is not None and after is not None
    assert b"a leading role" in before.body and b"conventional defense" not in before.body
    assert b"conventional defense of the peninsula" in after.body
    listing = ncg_site.get("www.defense.gov", "/News/Releases/", D(2025, 12, 20))
    assert listing is not None and listing.body.count(b"Fifth NCG") == 1


def test_listings_are_paginated_and_end(ncg_site: ReplaySite) -> None:
    as_of = D(2025, 12, 31)
    count = len(ncg_site.listed("wh-archive", as_of))
    last = -(-count // PAGE_SIZE)
    path = "/briefing-room/statements-releases/page/{}/"
    assert count > 3 * PAGE_SIZE
    assert ncg_site.get("bidenwhitehouse.archives.gov", path.format(last), as_of) is not None
    assert ncg_site.get("bidenwhitehouse.archives.gov", path.format(last + 1), as_of) is None


def test_publishers_and_archive_hosts(ncg_site: ReplaySite) -> None:
    hosts = {(r.key, r.host) for r in ncg_site.releases.values()}
    assert ("ncg-1.en", "bidenwhitehouse.archives.gov") in hosts  # before the 2025 cut-over
    assert ("wh-2025", "www.whitehouse.gov") in hosts
    assert ("ncg-4.en", "2021-2025.state.gov") in hosts
    assert ("ncg-3.ko", "www.mnd.go.kr") in hosts and ("ncg-3.ko", "www.korea.kr") in hosts


def test_mnd_action_urls_match_in_any_parameter_order(ncg_site: ReplaySite) -> None:
    release = next(
        r for r in ncg_site.releases.values() if r.key == "ncg-3.ko" and r.host == "www.mnd.go.kr"
    )
    path, query = release.path.split("?")
    shuffled = path + "?" + "&".join(reversed(query.split("&")))
    assert ncg_site.get("www.mnd.go.kr", shuffled, D(2025, 1, 1)) is not None


def test_english_presidential_host_is_gone_in_2026(ncg_site: ReplaySite) -> None:
    assert ncg_site.get("eng.president.go.kr", "/briefing", D(2025, 12, 31)) is not None
    assert ncg_site.get("eng.president.go.kr", "/briefing", D(2026, 1, 1)) is None


def test_cdx_has_a_header_row_and_honours_window_prefix_and_collapse(
    ncg_site: ReplaySite,
) -> None:
    query = "/cdx/search/cdx?url=www.defense.gov/News/Releases/Release/Article/&matchType=prefix"
    as_of = D(2026, 1, 10)
    full = ncg_site.get("web.archive.org", query + "&output=json", as_of)
    collapsed = ncg_site.get("web.archive.org", query + "&output=json&collapse=digest", as_of)
    window = ncg_site.get(
        "web.archive.org", query + "&output=json&from=20251211&to=20251231", as_of
    )
    assert full is not None and collapsed is not None and window is not None
    rows, kept, recent = (json.loads(r.body) for r in (full, collapsed, window))
    assert rows[0] == [
        "urlkey",
        "timestamp",
        "original",
        "mimetype",
        "statuscode",
        "digest",
        "length",
    ]
    assert len(kept) < len(rows)  # the week-later recaptures had the same digest
    assert {r[1][:8] for r in recent[1:]} >= {"20251211", "20251216"}  # the edit was captured
    assert all("20251211" <= r[1][:8] <= "20251231" for r in recent[1:])


def test_cdx_resume_key_pages_through_everything(ncg_site: ReplaySite) -> None:
    base = "/cdx/search/cdx?url=www.defense.gov/*&output=json&limit=7&showResumeKey=true"
    seen: list[list[str]] = []
    key = ""
    for _ in range(200):
        answer = ncg_site.get(
            "web.archive.org", base + (f"&resumeKey={key}" if key else ""), D(2026, 1, 10)
        )
        assert answer is not None
        rows = json.loads(answer.body)
        if rows and rows[-2:-1] == [[]]:
            seen += rows[1:-2]
            key = rows[-1][0]
        else:
            seen += rows[1:]
            break
    everything = ncg_site.get(
        "web.archive.org", "/cdx/search/cdx?url=www.defense.gov/*&output=json", D(2026, 1, 10)
    )
    assert everything is not None
    assert seen == json.loads(everything.body)[1:]


def test_raw_capture_serves_the_text_of_its_moment(ncg_site: ReplaySite) -> None:
    release = next(r for r in ncg_site.releases.values() if r.key == "ncg-5.en")
    early = ncg_site.get("web.archive.org", f"/web/20251212000000id_/{release.url}", D(2026, 1, 10))
    late = ncg_site.get("web.archive.org", f"/web/20251217000000id_/{release.url}", D(2026, 1, 10))
    assert early is not None and late is not None
    assert b"conventional defense" not in early.body and b"conventional defense" in late.body
    assert (
        ncg_site.get(
            "web.archive.org", "/web/20251212000000id_/https://nowhere.example/", D(2026, 1, 10)
        )
        is None
    )


def test_korea_kr_feed_carries_full_bodies_with_source_line(ncg_site: ReplaySite) -> None:
    feed = ncg_site.get("www.korea.kr", "/rss/dept_mnd.xml", D(2024, 6, 11))
    assert feed is not None and feed.content_type.startswith("application/rss+xml")
    text = feed.body.decode("utf-8")
    assert "<![CDATA[" in text and "공동기획 및 실행" in text and "자료출처=정책브리핑" in text


# --- end to end through the real server and the polite client -----------------------------


@pytest.fixture
def replay(
    ncg_site: ReplaySite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ReplayServer, PoliteClient]]:
    """The replay server on loopback, every source pointed at it, and a fast polite client."""
    with ReplayServer(ncg_site, as_of=D(2026, 1, 10)) as server:
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(replay_config(server.url)), encoding="utf-8")
        monkeypatch.setenv("CLAUSEWATCH_SOURCES_FILE", str(sources))
        monkeypatch.setenv("CLAUSEWATCH_ALLOWED_HOSTS", server.allowed_host)
        get_settings.cache_clear()
        settings = get_settings()
        with PoliteClient.from_settings(
            settings, [server.allowed_host], rate_limiter=HostRateLimiter(10_000.0)
        ) as client:
            yield server, client


# (slug, window, as_of, the NCG statements it must find by title fragment)
CASES = [
    ("us-dod", D(2024, 6, 1), D(2024, 6, 30), {"3rd NCG"}),
    ("us-dod", D(2025, 12, 1), D(2025, 12, 31), {"Fifth NCG"}),
    ("white-house", D(2023, 7, 1), D(2023, 7, 31), {"Inaugural Nuclear Consultative"}),
    ("white-house", D(2025, 5, 20), D(2025, 6, 30), {"Statement on the Nuclear Consultative"}),
    ("state-dept", D(2025, 1, 1), D(2025, 1, 31), {"Fourth NCG"}),
    ("rok-president", D(2023, 7, 1), D(2023, 7, 31), {"출범회의"}),
    ("rok-mnd", D(2024, 6, 1), D(2024, 6, 30), {"제3차"}),
    ("wayback", D(2023, 12, 1), D(2023, 12, 31), {"Joint Press Statement on Nuclear Consultative"}),
]


@pytest.mark.parametrize(("slug", "since", "until", "wanted"), CASES)
def test_discover_and_parse_through_the_replay_server(
    replay: tuple[ReplayServer, PoliteClient],
    slug: str,
    since: date,
    until: date,
    wanted: set[str],
) -> None:
    server, client = replay
    adapter = get_adapter(slug, load_sources(get_settings().sources_file))
    items: list[ListingItem] = adapter.discover(client, since, until)
    assert items and all(i.url.startswith(server.url) for i in items)
    found = {}
    for item in items:
        statement = adapter.parse_statement(client.fetch(item.url).body, item.url)
        assert statement.paragraphs and not statement.canonical_url.startswith(server.url)
        if match_series(statement) == "ncg":
            found[statement.title] = statement
    assert {w for w in wanted if any(w in t for t in found)} == wanted
    assert all(since <= s.published <= until for s in found.values())
    # Unrelated releases are listed too, and the series rule filters them out.
    assert len(items) > len(found)


def test_korea_kr_discovers_from_the_feed_when_fresh(
    ncg_site: ReplaySite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReplayServer(ncg_site, as_of=D(2024, 6, 11)) as server:
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(replay_config(server.url)), encoding="utf-8")
        monkeypatch.setenv("CLAUSEWATCH_SOURCES_FILE", str(sources))
        get_settings.cache_clear()
        adapter = get_adapter("korea-kr", load_sources(get_settings().sources_file))
        with PoliteClient(
            [server.allowed_host],
            trusted_hosts=[server.allowed_host],
            rate_limiter=HostRateLimiter(10_000.0),
        ) as client:
            items = adapter.discover(client, D(2024, 6, 1), D(2024, 6, 30))
            statements = [adapter.parse_statement(client.fetch(i.url).body, i.url) for i in items]
    assert [s.title for s in statements if match_series(s)] == [
        "제3차 핵협의그룹(NCG) 회의 공동언론보도문"
    ]


def test_wayback_fallback_reads_a_gone_host(replay: tuple[ReplayServer, PoliteClient]) -> None:
    _, client = replay
    sources = load_sources(get_settings().sources_file)
    president, wayback = get_adapter("rok-president", sources), get_adapter("wayback", sources)
    assert isinstance(wayback, Wayback)
    # The English host no longer answers in 2026; discovery skips it instead of failing.
    items = president.discover(client, D(2023, 12, 1), D(2023, 12, 31))
    assert all("eng.president.go.kr" not in i.url for i in items)
    original = next(
        r.url for r in ReplaySite(STAND_INS, filler=False).releases.values() if r.key == "ncg-2.en"
    )
    url = wayback.fallback_url(original, D(2025, 1, 1))
    statement = wayback.parse_statement(client.fetch(url).body, url)
    assert statement.canonical_url == original and statement.published == D(2023, 12, 16)


# --- the project's corpus -----------------------------------------------------------------


corpus_site = corpus_replay.corpus_site_fixture("module")


def test_every_corpus_statement_reads_back_from_its_publishers_page(
    corpus_site: ReplaySite,
) -> None:
    from clausewatch.demo.corpus import load_statements
    from scrapers.base import adapter_classes

    adapters = adapter_classes()
    statements = [s for s in load_statements() if not getattr(s, "edit_of", None)]
    for st in statements:
        release = next(
            r for r in corpus_site.releases.values() if r.key == st.id and r.host != "www.korea.kr"
        )
        # On its publication day, before any silent edit.
        page = corpus_site.get(release.host, release.path, st.published)
        assert page is not None, st.id
        got = adapters[st.publisher]().parse_statement(page.body, release.url)
        expected = [" ".join(p.split()) for p in st.text.split("\n\n") if p.strip()]
        assert (got.title, got.published, got.language) == (st.title, st.published, st.language)
        assert got.paragraphs == expected, st.id
        assert match_series(got) == "ncg"


def test_corpus_silent_edit_is_served_from_its_date(corpus_site: ReplaySite) -> None:
    from clausewatch.demo.corpus import load_statements

    edit = next(s for s in load_statements() if getattr(s, "edit_of", None))
    release = next(r for r in corpus_site.releases.values() if r.key == edit.edit_of)
    assert edit.edited is not None
    before = release.paragraphs(edit.edited - timedelta(days=1))
    after = release.paragraphs(edit.edited)
    assert before is not None and after is not None and before != after
    assert after == [" ".join(p.split()) for p in edit.text.split("\n\n") if p.strip()]


def test_corpus_unrelated_releases_do_not_match_the_series(corpus_site: ReplaySite) -> None:
    from clausewatch.demo.corpus import load_other
    from scrapers.base import adapter_classes

    adapters = adapter_classes()
    for other in load_other():
        release = next(r for r in corpus_site.releases.values() if r.key == other.id)
        page = corpus_site.get(release.host, release.path, D(2026, 1, 10))
        assert page is not None
        slug = {"www.korea.kr": "korea-kr"}.get(release.host, other.publisher)
        assert match_series(adapters[slug]().parse_statement(page.body, release.url)) is None
