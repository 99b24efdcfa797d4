"""compare_texts / compare_clauses: JSON shape, properties, semantic path, reports."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauses import (
    CachedEncoder,
    Encoder,
    compare_clauses,
    compare_texts,
    default_encoder,
    render_html,
    render_text,
    segment,
)
from tests.support.statement_samples import FIFTH_EN, FIFTH_KO, FOURTH_EN

SENTENCES = [
    "The two sides reaffirmed the alliance.",
    "The United States will maintain regular visibility of strategic assets.",
    "They discussed joint planning and execution.",
    "The ROK will take the leading role in conventional defense.",
    "The delegations noted the tabletop exercise.",
    "North Korea was urged to return to talks.",
    "They agreed to hold the next meeting in Seoul.",
    "Exercises, simulations and training continued.",
]

statements = st.lists(st.sampled_from(SENTENCES), min_size=0, max_size=8).map(
    lambda xs: "\n\n".join(xs)
)
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_json_shape_matches_the_documented_one() -> None:
    data = compare_texts(FOURTH_EN, FIFTH_EN, lexical=True, old_title="4th").to_dict()
    assert set(data) == {
        "kind",
        "old",
        "new",
        "clauses",
        "commitments",
        "phrases",
        "quantities",
        "participants",
        "summary",
    }
    assert data["kind"] == "successor"
    assert data["old"] == {"title": "4th", "language": "en", "clauses": data["old"]["clauses"]}
    assert set(data["new"]) == {"title", "language", "clauses"}
    for item in data["clauses"]:
        assert set(item) == {
            "status", "old", "new", "old_text", "new_text", "score", "diff", "items"
        }  # fmt: skip
        for entry in item["items"] or []:
            assert set(entry) == {"status", "old", "new"}
        if item["status"] == "modified":
            assert all(len(op) == 3 and isinstance(op[1], list) for op in item["diff"])
    for item in data["commitments"]:
        assert set(item) == {
            "key",
            "label",
            "status",
            "old_evidence",
            "new_evidence",
            "strength_old",
            "strength_new",
        }
    for item in data["phrases"]:
        assert set(item) == {"text", "status", "support"}
    for item in data["quantities"]:
        assert set(item) == {"kind", "status", "old", "new", "old_clause", "new_clause"}
    for item in data["participants"]:
        assert set(item) == {"side", "status", "level", "old", "new"}
        for person in item["old"] + item["new"]:
            assert set(person) == {"name", "title", "level", "acting"}
    assert set(data["summary"]) >= {
        "unchanged",
        "modified",
        "moved",
        "split",
        "merged",
        "added",
        "dropped",
    }
    assert json.loads(json.dumps(data)) == data


def test_kind_defaults_and_rejects_unknown() -> None:
    assert compare_texts("A b c.", "A b c.", lexical=True).kind == "successor"
    assert compare_texts(FIFTH_EN, FIFTH_KO, lexical=True).kind == "translation"
    with pytest.raises(ValueError):
        compare_texts("a", "b", kind="sideways", lexical=True)


def _accounted(result_changes: list, n_old: int, n_new: int) -> None:  # type: ignore[type-arg]
    old = sorted(i for c in result_changes for i in c.old)
    new = sorted(j for c in result_changes for j in c.new)
    assert old == list(range(n_old))
    assert new == list(range(n_new))


@FAST
@given(statements, statements)
def test_every_clause_is_accounted_for_once(old: str, new: str) -> None:
    result = compare_texts(old, new, lexical=True, old_lang="en", new_lang="en")
    _accounted(result.clause_changes, len(result.old_clauses), len(result.new_clauses))
    assert sum(result.summary.values()) == len(result.clause_changes)


@FAST
@given(statements)
def test_identical_inputs_are_only_unchanged(text: str) -> None:
    result = compare_texts(text, text, lexical=True, old_lang="en", new_lang="en")
    assert {c.status for c in result.clause_changes} <= {"unchanged"}
    assert all(c.status == "retained" for c in result.commitments)
    assert result.phrases == []


@FAST
@given(statements, statements)
def test_swapping_sides_swaps_added_and_dropped(old: str, new: str) -> None:
    forward = compare_texts(old, new, lexical=True, old_lang="en", new_lang="en")
    backward = compare_texts(new, old, lexical=True, old_lang="en", new_lang="en")
    assert forward.summary["added"] == backward.summary["dropped"]
    assert forward.summary["dropped"] == backward.summary["added"]
    assert forward.summary["split"] == backward.summary["merged"]
    swap = {
        "added": "dropped",
        "dropped": "added",
        "retained": "retained",
        "weakened": "strengthened",
        "strengthened": "weakened",
    }
    assert {c.key: swap[c.status] for c in forward.commitments} == {
        c.key: c.status for c in backward.commitments
    }


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_any_unicode_input_compares(old: str, new: str) -> None:
    result = compare_texts(old, new, lexical=True)
    _accounted(result.clause_changes, len(result.old_clauses), len(result.new_clauses))
    render_text(result)
    render_html(result)


def test_one_sentence_statement_aligns() -> None:
    result = compare_texts("The sides met.", "The two sides met.", lexical=True)
    assert [c.status for c in result.clause_changes] == ["modified"]


def test_compare_clauses_accepts_stored_clauses() -> None:
    old = segment(FOURTH_EN, "en")
    new = segment(FIFTH_EN, "en")
    direct = compare_clauses(old, new, lexical=True)
    via_text = compare_texts(FOURTH_EN, FIFTH_EN, lexical=True)
    assert direct.to_dict() == via_text.to_dict()


class CountingEncoder:
    """A fake encoder: one-hot vectors per distinct first word, counting calls."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]):  # type: ignore[no-untyped-def]
        import numpy as np

        self.calls.append(list(texts))
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, hash(text.split()[0] if text.split() else "") % 4] = 1.0
        return out


def test_cached_encoder_encodes_each_text_once() -> None:
    inner = CountingEncoder()
    encoder = CachedEncoder(inner.encode)
    first = encoder.encode(["a b", "c d", "a b"])
    second = encoder.encode(["c d", "e f"])
    assert inner.calls == [["a b", "c d"], ["e f"]]
    assert first.shape == (3, 4) and second.shape == (2, 4)
    assert (first[0] == first[2]).all()


@pytest.fixture(scope="module")
def encoder() -> Iterator[Encoder]:
    yield default_encoder()


def test_semantic_encoder_aligns_a_translation(encoder: Encoder) -> None:
    vectors = encoder.encode(["The allies met.", "동맹국들이 만났다."])
    assert vectors.shape[0] == 2
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-4
    result = compare_texts(FIFTH_EN, FIFTH_KO, encoder=encoder)
    pairs = {(c.old, c.new) for c in result.clause_changes if c.status == "matched"}
    en = segment(FIFTH_EN, "en")
    ko = segment(FIFTH_KO, "ko")
    leading_en = next(c.position for c in en if "leading role" in c.text)
    leading_ko = next(c.position for c in ko if "주도적 역할" in c.text)
    assert ((leading_en,), (leading_ko,)) in pairs
    assert result.summary["matched"] >= len(ko) - 1


def test_semantic_rewording_is_modified_not_dropped(encoder: Encoder) -> None:
    old = "The allies agreed to hold the next meeting in Seoul."
    new = "Both partners decided that their following session will take place in Seoul."
    lexical = compare_texts(old, new, lexical=True)
    semantic = compare_texts(old, new, encoder=encoder)
    assert sorted(c.status for c in lexical.clause_changes) == ["added", "dropped"]
    assert [c.status for c in semantic.clause_changes] == ["modified"]


def test_text_report_has_markers() -> None:
    text = render_text(compare_texts(FOURTH_EN, FIFTH_EN, lexical=True))
    assert "dropped" in text and "end-of-regime" in text
    assert text.startswith("successor:")


def test_html_report_escapes_everything() -> None:
    evil = "<script>alert(1)</script> The sides met."
    page = render_html(
        compare_texts(evil, "The sides met & agreed.", lexical=True, old_title="<b>t</b>")
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>t</b>" not in page
    assert page.startswith("<!DOCTYPE html>")
