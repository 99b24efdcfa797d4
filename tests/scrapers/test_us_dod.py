"""The `us-dod` adapter: recorded pages and the site's quirks."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.us_dod import DefenseGov, article_id
from tests.support.recorded_pages import check_fixture, fixture_names

SLUG = "us-dod"


@pytest.mark.parametrize("name", fixture_names(SLUG))
def test_recorded_page(name: str) -> None:
    check_fixture(SLUG, name)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (
            "https://www.defense.gov/News/Releases/Release/Article/4012345/joint-press-st/",
            "4012345",
        ),
        (
            "https://www.war.gov/News/Releases/Release/Article/4012345/joint-press-statement/",
            "4012345",
        ),
        ("https://www.defense.gov/News/Releases/Release/Article/4012345", "4012345"),
        ("https://www.defense.gov/News/Releases/", None),
    ],
)
def test_article_id_is_the_stable_key(url: str, key: str | None) -> None:
    assert article_id(url) == key


def test_listing_with_unknown_wrappers_still_finds_release_links() -> None:
    # The live listing markup is a guess: links are found whatever wraps them.
    page = (
        b"<html><body><listing-titles><feature-item><p>Dec. 11, 2025</p>"
        b"<a href='https://www.defense.gov/News/Releases/Release/Article/42/fifth-ncg/'>"
        b"Fifth NCG</a>"
        b"</feature-item></listing-titles><a href='/News/Contracts/'>Contracts</a></body></html>"
    )
    items = DefenseGov().parse_listing(page, "https://www.defense.gov/News/Releases/")
    assert [(i.title, i.published) for i in items] == [("Fifth NCG", date(2025, 12, 11))]
