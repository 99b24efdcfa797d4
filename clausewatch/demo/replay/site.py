"""The content of the replayed official sites: every publisher's pages, listings and feeds.

:class:`ReplaySite` renders the project's statements (``clausewatch.demo.corpus``) into the URL
scheme and HTML shape of the site that published each one (see docs/sources.md), mixes in
unrelated releases that series rules must filter out, and answers "as of" a date: listings
and feeds hold only what was published by then, and a silent edit replaces a statement's
text from its ``edited`` date at the same URL. Pages carry the chrome extraction must strip
(government banners, navigation, breadcrumbs, share buttons, copy buttons, footers, licence
lines). ``web.archive.org`` answers CDX queries and ``id_`` raw captures of the same pages.

The HTTP side (ETags, gzip, robots.txt, faults) belongs to ``scrapers/replay/server.py``.
All text here is the project's own; none is copied from the real sites.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from clausewatch.demo.replay.redesign import Redesign, redesign_page
from clausewatch.demo.replay.server import ReplayResponse

Date = datetime.date
PAGE_SIZE = 10
FEED_SIZE = 20
#: White House and State moved their 2021–2025 pages to archive hosts on this day.
ARCHIVE_CUTOVER = Date(2025, 1, 20)
FILLER_START = Date(2023, 1, 6)
FILLER_END = Date(2025, 12, 30)

MND_KO_PATH = "/user/newsInUserRecord.action"
MND_EN_PATH = "/user/boardList.action"
RSS = "application/rss+xml; charset=utf-8"


class CorpusStatement(Protocol):
    """The fields of a corpus statement the replay reads (see ``clausewatch.demo.corpus``)."""

    @property
    def id(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def published(self) -> Date: ...
    @property
    def publisher(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class StandInStatement:
    """A statement given to the replay directly (tests), shaped like a corpus statement."""

    id: str
    language: str
    title: str
    published: Date
    publisher: str
    text: str
    edit_of: str | None = None
    edited: Date | None = None
    meeting: int | None = None


@dataclass
class Release:
    """One page on one replayed site, with its text over time."""

    key: str
    board: str
    host: str
    path: str
    title: str
    published: Date
    language: str
    #: (effective from, paragraphs), oldest first; a silent edit adds an entry.
    versions: list[tuple[Date, list[str]]] = field(default_factory=list)
    number: int = 0

    def paragraphs(self, as_of: Date) -> list[str] | None:
        """The text on ``as_of``, or None before publication."""
        current = None
        for since, paragraphs in self.versions:
            if since <= as_of:
                current = paragraphs
        return current

    @property
    def url(self) -> str:
        """The canonical URL on the real host."""
        return f"https://{self.host}{self.path}"


# --- where each publisher puts a statement ------------------------------------------------

BOARD_HOSTS = {
    "dod": "www.defense.gov",
    "wh": "www.whitehouse.gov",
    "wh-archive": "bidenwhitehouse.archives.gov",
    "state": "www.state.gov",
    "state-archive": "2021-2025.state.gov",
    "pres-ko": "www.president.go.kr",
    "pres-en": "eng.president.go.kr",
    "mnd-ko": "www.mnd.go.kr",
    "mnd-en": "www.mnd.go.kr",
    "kr-mnd": "www.korea.kr",
    "kr-mofa": "www.korea.kr",
}


def boards_for(publisher: str, language: str, published: Date) -> list[str]:
    """The boards a publisher's statement appears on (korea.kr mirrors MND's Korean ones)."""
    archived = published < ARCHIVE_CUTOVER
    if publisher == "us-dod":
        return ["dod"]
    if publisher == "white-house":
        return ["wh-archive" if archived else "wh"]
    if publisher == "state-dept":
        return ["state-archive" if archived else "state"]
    if publisher == "rok-president":
        return ["pres-ko" if language == "ko" else "pres-en"]
    if publisher == "rok-mnd":
        return ["mnd-ko", "kr-mnd"] if language == "ko" else ["mnd-en"]
    if publisher == "korea-kr":
        return ["kr-mnd"]
    raise ValueError(f"replay has no site for publisher {publisher!r}")


def slugify(title: str, limit: int = 80) -> str:
    """A URL slug of a title (Latin letters and digits; Korean titles give a hash)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if not slug:
        slug = "item-" + hashlib.sha1(title.encode()).hexdigest()[:8]
    return slug[:limit].rstrip("-")


def _number(key: str, published: Date, base: int) -> int:
    # Grows with the date like real sequence numbers, and stays unique per key.
    return base + (published - Date(2020, 1, 1)).days * 100 + zlib.crc32(key.encode()) % 100


def _short_id(key: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    value = zlib.crc32(key.encode()) * 7919 + len(key)
    out = ""
    for _ in range(8):
        value, rest = divmod(value, len(alphabet))
        out += alphabet[rest]
    return out


def path_for(board: str, key: str, title: str, published: Date) -> tuple[str, int]:
    """The path (and sequence number) of a release on a board."""
    y, m, d = published.strftime("%Y"), published.strftime("%m"), published.strftime("%d")
    if board == "dod":
        n = _number(key, published, 3_000_000)
        # The live site cuts long slugs short; the number is the key.
        return f"/News/Releases/Release/Article/{n}/{slugify(title, 40)}/", n
    if board == "wh":
        return f"/briefings-statements/{y}/{m}/{slugify(title)}/", 0
    if board == "wh-archive":
        return f"/briefing-room/statements-releases/{y}/{m}/{d}/{slugify(title)}/", 0
    if board in ("state", "state-archive"):
        return f"/{slugify(title)}/", 0
    if board == "pres-ko":
        n = _number(key, published, 100_000)
        return f"/newsroom/briefing/{n}", n
    if board == "pres-en":
        return f"/briefing/{_short_id(key)}", 0
    if board == "mnd-ko":
        n = _number(key, published, 10_000)
        return (
            f"{MND_KO_PATH}?siteId=mnd&handle=I_669&id=mnd_020500000000"
            f"&command=view&newsId=I_669&newsSeq=I_{n}",
            n,
        )
    if board == "mnd-en":
        n = _number(key, published, 20_000)
        return (
            f"{MND_EN_PATH}?command=view&boardId=I_8576246&boardSeq=O_{n}"
            "&siteId=mndEN&id=mndEN_020600000000",
            n,
        )
    if board in ("kr-mnd", "kr-mofa"):
        n = _number(key, published, 148_000_000)
        return f"/briefing/pressReleaseView.do?newsId={n}", n
    raise ValueError(board)


# --- unrelated releases -------------------------------------------------------------------

_FILLER_EN = (
    (
        "Readout of a Call With the Defense Minister of {p}",
        "The two officials discussed regional security, training cooperation and upcoming visits.",
        "They agreed to keep in close contact.",
    ),
    (
        "Department Announces {p} Maintenance Contract Awards",
        "Several firms received awards for depot maintenance and spare parts.",
        "Work will be performed over the next three fiscal years.",
    ),
    (
        "Statement on the Anniversary of the {p} Partnership",
        "The partnership has grown through exercises, exchanges and shared research.",
        "Both governments intend to deepen it further.",
    ),
    (
        "Secretary Hosts Counterpart From {p} at the Pentagon",
        "The meeting covered supply chains, cyber defense and maritime security.",
        "An honor cordon welcomed the guest.",
    ),
)
_FILLER_KO = (
    (
        "국방부, {p} 국방협력회의 개최",
        "양측은 국방교류와 방산협력 확대 방안을 논의하였다.",
        "다음 회의는 내년에 열기로 하였다.",
    ),
    (
        "{p} 지역 장병 복지시설 개선사업 착수",
        "국방부는 노후 생활관과 체육시설을 개선한다.",
        "사업은 단계적으로 추진될 예정이다.",
    ),
    (
        "{p} 해외파병부대 교대 병력 출국",
        "교대 병력은 현지 적응 교육을 마치고 임무를 인수한다.",
        "장관은 장병들의 안전을 당부하였다.",
    ),
)
_PLACES_EN = ("Australia", "Poland", "the Philippines", "Japan", "Canada", "Norway", "Chile")
_PLACES_KO = ("폴란드", "호주", "필리핀", "캐나다", "노르웨이", "칠레")


def filler_releases(board: str, language: str) -> list[StandInStatement]:
    """Unrelated releases on a board, about one every eight days over 2023–2025."""
    templates = _FILLER_KO if language == "ko" else _FILLER_EN
    places = _PLACES_KO if language == "ko" else _PLACES_EN
    out = []
    day = FILLER_START + datetime.timedelta(days=zlib.crc32(board.encode()) % 8)
    i = 0
    while day <= FILLER_END:
        title, *paragraphs = templates[i % len(templates)]
        place = places[(i // len(templates)) % len(places)]
        out.append(
            StandInStatement(
                id=f"filler-{board}-{i}",
                language=language,
                title=title.format(p=place),
                published=day,
                publisher="",
                text="\n\n".join(paragraphs),
            )
        )
        i += 1
        day += datetime.timedelta(days=8)
    return out


def _board_language(board: str) -> str:
    return "ko" if board in ("pres-ko", "mnd-ko", "kr-mnd", "kr-mofa") else "en"


# --- page chrome --------------------------------------------------------------------------

_US_BANNER = (
    '<section class="usa-banner" aria-label="Official government website">'
    "<p>An official website of the United States Government</p>"
    "<button>Here's how you know</button></section>"
)


def _doc(title: str, lang: str, canonical: str, body: str, extra_head: str = "") -> bytes:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f'<link rel="canonical" href="{html.escape(canonical)}">{extra_head}</head>'
        f"<body>{body}</body></html>\n"
    ).encode()


def _paras(paragraphs: Sequence[str]) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _long(d: Date) -> str:
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def _dotted(d: Date) -> str:
    return d.strftime("%Y.%m.%d")


def _rfc822(d: Date) -> str:
    return d.strftime("%a, %d %b %Y 09:00:00 -0500")


def _pager(links: list[tuple[int, str]], current: int) -> str:
    items = "".join(
        f'<li><a href="{html.escape(href)}"'
        + (' aria-current="page"' if n == current else "")
        + f">{n}</a></li>"
        for n, href in links
    )
    return f'<nav class="pagination" aria-label="Pagination"><ul>{items}</ul></nav>'


@dataclass(frozen=True)
class _ListingShape:
    """How one board's listing pages look: title, language, address, rows and frame."""

    board: str
    title: str
    language: str
    url: str
    row: Callable[[Release], str]
    #: The address of page ``n`` of the listing (for the pager).
    href: Callable[[int], str]
    #: The page's body around its rows and pager.
    frame: Callable[[str, str], str]


# --- the site -----------------------------------------------------------------------------


class ReplaySite:
    """Every replayed official site as of a date (implements ReplaySiteProtocol)."""

    def __init__(
        self,
        statements: Iterable[CorpusStatement],
        *,
        unrelated: Iterable[CorpusStatement] = (),
        filler: bool = True,
        gone: dict[str, Date] | None = None,
    ) -> None:
        #: Hosts that stop answering from a date (the English presidential site, 2026).
        self.gone: dict[str, Date] = (
            {"eng.president.go.kr": Date(2026, 1, 1)} if gone is None else gone
        )
        #: Redesign switches per host (see ``redesign.py``); set with :meth:`redesign`.
        self.redesigns: dict[str, frozenset[Redesign]] = {}
        self.releases: dict[tuple[str, str], Release] = {}
        self.boards: dict[str, list[Release]] = {b: [] for b in BOARD_HOSTS}
        originals: list[Any] = []
        edits: list[Any] = []
        for st in list(statements) + list(unrelated):
            (edits if getattr(st, "edit_of", None) else originals).append(st)
        for st in originals:
            for board in boards_for(st.publisher, st.language, st.published):
                self._add(board, st)
        if filler:
            for board in self.boards:
                for st in filler_releases(board, _board_language(board)):
                    self._add(board, st)
        by_key: dict[str, list[Release]] = {}
        for release in self.releases.values():
            by_key.setdefault(release.key, []).append(release)
        for edit in sorted(edits, key=lambda e: e.edited or e.published):
            for release in by_key.get(edit.edit_of, []):
                release.versions.append((edit.edited or edit.published, _split(edit.text)))
        for board_releases in self.boards.values():
            board_releases.sort(key=lambda r: (r.published, r.number, r.path), reverse=True)

    @classmethod
    def from_corpus(cls, **options: Any) -> ReplaySite:
        """The site serving the project's corpus: every series' statements and unrelated
        releases."""
        import importlib

        # Imported by name: the corpus package is written alongside the replay.
        corpus = importlib.import_module("clausewatch.demo.corpus")
        return cls(corpus.load_all_series(), unrelated=corpus.load_other(), **options)

    def _add(self, board: str, st: Any) -> None:
        path, number = path_for(board, st.id, st.title, st.published)
        host = BOARD_HOSTS[board]
        if (host, _route_key(path)) in self.releases:
            # Slug-only URL schemes (state.gov) give recurring titles the same path; the live
            # sites add a counter, and one URL must never stand for two releases.
            stem = path.rstrip("/")
            n = 2
            while (host, _route_key(f"{stem}-{n}/")) in self.releases:
                n += 1
            path = f"{stem}-{n}/" if path.endswith("/") else f"{stem}-{n}"
        release = Release(
            key=st.id,
            board=board,
            host=host,
            path=path,
            title=st.title,
            published=st.published,
            language=st.language,
            versions=[(st.published, _split(st.text))],
            number=number,
        )
        self.releases[(host, _route_key(path))] = release
        self.boards[board].append(release)

    def listed(self, board: str, as_of: Date) -> list[Release]:
        """A board's releases published by ``as_of``, newest first."""
        return [r for r in self.boards[board] if r.published <= as_of]

    # -- protocol --------------------------------------------------------------------------

    def redesign(self, host: str, *switches: Redesign | str) -> None:
        """Serve ``host`` redesigned from now on (no switches: its original shape again)."""
        if switches:
            self.redesigns[host] = frozenset(Redesign(s) for s in switches)
        else:
            self.redesigns.pop(host, None)

    def get(self, host: str, path_and_query: str, as_of: Date) -> ReplayResponse | None:
        """The response for a path on a replayed host as of ``as_of``; None means 404."""
        if host in self.gone and as_of >= self.gone[host]:
            return None
        if host == "web.archive.org":
            return self._wayback(path_and_query, as_of)
        release = self.releases.get((host, _route_key(path_and_query)))
        response: ReplayResponse | None
        if release is not None:
            paragraphs = release.paragraphs(as_of)
            if paragraphs is None:
                return None
            response = ReplayResponse(body=self.render(release, paragraphs))
        else:
            route = _ROUTES.get(host)
            response = route(self, path_and_query, as_of) if route else None
        switches = self.redesigns.get(host)
        if response is None or not switches or not response.content_type.startswith("text/html"):
            return response
        response.body = redesign_page(
            response.body,
            host=host,
            switches=switches,
            statement_page=release is not None,
            as_of=as_of,
        )
        return response

    # -- statement pages -------------------------------------------------------------------

    def render(self, r: Release, paragraphs: Sequence[str]) -> bytes:
        """The HTML of one release page in its site's shape."""
        renderer = _RENDERERS[r.board]
        return renderer(r, paragraphs)

    # -- listings and feeds ----------------------------------------------------------------

    def _page_of(self, board: str, page: int, as_of: Date) -> list[Release] | None:
        items = self.listed(board, as_of)
        start = (page - 1) * PAGE_SIZE
        if page < 1 or (start >= len(items) and page > 1):
            return None
        return items[start : start + PAGE_SIZE]

    def _pages(self, board: str, as_of: Date, href: Callable[[int], str]) -> list[tuple[int, str]]:
        count = max(1, -(-len(self.listed(board, as_of)) // PAGE_SIZE))
        return [(n, href(n)) for n in range(1, count + 1)]

    def _listing(self, shape: _ListingShape, page: int, as_of: Date) -> ReplayResponse | None:
        """One page of a board's listing in its site's shape; None past its last page."""
        items = self._page_of(shape.board, page, as_of)
        if items is None:
            return None
        rows = "".join(shape.row(r) for r in items)
        pager = _pager(self._pages(shape.board, as_of, shape.href), page)
        body = shape.frame(rows, pager)
        return ReplayResponse(body=_doc(shape.title, shape.language, shape.url, body))

    def rss(
        self,
        board: str,
        as_of: Date,
        title: str,
        size: int,
        *,
        full: bool = False,
        placeholder: bool = False,
        releases: list[Release] | None = None,
    ) -> ReplayResponse:
        """An RSS 2.0 feed of a board's newest releases (or of ``releases``)."""
        items = []
        if placeholder:
            items.append(
                "<item><title></title><link></link><pubDate></pubDate>"
                "<description></description></item>"
            )
        chosen = releases if releases is not None else self.listed(board, as_of)
        for r in chosen[:size]:
            paragraphs = r.paragraphs(as_of) or []
            if full:
                description = "<![CDATA[" + _paras(paragraphs) + _KOREA_KR_TAIL + "]]>"
            else:
                description = html.escape(paragraphs[0][:200] if paragraphs else "")
            items.append(
                f"<item><title>{html.escape(r.title)}</title><link>{html.escape(r.url)}</link>"
                f"<guid>{html.escape(r.url)}</guid><pubDate>{_rfc822(r.published)}</pubDate>"
                f"<description>{description}</description></item>"
            )
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{html.escape(title)}</title><link>https://{BOARD_HOSTS[board]}/</link>"
            f"<description>{html.escape(title)}</description>{''.join(items)}</channel></rss>\n"
        )
        return ReplayResponse(body=body.encode(), content_type=RSS)

    def _dod(self, pq: str, as_of: Date) -> ReplayResponse | None:
        path, q = _split_query(pq)
        if path == "/DesktopModules/ArticleCS/RSS.ashx" and q.get("ContentType") == "9":
            size = _query_number(q, "max", 10)
            return self.rss("dod", as_of, "Releases", size, placeholder=True)
        if path.rstrip("/") != "/News/Releases":
            return None
        shape = _ListingShape(
            board="dod",
            title="Releases",
            language="en",
            url="https://www.defense.gov/News/Releases/",
            row=lambda r: (
                f'<div class="item"><span class="date">{r.published.strftime("%b. %-d, %Y")}'
                f'</span><a class="title" href="{r.url}">{html.escape(r.title)}</a></div>'
            ),
            href=lambda n: f"/News/Releases/?Page={n}",
            frame=lambda rows, pager: (
                f"{_US_BANNER}<header><nav><a href='/'>Home</a><a href='/News/'>News</a>"
                "<a href='/News/Releases/'>Releases</a></nav></header>"
                "<main><h1>Releases</h1>"
                f'<div class="alist">{rows}</div>{pager}</main>{_DOD_FOOTER}'
            ),
        )
        return self._listing(shape, _query_number(q, "Page", 1), as_of)

    def _wh(self, pq: str, as_of: Date) -> ReplayResponse | None:
        path, _ = _split_query(pq)
        if path == "/briefings-statements/feed/":
            return self.rss("wh", as_of, "Briefings & Statements", 10)
        m = re.fullmatch(r"/briefings-statements/(?:page/(\d+)/)?", path)
        if not m:
            return None
        shape = _ListingShape(
            board="wh",
            title="Briefings & Statements",
            language="en",
            url="https://www.whitehouse.gov/briefings-statements/",
            row=lambda r: (
                f'<li class="wp-block-post"><h2 class="wp-block-post-title"><a href="{r.url}">'
                f"{html.escape(r.title)}</a></h2>"
                f'<div class="wp-block-post-date"><time datetime="{r.published.isoformat()}'
                f'T09:00:00-05:00">{_long(r.published)}</time></div></li>'
            ),
            href=lambda n: "/briefings-statements/" + (f"page/{n}/" if n > 1 else ""),
            frame=lambda rows, pager: (
                f"{_US_BANNER}<header class='wp-block-template-part'><nav>"
                "<a href='/administration/'>Administration</a><a href='/news/'>News</a></nav>"
                "</header><main><h1>Briefings &amp; Statements</h1>"
                f'<ul class="wp-block-post-template">{rows}</ul>{pager}</main>'
                "<footer><p>The White House</p></footer>"
            ),
        )
        return self._listing(shape, int(m.group(1) or 1), as_of)

    def _wh_archive(self, pq: str, as_of: Date) -> ReplayResponse | None:
        path, _ = _split_query(pq)
        m = re.fullmatch(r"/briefing-room/statements-releases/(?:page/(\d+)/)?", path)
        if not m:
            return None
        shape = _ListingShape(
            board="wh-archive",
            title="Statements and Releases",
            language="en",
            url="https://bidenwhitehouse.archives.gov/briefing-room/statements-releases/",
            row=lambda r: (
                '<article class="news-item"><h2 class="news-item__title-container">'
                f'<a class="news-item__title" href="{r.path}">{html.escape(r.title)}</a></h2>'
                f'<div class="news-item__meta"><time datetime="{r.published.isoformat()}">'
                f"{_long(r.published)}</time><span>Statements and Releases</span></div></article>"
            ),
            href=lambda n: "/briefing-room/statements-releases/" + (f"page/{n}/" if n > 1 else ""),
            frame=lambda rows, pager: (
                f"{_WH_ARCHIVE_BANNER}<header><nav><a href='/briefing-room/'>Briefing Room</a>"
                "</nav></header><main><h1>Statements and Releases</h1>"
                f'<div class="article-wrapper">{rows}</div>{pager}</main>'
                "<footer><p>The White House</p></footer>"
            ),
        )
        return self._listing(shape, int(m.group(1) or 1), as_of)

    def _president_ko(self, pq: str, as_of: Date) -> ReplayResponse | None:
        path, q = _split_query(pq)
        if path.rstrip("/") != "/newsroom/briefing":
            return None
        shape = _ListingShape(
            board="pres-ko",
            title="브리핑",
            language="ko",
            url="https://www.president.go.kr/newsroom/briefing/",
            row=_president_row,
            href=lambda n: f"/newsroom/briefing/?page={n}",
            frame=lambda rows, pager: (
                f"{_PRES_KO_HEADER}<main><h2>브리핑</h2><section class='briefing'><ul>{rows}</ul>"
                f"</section>{pager}</main>{_PRES_KO_FOOTER}"
            ),
        )
        return self._listing(shape, _query_number(q, "page", 1), as_of)

    def _president_en(self, pq: str, as_of: Date) -> ReplayResponse | None:
        path, q = _split_query(pq)
        if path.rstrip("/") != "/briefing":
            return None
        shape = _ListingShape(
            board="pres-en",
            title="Briefing Room",
            language="en",
            url="https://eng.president.go.kr/briefing",
            row=_president_row,
            href=lambda n: f"/briefing?page={n}",
            frame=lambda rows, pager: (
                f"{_PRES_EN_HEADER}<main><p class='location'>Briefing Room</p>"
                f"<ul class='board_list'>{rows}</ul>{pager}</main>{_PRES_EN_FOOTER}"
            ),
        )
        return self._listing(shape, _query_number(q, "page", 1), as_of)

    def _mnd(self, pq: str, as_of: Date) -> ReplayResponse | None:
        path, q = _split_query(pq)
        if path == MND_KO_PATH and q.get("siteId") == "mnd" and "command" not in q:
            board, base = "mnd-ko", f"{MND_KO_PATH}?siteId=mnd&handle=I_669&id=mnd_020500000000"
        elif path == MND_EN_PATH and q.get("siteId") == "mndEN" and "command" not in q:
            board = "mnd-en"
            base = f"{MND_EN_PATH}?boardId=I_8576246&siteId=mndEN&id=mndEN_020600000000"
        else:
            return None
        korean = board == "mnd-ko"
        heading = "보도자료" if korean else "Press Releases"

        def row(r: Release) -> str:
            # The Korean board links the view URL; the English one calls a script.
            link = r.path if korean else f"javascript:jf_view('I_8576246','O_{r.number}');"
            return (
                f'<li><div class="title"><a href="{html.escape(link)}">{html.escape(r.title)}</a>'
                f'</div><div class="date">{_dotted(r.published)}</div></li>'
            )

        shape = _ListingShape(
            board=board,
            title=heading,
            language="ko" if korean else "en",
            url=f"https://www.mnd.go.kr{base}",
            row=row,
            href=lambda n: f"{base}&currentPage={n}",
            frame=lambda rows, pager: (
                f"{_MND_HEADER}<main><h2>{heading}</h2><div class='board_list'><ul>{rows}</ul>"
                f"</div>{pager}</main>{_MND_FOOTER}"
            ),
        )
        return self._listing(shape, _query_number(q, "currentPage", 1), as_of)

    def _korea_kr(self, pq: str, as_of: Date) -> ReplayResponse | None:
        path, _ = _split_query(pq)
        if path == "/rss/dept_mnd.xml":
            return self.rss("kr-mnd", as_of, "국방부 보도자료", FEED_SIZE, full=True)
        if path == "/rss/dept_mofa.xml":
            return self.rss("kr-mofa", as_of, "외교부 보도자료", FEED_SIZE, full=True)
        if path == "/rss/pressrelease.xml":
            merged = sorted(
                self.listed("kr-mnd", as_of) + self.listed("kr-mofa", as_of),
                key=lambda r: r.published,
                reverse=True,
            )
            return self.rss("kr-mnd", as_of, "보도자료", FEED_SIZE, full=True, releases=merged)
        return None

    # -- Wayback Machine -------------------------------------------------------------------

    def captures(self, as_of: Date) -> list[tuple[str, str, Release, Date]]:
        """(timestamp, original URL, release, text date) of every capture made by ``as_of``."""
        out = []
        for release in self.releases.values():
            for since, _ in release.versions:
                # A first capture on the day, and a same-content recapture a week later.
                for offset, clock in ((0, "120000"), (7, "083000")):
                    day = since + datetime.timedelta(days=offset)
                    if day <= as_of:
                        out.append((day.strftime("%Y%m%d") + clock, release.url, release, since))
        out.sort(key=lambda c: (_urlkey(c[1]), c[0]))
        return out

    def _wayback(self, pq: str, as_of: Date) -> ReplayResponse | None:
        path, q = _split_query(pq)
        if path == "/cdx/search/cdx":
            return self._cdx(q, as_of)
        m = re.fullmatch(r"/web/(\d{1,14})(?:id_)?/(https?://.+)", pq)
        if not m:
            return None
        wanted, original = m.group(1).ljust(14, "0"), m.group(2)
        mine = [c for c in self.captures(as_of) if c[1] == original]
        if not mine:
            return None
        # The archive serves the capture nearest the requested moment.
        nearest = min(mine, key=lambda c: abs(int(c[0]) - int(wanted)))
        release, text_date = nearest[2], nearest[3]
        paragraphs = release.paragraphs(text_date) or []
        return ReplayResponse(
            body=self.render(release, paragraphs),
            headers={"Memento-Datetime": _memento(nearest[0])},
        )

    def _cdx(self, q: dict[str, str], as_of: Date) -> ReplayResponse:
        target = q.get("url", "")
        prefix = q.get("matchType") == "prefix" or target.endswith("*")
        target = _strip_scheme(target.rstrip("*"))
        low = q.get("from", "").ljust(14, "0") if q.get("from") else "0" * 14
        high = q.get("to", "").ljust(14, "9") if q.get("to") else "9" * 14
        rows: list[list[str]] = []
        last_digest: dict[str, str] = {}
        for stamp, original, release, text_date in self.captures(as_of):
            bare = _strip_scheme(original)
            if not (bare.startswith(target) if prefix else bare == target):
                continue
            if not low <= stamp <= high:
                continue
            body = self.render(release, release.paragraphs(text_date) or [])
            digest = hashlib.sha1(body).hexdigest().upper()[:32]
            if q.get("collapse") == "digest" and last_digest.get(original) == digest:
                continue
            last_digest[original] = digest
            rows.append(
                [_urlkey(original), stamp, original, "text/html", "200", digest, str(len(body))]
            )
        start = _query_number(q, "resumeKey", 0)
        limit = _query_number(q, "limit", len(rows))
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        if q.get("output") != "json":
            text = "".join(" ".join(r) + "\n" for r in page)
            if more and q.get("showResumeKey") == "true":
                text += f"\n{start + limit}\n"
            return ReplayResponse(body=text.encode(), content_type="text/plain; charset=utf-8")
        answer: list[list[str]] = []
        if page:
            answer = [
                ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
                *page,
            ]
        if more and q.get("showResumeKey") == "true":
            answer += [[], [str(start + limit)]]
        return ReplayResponse(body=json.dumps(answer).encode(), content_type="application/json")


# --- helpers ------------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def _query_number(q: dict[str, str], name: str, default: int) -> int:
    """A whole-number query parameter; ``default`` when it is absent or not a number."""
    value = q.get(name, "")
    return int(value) if value.isdigit() else default


def _president_row(r: Release) -> str:
    # The Korean and the English presidential boards list their releases alike.
    return (
        f'<li><a href="{r.path}">{html.escape(r.title)}</a>'
        f'<span class="date">{_dotted(r.published)}</span></li>'
    )


def _split_query(pq: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(pq)
    return parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}


def _route_key(pq: str) -> str:
    # Query parameters in any order name the same page, as on the real action URLs.
    path, q = _split_query(pq)
    return path + ("?" + "&".join(f"{k}={q[k]}" for k in sorted(q)) if q else "")


def _strip_scheme(url: str) -> str:
    return re.sub(r"^https?://", "", url)


def _urlkey(url: str) -> str:
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = ",".join(reversed((parts.hostname or "").removeprefix("www.").split(".")))
    return f"{host}){parts.path.lower()}" + (f"?{parts.query.lower()}" if parts.query else "")


def _memento(stamp: str) -> str:
    moment = datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=datetime.UTC)
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


# --- per-site page shapes -----------------------------------------------------------------

_DOD_FOOTER = (
    "<footer><ul><li><a href='/Resources/Privacy/'>Privacy</a></li>"
    "<li><a href='/Contact/'>Contact</a></li></ul><p>U.S. Department of Defense</p></footer>"
)
_WH_ARCHIVE_BANNER = (
    '<div class="historical-banner"><p>This is historical material "frozen in time". '
    "The website is no longer updated and links to external websites and some internal pages "
    "may not work.</p></div>"
)
_PRES_KO_HEADER = (
    "<header><h1 class='logo'>대통령실</h1><nav><a href='/newsroom/briefing/'>브리핑</a>"
    "<a href='/newsroom/'>뉴스룸</a></nav></header>"
)
_PRES_KO_FOOTER = "<footer><p>대한민국 대통령실</p><p>서울특별시 용산구</p></footer>"
_PRES_EN_HEADER = (
    "<header><p class='site-name'>Office of the President, Republic of Korea</p>"
    "<nav><a href='/briefing'>Briefing Room</a></nav></header>"
)
_PRES_EN_FOOTER = "<footer><p>Office of the President</p></footer>"
_MND_HEADER = (
    "<header><h1>국방부 Ministry of National Defense</h1><nav><a href='/'>홈</a>"
    "<a href='/user/newsInUserRecord.action?siteId=mnd&amp;handle=I_669&amp;id=mnd_020500000000'>"
    "보도자료</a></nav></header>"
)
_MND_FOOTER = "<footer><p>국방부 서울특별시 용산구 이태원로 22</p></footer>"
_KOREA_KR_TAIL = (
    "<p>&lt;자료출처=정책브리핑 www.korea.kr&gt;</p>"
    "<p>이 누리집의 보도자료는 공공누리 제1유형 조건에 따라 출처를 밝히고 자유롭게 이용할 수 "
    "있습니다.</p>"
)


def _render_dod(r: Release, paragraphs: Sequence[str]) -> bytes:
    banner = (
        '<div class="historical-banner">This item is part of a historical collection and is '
        "no longer being updated.</div>"
        if r.published < ARCHIVE_CUTOVER
        else ""
    )
    body = (
        f"{_US_BANNER}<header><nav><a href='/'>Home</a><a href='/News/'>News</a>"
        "<a href='/News/Releases/'>Releases</a></nav></header>"
        "<div class='breadcrumb'>Home &gt; News &gt; Releases</div>"
        f"<main><article>{banner}<h1 class='maintitle'>{html.escape(r.title)}</h1>"
        "<div class='info'><span class='release-tag'>Immediate Release</span>"
        f"<time datetime='{r.published.isoformat()}'>{_long(r.published)}</time></div>"
        "<div class='dgov-share'><a>Facebook</a><a>X</a><a>Email</a><a>Print</a></div>"
        f"<div class='body'><p><strong>IMMEDIATE RELEASE</strong></p>{_paras(paragraphs)}"
        f"<p>###</p></div></article></main>{_DOD_FOOTER}"
    )
    return _doc(r.title, "en", r.url, body)


def _render_wh(r: Release, paragraphs: Sequence[str]) -> bytes:
    body = (
        f"{_US_BANNER}<header class='wp-block-template-part'><nav><a href='/news/'>News</a>"
        "</nav></header><main>"
        f"<h1 class='wp-block-post-title'>{html.escape(r.title)}</h1>"
        f"<div class='wp-block-post-date'><time datetime='{r.published.isoformat()}T09:00:00"
        f"-05:00'>{_long(r.published)}</time></div>"
        f"<div class='entry-content wp-block-post-content'>{_paras(paragraphs)}</div>"
        "<ul class='wp-block-social-links'><li>Share on X</li><li>Share on Facebook</li></ul>"
        "</main><footer><p>The White House</p><p>1600 Pennsylvania Ave NW</p></footer>"
    )
    return _doc(r.title, "en", r.url, body, '<meta property="og:type" content="article">')


def _render_wh_archive(r: Release, paragraphs: Sequence[str]) -> bytes:
    body = (
        f"{_WH_ARCHIVE_BANNER}<header><nav><a href='/briefing-room/'>Briefing Room</a></nav>"
        "</header><nav class='breadcrumb' aria-label='Breadcrumb'><a href='/'>Home</a> › "
        "<a href='/briefing-room/'>Briefing Room</a> › Statements and Releases</nav>"
        f"<main><h1 class='page-title'>{html.escape(r.title)}</h1>"
        f"<div class='posted-on'><time datetime='{r.published.isoformat()}'>"
        f"{_long(r.published)}</time></div>"
        f"<section class='body-content'>{_paras(paragraphs)}<p>###</p></section>"
        "<div class='share-links'><a>Share</a><a>Email</a></div></main>"
        "<footer><p>The White House</p></footer>"
    )
    return _doc(r.title, "en", r.url, body)


def _render_state(r: Release, paragraphs: Sequence[str]) -> bytes:
    body = (
        f"{_US_BANNER}<header><nav><a href='/'>Home</a><a href='/press-releases/'>Press"
        "</a></nav></header><main>"
        f"<h1 class='featured-content__headline'>{html.escape(r.title)}</h1>"
        "<div class='article-meta'><p class='article-meta__content-type'>Press Statement</p>"
        f"<p class='article-meta__author-bar'>Office of the Spokesperson</p>"
        f"<p class='article-meta__publish-date'>{_long(r.published)}</p></div>"
        f"<div class='entry-content'>{_paras(paragraphs)}</div>"
        "<div class='social-share'><a>Share</a><a>Print</a></div>"
        "<div class='related-tags'><a>Bureau of East Asian and Pacific Affairs</a></div>"
        "</main><footer><p>U.S. Department of State</p></footer>"
    )
    return _doc(r.title, "en", r.url, body)


def _render_pres_ko(r: Release, paragraphs: Sequence[str]) -> bytes:
    body = (
        f"{_PRES_KO_HEADER}<main><section class='view_area'><div class='tit_area'>"
        f"<h3>{html.escape(r.title)}</h3><span class='date'>{_dotted(r.published)}</span></div>"
        "<div class='view_util'><button class='btn_copy'>URL 복사</button>"
        "<span class='copy_msg'>복사확인</span><a class='btn_share'>공유하기</a></div>"
        f"<div class='view_cont'>{_paras(paragraphs)}<p>복사확인</p></div></section></main>"
        f"{_PRES_KO_FOOTER}"
    )
    return _doc(r.title, "ko", r.url, body)


def _render_pres_en(r: Release, paragraphs: Sequence[str]) -> bytes:
    body = (
        f"{_PRES_EN_HEADER}<main><div class='board_view'><p class='location'>Briefing Room</p>"
        f"<h4 class='tit'>{html.escape(r.title)}</h4><p class='date'>{_dotted(r.published)}</p>"
        f"<div class='cont'>{_paras(paragraphs)}</div></div></main>{_PRES_EN_FOOTER}"
    )
    return _doc(r.title, "en", r.url, body)


def _render_mnd(r: Release, paragraphs: Sequence[str]) -> bytes:
    stem = f"{r.published.strftime('%y%m%d')}_{'보도자료' if r.language == 'ko' else 'release'}"
    body = (
        f"{_MND_HEADER}<main><div class='wrap_title'><div class='title'>{html.escape(r.title)}"
        "</div></div><div class='post_info'><dl class='floatL'><dt>등록일</dt>"
        f"<dd>{_dotted(r.published)}</dd></dl><dl class='floatR'><dt>조회</dt><dd>1024</dd></dl>"
        "</div><div class='wrap_file'><ul>"
        f"<li><a href='/cmmn/fileDown.do?fileSeq={r.number}1'>{stem}.hwp</a></li>"
        f"<li><a href='/cmmn/fileDown.do?fileSeq={r.number}2'>{stem}.pdf</a></li></ul></div>"
        f"<div class='post_content'>{_paras(paragraphs)}</div>"
        "<div class='sns_area'><a>페이스북</a><a>인쇄</a></div></main>"
        f"{_MND_FOOTER}"
    )
    return _doc(r.title, r.language, r.url, body)


def _render_korea_kr(r: Release, paragraphs: Sequence[str]) -> bytes:
    body = (
        "<header><h1>대한민국 정책브리핑</h1><nav><a href='/briefing/'>브리핑룸</a></nav></header>"
        f"<main><div class='view_title'><h1>{html.escape(r.title)}</h1>"
        f"<span class='date'>{_dotted(r.published)}</span></div>"
        "<div class='view_util'><a>인쇄</a><a>공유</a></div>"
        f"<div class='view_cont'>{_paras(paragraphs)}{_KOREA_KR_TAIL}</div></main>"
        "<footer><p>문화체육관광부 국민소통실</p></footer>"
    )
    return _doc(r.title, "ko", r.url, body)


_RENDERERS: dict[str, Callable[[Release, Sequence[str]], bytes]] = {
    "dod": _render_dod,
    "wh": _render_wh,
    "wh-archive": _render_wh_archive,
    "state": _render_state,
    "state-archive": _render_state,
    "pres-ko": _render_pres_ko,
    "pres-en": _render_pres_en,
    "mnd-ko": _render_mnd,
    "mnd-en": _render_mnd,
    "kr-mnd": _render_korea_kr,
    "kr-mofa": _render_korea_kr,
}


def _state_route(board: str) -> Callable[[ReplaySite, str, Date], ReplayResponse | None]:
    """The listing and feed routes of one State Department host."""

    def route(site: ReplaySite, pq: str, as_of: Date) -> ReplayResponse | None:
        path, _ = _split_query(pq)
        if path in ("/rss-feed/press-releases/feed/", "/rss-feed/east-asia-and-the-pacific/feed/"):
            return site.rss(board, as_of, "Press Releases", 10)
        m = re.fullmatch(r"/press-releases/(?:page/(\d+)/)?", path)
        if not m:
            return None
        page = int(m.group(1) or 1)
        items = site._page_of(board, page, as_of)
        if items is None:
            return None
        rows = "".join(
            f'<li class="collection-result"><a class="collection-result__link" href="{r.url}">'
            f'{html.escape(r.title)}</a><div class="collection-result-meta">'
            '<p class="collection-result__date">Press Statement</p>'
            "<span>Office of the Spokesperson</span>"
            f"<span>{_long(r.published)}</span></div></li>"
            for r in items
        )
        pager = _pager(
            site._pages(
                board, as_of, lambda n: "/press-releases/" + (f"page/{n}/" if n > 1 else "")
            ),
            page,
        )
        body = (
            f"{_US_BANNER}<header><nav><a href='/'>Home</a></nav></header>"
            f'<main><h1>Press Releases</h1><ul class="collection-results">{rows}</ul>'
            f"{pager}</main><footer><p>U.S. Department of State</p></footer>"
        )
        return ReplayResponse(
            body=_doc("Press Releases", "en", f"https://{BOARD_HOSTS[board]}/press-releases/", body)
        )

    return route


_ROUTES: dict[str, Callable[[ReplaySite, str, Date], ReplayResponse | None]] = {
    "www.defense.gov": ReplaySite._dod,
    "www.war.gov": ReplaySite._dod,
    "www.whitehouse.gov": ReplaySite._wh,
    "bidenwhitehouse.archives.gov": ReplaySite._wh_archive,
    "www.state.gov": _state_route("state"),
    "2021-2025.state.gov": _state_route("state-archive"),
    "www.president.go.kr": ReplaySite._president_ko,
    "eng.president.go.kr": ReplaySite._president_en,
    "www.mnd.go.kr": ReplaySite._mnd,
    "www.korea.kr": ReplaySite._korea_kr,
}
