"""The `korea-kr` adapter: recorded pages and the site's quirks."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.korea_kr import KoreaKr
from tests.support.recorded_pages import check_fixture, fixture_names

SLUG = "korea-kr"


@pytest.mark.parametrize("name", fixture_names(SLUG))
def test_recorded_page(name: str) -> None:
    check_fixture(SLUG, name)


FEED = Path(__file__).resolve().parents[1] / "fixtures" / SLUG / "dept-mnd-feed.xml"
ARTICLE = Path(__file__).resolve().parents[1] / "fixtures" / SLUG / "ncg-3-article"


def test_feed_bodies_give_the_same_statement_as_the_article_page() -> None:
    adapter = KoreaKr()
    url = (ARTICLE.with_suffix(".url")).read_text().strip()
    from_page = adapter.parse_statement(ARTICLE.with_suffix(".html").read_bytes(), url)
    from_feed = {s.canonical_url: s for s in adapter.statements_from_feed(FEED.read_bytes(), "f")}
    assert from_feed[from_page.canonical_url].paragraphs == from_page.paragraphs
    assert not any("정책브리핑" in p or "공공누리" in p for p in from_page.paragraphs)


def test_parse_statement_accepts_the_feed_for_an_item_url() -> None:
    adapter = KoreaKr()
    url = (ARTICLE.with_suffix(".url")).read_text().strip()
    assert adapter.parse_statement(FEED.read_bytes(), url).title.startswith("제3차")
