"""ROK Ministry of National Defense — www.mnd.go.kr (보도자료 and the English board).

URL scheme (one action URL per board; ``command=view`` plus the item's sequence opens it):
    Korean list    /user/newsInUserRecord.action?siteId=mnd&handle=I_669&id=mnd_020500000000
    Korean item    the same + ``&command=view&newsId=I_669&newsSeq=I_<n>``
    English list   /user/boardList.action?boardId=I_8576246&siteId=mndEN&id=mndEN_020600000000
    English item   /user/boardList.action?command=view&boardId=I_8576246&boardSeq=O_<n>
                   &siteId=mndEN&id=mndEN_020600000000

Markup: list items carry the number in ``div.title a[href]``; detail title
``div.wrap_title div.title``, date ``dl.floatL dd``, body ``div.post_content``,
attachments ``div.wrap_file li a`` (often HWP or PDF). PDFs are read with pypdf
(:func:`read_attachment`); HWP is named as unsupported in a clear ParseError.

Quirks: the site has reset TLS connections from outside Korea (2026): korea.kr and the
Wayback Machine are the fallbacks. Older pages may be EUC-KR (decoded as cp949).

Verified against our replay only. Guessed about the live site: the paging parameter
(``currentPage``), the English board's list and detail markup (assumed to match the Korean
board), and how the number appears in the list link (any ``I_<n>`` / ``O_<n>`` or trailing
number is taken). Misses fall back to the generic extractor.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date

from bs4 import Tag

from core.errors import ParseError
from scrapers.base import (
    Attachment,
    ListingItem,
    PageClient,
    SourceAdapter,
    Statement,
    register,
    walk_listing,
)
from scrapers.extract import (
    SiteSelectors,
    clean_paragraphs,
    extract_statement,
    parse_date,
    soup_of,
)
from scrapers.sources import SOURCE_HOSTS

HOST = SOURCE_HOSTS["rok-mnd"][0]
KOREAN_LIST = "/user/newsInUserRecord.action?siteId=mnd&handle=I_669&id=mnd_020500000000"
ENGLISH_LIST = "/user/boardList.action?boardId=I_8576246&siteId=mndEN&id=mndEN_020600000000"

SELECTORS = SiteSelectors(
    title="div.wrap_title div.title",
    body="div.post_content",
    date="dl.floatL dd, time[datetime]",
    remove="div.wrap_file, .btn_area, .sns_area",
)
_SEQUENCE = re.compile(r"([IO])_(\d+)")


def korean_item_path(n: str) -> str:
    """Path of Korean press release number ``n``."""
    return f"{KOREAN_LIST}&command=view&newsId=I_669&newsSeq=I_{n}"


def english_item_path(n: str) -> str:
    """Path of English release number ``n``."""
    return (
        f"/user/boardList.action?command=view&boardId=I_8576246&boardSeq=O_{n}"
        "&siteId=mndEN&id=mndEN_020600000000"
    )


def attachment_kind(name: str) -> str:
    """``pdf``, ``hwp``, ``hwpx`` … from a file name's extension (``other`` without one)."""
    m = re.search(r"\.([A-Za-z0-9]{2,5})\s*$", name)
    return m.group(1).lower() if m else "other"


def read_attachment(body: bytes, attachment: Attachment) -> list[str]:
    """Paragraphs of a PDF attachment; raises ParseError for HWP and unreadable files."""
    if attachment.kind in ("hwp", "hwpx"):
        raise ParseError(
            f"HWP attachments are not supported (no HWP reader is bundled): {attachment.name}",
            source="rok-mnd",
            url=attachment.url,
        )
    if attachment.kind != "pdf":
        raise ParseError(f"unsupported attachment type {attachment.kind!r}", url=attachment.url)
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(body))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, OSError) as exc:
        raise ParseError(f"unreadable PDF: {exc}", source="rok-mnd", url=attachment.url) from exc
    paragraphs = clean_paragraphs(re.split(r"\n\s*\n|\n(?=\S)", text))
    if not paragraphs:
        raise ParseError("PDF attachment holds no text", source="rok-mnd", url=attachment.url)
    return paragraphs


@register
class RokMnd(SourceAdapter):
    """Press releases of the ROK Ministry of National Defense, Korean and English boards."""

    slug = "rok-mnd"
    languages = ("ko", "en")
    hosts = SOURCE_HOSTS["rok-mnd"]

    def parse_listing(self, body: bytes, url: str) -> list[ListingItem]:
        """Items of one page of either board, rebuilt as detail URLs from their numbers."""
        english = "mndEN" in url
        items: dict[str, ListingItem] = {}
        for link in soup_of(body).select("div.title a[href]"):
            found = _SEQUENCE.findall(str(link["href"]))
            if not found:
                continue
            n = found[-1][1]
            path = english_item_path(n) if english else korean_item_path(n)
            row = link.find_parent(["li", "tr"])
            text = row.get_text(" ") if isinstance(row, Tag) else ""
            detail = self.url(HOST, path)
            items.setdefault(
                detail,
                ListingItem(
                    detail,
                    " ".join(link.get_text(" ", strip=True).split()),
                    parse_date(text),
                    self.slug,
                ),
            )
        return list(items.values())

    def discover(self, client: PageClient, since: date, until: date) -> list[ListingItem]:
        """Releases in the window from the Korean board, then the English board."""
        found: dict[str, ListingItem] = {}
        for listing in (KOREAN_LIST, ENGLISH_LIST):
            pages = (
                self.url(HOST, listing + (f"&currentPage={n}" if n > 1 else ""))
                for n in range(1, 500)
            )
            for item in walk_listing(client, pages, self.parse_listing, since, until):
                found.setdefault(item.url, item)
        return list(found.values())

    def listing_probe(self) -> tuple[str, Callable[[bytes, str], list[ListingItem]]]:
        """The first page of the Korean press-release board."""
        return self.url(HOST, KOREAN_LIST), self.parse_listing

    def attachments(self, body: bytes) -> list[Attachment]:
        """Files linked from a release page, with their kind taken from the name."""
        out = []
        soup = soup_of(body)
        for link in soup.select("div.wrap_file li a[href]"):
            name = " ".join(link.get_text(" ", strip=True).split())
            out.append(
                Attachment(
                    name,
                    self.canonical(self.rebase(str(link["href"]), HOST)),
                    attachment_kind(name),
                )
            )
        return out

    def parse_statement(self, body: bytes, url: str) -> Statement:
        """A release page of either board, attachments listed; raises ParseError when empty."""
        return extract_statement(
            body,
            url,
            SELECTORS,
            canonical_url=self.canonical(url),
            source=self.slug,
            attachments=self.attachments(body),
        )
