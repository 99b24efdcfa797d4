"""Office of the President of the Republic of Korea — www.president.go.kr, eng.president.go.kr.

URL scheme:
    Korean   listing /newsroom/briefing/ (``?page=N``), statements /newsroom/briefing/<id>
    English  listing /briefing (``?page=N``), statements /briefing/<8-character id> (2022–2025)

Markup: Korean list ``section.briefing``, detail ``section.view_area``; the copy button's text
"복사확인" is stripped. English pages read, in order: site name, "Briefing Room", title, the
date as ``YYYY.MM.DD``, body.

Quirks: the English host stopped resolving in 2026; its statements are backfilled through
the Wayback Machine (``scrapers/wayback.py``), and discovery skips the host when it cannot
be fetched instead of failing the whole source. No RSS feed is known.

Verified against our replay only. Guessed about the live site: the paging parameter, the
Korean statement URL after ``/newsroom/briefing/``, the listing and detail markup inside
``section.briefing`` / ``section.view_area``, and the English markup (only the text order
is known). Misses fall back to the generic extractor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bs4 import Tag

from core.errors import FetchError
from scrapers.base import ListingItem, PageClient, SourceAdapter, Statement, register, walk_listing
from scrapers.extract import SiteSelectors, extract_statement, parse_date, soup_of
from scrapers.sources import SOURCE_HOSTS

KOREAN, ENGLISH = SOURCE_HOSTS["rok-president"]

KOREAN_SELECTORS = SiteSelectors(
    title="section.view_area .tit_area h3, section.view_area h3",
    body="section.view_area .view_cont",
    date="section.view_area .date, time[datetime]",
    remove=".btn_copy, .btn_share, .view_util",
)
ENGLISH_SELECTORS = SiteSelectors(
    title="div.board_view h4.tit, div.board_view h4",
    body="div.board_view div.cont",
    date="div.board_view p.date, time[datetime]",
    remove=".location, .btn_share",
)


@register
class RokPresident(SourceAdapter):
    """Briefings of the ROK presidential office in Korean and English."""

    slug = "rok-president"
    languages = ("ko", "en")
    hosts = SOURCE_HOSTS["rok-president"]

    def parse_listing(self, body: bytes, url: str) -> list[ListingItem]:
        """Briefing links on one listing page of either host."""
        english = ENGLISH in self.canonical(url)
        host = ENGLISH if english else KOREAN
        soup = soup_of(body)
        scope: Tag = soup.select_one("section.briefing") or soup
        prefix = "/briefing/" if english else "/newsroom/briefing/"
        items: dict[str, ListingItem] = {}
        for link in scope.select("a[href]"):
            href = str(link["href"])
            target = self.canonical(self.rebase(href, host))
            if prefix not in target or target.rstrip("/").endswith(prefix.rstrip("/")):
                continue
            holder = link.find_parent("li") or link.parent
            text = holder.get_text(" ") if isinstance(holder, Tag) else ""
            items.setdefault(
                self.rebase(href, host),
                ListingItem(
                    self.rebase(href, host),
                    " ".join(link.get_text(" ", strip=True).split()),
                    parse_date(text),
                    self.slug,
                ),
            )
        return list(items.values())

    def discover(self, client: PageClient, since: date, until: date) -> list[ListingItem]:
        """Korean briefings, plus English ones while the English host still answers."""
        found: dict[str, ListingItem] = {}
        for host, path in ((KOREAN, "/newsroom/briefing/"), (ENGLISH, "/briefing")):
            pages = (self.url(host, path + (f"?page={n}" if n > 1 else "")) for n in range(1, 500))
            try:
                items = walk_listing(client, pages, self.parse_listing, since, until)
            except FetchError:
                if host == KOREAN:
                    raise
                # Gone since 2026: the Wayback adapter backfills this host.
                continue
            for item in items:
                found.setdefault(item.url, item)
        return list(found.values())

    def listing_probe(self) -> tuple[str, Callable[[bytes, str], list[ListingItem]]]:
        """The first page of the Korean briefings listing (the English host is gone)."""
        return self.url(KOREAN, "/newsroom/briefing/"), self.parse_listing

    def parse_statement(self, body: bytes, url: str) -> Statement:
        """A briefing page of either host; raises ParseError when none is found."""
        canonical = self.canonical(url)
        selectors = ENGLISH_SELECTORS if f"//{ENGLISH}/" in canonical else KOREAN_SELECTORS
        return extract_statement(body, url, selectors, canonical_url=canonical, source=self.slug)
