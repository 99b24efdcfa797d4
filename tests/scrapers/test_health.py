"""The pure health rules: which extractions are believable, and the verdict table."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.base import Statement
from scrapers.health import BodyNorm, Diagnosis, implausible, verdict

ADAPTER = dict.fromkeys(("title", "date", "body", "language"), "adapter")
BODY = [
    "The two sides reaffirmed the commitment to joint planning and execution.",
    "They agreed to meet again in the first half of next year in Washington.",
]
TITLE = "Joint Press Statement on the Fifth NCG Meeting"


def statement(
    title: str = TITLE,
    published: date = date(2025, 1, 10),
    paragraphs: list[str] | None = None,
    language: str = "en",
    **fallback: bool,
) -> Statement:
    provenance = dict(ADAPTER)
    provenance.update({f: "fallback" for f, on in fallback.items() if on})
    return Statement(
        title, published, language, paragraphs or BODY, "https://x.gov/a", provenance=provenance
    )


LISTED = {"listed_title": TITLE, "listed_date": date(2025, 1, 10), "languages": ("en",)}


@pytest.mark.parametrize(
    ("extracted", "listed", "words"),
    [
        # adapter fields are trusted, even when they disagree with the listing
        (statement(title="Anything"), LISTED, None),
        (statement(date=True), LISTED, None),
        (statement(published=date(2025, 1, 11), date=True), LISTED, None),
        (statement(published=date(2026, 11, 30), date=True), LISTED, "is not the listed"),
        (statement(date=True), {**LISTED, "listed_date": None}, "nothing confirms it"),
        (statement(published=date(2025, 1, 9), date=True), {**LISTED, "archived": True}, None),
        (
            statement(published=date(2025, 1, 12), date=True),
            {**LISTED, "archived": True},
            "after the capture",
        ),
        (statement(title="Cookie settings", body=True), LISTED, "is not the listed"),
        (statement(title="Cookie settings", body=True), {**LISTED, "listed_title": ""}, None),
        (statement(body=True), LISTED, None),
        (statement(paragraphs=[TITLE, *BODY], body=True), LISTED, "repeats the title"),
        (statement(paragraphs=["2025.01.10", *BODY], body=True), LISTED, "bare date line"),
        (statement(paragraphs=["Home", "News", "Print", *BODY], body=True), LISTED, "menu-length"),
        (statement(language="ko", body=True), LISTED, "not one this source publishes"),
        (
            statement(body=True),
            {**LISTED, "norm": BodyNorm(chars=2000, paragraphs=9, samples=5)},
            "under a third",
        ),
        (
            statement(body=True),
            {**LISTED, "norm": BodyNorm(chars=2000, paragraphs=9, samples=2)},
            None,
        ),
    ],
)
def test_implausible(extracted: Statement, listed: dict[str, object], words: str | None) -> None:
    reasons = implausible(extracted, **listed)  # type: ignore[arg-type]
    if words is None:
        assert reasons == []
    else:
        assert any(words in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("diagnosis", "expected", "words"),
    [
        (Diagnosis(listing_items=10, provenance=ADAPTER), "healthy", ""),
        (Diagnosis(listing_error="HTTP 503 after 3 attempts"), "broken", "HTTP 503"),
        (Diagnosis(listing_items=0), "broken", "lists no items"),
        (Diagnosis(listing_items=3, article_error="no statement"), "broken", "no statement"),
        (
            Diagnosis(listing_items=3, provenance={"date": "fallback"}, refusals=["date x"]),
            "broken",
            "date x",
        ),
        (
            Diagnosis(listing_items=3, provenance={**ADAPTER, "date": "fallback"}),
            "degraded",
            "date from the generic fallback",
        ),
        (
            Diagnosis(listing_items=3, provenance=ADAPTER, shape=["body is 10 characters"]),
            "degraded",
            "body is 10",
        ),
    ],
)
def test_verdict(diagnosis: Diagnosis, expected: str, words: str) -> None:
    found, reasons = verdict(diagnosis)
    assert found == expected
    assert words in "; ".join(reasons)
    assert bool(reasons) == (expected != "healthy")
