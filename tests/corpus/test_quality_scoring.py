"""The scoring rules of benchmarks/quality.py: links, commitment matching, loose phrases."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_quality() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quality_bench", ROOT / "benchmarks/quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is being built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


Q = _load_quality()

OLD = "Alpha one. Beta two; gamma three.\n\nDelta four."
NEW = "Alpha one. Delta four. Epsilon five."
OLD_CLAUSES = ["Alpha one.", "Beta two;", "gamma three.", "Delta four."]
NEW_CLAUSES = ["Alpha one.", "Delta four.", "Epsilon five."]


def test_clause_spans_follow_document_order_and_ignore_spacing() -> None:
    spans = Q.clause_spans("A  b.\nA b.", ["A b.", "A b."])
    assert spans == [(0, 3), (3, 6)]
    assert Q.clause_spans("One.", ["Missing."]) == [None]


def test_expected_links_map_snippets_to_clause_indices() -> None:
    alignment = [
        {"status": "unchanged", "old": ["Alpha one."], "new": ["Alpha one."]},
        {"status": "dropped", "old": ["Beta two; gamma three."], "new": []},
        {"status": "unchanged", "old": ["Delta four."], "new": ["Delta four."]},
        {"status": "added", "old": [], "new": ["Epsilon five."]},
    ]
    links = Q.expected_links(
        alignment,
        OLD,
        NEW,
        Q.clause_spans(OLD, OLD_CLAUSES),
        Q.clause_spans(NEW, NEW_CLAUSES),
    )
    assert links == {
        (0, 0): "unchanged",
        (1, None): "dropped",
        (2, None): "dropped",
        (3, 1): "unchanged",
        (None, 2): "added",
    }


def test_a_label_not_in_its_document_is_an_error() -> None:
    with pytest.raises(ValueError, match="not in document"):
        Q.snippet_clauses(OLD, "Zeta six.", Q.clause_spans(OLD, OLD_CLAUSES))


@pytest.mark.parametrize(
    ("predicted", "precision", "recall"),
    [
        ([{"status": "unchanged", "old": [0], "new": [0]}], 1.0, 0.5),
        (
            [
                {"status": "unchanged", "old": [0], "new": [0]},
                {"status": "modified", "old": [1], "new": [1]},
            ],
            0.5,
            0.5,
        ),
        (
            [
                {"status": "unchanged", "old": [0], "new": [0]},
                {"status": "dropped", "old": [1], "new": []},
            ],
            1.0,
            1.0,
        ),
    ],
)
def test_alignment_scores(predicted: list[dict[str, Any]], precision: float, recall: float) -> None:
    expected = {(0, 0): "unchanged", (1, None): "dropped"}
    counts, _ = Q.score_alignment(expected, Q.predicted_links(predicted))
    assert (counts.precision, counts.recall) == (precision, recall)


EXPECTED_COMMITMENTS = [
    {"key": "joint-planning-execution", "evidence": ["joint planning"], "status": "dropped"},
    {"key": "extended-deterrence-full-range", "evidence": ["full range"], "status": "retained"},
    {"key": "ncg-workstreams", "evidence": ["workstreams"], "status": "retained", "optional": True},
]


@pytest.mark.parametrize(
    ("predicted", "precision", "recall"),
    [
        ([{"key": "joint-planning-execution", "status": "dropped"}], 1.0, 1.0),
        ([{"key": "joint-planning-execution", "status": "weakened"}], 0.0, 0.0),
        ([{"key": "extended-deterrence-full-range", "status": "weakened"}], 0.0, 0.0),
        ([{"key": "ncg-workstreams", "status": "weakened"}], None, 0.0),
        (
            [{"key": "jpe", "status": "dropped", "old_evidence": "Joint planning and execution."}],
            1.0,
            1.0,
        ),
        ([{"key": "extended-deterrence-full-range", "status": "retained"}], None, 0.0),
    ],
)
def test_commitment_scores(
    predicted: list[dict[str, Any]], precision: float | None, recall: float
) -> None:
    counts, _ = Q.score_commitments(EXPECTED_COMMITMENTS, predicted)
    assert (counts.precision, counts.recall) == (precision, recall)


@pytest.mark.parametrize(
    ("predicted", "expected", "same"),
    [
        ("phase out unabated coal power", "phase out unabated coal power", True),
        ("unabated coal power", "phase out unabated coal power", True),
        (
            "regular visibility of usa strategic assets",
            "regular visibility of U.S. strategic assets",
            True,
        ),
        ("전략자산 정례적 가시성", "전략자산의 정례적 가시성", True),
        ("mobilize climate finance", "phase out unabated coal power", False),
        ("", "joint planning", False),
    ],
)
def test_phrases_match_loosely(predicted: str, expected: str, same: bool) -> None:
    assert Q.phrases_match(predicted, expected) is same


def test_acceptable_phrases_are_neither_hits_nor_false_alarms() -> None:
    expected = [
        {"text": "joint planning and execution", "status": "dropped"},
        {"also": ["strategic communications"]},
    ]
    predicted = [
        {"text": "joint planning and execution", "status": "dropped"},
        {"text": "strategic communications", "status": "dropped"},
        {"text": "held the fifth meeting", "status": "added"},
    ]
    counts, notes = Q.score_phrases(expected, predicted)
    assert (counts.hit_predicted, counts.predicted, counts.recall) == (1, 2, 1.0)
    assert notes == ["unexpected phrase: added 'held the fifth meeting'"]


QUANTITY_LABELS = [
    {"status": "changed", "old": "every six months", "new": "annually"},
    {"status": "dropped", "old": "by 2027"},
    {"status": "dropped", "old": "by the end of 2023", "optional": True},
]


@pytest.mark.parametrize(
    ("predicted", "precision", "recall"),
    [
        ([], None, 0.0),
        (
            [
                {"status": "changed", "old": "every six months", "new": "annually"},
                {"status": "dropped", "old": "by 2027", "new": None},
            ],
            1.0,
            1.0,
        ),
        # The wrong status or the wrong new value is a false alarm and a miss.
        ([{"status": "dropped", "old": "every six months", "new": None}], 0.0, 0.0),
        ([{"status": "changed", "old": "every six months", "new": "every year"}], 0.0, 0.0),
        # An optional label counts neither way.
        ([{"status": "dropped", "old": "by the end of 2023", "new": None}], None, 0.0),
        # The reported wording may hold more words than the label, or fewer.
        ([{"status": "dropped", "old": "2027", "new": None}], 1.0, 0.5),
    ],
)
def test_quantity_scores(
    predicted: list[dict[str, Any]], precision: float | None, recall: float
) -> None:
    counts, _ = Q.score_quantities(QUANTITY_LABELS, predicted)
    assert counts.precision == precision
    assert counts.recall == recall


PARTICIPANT_LABELS = [
    {"side": "US", "status": "changed", "old": ["Cara Abercrombie"], "new": ["Robert Soofer"]},
]


@pytest.mark.parametrize(
    ("predicted", "hit"),
    [
        (
            [
                {
                    "side": "US",
                    "status": "changed",
                    "old": [{"name": "Cara Abercrombie", "title": "x"}],
                    "new": [{"name": "Robert Soofer", "title": "y"}],
                }
            ],
            True,
        ),
        ([{"side": "ROK", "status": "changed", "old": ["Cara Abercrombie"], "new": []}], False),
        ([{"side": "US", "status": "changed", "old": ["Cara Abercrombie"], "new": []}], False),
    ],
)
def test_participant_scores(predicted: list[dict[str, Any]], hit: bool) -> None:
    counts, notes = Q.score_participants(PARTICIPANT_LABELS, predicted)
    assert (counts.recall == 1.0) is hit
    assert (counts.precision == 1.0) is hit
    assert bool(notes) is not hit
