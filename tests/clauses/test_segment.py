"""Segmentation: paragraphs, English and Korean sentences, list items."""

from __future__ import annotations

import re

import pytest

from clauses import segment
from clauses.segment import (
    korean_morphemes,
    list_items,
    split_english_sentences,
    split_list_items,
)


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("The U.S. side met in Washington, D.C. on Jan. 10. Dr. Kim spoke.", 2),
        ("Mr. Cho and Ms. Abercrombie met. They agreed. No. 5 was held.", 3),
        ("It was held in the U.S. The next one is in Seoul.", 1),
        ("One sentence without a period", 1),
        ("Is this a question? Yes! It is.", 3),
        ('He said "we agree." Then they left.', 2),
        ("See Art. 4 and Sec. 2 of the plan. Done.", 2),
        ("The R.O.K. delegation arrived. J. Smith led it.", 2),
    ],
)
def test_english_sentences(paragraph: str, sentences: int) -> None:
    assert len(split_english_sentences(paragraph)) == sentences


@pytest.mark.parametrize(
    ("sentence", "items"),
    [
        (
            "They reviewed the workstreams: information sharing; consultation; and CNI.",
            ["They reviewed the workstreams:", "information sharing;", "consultation;", "and CNI."],
        ),
        ("A; B", ["A;", "B"]),
        ("No list here, just commas, and more.", ["No list here, just commas, and more."]),
        ("Items (a; b) stay together.", ["Items (a; b) stay together."]),
        ("Lead:\nnothing", ["Lead:\nnothing"]),
    ],
)
def test_list_items(sentence: str, items: list[str]) -> None:
    assert split_list_items(sentence) == items


def test_segment_positions_paragraphs_and_keys() -> None:
    clauses = segment("First one. Second one.\n\nThird: a; b.\n\n- bullet one\n- bullet two")
    assert [c.position for c in clauses] == list(range(len(clauses)))
    assert [c.paragraph for c in clauses] == [0, 0, 1, 2, 2]
    assert clauses[2].text == "Third: a; b." and clauses[2].items == ("a", "b")
    assert [c.text for c in clauses][-2:] == ["bullet one", "bullet two"]
    assert clauses[0].key == "first one"


def test_segment_empty_and_blank() -> None:
    assert segment("") == []
    assert segment(" \n\n \t") == []


def test_segment_korean_with_kiwi() -> None:
    text = (
        "미국은 확장억제 공약을 재확인하였다. 양측은 정보공유를 논의하였다\n\n"
        "양측은 다음 회의를 개최하기로 합의하였다."
    )
    clauses = segment(text)
    assert [c.paragraph for c in clauses] == [0, 0, 1]
    assert clauses[1].text.startswith("양측은 정보공유")


@pytest.mark.parametrize(
    "sentence",
    [
        "양측은 워싱턴 미국 전쟁부에서 회의를 열었다.",
        "로이드 오스틴 장관은 서울에서 기자들을 만났다.",
    ],
)
def test_korean_morphemes_stay_inside_one_word(sentence: str) -> None:
    # Without kiwipiepy's multi-word dictionary a name is read word by word (ADR 0106).
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
    morphemes = korean_morphemes(sentence)
    assert morphemes
    for form, _tag, start, end in morphemes:
        assert " " not in form
        assert any(a <= start and end <= b for a, b in words), form
    assert [c.text for c in segment(sentence, "ko")] == [sentence]


def test_segment_language_override() -> None:
    # Read as English, a Korean paragraph is split at sentence punctuation only.
    clauses = segment("미국은 재확인하였다. 양측은 합의하였다.", lang="en")
    assert len(clauses) == 2


def test_a_paragraph_without_sentence_ends_is_cut_into_bounded_clauses() -> None:
    from clauses.segment import MAX_CLAUSE_CHARS

    words = [f"word{i % 97}" for i in range(120_000)]  # ~0.9 MB, no sentence end
    clauses = segment(" ".join(words), "en")
    assert len(clauses) > 1
    assert max(len(c.text) for c in clauses) <= MAX_CLAUSE_CHARS
    # Nothing lost or reordered: the clauses read back as the paragraph.
    assert " ".join(c.text for c in clauses).split() == words


def test_a_word_longer_than_the_bound_is_cut_too() -> None:
    from clauses.segment import MAX_CLAUSE_CHARS

    clauses = segment("x" * (MAX_CLAUSE_CHARS * 2 + 5), "en")
    assert [len(c.text) for c in clauses] == [MAX_CLAUSE_CHARS, MAX_CLAUSE_CHARS, 5]


@pytest.mark.parametrize(
    ("sentence", "items"),
    [
        (
            "They reviewed the workstreams: information sharing; consultation; and CNI.",
            ("information sharing", "consultation", "CNI"),
        ),
        ("Progress on A; B; or C.", ("Progress on A", "B", "C")),
        (
            "양측은 다음 분야를 점검했다: 정보공유; 협의 및 소통; 그리고 위험감소.",
            ("정보공유", "협의 및 소통", "위험감소"),
        ),
        ("No list here, just commas, and more.", ()),
        ("Items (a; b) stay together.", ()),
        ("Lead: only one item;", ()),
    ],
)
def test_list_items_leave_out_the_lead_in_and_the_glue(
    sentence: str, items: tuple[str, ...]
) -> None:
    assert list_items(sentence) == items


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "The NCG reviewed progress on its workstreams: information sharing; crisis "
            "consultation; and risk reduction. It met again.",
            "en",
        ),
        # kiwipiepy ends a sentence at "점검했다:"; the lead-in still keeps its items.
        (
            "NCG는 다음 작업 분야의 진전을 점검했다: 정보공유; 협의 및 소통; 그리고 위험감소. "
            "회의가 끝났다.",
            "ko",
        ),
    ],
)
def test_a_list_sentence_is_one_clause(text: str, lang: str) -> None:
    clauses = segment(text, lang)
    assert len(clauses) == 2
    assert len(clauses[0].items) == 3 and clauses[1].items == ()


def test_morphemes_of_a_text_are_analysed_once_and_handed_out_as_copies() -> None:
    from clauses.segment import _cached_morphemes

    sentence = "양측은 다음 회의를 서울에서 열기로 합의하였다."
    _cached_morphemes.cache_clear()
    first = korean_morphemes(sentence)
    first.clear()  # a caller's list is its own
    second = korean_morphemes(sentence)
    info = _cached_morphemes.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    assert second and second == list(_cached_morphemes(sentence))
