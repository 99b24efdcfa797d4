"""The shared vocabulary: severity order, and every status the engine writes has a name here."""

from __future__ import annotations

import pytest

from clauses import compare_texts
from core.vocabulary import (
    CLAUSE_STATUSES,
    COMMITMENT_STATUSES,
    PHRASE_STATUSES,
    SEVERITIES,
    TRANSLATION_STATUSES,
    Severity,
    severity_rank,
)
from tests.clauses.samples import FIFTH_EN, FIFTH_KO, FOURTH_EN


@pytest.mark.parametrize(("level", "rank"), [(None, -1), ("low", 0), ("medium", 1), ("high", 2)])
def test_severity_rank(level: str | None, rank: int) -> None:
    assert severity_rank(level) == rank


def test_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown severity"):
        severity_rank("urgent")


def test_command_line_choices_are_the_table() -> None:
    assert tuple(Severity) == SEVERITIES


def test_successor_statuses_are_named_in_the_vocabulary() -> None:
    result = compare_texts(FOURTH_EN, FIFTH_EN, lexical=True).to_dict()
    assert {c["status"] for c in result["clauses"]} <= set(CLAUSE_STATUSES)
    assert {c["status"] for c in result["commitments"]} <= set(COMMITMENT_STATUSES)
    assert {p["status"] for p in result["phrases"]} <= set(PHRASE_STATUSES)
    # The sample pair drops and weakens commitments: the check above is not vacuous.
    assert {c["status"] for c in result["commitments"]} - {"retained"}


def test_translation_statuses_are_named_in_the_vocabulary() -> None:
    result = compare_texts(FIFTH_EN, FIFTH_KO, lexical=True).to_dict()
    assert result["kind"] == "translation"
    assert {c["status"] for c in result["clauses"]} <= set(TRANSLATION_STATUSES)
