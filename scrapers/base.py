"""The scraper contract: what every source adapter provides, the registry, and series rules.

A *source* is one official publisher (a ministry, an executive office, an archive). Its
adapter is one small class in ``scrapers/<slug>.py`` that knows the site's URL scheme and
HTML shape, and nothing else. The contract has two halves with different rules:

``discover(client, since, until) -> list[ListingItem]``
    Walks the source's feed or listing pages and returns the statement pages published in
    the window ``since``..``until`` (both inclusive; an item without a date is kept, because
    dropping it could lose a statement). It does I/O only through the ``client`` passed in,
    which is the polite client of ``scrapers/http.py``: adapters never open connections.
    Every URL it requests is built from the adapter's configured base URLs (``base_urls``),
    never from a hard-coded host, so the same adapter reads the live site
    (``https://www.defense.gov``) and the replay (``http://127.0.0.1:PORT/www.defense.gov``).
    Links found on pages are *rebased* onto the configured base URL for the same reason.

``parse_statement(body, url) -> Statement``
    A pure function of the raw page bytes and the URL they came from: no I/O, no clock, no
    database. It tries the adapter's own selectors first and falls back to the generic
    extractor (``scrapers/extract.py``), so a wrong guess about a live site's markup
    degrades instead of failing. When neither finds a title, a date and at least one
    paragraph it raises :class:`~core.errors.ParseError`; it never returns an empty
    statement silently. ``Statement.canonical_url`` is always the URL on the source's real
    host (the replay prefix removed), so a document keeps one key whichever way it was read.

Adapters register themselves with :func:`register` (a class decorator) under their fixed
``slug``; the registry refuses a second class with the same slug. :func:`get_adapter` builds
an adapter with the base URLs of the source configuration it is handed (``scrapers/sources.py``:
the defaults, or those an edge loaded once from ``CLAUSEWATCH_SOURCES_FILE``).

Which statements belong to which series is not a scraper's concern: series are data
(``core/series.py``), matched after parsing by ``pipeline/tracking.py``.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from core.errors import FetchError, InputError, ParseError
from scrapers.extract import parse_feed
from scrapers.sources import SourceConfig, default_sources
from scrapers.statement import Attachment as Attachment
from scrapers.statement import Statement as Statement

#: The modules holding one adapter each; importing them fills the registry.
ADAPTER_MODULES: tuple[str, ...] = (
    "scrapers.us_dod",
    "scrapers.white_house",
    "scrapers.state_dept",
    "scrapers.rok_president",
    "scrapers.rok_mnd",
    "scrapers.korea_kr",
    "scrapers.wayback",
)


class FetchedPage(Protocol):
    """What adapters read from a fetch result of ``scrapers/http.py``."""

    @property
    def body(self) -> bytes: ...

    @property
    def final_url(self) -> str: ...

    @property
    def status(self) -> int: ...


class PageClient(Protocol):
    """The part of the polite client (``scrapers/http.py``) that adapters use."""

    def fetch(self, url: str) -> FetchedPage: ...


@dataclass(frozen=True)
class ListingPage:
    """What one feed or listing page held: its URL, answer and how many items it listed."""

    url: str
    status: int
    items: int


class ListingRecorder:
    """A page client that remembers the listing pages read through it (health facts).

    ``walk_listing`` and ``read_feed`` report each page they parse; adapters need not know.
    """

    def __init__(self, client: PageClient) -> None:
        self.client = client
        self.pages: list[ListingPage] = []

    def fetch(self, url: str) -> FetchedPage:
        """Fetch through the wrapped client."""
        return self.client.fetch(url)

    def note(self, url: str, status: int, items: int) -> None:
        """Remember that the page at ``url`` listed ``items`` items."""
        self.pages.append(ListingPage(url, status, items))


def _note_listing(client: PageClient, url: str, status: int, items: int) -> None:
    if isinstance(client, ListingRecorder):
        client.note(url, status, items)


@dataclass(frozen=True)
class ListingItem:
    """One statement page found on a feed or listing: where it is and what it claims."""

    url: str
    title: str
    published: date | None
    source: str
    #: For archive captures: the URL on the publisher's own host.
    original_url: str | None = None


class SourceAdapter(ABC):
    """One official site: discovers statement pages and parses them (see module docstring)."""

    slug: str = ""
    languages: tuple[str, ...] = ()
    #: The site's real hosts; the first is where listings live unless the adapter says so.
    hosts: tuple[str, ...] = ()

    def __init__(self, base_urls: Mapping[str, str] | None = None) -> None:
        defaults = {host: f"https://{host}" for host in self.hosts}
        defaults.update(base_urls or {})
        self.base_urls: dict[str, str] = {h: u.rstrip("/") for h, u in defaults.items()}

    @abstractmethod
    def discover(self, client: PageClient, since: date, until: date) -> list[ListingItem]:
        """Statement pages published in ``since``..``until``; raises FetchError or ParseError."""

    @abstractmethod
    def parse_statement(self, body: bytes, url: str) -> Statement:
        """Extract one statement from raw page bytes; raises ParseError when nothing is found."""

    @abstractmethod
    def listing_probe(self) -> tuple[str, Callable[[bytes, str], list[ListingItem]]]:
        """The first page discovery reads (feed or listing) and the function that reads it;
        the health check fetches it to see whether the site still lists anything."""

    def url(self, host: str, path: str) -> str:
        """The URL of ``path`` on ``host`` under its configured base URL."""
        return self.base_urls[host] + (path if path.startswith("/") else "/" + path)

    def rebase(self, href: str, host: str) -> str:
        """Map a link found on a page of ``host`` onto the configured base URLs."""
        href = href.strip()
        if href.startswith("//"):
            href = "https:" + href
        if href.startswith("/"):
            return self.url(host, href)
        parts = urlsplit(href)
        if parts.scheme in ("http", "https") and parts.hostname in self.base_urls:
            rest = href.split(parts.netloc, 1)[1]
            return self.url(parts.hostname, rest or "/")
        return href

    def canonical(self, url: str) -> str:
        """The URL on the real host for a URL under a configured base URL (replay or live)."""
        for host, base in self.base_urls.items():
            if url == base or url.startswith(base + "/") or url.startswith(base + "?"):
                return f"https://{host}" + (url[len(base) :] or "/")
        return url

    def read_feed(
        self, client: PageClient, feed_url: str, host: str, since: date, until: date
    ) -> tuple[list[ListingItem], bool]:
        """Feed items in the window, and whether the feed reaches back to ``since``.

        A feed that cannot be fetched or parsed yields nothing and False, so the caller
        walks the listing instead.
        """

        try:
            page = client.fetch(feed_url)
            entries = parse_feed(page.body, source=self.slug, url=feed_url)
        except (FetchError, ParseError):
            return [], False
        _note_listing(client, feed_url, page.status, len(entries))
        items = [
            ListingItem(self.rebase(e.link, host), e.title, e.published, self.slug)
            for e in entries
            if in_window(e.published, since, until)
        ]
        dated = [e.published for e in entries if e.published]
        return items, bool(dated) and min(dated) <= since

    def feed_listing(self, host: str) -> Callable[[bytes, str], list[ListingItem]]:
        """A reader of this source's RSS feeds on ``host`` as listing items."""

        def read(body: bytes, url: str) -> list[ListingItem]:
            return [
                ListingItem(self.rebase(e.link, host), e.title, e.published, self.slug)
                for e in parse_feed(body, source=self.slug, url=url)
            ]

        return read


A = TypeVar("A", bound=type[SourceAdapter])

_REGISTRY: dict[str, type[SourceAdapter]] = {}


def register(cls: A) -> A:
    """Class decorator adding an adapter to the registry; raises ValueError on a duplicate."""
    if not cls.slug:
        raise ValueError(f"{cls.__name__} has no slug")
    existing = _REGISTRY.get(cls.slug)
    if existing is not None and existing is not cls:
        raise ValueError(f"duplicate source slug {cls.slug!r}: {existing.__name__}, {cls.__name__}")
    _REGISTRY[cls.slug] = cls
    return cls


def _load_adapters() -> None:
    for module in ADAPTER_MODULES:
        importlib.import_module(module)


def adapter_classes() -> dict[str, type[SourceAdapter]]:
    """Every registered adapter class by slug, in registration order."""
    _load_adapters()
    return dict(_REGISTRY)


def get_adapter(slug: str, sources: Mapping[str, SourceConfig] | None = None) -> SourceAdapter:
    """The adapter for ``slug`` with its base URLs from ``sources`` (None: the live sites);
    raises InputError if unknown."""
    classes = adapter_classes()
    if slug not in classes:
        raise InputError(f"unknown source {slug!r}; known: {', '.join(classes)}")
    configs = sources if sources is not None else default_sources()
    return classes[slug](configs[slug].base_urls)


def all_adapters(sources: Mapping[str, SourceConfig] | None = None) -> list[SourceAdapter]:
    """One configured instance of every registered adapter, enabled or not."""
    configs = sources if sources is not None else default_sources()
    return [get_adapter(slug, configs) for slug in adapter_classes()]


def adapter_for_url(
    url: str,
    adapters: Sequence[SourceAdapter] | None = None,
    *,
    sources: Mapping[str, SourceConfig] | None = None,
) -> SourceAdapter:
    """The adapter owning ``url`` (by configured base URL or real host); raises InputError."""
    candidates = list(adapters) if adapters is not None else all_adapters(sources)
    # Configured base URLs first: under replay every source shares one loopback host.
    for adapter in candidates:
        if adapter.canonical(url) != url:
            return adapter
    for adapter in candidates:
        if urlsplit(url).hostname in adapter.hosts:
            return adapter
    raise InputError(f"no source owns {url}; pass --source SLUG", url=url)


def in_window(published: date | None, since: date, until: date) -> bool:
    """Whether an item belongs to the window; undated items are kept rather than lost."""
    return published is None or since <= published <= until


def walk_listing(
    client: PageClient,
    page_urls: Iterable[str],
    parse_page: Callable[[bytes, str], list[ListingItem]],
    since: date,
    until: date,
    max_pages: int = 30,
) -> list[ListingItem]:
    """Read listing pages newest first until one is empty or ends before ``since``."""
    found: dict[str, ListingItem] = {}
    for number, page_url in enumerate(page_urls):
        if number >= max_pages:
            break
        page = client.fetch(page_url)
        items = parse_page(page.body, page.final_url or page_url)
        _note_listing(client, page_url, page.status, len(items))
        if not items:
            break
        for item in items:
            if in_window(item.published, since, until):
                found.setdefault(item.url, item)
        dated = [i.published for i in items if i.published]
        if dated and max(dated) < since:
            break
    return list(found.values())
