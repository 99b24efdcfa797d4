"""The `state-dept` adapter: recorded pages and the site's quirks."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.state_dept import StateDept
from tests.support.recorded_pages import check_fixture, fixture_names

SLUG = "state-dept"


@pytest.mark.parametrize("name", fixture_names(SLUG))
def test_recorded_page(name: str) -> None:
    check_fixture(SLUG, name)


def test_listing_date_is_the_last_span_not_the_date_paragraph() -> None:
    page = (
        b"<ul><li class='collection-result'><a class='collection-result__link' href='/a-b/'>A B</a>"
        b"<div class='collection-result-meta'><p class='collection-result__date'>Press Statement"
        b"</p><span>Office of the Spokesperson</span><span>January 10, 2025</span></div></li></ul>"
    )
    items = StateDept().parse_listing(page, "https://2021-2025.state.gov/press-releases/")
    assert [(i.url, i.published) for i in items] == [
        ("https://2021-2025.state.gov/a-b/", date(2025, 1, 10))
    ]
