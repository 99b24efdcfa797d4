"""The White House — www.whitehouse.gov (2025–) and the 2021–2025 archive.

URL scheme:
    current  /briefings-statements/, /briefings-statements/page/N/,
             feed /briefings-statements/feed/ (WordPress RSS)
    archive  bidenwhitehouse.archives.gov/briefing-room/statements-releases/ and /page/N/;
             items /briefing-room/statements-releases/YYYY/MM/DD/<slug>/

Markup: current listing items ``ul.wp-block-post-template li`` with the title in
``h2.wp-block-post-title a`` and the date in ``div.wp-block-post-date time[datetime]``; body
``div.entry-content.wp-block-post-content``. Archive listing items are ``article`` in
``div.article-wrapper``, link ``h2.news-item__title-container a`` (relative), date
``div.news-item__meta time[datetime]``; body ``section.body-content``.

Quirks: the archive carries a "frozen in time" banner and a breadcrumb, both stripped;
archive links are relative, so they are joined to the configured archive base URL.

Verified against our replay only. Guessed about the live site: the article title element
(``h1`` with the WordPress or archive class), and the archive's date inside the article
page. Misses fall back to the generic extractor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bs4 import Tag

from scrapers.base import ListingItem, PageClient, SourceAdapter, Statement, register, walk_listing
from scrapers.extract import SiteSelectors, extract_statement, parse_date, soup_of
from scrapers.sources import SOURCE_HOSTS

CURRENT, ARCHIVE = SOURCE_HOSTS["white-house"]
#: The day the archive froze: older statements live only on the archive host.
ARCHIVE_UNTIL = date(2025, 1, 20)

CURRENT_SELECTORS = SiteSelectors(
    title="h1.wp-block-post-title, h1",
    body="div.entry-content.wp-block-post-content",
    date="div.wp-block-post-date time[datetime], time[datetime]",
    remove=".wp-block-social-links, .wp-block-buttons",
)
ARCHIVE_SELECTORS = SiteSelectors(
    title="h1.page-title, h1",
    body="section.body-content",
    date="time[datetime], .posted-on",
    remove=".historical-banner, .breadcrumb, .share-links",
)


def _time_of(holder: Tag, selector: str) -> date | None:
    el = holder.select_one(selector)
    if el is None:
        return None
    return parse_date(str(el.get("datetime") or "")) or parse_date(el.get_text(" "))


@register
class WhiteHouse(SourceAdapter):
    """Briefings and statements of the White House, current site and 2021–2025 archive."""

    slug = "white-house"
    languages = ("en",)
    hosts = SOURCE_HOSTS["white-house"]

    def parse_current_listing(self, body: bytes, url: str) -> list[ListingItem]:
        """Items of one page of the current briefings listing."""
        items = []
        for li in soup_of(body).select("ul.wp-block-post-template li"):
            link = li.select_one("h2.wp-block-post-title a")
            if link is None or not link.get("href"):
                continue
            items.append(
                ListingItem(
                    self.rebase(str(link["href"]), CURRENT),
                    " ".join(link.get_text(" ", strip=True).split()),
                    _time_of(li, "div.wp-block-post-date time"),
                    self.slug,
                )
            )
        return items

    def parse_archive_listing(self, body: bytes, url: str) -> list[ListingItem]:
        """Items of one page of the 2021–2025 archive listing."""
        items = []
        for art in soup_of(body).select("div.article-wrapper article"):
            link = art.select_one("h2.news-item__title-container a")
            if link is None or not link.get("href"):
                continue
            items.append(
                ListingItem(
                    self.rebase(str(link["href"]), ARCHIVE),
                    " ".join(link.get_text(" ", strip=True).split()),
                    _time_of(art, "div.news-item__meta time"),
                    self.slug,
                )
            )
        return items

    def discover(self, client: PageClient, since: date, until: date) -> list[ListingItem]:
        """Feed and listing of the current site, plus the archive listing for old windows."""
        found: dict[str, ListingItem] = {}
        if until >= ARCHIVE_UNTIL:
            feed = self.url(CURRENT, "/briefings-statements/feed/")
            items, reaches = self.read_feed(client, feed, CURRENT, since, until)
            found.update((i.url, i) for i in items)
            if not reaches:
                pages = (
                    self.url(CURRENT, "/briefings-statements/" + (f"page/{n}/" if n > 1 else ""))
                    for n in range(1, 1000)
                )
                for item in walk_listing(client, pages, self.parse_current_listing, since, until):
                    found.setdefault(item.url, item)
        if since < ARCHIVE_UNTIL:
            pages = (
                self.url(
                    ARCHIVE,
                    "/briefing-room/statements-releases/" + (f"page/{n}/" if n > 1 else ""),
                )
                for n in range(1, 1000)
            )
            for item in walk_listing(
                client, pages, self.parse_archive_listing, since, until, max_pages=200
            ):
                found.setdefault(item.url, item)
        return list(found.values())

    def listing_probe(self) -> tuple[str, Callable[[bytes, str], list[ListingItem]]]:
        """The first page of the current briefings listing."""
        return self.url(CURRENT, "/briefings-statements/"), self.parse_current_listing

    def parse_statement(self, body: bytes, url: str) -> Statement:
        """A statement page of either host; raises ParseError when none is found."""
        canonical = self.canonical(url)
        selectors = ARCHIVE_SELECTORS if f"//{ARCHIVE}/" in canonical else CURRENT_SELECTORS
        return extract_statement(body, url, selectors, canonical_url=canonical, source=self.slug)
