"""Turn a statement page into a title, a date, a language and clean paragraphs.

Per-site selectors (``SiteSelectors``) come first; when they miss — a live site changed its
markup, or our guess about it was wrong — the generic extractor trafilatura takes over, so
a page degrades to a plainer extraction instead of failing. Either way the same boilerplate
filter runs: government banners, share buttons, breadcrumbs, "Immediate Release", "###",
the Korean copy-button text, korea.kr's source line and open-licence notice.

Everything here is pure: bytes and strings in, values out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from itertools import islice

from bs4 import BeautifulSoup, Tag

from core.charset import decode_text
from core.errors import ParseError
from core.language import detect_language
from scrapers.statement import Attachment, Statement

# Content a browser never shows as statement text: scripts, styles, frames, embedded objects.
ACTIVE_CONTENT_SELECTORS = (
    "script, style, noscript, template, iframe, frame, frameset, object, embed, applet, svg"
)
# Page chrome no statement body needs; removed before any selector runs.
CHROME_SELECTORS = (
    "script, style, noscript, template, nav, header, footer, form, button, aside, iframe, "
    "[role=navigation], [role=banner], [role=contentinfo], .usa-banner, .breadcrumb, "
    ".breadcrumbs, [class*=share], [class*=social], [class*=copy-btn], .skip-link"
)

_BOILERPLATE_LINES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^an official website of the united states government\.?$",
        r"^here'?s how you know\.?$",
        r"^(for )?immediate release\.?$",
        r"^#{3,}$",
        r"^-{3,}$",
        r"^(share|print|email|facebook|x|twitter|linkedin|copy link|share this page)$",
        r"^(home|news|releases)( ?[>/›»] ?[^>/›»]+)+$",
        r"^복사(확인)?$",
        r"^url ?복사$",
        r"^<?\s*자료출처\s*=\s*정책브리핑.*>?$",
        r".*공공누리.*",
        r".*무단\s*전재.*재배포.*",
        r".*frozen in time.*",
        r".*historical (collection|material|record).*no longer (being )?updated.*",
        r"^this (page|item) is part of (a|the) historical collection.*",
    )
]
# Inline fragments some sites glue onto a real paragraph.
_INLINE_NOISE = re.compile(r"\s*(복사확인|<?자료출처\s*=\s*정책브리핑[^>]*>?)\s*")


def is_boilerplate(line: str) -> bool:
    """Whether a whole line is page chrome rather than statement text."""
    stripped = line.strip()
    return not stripped or any(p.match(stripped) for p in _BOILERPLATE_LINES)


def clean_paragraphs(paragraphs: list[str]) -> list[str]:
    """Whitespace-normalized paragraphs without boilerplate lines or duplicates in a row."""
    out: list[str] = []
    for raw in paragraphs:
        text = " ".join(_INLINE_NOISE.sub(" ", raw).split())
        if is_boilerplate(text):
            continue
        if out and out[-1] == text:
            continue
        out.append(text)
    return out


# --- dates --------------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})\.\s?(\d{1,2})\.\s?(\d{1,2})\.?(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"), "ymd"),
    (
        re.compile(
            r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2}),?\s+"
            r"(\d{4})\b",
            re.IGNORECASE,
        ),
        "mdy",
    ),
    (
        re.compile(
            r"\b(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{4})\b",
            re.IGNORECASE,
        ),
        "dmy",
    ),
]


def parse_date(text: str) -> date | None:
    """The first date in ``text`` (RFC 822, ISO, YYYY.MM.DD, YYYY-MM-DD, Korean), or None."""
    text = text.strip()
    if not text:
        return None
    if re.match(r"^[A-Za-z]{3},\s", text) or re.match(r"^\d{1,2} [A-Za-z]{3} \d{4} \d", text):
        try:
            return parsedate_to_datetime(text).date()
        except (TypeError, ValueError):
            pass
    with_time = re.match(r"^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})?$", text)
    if with_time:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    for pattern, order in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            try:
                if order == "ymd":
                    return date(int(m[1]), int(m[2]), int(m[3]))
                if order == "mdy":
                    return date(int(m[3]), _MONTHS[m[1][:3].lower()], int(m[2]))
                return date(int(m[3]), _MONTHS[m[2][:3].lower()], int(m[1]))
            except ValueError:
                continue
    return None


# --- decoding -----------------------------------------------------------------------------

# C0 controls other than tab, newline and carriage return (and the two non-characters) are
# illegal in XML: lxml's recovering XML parser drops the text before them, silently cutting
# a feed item short. Browsers ignore them in HTML too; form feed is HTML whitespace.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")


def decode_page(body: bytes) -> str:
    """Decode HTML or XML bytes (core/charset.py: BOM, declared charset, UTF-8, damaged
    UTF-8, then a guess, cp949 first), without the control characters no markup may carry."""
    # A page is data, not a file someone handed us: its damaged bytes show as U+FFFD in
    # the stored text (docs/reliability.md) rather than as a warning line per fetch.
    return _CONTROL_CHARACTERS.sub("", decode_text(body).text).replace("\x0c", " ")


def soup_of(body: bytes) -> BeautifulSoup:
    """A parsed HTML tree of the decoded page."""
    return BeautifulSoup(decode_page(body), "lxml")


# --- extraction ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSelectors:
    """CSS selectors for one site's statement page; any of them may miss on the live site."""

    title: str
    body: str
    date: str = "time[datetime], .date"
    #: Site-specific chrome inside the page, removed before the body is read.
    remove: str = ""
    paragraphs: str = "p, li, h2, h3, h4, blockquote"


_BLOCKS = {"p", "li", "h2", "h3", "h4", "blockquote", "div", "ul", "ol", "table"}


def select_first(soup: BeautifulSoup | Tag, selector: str) -> Tag | None:
    """The first match of the first alternative (comma-separated, in order) that matches."""
    # Plain select_one takes the earliest match in the document, so a page-header h1 would
    # win over the preferred, more specific alternative.
    for alternative in selector.split(","):
        if alternative.strip():
            found = soup.select_one(alternative.strip())
            if found is not None:
                return found
    return None


def paragraphs_of(element: Tag, selector: str) -> list[str]:
    """The text of the innermost block elements matching ``selector`` inside ``element``."""
    blocks = [
        el
        for el in element.select(selector)
        if not any(child.name in _BLOCKS for child in el.find_all(True))
        or el.name in ("p", "li", "blockquote")
    ]
    # A nested p inside an li (or li inside blockquote) would otherwise appear twice.
    leaves = [b for b in blocks if not any(p in blocks for p in b.parents)]
    texts = [b.get_text(" ", strip=True) for b in leaves]
    if not any(t.strip() for t in texts):
        texts = element.get_text("\n").split("\n")
    return clean_paragraphs(texts)


def date_of(soup: BeautifulSoup, selector: str) -> date | None:
    """The publication date from the site's selector, then meta tags, then ``time`` elements."""
    return selector_date(soup, selector) or page_date(soup)


def selector_date(soup: BeautifulSoup, selector: str) -> date | None:
    """The publication date found by the site's own date selector, or None."""
    candidates: list[str] = []
    for alternative in selector.split(",") if selector else []:
        for el in soup.select(alternative.strip()) if alternative.strip() else []:
            candidates += [str(el.get("datetime") or ""), el.get_text(" ", strip=True)]
    for text in candidates:
        found = parse_date(text)
        if found:
            return found
    return None


def page_date(soup: BeautifulSoup) -> date | None:
    """A publication date from the page's meta tags or ``time`` elements, or None."""
    candidates: list[str] = []
    for name in ("article:published_time", "date", "dcterms.created", "og:published_time"):
        meta = soup.find("meta", attrs={"property": name}) or soup.find(
            "meta", attrs={"name": name}
        )
        if isinstance(meta, Tag):
            candidates.append(str(meta.get("content") or ""))
    for el in soup.select("time[datetime]"):
        candidates.append(str(el.get("datetime") or ""))
    for text in candidates:
        found = parse_date(text)
        if found:
            return found
    return None


GENERIC_MAX_DEPTH = 200


def _nested_deeper_than(soup: BeautifulSoup, limit: int) -> bool:
    # Only leaves can be deepest; islice caps the walk up from each one at ``limit`` steps.
    # (Tag.find would search every descendant, quadratic on exactly the pages that matter.)
    leaves = (
        tag
        for tag in soup.find_all(True)
        if not any(isinstance(child, Tag) for child in tag.children)
    )
    return any(sum(1 for _ in islice(leaf.parents, limit)) >= limit for leaf in leaves)


def _generic(html: str, url: str) -> tuple[str, list[str], date | None]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if doc is None:
        return "", [], None
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    title = str(data.get("title") or "")
    paragraphs = clean_paragraphs(str(data.get("text") or "").split("\n"))
    if paragraphs and title and paragraphs[0] == " ".join(title.split()):
        paragraphs = paragraphs[1:]
    found = data.get("date")
    # trafilatura falls back to the crawl date; only trust a date it actually read.
    published = parse_date(str(found)) if found and found != data.get("filedate") else None
    return title, paragraphs, published


@dataclass(frozen=True)
class PageText:
    """What a page says: title, paragraphs and date (each may be missing) and their sources."""

    title: str
    paragraphs: list[str]
    published: date | None
    provenance: dict[str, str]


# A page no adapter knows (a saved file, say): the title element, then the whole body read
# block by block.
ANY_PAGE = SiteSelectors(
    title="title, h1",
    body="main, article, [role=main], body",
    paragraphs="h1, h2, h3, h4, h5, h6, p, li, blockquote, td, dd, dt",
)


def read_page(
    html: str, url: str, selectors: SiteSelectors, *, source: str, need_date: bool = True
) -> PageText:
    """Site selectors, then the generic extractor for whatever they missed.

    Raises ParseError only for a page nested too deep for the generic extractor; a missing
    title, body or date is left empty for the caller to judge.
    """
    soup = BeautifulSoup(html, "lxml")
    title_el = select_first(soup, selectors.title) if selectors.title else None
    title = " ".join(title_el.get_text(" ", strip=True).split()) if title_el else ""
    published = selector_date(soup, selectors.date)
    provenance = {"title": "adapter" if title else "fallback"}
    provenance["date"] = "adapter" if published else "fallback"
    published = published or page_date(soup)
    for el in soup.select(ACTIVE_CONTENT_SELECTORS):
        el.decompose()
    # The generic extractor gets the page without active content (left to itself it keeps a
    # <template>'s text) but with its layout chrome, where it finds titles and dates.
    inert_html = str(soup)
    if selectors.remove:
        for el in soup.select(selectors.remove):
            el.decompose()
    for el in soup.select(CHROME_SELECTORS):
        el.decompose()
    body_el = select_first(soup, selectors.body) if selectors.body else None
    paragraphs = paragraphs_of(body_el, selectors.paragraphs) if body_el else []
    if title and paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    # The language is detected on the body, so it is as trustworthy as the body.
    provenance["body"] = provenance["language"] = "adapter" if paragraphs else "fallback"
    if not (title and paragraphs and (published or not need_date)):
        if _nested_deeper_than(soup, GENERIC_MAX_DEPTH):
            # libxml2, under trafilatura, stops reading at depth 256 and keeps what it had
            # read: a partial statement is worse than none.
            raise ParseError(
                f"page nested deeper than {GENERIC_MAX_DEPTH} elements and the site's "
                "selectors missed it",
                source=source,
                url=url,
            )
        g_title, g_paragraphs, g_date = _generic(inert_html, url)
        title = title or g_title
        paragraphs = paragraphs or g_paragraphs
        published = published or g_date or parse_date(soup.get_text(" "))
    return PageText(title, paragraphs, published, provenance)


def extract_statement(
    body: bytes,
    url: str,
    selectors: SiteSelectors,
    *,
    canonical_url: str,
    source: str,
    attachments: list[Attachment] | None = None,
) -> Statement:
    """Site selectors, then the generic extractor; raises ParseError when both find nothing."""
    page = read_page(decode_page(body), url, selectors, source=source)
    if not page.title or not page.paragraphs:
        raise ParseError("no statement title or body found", source=source, url=url)
    if page.published is None:
        raise ParseError("no publication date found", source=source, url=url)
    return Statement(
        title=page.title,
        published=page.published,
        language=detect_language(page.title + " " + " ".join(page.paragraphs)),
        paragraphs=page.paragraphs,
        canonical_url=canonical_url,
        attachments=attachments or [],
        provenance=page.provenance,
    )


# --- feeds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    """One RSS item: title, link, publication date and the (possibly full HTML) description."""

    title: str
    link: str
    published: date | None
    description: str


def parse_feed(body: bytes, *, source: str, url: str) -> list[FeedItem]:
    """The non-empty items of an RSS 2.0 feed; raises ParseError when it is not a feed."""
    soup = BeautifulSoup(decode_page(body), "xml")
    if soup.find("rss") is None and soup.find("channel") is None:
        raise ParseError("not an RSS feed", source=source, url=url)
    items: list[FeedItem] = []
    for item in soup.find_all("item"):
        fields: dict[str, str] = {}
        for name in ("title", "link", "pubDate", "description"):
            child = item.find(name)
            fields[name] = child.get_text().strip() if isinstance(child, Tag) else ""
        # Feeds on the DoD's software carry an empty placeholder item.
        if not fields["title"] or not fields["link"]:
            continue
        items.append(
            FeedItem(
                title=" ".join(fields["title"].split()),
                link=fields["link"],
                published=parse_date(fields["pubDate"]),
                description=fields["description"],
            )
        )
    return items
