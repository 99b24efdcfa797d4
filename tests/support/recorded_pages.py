"""The recorded pages of each scraper adapter (``tests/fixtures/<slug>/``) and the check that
parses one with its adapter and compares it with the expected extraction beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scrapers.base import ListingItem, adapter_classes
from scrapers.extract import parse_feed
from scrapers.wayback import parse_cdx

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def fixture_names(slug: str) -> list[str]:
    """Names of the recorded pages of one adapter (each has .url and .expected.json)."""
    return sorted(p.stem for p in (FIXTURES / slug).glob("*.url"))


def check_fixture(slug: str, name: str) -> None:
    """Parse a recorded page with the adapter and compare with its expected extraction."""
    adapter = adapter_classes()[slug]()
    folder = FIXTURES / slug
    url = (folder / f"{name}.url").read_text(encoding="utf-8").strip()
    page = next(
        p
        for p in folder.glob(f"{name}.*")
        if p.suffix in (".html", ".xml") or p.name.endswith(f"{name}.json")
    )
    body = page.read_bytes()
    expected: dict[str, Any] = json.loads(
        (folder / f"{name}.expected.json").read_text(encoding="utf-8")
    )
    kind = expected["kind"]
    if kind == "statement":
        st = adapter.parse_statement(body, url)
        assert st.title == expected["title"]
        assert st.published.isoformat() == expected["published"]
        assert st.language == expected["language"]
        assert st.canonical_url == expected["canonical_url"]
        assert st.paragraphs == expected["paragraphs"]
        got = [{"name": a.name, "url": a.url, "kind": a.kind} for a in st.attachments]
        assert got == expected["attachments"]
    elif kind == "listing":
        parse = getattr(adapter, "parse_listing", None) or getattr(
            adapter, "parse_archive_listing" if "archive" in name else "parse_current_listing"
        )
        items: list[ListingItem] = parse(body, url)
        assert [
            {"url": i.url, "title": i.title, "published": i.published and i.published.isoformat()}
            for i in items
        ] == expected["items"]
    elif kind == "feed":
        entries = parse_feed(body, source=slug, url=url)
        assert [
            {"link": e.link, "title": e.title, "published": e.published and e.published.isoformat()}
            for e in entries
        ] == expected["items"]
    elif kind == "cdx":
        captures, _ = parse_cdx(body, url)
        assert [
            {"timestamp": c.timestamp, "original": c.original, "digest": c.digest} for c in captures
        ] == expected["captures"]
    else:  # pragma: no cover - a malformed fixture
        pytest.fail(f"unknown fixture kind {kind!r}")
