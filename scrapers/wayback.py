"""Internet Archive Wayback Machine — web.archive.org: backfills and a fallback.

URL scheme:
    CDX      /cdx/search/cdx?url=<url or prefix>&output=json&matchType=prefix&from=&to=
             &filter=statuscode:200&collapse=digest  — the first JSON row is the header
             (urlkey, timestamp, original, mimetype, statuscode, digest, length)
    capture  /web/<14-digit timestamp>id_/<original url>  — the archived bytes, without the
             toolbar or link rewriting

Uses: *backfill* lists the captures of any source URL prefix over a date window
(:meth:`Wayback.backfill`), e.g. ``eng.president.go.kr/briefing/`` whose host stopped
resolving in 2026; *fallback* reads the capture of one URL when the source's own host is
unreachable (:meth:`Wayback.fallback_url`). Capture pages are parsed by the adapter that
owns the original URL, so a capture yields the same statement (and canonical URL) as the
live page.

Quirks: ``from``/``to`` take 1–14 digits and are inclusive; ``collapse=digest`` drops only
*adjacent* duplicates; large answers page with ``showResumeKey=true`` / ``resumeKey=``.
The listing dates are capture dates, not publication dates.

Verified against our replay only. Guessed about the live site: nothing in the URL scheme
(it is documented), but rate limits and the resume-key row layout (an empty row, then the
key) are taken from the documentation, not observed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from core.errors import ParseError
from scrapers.base import (
    ListingItem,
    PageClient,
    SourceAdapter,
    Statement,
    adapter_classes,
    register,
)
from scrapers.sources import SOURCE_HOSTS

HOST = SOURCE_HOSTS["wayback"][0]
_CAPTURE = re.compile(r"/web/(\d{14})id_/(https?://.+)$")
_CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")

#: Prefixes backfilled by ``discover``: sources whose own hosts are gone or unreliable.
BACKFILL_PREFIXES: tuple[str, ...] = (
    "eng.president.go.kr/briefing/",
    "www.mnd.go.kr/user/newsInUserRecord.action",
)


@dataclass(frozen=True)
class Capture:
    """One CDX row: when the archive captured which URL, and what it got."""

    timestamp: str
    original: str
    mimetype: str
    status: str
    digest: str

    @property
    def captured(self) -> date:
        """The capture date."""
        return date(int(self.timestamp[:4]), int(self.timestamp[4:6]), int(self.timestamp[6:8]))


def _valid_timestamp(stamp: str) -> bool:
    if not re.fullmatch(r"\d{8,14}", stamp):
        return False
    try:
        date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    except ValueError:
        return False
    return True


def parse_cdx(body: bytes, url: str = "") -> tuple[list[Capture], str | None]:
    """Captures of a CDX JSON answer and its resume key; raises ParseError on another shape."""
    try:
        rows = json.loads(body.decode("utf-8") or "[]")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        # RecursionError: the json module recurses once per nesting level of the answer.
        raise ParseError(f"CDX answer is not JSON: {exc}", source="wayback", url=url) from exc
    if not isinstance(rows, list):
        raise ParseError("CDX answer is not a list of rows", source="wayback", url=url)
    if not rows:
        return [], None
    header = rows[0]
    if (
        not isinstance(header, list)
        or not all(isinstance(name, str) for name in header)
        or not {"timestamp", "original"} <= set(header)
    ):
        raise ParseError("CDX answer lacks its header row", source="wayback", url=url)
    index = {name: header.index(name) for name in _CDX_FIELDS if name in header}
    captures: list[Capture] = []
    resume: str | None = None
    rest = rows[1:]
    width = max(index.values()) + 1
    for position, row in enumerate(rest):
        if row == []:
            # An empty row separates the captures from the resume key.
            following = rest[position + 1 : position + 2]
            key = following[0] if following and isinstance(following[0], list) else []
            resume = str(key[0]) if key and isinstance(key[0], str) else None
            break
        if not isinstance(row, list) or len(row) < width:
            raise ParseError(
                f"CDX row {position + 1} does not match the header", source="wayback", url=url
            )
        if not _valid_timestamp(str(row[index["timestamp"]])):
            raise ParseError(
                f"CDX row {position + 1} has no capture timestamp", source="wayback", url=url
            )
        captures.append(
            Capture(
                timestamp=str(row[index["timestamp"]]),
                original=str(row[index["original"]]),
                mimetype=str(row[index["mimetype"]]) if "mimetype" in index else "",
                status=str(row[index["statuscode"]]) if "statuscode" in index else "",
                digest=str(row[index["digest"]]) if "digest" in index else "",
            )
        )
    return captures, resume


def capture_parts(url: str) -> tuple[str, str]:
    """(timestamp, original URL) of an ``id_`` capture URL; raises ParseError otherwise."""
    m = _CAPTURE.search(url)
    if not m:
        raise ParseError("not a raw Wayback capture URL (/web/<ts>id_/<url>)", url=url)
    return m.group(1), m.group(2)


@register
class Wayback(SourceAdapter):
    """Wayback Machine captures of other sources' pages: backfill over a window and fallback."""

    slug = "wayback"
    languages = ("en", "ko")
    hosts = SOURCE_HOSTS["wayback"]
    prefixes: tuple[str, ...] = BACKFILL_PREFIXES
    page_size = 500

    def cdx_url(self, prefix: str, since: date, until: date, resume_key: str | None = None) -> str:
        """The CDX query for 200-status captures under ``prefix`` in the window."""
        query = {
            "url": prefix,
            "output": "json",
            "matchType": "prefix",
            "from": since.strftime("%Y%m%d"),
            "to": until.strftime("%Y%m%d"),
            "filter": "statuscode:200",
            "collapse": "digest",
            "limit": str(self.page_size),
            "showResumeKey": "true",
        }
        if resume_key:
            query["resumeKey"] = resume_key
        return self.url(HOST, "/cdx/search/cdx?" + urlencode(query))

    def capture_url(self, timestamp: str, original: str) -> str:
        """The raw (``id_``) capture of ``original`` nearest ``timestamp``."""
        return self.url(HOST, f"/web/{timestamp}id_/{original}")

    def fallback_url(self, original: str, as_of: date | None = None) -> str:
        """The raw capture to read when ``original``'s own host is unreachable."""
        stamp = (as_of.strftime("%Y%m%d") + "235959") if as_of else "29991231235959"
        # The archive answers a timestamp with a redirect to the nearest capture.
        return self.capture_url(stamp, original)

    def captures(self, client: PageClient, prefix: str, since: date, until: date) -> list[Capture]:
        """Every distinct capture under ``prefix`` in the window, following resume keys."""
        found: list[Capture] = []
        resume: str | None = None
        for _ in range(100):
            url = self.cdx_url(prefix, since, until, resume)
            page = client.fetch(url)
            batch, resume = parse_cdx(page.body, url)
            found.extend(batch)
            if not resume:
                break
        return found

    def backfill(
        self, client: PageClient, prefix: str, since: date, until: date
    ) -> list[ListingItem]:
        """The latest capture of each URL under ``prefix`` in the window, as listing items."""
        latest: dict[str, Capture] = {}
        for capture in self.captures(client, prefix, since, until):
            if capture.mimetype and "html" not in capture.mimetype:
                continue
            if (
                capture.original not in latest
                or capture.timestamp > latest[capture.original].timestamp
            ):
                latest[capture.original] = capture
        return [self.item(c) for c in sorted(latest.values(), key=lambda c: c.timestamp)]

    def item(self, capture: Capture) -> ListingItem:
        """A capture as a listing item: the raw capture URL, dated by the capture."""
        return ListingItem(
            self.capture_url(capture.timestamp, capture.original),
            "",
            capture.captured,
            self.slug,
            original_url=capture.original,
        )

    def listing_probe(self) -> tuple[str, Callable[[bytes, str], list[ListingItem]]]:
        """The CDX answer for the first backfill prefix, every capture since 2000."""
        url = self.cdx_url(self.prefixes[0], date(2000, 1, 1), date(2999, 12, 31))

        def read(body: bytes, page_url: str) -> list[ListingItem]:
            captures, _ = parse_cdx(body, page_url)
            return [self.item(c) for c in captures if not c.mimetype or "html" in c.mimetype]

        return url, read

    def discover(self, client: PageClient, since: date, until: date) -> list[ListingItem]:
        """Backfill of every prefix in ``prefixes`` over the window."""
        items: list[ListingItem] = []
        for prefix in self.prefixes:
            items.extend(self.backfill(client, prefix, since, until))
        return items

    def owner_of(
        self, original: str, adapters: Sequence[SourceAdapter] | None = None
    ) -> SourceAdapter:
        """The adapter of the source that published ``original``; raises ParseError."""
        from urllib.parse import urlsplit

        host = urlsplit(original).hostname
        candidates = adapters or [
            cls() for slug, cls in adapter_classes().items() if slug != self.slug
        ]
        for adapter in candidates:
            if host in adapter.hosts:
                return adapter
        raise ParseError(
            f"no source adapter for captured host {host}", source=self.slug, url=original
        )

    def parse_statement(self, body: bytes, url: str) -> Statement:
        """Parse a raw capture with the original source's adapter; raises ParseError."""
        _, original = capture_parts(url)
        # Default base URLs make the owner's canonical URL the original one.
        return self.owner_of(original).parse_statement(body, original)
