"""How healthy a source looks from one fetch: plausibility of an extraction and the verdict.

A site redesign rarely makes a fetch fail: the page answers 200, the adapter's selectors
miss, and the generic extractor fills the gap with whatever it finds — sometimes the
statement, sometimes the site menu or a cookie notice. The rules here decide, from what
one listing and one statement page gave, whether a source is *healthy* (every field from
the adapter's own selectors), *degraded* (the fallback had to step in, but what it found
is plausible; or the body is far off the source's usual length) or *broken* (the listing
found nothing, a page could not be fetched or parsed, or the fallback's extraction is not
believable). ADR 0100 gives the thresholds and why.

Everything here is pure: values in, values out.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from core.vocabulary import Verdict
from scrapers.base import Statement
from scrapers.extract import parse_date

FIELDS: tuple[str, ...] = ("title", "date", "body", "language")
ADAPTER = "adapter"
FALLBACK = "fallback"

#: A fallback title must read like the listing's title for this share (0-100).
TITLE_MATCH = 80.0
#: A fallback date may be this many days off the listing's (time zones, late listings).
DATE_SLACK_DAYS = 1
#: Paragraphs this short are menu items and buttons ("Home", "인쇄", "Share").
CHROME_LINE_CHARS = 12
#: A fallback body whose share of chrome-length lines reaches this is a menu, not a text.
CHROME_LINE_SHARE = 0.25
#: A body outside these multiples of the source's recent median length is suspicious.
MEDIAN_LOW, MEDIAN_HIGH = 0.3, 4.0
#: How many recent bodies a median needs before it is trusted.
MEDIAN_MIN_SAMPLES = 3


@dataclass(frozen=True)
class BodyNorm:
    """A source's recent statement bodies: median length and paragraph count."""

    chars: float | None = None
    paragraphs: float | None = None
    samples: int = 0

    @property
    def trusted(self) -> bool:
        """Whether enough bodies were seen for the median to mean something."""
        return self.samples >= MEDIAN_MIN_SAMPLES and bool(self.chars)

    @classmethod
    def of(cls, bodies: Sequence[tuple[int, int]]) -> BodyNorm:
        """The norm of (characters, paragraphs) pairs."""
        if not bodies:
            return cls()
        return cls(
            chars=statistics.median(b[0] for b in bodies),
            paragraphs=statistics.median(b[1] for b in bodies),
            samples=len(bodies),
        )


def fallback_fields(provenance: Mapping[str, str]) -> list[str]:
    """The fields (in FIELDS order) that came from the generic fallback."""
    return [f for f in FIELDS if provenance.get(f) == FALLBACK]


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def _date_only(paragraph: str) -> bool:
    # "2025.10.01", "November 30, 2025", "등록일 2025.10.01": a date with at most a label.
    return len(paragraph) <= 30 and parse_date(paragraph) is not None


def body_shape(chars: int, norm: BodyNorm) -> list[str]:
    """Reasons a body of ``chars`` characters is far off the source's recent median."""
    if not norm.trusted or norm.chars is None:
        return []
    ratio = chars / norm.chars
    if ratio < MEDIAN_LOW:
        return [f"body is {chars} characters, under a third of the usual {norm.chars:.0f}"]
    if ratio > MEDIAN_HIGH:
        return [f"body is {chars} characters, over four times the usual {norm.chars:.0f}"]
    return []


def implausible(
    statement: Statement,
    *,
    listed_title: str = "",
    listed_date: date | None = None,
    archived: bool = False,
    languages: Sequence[str] = (),
    norm: BodyNorm | None = None,
) -> list[str]:
    """Why an extraction that leaned on the fallback cannot be believed (empty: it can).

    Only extractions with a fallback field are judged: the adapter's own selectors are
    trusted. ``listed_*`` are what the listing said about the page; for an archive capture
    (``archived``) the listed date is the capture date, which the statement may only precede.
    """
    used = fallback_fields(statement.provenance)
    if not used:
        return []
    reasons: list[str] = []
    title = _squash(statement.title)
    if listed_title.strip() and fuzz.token_set_ratio(title, _squash(listed_title)) < TITLE_MATCH:
        reasons.append(f"title {statement.title[:60]!r} is not the listed {listed_title[:60]!r}")
    if "date" in used:
        if listed_date is None:
            reasons.append("the fallback found a date and nothing confirms it")
        elif archived and statement.published > listed_date:
            reasons.append(f"date {statement.published} is after the capture {listed_date}")
        elif not archived and abs((statement.published - listed_date).days) > DATE_SLACK_DAYS:
            reasons.append(f"date {statement.published} is not the listed {listed_date}")
    if "body" in used:
        paragraphs = statement.paragraphs
        if any(_squash(p) == title for p in paragraphs):
            reasons.append("the body repeats the title: page chrome was read as text")
        if any(_date_only(p) for p in paragraphs):
            reasons.append("the body holds a bare date line: page chrome was read as text")
        short = sum(1 for p in paragraphs if len(p) < CHROME_LINE_CHARS)
        if paragraphs and short / len(paragraphs) >= CHROME_LINE_SHARE:
            reasons.append(f"{short} of {len(paragraphs)} body lines are menu-length")
        if languages and statement.language not in languages:
            reasons.append(f"language {statement.language} is not one this source publishes")
        reasons += body_shape(len(statement.text), norm or BodyNorm())
    return reasons


@dataclass(frozen=True)
class Diagnosis:
    """What one listing page and one statement page said about a source."""

    listing_items: int | None = None
    listing_error: str | None = None
    article_url: str | None = None
    article_error: str | None = None
    provenance: Mapping[str, str] = field(default_factory=dict)
    refusals: Sequence[str] = ()
    shape: Sequence[str] = ()


def verdict(d: Diagnosis) -> tuple[Verdict, list[str]]:
    """The verdict and its reasons in words, worst first (ADR 0100)."""
    if d.listing_error is not None:
        return Verdict.BROKEN, [f"listing could not be read: {d.listing_error}"]
    if not d.listing_items:
        return Verdict.BROKEN, ["listing page lists no items: its markup changed or it is blocked"]
    if d.article_error is not None:
        return Verdict.BROKEN, [f"newest statement could not be read: {d.article_error}"]
    if d.refusals:
        return Verdict.BROKEN, [
            "newest statement refused: the fallback's extraction is not believable",
            *d.refusals,
        ]
    reasons: list[str] = []
    used = fallback_fields(d.provenance)
    if used:
        reasons.append(f"{', '.join(used)} from the generic fallback: the site's markup changed")
    reasons += list(d.shape)
    if reasons:
        return Verdict.DEGRADED, reasons
    return Verdict.HEALTHY, []


_WORDS = re.compile(r"\s+")


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = _WORDS.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
