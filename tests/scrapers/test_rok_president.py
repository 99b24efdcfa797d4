"""The `rok-president` adapter: recorded pages and the site's quirks."""

from __future__ import annotations

import pytest

from tests.support.recorded_pages import check_fixture, fixture_names

SLUG = "rok-president"


@pytest.mark.parametrize("name", fixture_names(SLUG))
def test_recorded_page(name: str) -> None:
    check_fixture(SLUG, name)
