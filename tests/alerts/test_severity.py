"""Severity of a comparison: a table of small comparison dicts and the level each deserves."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.severity import comparison_severity
from tests.support.alert_samples import NCG_4_TO_5


def _clause(status: str, old: str | None = "a b c.", new: str | None = "a b c.") -> dict[str, Any]:
    return {"status": status, "old_text": old, "new_text": new, "old": [], "new": [], "diff": None}


def _commitment(status: str, old: str | None = "x.", new: str | None = "x.") -> dict[str, Any]:
    return {"key": "k", "label": "K", "status": status, "old_evidence": old, "new_evidence": new}


def _result(kind: str = "successor", **parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": kind, "clauses": [], "commitments": [], "phrases": [], **parts}


CASES = [
    ("ncg 4th to 5th", NCG_4_TO_5, "high"),
    ("commitment dropped", _result(commitments=[_commitment("dropped", new=None)]), "high"),
    ("commitment weakened", _result(commitments=[_commitment("weakened")]), "high"),
    ("commitment added", _result(commitments=[_commitment("added", old=None)]), "high"),
    (
        "silent edit touching a commitment",
        _result("revision", commitments=[_commitment("retained", "We will plan.", "We may plan.")]),
        "high",
    ),
    (
        "silent edit, commitment only re-typeset",
        _result(
            "revision",
            clauses=[_clause("modified", "the “NCG” - we", 'the "NCG" — we')],
            commitments=[_commitment("retained", "the “NCG” - we", 'the "NCG"  — we')],
        ),
        None,
    ),
    (
        "successor keeps a commitment reworded",
        _result(commitments=[_commitment("retained", "We will plan.", "We shall plan.")]),
        None,
    ),
    ("clause dropped", _result(clauses=[_clause("dropped", new=None)]), "medium"),
    ("clause added", _result(clauses=[_clause("added", old=None)]), "medium"),
    ("commitment strengthened", _result(commitments=[_commitment("strengthened")]), "medium"),
    ("phrase dropped", _result(phrases=[{"text": "p", "status": "dropped"}]), "medium"),
    ("phrase added only", _result(phrases=[{"text": "p", "status": "added"}]), None),
    ("rewording", _result(clauses=[_clause("modified", "we agree.", "we concur.")]), "low"),
    ("moved", _result(clauses=[_clause("moved")]), "low"),
    ("split with new words", _result(clauses=[_clause("split", "a; b.", "a. Also b.")]), "low"),
    ("typography only", _result(clauses=[_clause("modified", "U.S.–ROK", "U.S.-ROK ")]), None),
    ("case only", _result("revision", clauses=[_clause("modified", "The NCG", "the NCG")]), None),
    ("nothing changed", _result(clauses=[_clause("unchanged")]), None),
    ("translation, all matched", _result("translation", clauses=[_clause("matched")]), None),
    (
        "translation missing a clause",
        _result("translation", clauses=[_clause("matched"), _clause("dropped", new=None)]),
        "medium",
    ),
]


@pytest.mark.parametrize(("name", "result", "expected"), CASES, ids=[c[0] for c in CASES])
def test_comparison_severity(name: str, result: dict[str, Any], expected: str | None) -> None:
    assert comparison_severity(result) == expected
