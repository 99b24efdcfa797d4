"""Site redesigns for the replay: the ways a real official site changes shape under us.

A redesign is not a network fault (those live with the server): the site answers 200 with
well-formed HTML, only not the HTML our adapters were written for. That is the breakage a
monitoring pipeline misses, because nothing errors. Each switch copies a kind of change
the trackers' bug reports are full of:

``listing-classes``  the listing's item classes are renamed (a theme update)
``moved-date``       the date leaves its element for a new one after the body, and the page
                     header shows today's date (the first date a page-wide scan meets)
``wrapped-body``     the body moves into a new container; the old container is gone
``cookie-wall``      every HTML page of the host is a cookie-consent interstitial whose
                     "content" is a consent notice, a policy date and the site menu

Switch them per host with :meth:`ReplaySite.redesign` (``clausewatch.demo.replay.site``);
archive captures (``web.archive.org``) keep the shape the page had when captured.
"""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass, field
from enum import StrEnum

from bs4 import BeautifulSoup, Tag


class Redesign(StrEnum):
    """One way a replayed site changes its markup."""

    LISTING_CLASSES = "listing-classes"
    MOVED_DATE = "moved-date"
    WRAPPED_BODY = "wrapped-body"
    COOKIE_WALL = "cookie-wall"


@dataclass(frozen=True)
class HostShape:
    """Where a host's pages keep what the switches move: the date, the body, listing classes."""

    date: str
    body: str
    language: str
    listing_classes: dict[str, str] = field(default_factory=dict)


_DOD = HostShape(
    date="div.info time",
    body="div.body",
    language="en",
    listing_classes={"alist": "card-list", "item": "news-card", "date": "news-card__date"},
)
_STATE = HostShape(
    date="p.article-meta__publish-date",
    body="div.entry-content",
    language="en",
    listing_classes={
        "collection-result": "search-result",
        "collection-result__link": "search-result__link",
        "collection-result-meta": "search-result__meta",
        "collection-result__date": "search-result__type",
    },
)
_KOREA_KR = HostShape(date="div.view_title span.date", body="div.view_cont", language="ko")

SHAPES: dict[str, HostShape] = {
    "www.defense.gov": _DOD,
    "www.war.gov": _DOD,
    "www.whitehouse.gov": HostShape(
        date="div.wp-block-post-date",
        body="div.entry-content",
        language="en",
        listing_classes={
            "wp-block-post-template": "wp-block-query__list",
            "wp-block-post-title": "wp-block-heading",
            "wp-block-post-date": "wp-block-meta",
        },
    ),
    "bidenwhitehouse.archives.gov": HostShape(
        date="div.posted-on",
        body="section.body-content",
        language="en",
        listing_classes={
            "article-wrapper": "news-list",
            "news-item__title-container": "news-list__title",
            "news-item__meta": "news-list__meta",
        },
    ),
    "www.state.gov": _STATE,
    "2021-2025.state.gov": _STATE,
    "www.president.go.kr": HostShape(
        date="div.tit_area span.date",
        body="div.view_cont",
        language="ko",
        listing_classes={"briefing": "brief_list", "date": "reg_date"},
    ),
    "eng.president.go.kr": HostShape(
        date="div.board_view p.date",
        body="div.cont",
        language="en",
        listing_classes={"board_list": "list_type01", "date": "reg_date"},
    ),
    "www.mnd.go.kr": HostShape(
        date="dl.floatL",
        body="div.post_content",
        language="ko",
        listing_classes={"title": "subject", "board_list": "bbs_list", "date": "reg_date"},
    ),
    "www.korea.kr": _KOREA_KR,
}


def redesign_page(
    body: bytes,
    *,
    host: str,
    switches: frozenset[Redesign],
    statement_page: bool,
    as_of: datetime.date,
) -> bytes:
    """The page ``body`` of ``host`` as the redesigned site serves it."""
    shape = SHAPES.get(host)
    if shape is None or not switches:
        return body
    if Redesign.COOKIE_WALL in switches:
        return cookie_wall(shape.language, as_of)
    soup = BeautifulSoup(body.decode("utf-8"), "lxml")
    if statement_page:
        if Redesign.MOVED_DATE in switches:
            _move_date(soup, shape, as_of)
        if Redesign.WRAPPED_BODY in switches:
            _wrap_body(soup, shape)
    elif Redesign.LISTING_CLASSES in switches:
        for element in soup.find_all(class_=True):
            classes = element.get_attribute_list("class")
            element["class"] = " ".join(shape.listing_classes.get(c, c) for c in classes)
    return str(soup).encode("utf-8")


def _move_date(soup: BeautifulSoup, shape: HostShape, as_of: datetime.date) -> None:
    old = soup.select_one(shape.date)
    body = soup.select_one(shape.body)
    if old is None or body is None:
        return
    # A <dl> holds a label and a value; the value is what moves.
    value = old.select_one("dd") or old
    text = value.get_text(" ", strip=True)
    old.decompose()
    label = "등록" if shape.language == "ko" else "Posted"
    moved = BeautifulSoup(
        f"<div class='article-info'><span class='posted'>{label} {html.escape(text)}</span></div>",
        "lxml",
    ).find("div")
    assert isinstance(moved, Tag)
    body.insert_after(moved)
    clock = BeautifulSoup(f"<div class='site-clock'>{as_of.isoformat()}</div>", "lxml").find("div")
    assert isinstance(clock, Tag)
    start = soup.body
    if start is not None:
        start.insert(0, clock)


def _wrap_body(soup: BeautifulSoup, shape: HostShape) -> None:
    old = soup.select_one(shape.body)
    if old is None:
        return
    wrapper = soup.new_tag("div", attrs={"class": "article_wrap"})
    inner = soup.new_tag("div", attrs={"class": "txt_box"})
    wrapper.append(inner)
    for child in list(old.children):
        inner.append(child.extract())
    old.replace_with(wrapper)


_WALL = {
    "en": (
        "Your privacy choices",
        "We use cookies to remember your settings and to understand how this site is used.",
        "Choose Accept all to continue, or manage your preferences.",
        "Cookie policy effective 2025-03-01",
        ("Home", "News", "Releases", "Contact", "Privacy", "Accessibility", "Site map"),
        ("Accept all", "Reject", "Manage preferences"),
    ),
    "ko": (
        "쿠키 설정 안내",
        "이 누리집은 이용자 설정을 기억하고 이용 현황을 파악하기 위해 쿠키를 사용합니다.",
        "모두 동의를 누르면 계속 이용할 수 있으며, 설정에서 항목을 고를 수 있습니다.",
        "쿠키 정책 시행일 2025-03-01",
        ("홈", "알림마당", "보도자료", "정책", "정보공개", "민원", "사이트맵"),
        ("모두 동의", "거부", "설정"),
    ),
}


def cookie_wall(language: str, as_of: datetime.date) -> bytes:
    """A cookie-consent interstitial in ``language``: notice, policy date, site menu."""
    title, notice, hint, policy, menu, buttons = _WALL[language]
    items = "".join(f"<li><a href='/'>{html.escape(m)}</a></li>" for m in menu)
    actions = "".join(f"<button>{html.escape(b)}</button>" for b in buttons)
    page = (
        f"<!DOCTYPE html>\n<html lang='{language}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<div class='site-clock'>{as_of.isoformat()}</div>"
        f"<div class='consent' role='dialog'><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(notice)}</p><p>{html.escape(hint)}</p><p>{html.escape(policy)}</p>"
        f"<div class='actions'>{actions}</div></div>"
        f"<div class='gnb'><ul>{items}</ul></div></body></html>\n"
    )
    return page.encode("utf-8")
