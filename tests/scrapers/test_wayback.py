"""The `wayback` adapter: recorded pages and the site's quirks."""

from __future__ import annotations

import json

import pytest

from core.errors import ParseError
from scrapers.wayback import Wayback, capture_parts, parse_cdx
from tests.support.recorded_pages import check_fixture, fixture_names

SLUG = "wayback"


@pytest.mark.parametrize("name", fixture_names(SLUG))
def test_recorded_page(name: str) -> None:
    check_fixture(SLUG, name)


HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def test_cdx_header_row_is_read_and_resume_key_found() -> None:
    rows = [
        HEADER,
        ["k", "20231216120000", "https://a/b", "text/html", "200", "D1", "9"],
        [],
        ["resume-me"],
    ]
    captures, resume = parse_cdx(json.dumps(rows).encode())
    assert [(c.timestamp, c.original) for c in captures] == [("20231216120000", "https://a/b")]
    assert resume == "resume-me"


@pytest.mark.parametrize("body", [b"", b"[]"])
def test_empty_cdx_answer_is_no_captures(body: bytes) -> None:
    assert parse_cdx(body) == ([], None)


@pytest.mark.parametrize("body", [b"<html>", b"{}", b'[["no", "header"]]'])
def test_malformed_cdx_answer_is_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_cdx(body)


def test_capture_url_round_trip() -> None:
    wayback = Wayback({"web.archive.org": "http://127.0.0.1:9/web.archive.org"})
    url = wayback.capture_url("20231216120000", "https://eng.president.go.kr/briefing/AbCd1234")
    assert url == (
        "http://127.0.0.1:9/web.archive.org/web/20231216120000id_/"
        "https://eng.president.go.kr/briefing/AbCd1234"
    )
    assert capture_parts(url) == ("20231216120000", "https://eng.president.go.kr/briefing/AbCd1234")
    with pytest.raises(ParseError):
        capture_parts("https://web.archive.org/web/20231216120000/https://x/")
