"""Extraction: dates, language, boilerplate, decoding, and the generic fallback."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ParseError
from scrapers.extract import (
    SiteSelectors,
    clean_paragraphs,
    decode_page,
    extract_statement,
    is_boilerplate,
    parse_date,
    parse_feed,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thu, 11 Dec 2025 09:00:00 -0500", date(2025, 12, 11)),
        ("Mon, 10 Jun 2024 23:30:00 GMT", date(2024, 6, 10)),
        ("2025-12-11T09:00:00-05:00", date(2025, 12, 11)),
        ("2025-12-11T23:59:59Z", date(2025, 12, 11)),
        ("2025-12-11", date(2025, 12, 11)),
        ("2025.12.11", date(2025, 12, 11)),
        ("2025. 12. 11.", date(2025, 12, 11)),
        ("등록일 2024.06.10 조회 1024", date(2024, 6, 10)),
        ("2025년 12월 11일", date(2025, 12, 11)),
        ("2025년 1월 9일 보도", date(2025, 1, 9)),
        ("December 11, 2025", date(2025, 12, 11)),
        ("Dec. 11, 2025", date(2025, 12, 11)),
        ("Sept. 3, 2024", date(2024, 9, 3)),
        ("11 December 2025", date(2025, 12, 11)),
        ("2024/06/10", date(2024, 6, 10)),
        ("2025-13-40", None),
        ("no date here", None),
        ("", None),
        ("Release No. 12345", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("line", "boilerplate"),
    [
        ("An official website of the United States Government", True),
        ("IMMEDIATE RELEASE", True),
        ("For Immediate Release", True),
        ("###", True),
        ("복사확인", True),
        ("URL 복사", True),
        ("<자료출처=정책브리핑 www.korea.kr>", True),
        ("이 누리집의 보도자료는 공공누리 제1유형 조건에 따라 이용할 수 있습니다.", True),
        ('This is historical material "frozen in time". The website is no longer updated.', True),
        ("Home > News > Releases", True),
        ("Share", True),
        ("   ", True),
        ("The two sides reaffirmed the NCG as an enduring body.", False),
        ("양측은 확장억제를 재확인했다.", False),
        ("The release was issued for immediate use by the press corps.", False),
    ],
)
def test_is_boilerplate(line: str, boilerplate: bool) -> None:
    assert is_boilerplate(line) is boilerplate


def test_clean_paragraphs_strips_inline_copy_text_and_joins_whitespace() -> None:
    raw = ["  양측은   회의를\n 열었다. 복사확인", "복사확인", "Body   text.", "Body text."]
    assert clean_paragraphs(raw) == ["양측은 회의를 열었다.", "Body text."]


def test_decode_page_falls_back_to_cp949_for_undeclared_korean() -> None:
    body = "<html><body><p>핵협의그룹 회의</p></body></html>".encode("cp949")
    assert "핵협의그룹" in decode_page(body)


def test_decode_page_honours_declared_euc_kr() -> None:
    body = '<meta charset="euc-kr"><p>국방부 보도자료</p>'.encode("cp949")
    assert "국방부 보도자료" in decode_page(body)


SELECTORS = SiteSelectors(title="h1.maintitle", body="div.body")


def test_selectors_hit_and_chrome_is_removed() -> None:
    page = (
        b"<html><body><nav><p>Home</p></nav><h1 class='maintitle'>Joint Statement</h1>"
        b"<time datetime='2024-06-10'>June 10</time><div class='body'><p>IMMEDIATE RELEASE</p>"
        b"<p>First paragraph.</p><div class='share-bar'><p>Facebook</p></div>"
        b"<p>Second paragraph.</p><p>###</p></div><footer><p>Privacy</p></footer></body></html>"
    )
    st = extract_statement(page, "https://x.gov/a", SELECTORS, canonical_url="c", source="t")
    assert (st.title, st.published, st.language) == ("Joint Statement", date(2024, 6, 10), "en")
    assert st.paragraphs == ["First paragraph.", "Second paragraph."]


def test_generic_extractor_takes_over_when_selectors_miss() -> None:
    # Markup the site selectors do not know: a redesign of the live site.
    sentences = [
        "The two delegations met at the ministry to review the consultative group's work.",
        "They agreed to strengthen information sharing and crisis consultation procedures.",
        "The next meeting will be held in the first half of next year in Washington.",
    ]
    page = (
        "<html><head><title>Joint Statement on the Meeting</title>"
        "<meta property='article:published_time' content='2025-12-11T10:00:00Z'></head><body>"
        "<header><p>Menu</p></header><main><article><h2 class='new-title'>Joint Statement on "
        "the Meeting</h2>" + "".join(f"<p>{s}</p>" for s in sentences) + "</article></main>"
        "</body></html>"
    ).encode()
    st = extract_statement(page, "https://x.gov/b", SELECTORS, canonical_url="c", source="t")
    assert st.published == date(2025, 12, 11)
    assert "Joint Statement on the Meeting" in st.title
    assert [p for p in st.paragraphs if p in sentences] == sentences


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"<html><body></body></html>",
        b"<html><body><h1 class='maintitle'>Title only</h1><time datetime='2024-01-01'></time>"
        b"</body></html>",
    ],
)
def test_nothing_found_raises_parse_error(page: bytes) -> None:
    with pytest.raises(ParseError):
        extract_statement(page, "https://x.gov/c", SELECTORS, canonical_url="c", source="t")


def test_missing_date_raises_parse_error() -> None:
    page = b"<html><body><h1 class='maintitle'>T</h1><div class='body'><p>Text.</p></div></body>"
    with pytest.raises(ParseError, match="date"):
        extract_statement(page, "https://x.gov/d", SELECTORS, canonical_url="c", source="t")


def test_feed_skips_empty_placeholder_items_and_reads_cdata() -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title></title><link></link><pubDate></pubDate></item>"
        "<item><title>A release</title><link>https://www.korea.kr/a?newsId=1</link>"
        "<pubDate>Mon, 10 Jun 2024 09:00:00 +0900</pubDate>"
        "<description><![CDATA[<p>본문입니다.</p>]]></description></item></channel></rss>"
    ).encode()
    items = parse_feed(feed, source="t", url="u")
    assert [(i.title, i.published) for i in items] == [("A release", date(2024, 6, 10))]
    assert items[0].description == "<p>본문입니다.</p>"


def test_not_a_feed_raises() -> None:
    with pytest.raises(ParseError):
        parse_feed(b"<html><body>Access Denied</body></html>", source="t", url="u")
