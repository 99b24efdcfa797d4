"""Hostile page content: every page ends as a clean statement or one ParseError, never a crash.

Each hostile page of ``scrapers/replay/hostile.py`` goes through the adapters' pure
``parse_statement`` and through the replay server on loopback; the hostile feeds and CDX
answers go through the korea.kr and Wayback parsers. "Clean" means: no text from scripts,
styles, frames or attributes; no control characters; the statement's real paragraphs are
complete (a hostile page must never yield a partial statement).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from clausewatch.demo.replay.server import ReplayServer
from core.errors import ParseError
from scrapers.base import Statement, adapter_classes, get_adapter
from scrapers.wayback import parse_cdx
from tests.support.hostile import (
    ACTIVE_MARKER,
    HOSTILE_PAGES,
    PARAGRAPHS,
    PUBLISHED,
    TITLE,
    HostilePage,
    HostileSite,
    Outcome,
)
from tests.support.offline_guard import ClientFactory

_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f]")
_BIG = {"huge-attribute", "deep-nesting", "deep-nesting-unclosed", "deep-inline-nesting",
        "long-line"}  # fmt: skip
SMALL_PAGES = [p for p in HOSTILE_PAGES if p.name not in _BIG]
BIG_PAGES = [p for p in HOSTILE_PAGES if p.name in _BIG]


def readable(text: str) -> str:
    """Text with replacement characters and runs of whitespace folded to single spaces."""
    return " ".join(text.replace("\ufffd", " ").split())


def url_for(slug: str, page: HostilePage) -> str:
    """A URL the adapter ``slug`` would hand its parser for this page."""
    if slug == "wayback":
        return f"https://web.archive.org/web/20240610000000id_/{page.real_url}"
    return page.real_url


def outcome_of(parse: Callable[[], Statement], page: HostilePage, url: str) -> Statement | None:
    """Run one parse; return the statement, or None after checking the ParseError is clean."""
    try:
        statement = parse()
    except ParseError as exc:
        assert page.outcome is not Outcome.EXTRACTS, f"{page.name}: {exc}"
        assert "\n" not in str(exc) and url in str(exc)
        return None
    assert page.outcome is not Outcome.PARSE_ERROR, f"{page.name} gave {statement!r:.200}"
    return statement


def assert_clean(statement: Statement) -> None:
    """No active content, no control characters, something to read."""
    for text in (statement.title, statement.text, *statement.paragraphs):
        assert ACTIVE_MARKER not in text
        assert not _CONTROL.search(text)
    assert statement.paragraphs and all(p.strip() for p in statement.paragraphs)


def assert_complete(statement: Statement) -> None:
    """The page's own title, date and every paragraph, whole (no partial statement)."""
    assert statement.title == TITLE and statement.published == PUBLISHED
    body = readable(statement.text)
    for paragraph in PARAGRAPHS:
        assert paragraph in body


@pytest.mark.parametrize("slug", list(adapter_classes()))
@pytest.mark.parametrize("page", SMALL_PAGES, ids=lambda p: p.name)
def test_every_adapter_parses_hostile_pages_cleanly(
    hostile_site: HostileSite, page: HostilePage, slug: str
) -> None:
    adapter = get_adapter(slug)
    url = url_for(slug, page)
    # Wayback hands a capture to its publisher's parser, whose error names the original URL.
    named = page.real_url if slug == "wayback" else url
    statement = outcome_of(
        lambda: adapter.parse_statement(hostile_site.body(page), url), page, named
    )
    if statement is not None:
        assert_clean(statement)
    if statement is not None and slug in ("us-dod", "wayback"):
        assert_complete(statement)


@pytest.mark.parametrize("page", BIG_PAGES, ids=lambda p: p.name)
def test_huge_and_deep_pages_end_cleanly_on_the_generic_extractor(
    hostile_site: HostileSite, page: HostilePage
) -> None:
    # state-dept's selectors miss the DoD shape, so trafilatura reads the page; the DoD's
    # own selectors read the same pages in the loopback test below.
    url = page.real_url.replace("www.defense.gov", "www.state.gov")
    adapter = get_adapter("state-dept")
    statement = outcome_of(lambda: adapter.parse_statement(hostile_site.body(page), url), page, url)
    if statement is not None:
        assert_clean(statement)
        assert all(p in readable(statement.text) for p in PARAGRAPHS), statement.paragraphs


def test_hostile_pages_are_as_big_and_deep_as_claimed(hostile_site: HostileSite) -> None:
    bodies = {p.name: hostile_site.body(p) for p in HOSTILE_PAGES}
    assert max(len(m) for m in re.findall(rb"='[^']*'", bodies["huge-attribute"])) > 3_000_000
    assert bodies["deep-nesting"].count(b"<div>") >= 10_000
    assert bodies["deep-inline-nesting"].count(b"<span>") >= 10_000
    assert b"\n" not in bodies["long-line"] and len(bodies["long-line"]) >= 5 * 1024 * 1024
    assert bodies["control-bytes"].count(b"\x00") >= 4
    with pytest.raises(UnicodeDecodeError):
        bodies["invalid-utf8"].decode("utf-8")


@pytest.mark.parametrize("page", HOSTILE_PAGES, ids=lambda p: p.name)
def test_hostile_pages_fetched_over_loopback_end_cleanly(
    hostile_replay: ReplayServer,
    hostile_site: HostileSite,
    make_client: ClientFactory,
    page: HostilePage,
) -> None:
    adapter = get_adapter("us-dod")
    url = f"{hostile_replay.base_url('www.defense.gov')}{page.path}"
    result = make_client().fetch(url, source="us-dod")
    # The client hands over the page exactly as served: nothing dropped on the way.
    assert result.body == hostile_site.body(page)
    statement = outcome_of(
        lambda: adapter.parse_statement(result.body, result.final_url), page, url
    )
    if statement is not None:
        assert_clean(statement)
        assert_complete(statement)


# -- feeds and CDX answers -------------------------------------------------------------------

ITEM = (
    b"<item><title>%s</title><link>https://www.korea.kr/briefing/view.do?newsId=7</link>"
    b"<pubDate>Mon, 10 Jun 2024 09:00:00 +0900</pubDate><description><![CDATA[%s]]>"
    b"</description></item>"
)


def feed(*items: bytes) -> bytes:
    """An RSS 2.0 document in korea.kr's shape holding ``items``."""
    return (
        b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        + b"".join(items)
        + b"</channel></rss>"
    )


PARAGRAPH_HTML = b"".join(b"<p>" + p.encode() + b"</p>" for p in PARAGRAPHS)
HOSTILE_FEEDS = {
    "control-bytes-in-body": feed(
        ITEM % (TITLE.encode(), PARAGRAPH_HTML.replace(b"agreed", b"agreed\x00\x01"))
    ),
    "control-bytes-in-title": feed(ITEM % (b"Joint\x00 statement\x1f", PARAGRAPH_HTML)),
    "active-content": feed(
        ITEM
        % (
            TITLE.encode(),
            b"<script>"
            + ACTIVE_MARKER.encode()
            + b"</script>"
            + PARAGRAPH_HTML
            + b"<iframe>"
            + ACTIVE_MARKER.encode()
            + b"</iframe>",
        )
    ),
    "deep-html-in-body": feed(ITEM % (TITLE.encode(), b"<div>" * 10_000 + PARAGRAPH_HTML)),
    "deep-xml-around-items": feed(
        b"<x>" * 10_000 + ITEM % (TITLE.encode(), PARAGRAPH_HTML) + b"</x>" * 10_000
    ),
    "invalid-utf8": feed(ITEM % (TITLE.encode(), PARAGRAPH_HTML.replace(b" ", b" \xff ", 1))),
}
FEED_URL = "https://www.korea.kr/briefing/view.do?newsId=7"


@pytest.mark.parametrize("name", list(HOSTILE_FEEDS))
def test_hostile_feed_items_are_complete_or_refused(name: str) -> None:
    adapter = get_adapter("korea-kr")
    try:
        statement = adapter.parse_statement(HOSTILE_FEEDS[name], FEED_URL)
    except ParseError as exc:
        assert "\n" not in str(exc) and name.startswith("deep-")
        return
    assert_clean(statement)
    body = readable(statement.text)
    assert all(p in body for p in PARAGRAPHS), statement.paragraphs


@pytest.mark.parametrize(
    "entity",
    [
        b"<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
        b"<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'><!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'>"
        b"<!ENTITY e '&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;'><!ENTITY f '&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;'>"
        b"<!ENTITY g '&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;'><!ENTITY h '&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;'>",
        b"<!ENTITY h SYSTEM 'file:///etc/hostname'>",
    ],
    ids=["entity-expansion", "external-entity"],
)
def test_feed_entities_are_never_expanded(entity: bytes) -> None:
    body = (
        b"<?xml version='1.0'?><!DOCTYPE rss ["
        + entity
        + b"]><rss><channel>"
        + ITEM.replace(b"<![CDATA[%s]]>", b"%s") % (b"T &h;", b"<p>before &h; after</p>")
        + b"</channel></rss>"
    )
    try:
        statement = get_adapter("korea-kr").parse_statement(body, FEED_URL)
    except ParseError as exc:
        assert "\n" not in str(exc)
        return
    assert "aaaaaaaaaa" not in statement.text and len(statement.text) < 1000


CDX_HEADER = b'["urlkey","timestamp","original","mimetype","statuscode","digest","length"]'


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b"[" + CDX_HEADER + b"," + b"[" * 10_000 + b"]" * 10_000 + b"]",
        b"[" + CDX_HEADER + b',["k","20240610000000"]]',
        b"[" + CDX_HEADER + b',"not a row"]',
        b"[" + CDX_HEADER + b',["k","2024-06-10","u","text/html","200","D","1"]]',
        b"[" + CDX_HEADER + b',["k","20241399000000","u","text/html","200","D","1"]]',
        b'[[["timestamp"]], ["x"]]',
        b"[\xff\xfe]",
        b"\x00" * 64,
    ],
    ids=[
        "deep-nesting",
        "deep-row",
        "short-row",
        "string-row",
        "dashed-timestamp",
        "impossible-date",
        "unhashable-header",
        "invalid-utf8",
        "nul-bytes",
    ],
)
def test_hostile_cdx_answers_are_one_parse_error(body: bytes) -> None:
    url = "https://web.archive.org/cdx/search/cdx?url=www.defense.gov/News/"
    with pytest.raises(ParseError) as caught:
        parse_cdx(body, url)
    assert "\n" not in str(caught.value) and url in str(caught.value)
