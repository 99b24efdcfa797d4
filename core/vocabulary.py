"""The words every layer uses for what a comparison found and what an alert is: one table each.

The clause engine writes these statuses, the history stores them, the alerts and reports read
them, and the command line offers them as choices; a name changes here or nowhere.
"""

from __future__ import annotations

import enum

# What two versions are to each other (docs/comparison-json.md).
COMPARISON_KINDS: tuple[str, ...] = ("revision", "successor", "translation")
# The kind a comparison takes when none is asked for: decided from what is known.
AUTO = "auto"
# Korean and English releases of one meeting appear up to a few days apart.
TRANSLATION_WINDOW_DAYS = 3


class ComparisonKind(enum.StrEnum):
    """A kind as asked for on the command line: one of ``COMPARISON_KINDS``, or auto."""

    auto = AUTO
    revision = "revision"
    successor = "successor"
    translation = "translation"


def comparison_kind(
    *,
    same_document: bool,
    same_language: bool,
    days_apart: int | None,
    window: int = TRANSLATION_WINDOW_DAYS,
) -> str:
    """What two statements of one series are to each other, from their metadata alone.

    Two versions of one document: a revision. The other language within ``window`` days
    (one meeting): a translation. Anything else is a later meeting, in either language: a
    successor (ADR 0099). Without dates (``days_apart`` None) two languages are taken for
    one meeting, as ``compare`` does with two files.
    """
    if same_document:
        return "revision"
    if not same_language and (days_apart is None or abs(days_apart) <= window):
        return "translation"
    return "successor"


# Clause statuses of a same-language comparison, in the order summaries list them.
CLAUSE_STATUSES: tuple[str, ...] = (
    "unchanged",
    "modified",
    "moved",
    "split",
    "merged",
    "added",
    "dropped",
)
# A translation compares presence only: a clause is matched, added or dropped.
TRANSLATION_STATUSES: tuple[str, ...] = ("matched", "added", "dropped")
# Clauses that kept their content but changed wording, place or grouping.
REWORDED_STATUSES: frozenset[str] = frozenset({"modified", "moved", "split", "merged"})
# Clauses that appeared or vanished.
PRESENCE_STATUSES: frozenset[str] = frozenset({"added", "dropped"})

# Commitment statuses, most alarming first: the order in which reports and mails list them.
COMMITMENT_STATUSES: tuple[str, ...] = ("dropped", "weakened", "added", "strengthened", "retained")
# Every commitment status but "retained": a change a reader is told about.
FLAGGED_COMMITMENT_STATUSES: tuple[str, ...] = COMMITMENT_STATUSES[:-1]
STRENGTH_STATUSES: frozenset[str] = frozenset({"weakened", "strengthened"})

PHRASE_STATUSES: tuple[str, ...] = ("added", "dropped")

# The statement languages by code, as readers see them (charts, reports, mail, the demo).
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "ko": "Korean"}


def language_name(code: str | None) -> str:
    """The reader's name of a language code ("ko" -> "Korean"); an unknown code as given."""
    return LANGUAGE_NAMES.get(code or "", code or "?")


class Severity(enum.StrEnum):
    """How much a comparison matters to a subscriber, lowest first (alerts/severity.py)."""

    low = "low"
    medium = "medium"
    high = "high"


SEVERITIES: tuple[str, ...] = tuple(level.value for level in Severity)


def severity_rank(severity: str | None) -> int:
    """The order of a severity (None = -1, low = 0 … high = 2); raises ValueError if unknown."""
    if severity is None:
        return -1
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(
            f"unknown severity {severity!r}: use one of {', '.join(SEVERITIES)}"
        ) from None


class Digest(enum.StrEnum):
    """How often a subscriber gets mail."""

    immediate = "immediate"
    daily = "daily"


DIGESTS: tuple[str, ...] = tuple(digest.value for digest in Digest)


class AlertStatus(enum.StrEnum):
    """The states of an alert outbox row."""

    pending = "pending"
    sent = "sent"
    failed = "failed"


class Verdict(enum.StrEnum):
    """A source's health, in rising order of trouble (scrapers/health.py, ADR 0100)."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    BROKEN = "broken"


VERDICTS: tuple[str, ...] = tuple(verdict.value for verdict in Verdict)
