"""The shared vocabulary: severity order, and every status the engine writes has a name here."""

from __future__ import annotations

import pytest

from clauses import compare_texts
from core.vocabulary import (
    AUTO,
    CLAUSE_STATUSES,
    COMMITMENT_STATUSES,
    COMPARISON_KINDS,
    PHRASE_STATUSES,
    SEVERITIES,
    TRANSLATION_STATUSES,
    ComparisonKind,
    Severity,
    comparison_kind,
    severity_rank,
)
from tests.support.statement_samples import FIFTH_EN, FIFTH_KO, FOURTH_EN


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


@pytest.mark.parametrize(
    ("same_document", "same_language", "days_apart", "kind"),
    [
        (True, True, 0, "revision"),
        (True, True, 40, "revision"),
        (False, False, 0, "translation"),
        (False, False, -2, "translation"),
        (False, False, 3, "translation"),
        # A later meeting in the other language (the 4th in English, the 5th in Korean).
        (False, False, 335, "successor"),
        (False, False, 4, "successor"),
        (False, True, 0, "successor"),
        (False, True, 180, "successor"),
    ],
)
def test_comparison_kind_from_metadata(
    same_document: bool, same_language: bool, days_apart: int, kind: str
) -> None:
    assert (
        comparison_kind(
            same_document=same_document,
            same_language=same_language,
            days_apart=days_apart,
            window=3,
        )
        == kind
    )


def test_kind_choices_are_the_kinds_and_auto() -> None:
    assert [k.value for k in ComparisonKind] == [AUTO, *COMPARISON_KINDS]
