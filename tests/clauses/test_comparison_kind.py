"""Comparison kinds: auto, revision, successor and translation, within and across languages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from clauses import Encoder, compare_texts, default_encoder
from clauses.align import CROSS_SUCCESSOR_THRESHOLD
from clauses.encoder import Matrix
from tests.support.statement_samples import FIFTH_KO, FOURTH_EN

EN = "The two sides agreed to deepen joint planning and execution."
KO = "양측은 공동기획 및 실행을 심화하기로 합의했다."


@pytest.mark.parametrize(
    ("old", "new", "kind", "expected"),
    [
        (EN, EN, None, "successor"),
        (EN, EN, "auto", "successor"),
        (EN, KO, "auto", "translation"),
        (KO, EN, None, "translation"),
        (EN, KO, "successor", "successor"),
        (EN, EN, "revision", "revision"),
        (KO, EN, "translation", "translation"),
    ],
)
def test_kind_is_auto_or_as_asked(old: str, new: str, kind: str | None, expected: str) -> None:
    result = compare_texts(old, new, kind=kind, lexical=True)
    assert result.kind == expected
    assert result.to_dict()["kind"] == expected


def test_a_revision_across_languages_is_refused() -> None:
    with pytest.raises(ValueError, match="share a language"):
        compare_texts(EN, KO, kind="revision", lexical=True)


class TableEncoder:
    """A fake encoder: each text's vector is looked up by its first word."""

    def __init__(self, table: dict[str, Sequence[float]]) -> None:
        self.table = table

    def encode(self, texts: Sequence[str]) -> Matrix:
        rows = np.asarray([self.table[t.split()[0]] for t in texts], dtype=np.float32)
        unit: Matrix = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return unit


def _unit_pair(cosine: float) -> tuple[list[float], list[float]]:
    """Two 3-d vectors at the given cosine."""
    return [1.0, 0.0, 0.0], [cosine, float(np.sqrt(1 - cosine**2)), 0.0]


@pytest.mark.parametrize(
    ("cosine", "paired"),
    [
        # The encoder's cosine for one sentence in two languages sits around 0.5-0.8 and
        # for unrelated ones around 0.15-0.3 (ADR 0099): only the first are the same clause.
        (0.75, True),
        (0.6, True),
        (0.3, False),
        (0.15, False),
    ],
)
def test_a_cross_language_successor_pairs_only_the_same_clause(cosine: float, paired: bool) -> None:
    first, second = _unit_pair(cosine)
    encoder = TableEncoder({"Alpha": first, "베타는": second})
    result = compare_texts(
        "Alpha met in Seoul.", "베타는 서울에서 만났다.", kind="successor", encoder=encoder
    )
    statuses = sorted(c.status for c in result.clause_changes)
    assert "matched" not in statuses
    assert statuses == (["modified"] if paired else ["added", "dropped"])
    for change in result.clause_changes:
        if change.old and change.new:
            assert change.score is not None and change.score > CROSS_SUCCESSOR_THRESHOLD
            assert change.diff is None  # no word diff between two languages


def test_a_translation_still_pairs_what_lies_between_anchors() -> None:
    # The same weakly similar pair, as one meeting's two texts, is read as a translation.
    first, second = _unit_pair(0.3)
    encoder = TableEncoder({"Alpha": first, "베타는": second})
    result = compare_texts(
        "Alpha met in Seoul.", "베타는 서울에서 만났다.", kind="translation", encoder=encoder
    )
    assert [c.status for c in result.clause_changes] == ["matched"]


def test_without_an_encoder_a_cross_language_successor_pairs_nothing() -> None:
    result = compare_texts(FOURTH_EN, FIFTH_KO, kind="successor", lexical=True)
    assert {c.status for c in result.clause_changes} == {"added", "dropped"}
    statuses = {c.key: c.status for c in result.commitments}
    # Each side read with its own language's lexicon: presence still compares.
    assert statuses["extended-deterrence-full-range"] == "retained"
    assert statuses["end-of-regime"] == "dropped"
    assert statuses["rok-leading-conventional-role"] == "added"


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        # A later meeting that softened the verb: each side's tier in its own language.
        ("successor", "weakened"),
        # One meeting's two texts: the languages mark strength differently (ADR 0017).
        ("translation", "retained"),
    ],
)
def test_cross_language_strength_only_for_successors(kind: str, status: str) -> None:
    first, second = _unit_pair(0.9)
    encoder = TableEncoder({"The": first, "양측은": second})
    result = compare_texts(EN, "양측은 공동기획 및 실행을 논의했다.", kind=kind, encoder=encoder)
    change = next(c for c in result.commitments if c.key == "joint-planning-execution")
    assert change.status == status


@pytest.fixture(scope="module")
def encoder() -> Iterator[Encoder]:
    yield default_encoder()


def test_fourth_english_to_fifth_korean_with_the_encoder(encoder: Encoder) -> None:
    result = compare_texts(FOURTH_EN, FIFTH_KO, kind="successor", encoder=encoder)
    assert result.kind == "successor"
    assert "matched" not in {c.status for c in result.clause_changes}
    statuses = {c.key: c.status for c in result.commitments}
    for key in ("end-of-regime", "joint-planning-execution", "strategic-asset-visibility"):
        assert statuses[key] == "dropped", key
    assert statuses["rok-leading-conventional-role"] == "added"
    assert statuses["extended-deterrence-full-range"] == "retained"
    # The full-range sentence of each side is one clause pair.
    pairs = {(c.old, c.new) for c in result.clause_changes if c.old and c.new}
    old_ed = next(i for i, c in enumerate(result.old_clauses) if "full range" in c.text)
    new_ed = next(j for j, c in enumerate(result.new_clauses) if "모든 범주" in c.text)
    assert ((old_ed,), (new_ed,)) in pairs
