"""Lists as lists: a list-sentence is one clause whose items are aligned one by one."""

from __future__ import annotations

import pytest

from clauses import compare_texts, render_text

LIST = (
    "The NCG reviewed progress on its workstreams: security and information-sharing "
    "procedures; crisis consultation and communication; nuclear and strategic planning; "
    "and risk reduction."
)
LIST_KO = (
    "NCG는 다음 작업 분야의 진전을 점검했다: 보안 및 정보공유 절차; 위기 시 협의 및 소통; "
    "핵 및 전략 기획; 그리고 위험감소."
)


def _items(old: str, new: str) -> list[tuple[str, str | None, str | None]]:
    [change] = compare_texts(old, new, kind="successor", lexical=True).clause_changes
    assert change.status == "modified"
    return list(change.items or ())


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        # One item dropped, one added, one reworded: item by item, one clause.
        (
            "The NCG reviewed progress on its workstreams: security and information-sharing "
            "procedures; crisis consultation and communication; conventional-nuclear "
            "integration; and risk reduction.",
            {
                ("added", None, "conventional-nuclear integration"),
                ("dropped", "nuclear and strategic planning", None),
            },
        ),
        # The same items written as one sentence: one modified clause, nothing dropped.
        (
            "The NCG reviewed progress on security and information-sharing procedures, crisis "
            "consultation and communication, nuclear and strategic planning and risk reduction.",
            set(),
        ),
        # As a sentence that leaves one out.
        (
            "The NCG reviewed progress on security and information-sharing procedures, crisis "
            "consultation and communication and risk reduction.",
            {("dropped", "nuclear and strategic planning", None)},
        ),
    ],
)
def test_list_items_are_aligned_item_by_item(
    new: str, expected: set[tuple[str, str | None, str | None]]
) -> None:
    changed = {item for item in _items(LIST, new) if item[0] != "unchanged"}
    assert changed == expected


def test_a_sentence_that_became_a_list() -> None:
    sentence = (
        "The NCG reviewed progress on security and information-sharing procedures and on "
        "crisis consultation and communication."
    )
    items = _items(sentence, LIST)
    assert ("added", None, "risk reduction") in items
    assert ("unchanged", "crisis consultation and communication",
            "crisis consultation and communication") in items  # fmt: skip


def test_korean_list_items() -> None:
    new = LIST_KO.replace("핵 및 전략 기획; ", "")
    changed = [item for item in _items(LIST_KO, new) if item[0] != "unchanged"]
    assert changed == [("dropped", "핵 및 전략 기획", None)]


def test_clauses_that_are_no_lists_have_no_items() -> None:
    result = compare_texts("They met in Seoul today.", "They met in Seoul again.", lexical=True)
    assert [c.items for c in result.clause_changes] == [None]
    assert result.to_dict()["clauses"][0]["items"] is None


def test_items_in_json_and_text() -> None:
    new = LIST.replace("nuclear and strategic planning; ", "")
    result = compare_texts(LIST, new, lexical=True)
    [clause] = result.to_dict()["clauses"]
    assert {"status": "dropped", "old": "nuclear and strategic planning", "new": None} in (
        clause["items"]
    )
    assert "item dropped: nuclear and strategic planning" in render_text(result)


def test_no_phrase_runs_across_list_items() -> None:
    old = LIST
    new = (
        "The NCG reviewed progress on its workstreams: tabletop simulation planning; "
        "extended deterrence education courses; and alliance communication drills."
    )
    result = compare_texts(old, new, kind="successor", lexical=True)
    assert result.phrases, "the changed items should give phrases"
    for phrase in result.phrases:
        assert ";" not in phrase.text and ":" not in phrase.text, phrase.text
