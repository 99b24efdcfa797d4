"""US Department of Defense releases — www.defense.gov (www.war.gov since 2025).

URL scheme:
    feed     /DesktopModules/ArticleCS/RSS.ashx?ContentType=9&Site=945&max=N  (9 = releases)
    listing  /News/Releases/  and  /News/Releases/?Page=N
    article  /News/Releases/Release/Article/<numeric id>/<slug>/

Quirks: the numeric id is the stable key (the slug is often cut short, and the war.gov
rename changed the host, not the id); feeds on the same software carry an empty placeholder
item, skipped; plain HTTP clients have been answered 403, so the User-Agent is configurable
in settings; old items carry a "historical collection" banner; English only.

Verified against our replay only. Guessed about the live site: the listing markup (items
are found by their ``/Release/Article/`` links, whatever wraps them), the date element
(``time`` or ``.date``) and the paging parameter (seen on ``/News/Contracts/``). When a
selector misses, extraction falls back to the generic extractor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from bs4 import Tag

from scrapers.base import (
    ListingItem,
    PageClient,
    SourceAdapter,
    Statement,
    register,
    walk_listing,
)
from scrapers.extract import SiteSelectors, extract_statement, parse_date, soup_of
from scrapers.sources import SOURCE_HOSTS

SELECTORS = SiteSelectors(
    title="h1.maintitle",
    body="div.body",
    date="time[datetime], .date",
    remove=".historical-banner, .ar-share, .release-tag, .dgov-share",
)
_ARTICLE = re.compile(r"/Release/Article/(\d+)(?:/|$)")


def article_id(url: str) -> str | None:
    """The numeric article id in a release URL, the release's stable key."""
    m = _ARTICLE.search(url)
    return m.group(1) if m else None


def _date_near(link: Tag) -> date | None:
    """The date printed in the smallest wrapper around ``link`` that holds only this release."""
    holder = link.parent
    for _ in range(4):
        if not isinstance(holder, Tag):
            return None
        if len(holder.select("a[href*='/Release/Article/']")) > 1:
            return None  # a wrapper of several releases: its date may be a neighbour's
        time_el = holder.find("time")
        stamp = time_el.get("datetime") if isinstance(time_el, Tag) else None
        found = parse_date(str(stamp or "")) or parse_date(holder.get_text(" "))
        if found:
            return found
        holder = holder.parent
    return None


@register
class DefenseGov(SourceAdapter):
    """Releases of the US Department of Defense: feed first, the paged listing behind it."""

    slug = "us-dod"
    languages = ("en",)
    hosts = SOURCE_HOSTS["us-dod"]
    feed_size = 100

    def feed_url(self) -> str:
        """The releases RSS feed."""
        return self.url(
            self.hosts[0],
            f"/DesktopModules/ArticleCS/RSS.ashx?ContentType=9&Site=945&max={self.feed_size}",
        )

    def listing_url(self, page: int) -> str:
        """Page ``page`` (1-based) of the releases listing."""
        return self.url(self.hosts[0], "/News/Releases/" + (f"?Page={page}" if page > 1 else ""))

    def parse_listing(self, body: bytes, url: str) -> list[ListingItem]:
        """Release links on one listing page, with the date printed next to each."""
        soup = soup_of(body)
        items: dict[str, ListingItem] = {}
        for link in soup.select("a[href*='/Release/Article/']"):
            href = self.rebase(str(link.get("href")), self.hosts[0])
            title = " ".join(link.get_text(" ", strip=True).split())
            if not title or href in items:
                continue
            published = _date_near(link)
            items[href] = ListingItem(href, title, published, self.slug)
        return list(items.values())

    def discover(self, client: PageClient, since: date, until: date) -> list[ListingItem]:
        """Releases in the window from the feed, and from the listing when the feed is short."""
        items, feed_reaches_since = self.read_feed(
            client, self.feed_url(), self.hosts[0], since, until
        )
        found = {item.url: item for item in items}
        if not feed_reaches_since:
            pages = (self.listing_url(n) for n in range(1, 1000))
            for item in walk_listing(client, pages, self.parse_listing, since, until):
                found.setdefault(item.url, item)
        return list(found.values())

    def listing_probe(self) -> tuple[str, Callable[[bytes, str], list[ListingItem]]]:
        """The releases feed, which discovery reads first."""
        return self.feed_url(), self.feed_listing(self.hosts[0])

    def parse_statement(self, body: bytes, url: str) -> Statement:
        """Title, date and body of a release page; raises ParseError when none is found."""
        return extract_statement(
            body, url, SELECTORS, canonical_url=self.canonical(url), source=self.slug
        )
