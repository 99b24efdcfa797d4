"""US Department of State press releases — www.state.gov and 2021-2025.state.gov.

URL scheme:
    feed     /rss-feed/press-releases/feed/ (regional: /rss-feed/east-asia-and-the-pacific/feed/)
    listing  /press-releases/ and /press-releases/page/N/
    article  /<slug>/ (WordPress permalinks, no date in the path)

Markup: listing items ``li.collection-result``, link ``a.collection-result__link``; the date
is the *last* ``span`` of ``div.collection-result-meta`` (``p.collection-result__date``
holds the item type, not the date — the name misleads); body ``div.entry-content``.

Quirks: the 2021–2025 archive lives on a separate host; listing pages may need JavaScript
on the live site, so the feed is read first and the listing only when the feed does not
reach back far enough.

Verified against our replay only. Guessed about the live site: the article title element
and date placement on article pages, and that the archive host serves the same listing
shape. Misses fall back to the generic extractor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from scrapers.base import ListingItem, PageClient, SourceAdapter, Statement, register, walk_listing
from scrapers.extract import SiteSelectors, extract_statement, parse_date, soup_of
from scrapers.sources import SOURCE_HOSTS

CURRENT, ARCHIVE = SOURCE_HOSTS["state-dept"]
ARCHIVE_UNTIL = date(2025, 1, 20)

SELECTORS = SiteSelectors(
    title="h1.featured-content__headline, h1",
    body="div.entry-content",
    # A <p> on the replay; any element with the class on the live site (unverified).
    date=".article-meta__publish-date, time[datetime], .date",
    remove=".article-meta, .related-tags, .social-share",
)


@register
class StateDept(SourceAdapter):
    """Press releases of the US Department of State: feed first, listing behind it."""

    slug = "state-dept"
    languages = ("en",)
    hosts = SOURCE_HOSTS["state-dept"]

    def parse_listing(self, body: bytes, url: str) -> list[ListingItem]:
        """Items of one press-release listing page on either host."""
        host = ARCHIVE if ARCHIVE in url else CURRENT
        items = []
        for li in soup_of(body).select("li.collection-result"):
            link = li.select_one("a.collection-result__link")
            if link is None or not link.get("href"):
                continue
            spans = li.select("div.collection-result-meta span")
            published = parse_date(spans[-1].get_text(" ")) if spans else None
            items.append(
                ListingItem(
                    self.rebase(str(link["href"]), host),
                    " ".join(link.get_text(" ", strip=True).split()),
                    published,
                    self.slug,
                )
            )
        return items

    def _listing(self, host: str) -> list[str]:
        return [
            self.url(host, "/press-releases/" + (f"page/{n}/" if n > 1 else ""))
            for n in range(1, 200)
        ]

    def discover(self, client: PageClient, since: date, until: date) -> list[ListingItem]:
        """Press releases in the window from the feed, then listings of both hosts as needed."""
        found: dict[str, ListingItem] = {}
        if until >= ARCHIVE_UNTIL:
            feed = self.url(CURRENT, "/rss-feed/press-releases/feed/")
            items, reaches = self.read_feed(client, feed, CURRENT, since, until)
            found.update((i.url, i) for i in items)
            if not reaches:
                for item in walk_listing(
                    client, self._listing(CURRENT), self.parse_listing, since, until
                ):
                    found.setdefault(item.url, item)
        if since < ARCHIVE_UNTIL:
            for item in walk_listing(
                client, self._listing(ARCHIVE), self.parse_listing, since, until, max_pages=200
            ):
                found.setdefault(item.url, item)
        return list(found.values())

    def listing_probe(self) -> tuple[str, Callable[[bytes, str], list[ListingItem]]]:
        """The first page of the current press-release listing."""
        return self._listing(CURRENT)[0], self.parse_listing

    def parse_statement(self, body: bytes, url: str) -> Statement:
        """A press-release page; raises ParseError when none is found."""
        return extract_statement(
            body, url, SELECTORS, canonical_url=self.canonical(url), source=self.slug
        )
