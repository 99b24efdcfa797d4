"""Phrases: salient n-grams for series with no lexicon, and strength-changed phrases."""

from __future__ import annotations

import pytest

from clauses import compare_texts, segment
from clauses.modality import clause_modality
from clauses.phrases import (
    commitment_phrase,
    phrase_tokens,
    strength_phrase_changes,
)

CLIMATE_1 = """\
Parties will phase out unabated coal power by 2035.

Parties will mobilize climate finance from all sources for developing countries.

Parties noted the report of the expert group."""
CLIMATE_2 = """\
Parties may explore ways to mobilize climate finance from all sources for developing countries.

Parties noted the report of the expert group.

Parties will triple renewable energy capacity by 2030."""
CLIMATE_0 = """\
Parties will phase out unabated coal power as soon as possible.

Parties will mobilize climate finance for developing countries."""


def _phrases(old: str, new: str, history: tuple[str, ...] = ()) -> dict[str, str]:
    result = compare_texts(old, new, lexical=True, lexicon=[], history=history)
    return {p.text: p.status for p in result.phrases}


def test_no_lexicon_series_gets_dropped_added_and_weakened() -> None:
    phrases = _phrases(CLIMATE_1, CLIMATE_2, history=(CLIMATE_0,))
    assert phrases.get("phase out unabated coal power") == "dropped"
    assert phrases.get("triple renewable energy capacity") == "added"
    weakened = [t for t, s in phrases.items() if s == "weakened"]
    assert len(weakened) == 1 and weakened[0].startswith("mobilize climate finance")
    assert "report of the expert group" not in " ".join(phrases)


def test_support_counts_earlier_statements() -> None:
    result = compare_texts(
        CLIMATE_1, CLIMATE_2, lexical=True, lexicon=[], history=(CLIMATE_0, CLIMATE_1)
    )
    support = {p.text: p.support for p in result.phrases}
    assert support["phase out unabated coal power"] == 2


_WORDS = [
    "harbor",
    "glacier",
    "meadow",
    "canyon",
    "orchard",
    "prairie",
    "tundra",
    "delta",
    "lagoon",
    "basin",
]


def test_phrases_are_capped_per_direction() -> None:
    old = "\n\n".join(
        f"Ministers studied {_WORDS[i % 10]} {_WORDS[(i * 3 + 1) % 10]} restoration plans "
        f"{'abcdefghijklmnopqrst'[i]}x."
        for i in range(20)
    )
    result = compare_texts(old, "Nothing in common here at all.", lexical=True, lexicon=[])
    assert sum(p.status == "dropped" for p in result.phrases) == 8


def test_identical_statements_have_no_phrases() -> None:
    assert _phrases(CLIMATE_1, CLIMATE_1) == {}


@pytest.mark.parametrize(
    ("key", "lang", "tokens"),
    [
        ("공동기획을 강화한다", "ko", ["공동기획", "강화한다"]),
        ("정보공유와 협의", "ko", ["정보공유", "협의"]),
        ("joint planning", "en", ["joint", "planning"]),
        ("이 가", "ko", ["이", "가"]),
    ],
)
def test_phrase_tokens(key: str, lang: str, tokens: list[str]) -> None:
    assert phrase_tokens(key, lang) == tokens


def test_commitment_phrase_is_the_shared_object() -> None:
    old = segment("Parties will mobilize climate finance.", "en")[0]
    new = segment("Parties may explore ways to mobilize climate finance.", "en")[0]
    assert commitment_phrase(old, new, "en") == "mobilize climate finance"


def test_korean_phrases() -> None:
    phrases = _phrases(
        "양측은 공동기획 및 실행 체계를 재확인하였다.\n\n양측은 회의를 개최하였다.",
        "양측은 회의를 개최하였다.\n\n대한민국은 재래식 방위 주도 역할을 맡는다.",
    )
    assert any(s == "dropped" and "공동기획" in t for t, s in phrases.items())
    assert any(s == "added" and "재래식 방위" in t for t, s in phrases.items())


def test_phrases_are_shown_as_published() -> None:
    old = "The United States will maintain the regular visibility of U.S. strategic assets."
    new = "The parties noted the report of the expert group on coastal erosion."
    texts = set(_phrases(old, new))
    assert "regular visibility of U.S. strategic assets" in texts


@pytest.mark.parametrize(
    ("old", "new", "absent"),
    [
        # Numbers, dates and ordinals change every meeting.
        (
            "The fourth meeting was held on January 10, 2025 in the capital city.",
            "Delegates praised the coastal cleanup campaign volunteers warmly.",
            ("fourth", "January", "2025"),
        ),
        # A run of names (a person and a title) is not a phrase.
        (
            "Deputy Minister Cho Chang Lae chaired the consultative session today.",
            "Delegates praised the coastal cleanup campaign volunteers warmly.",
            ("Cho Chang", "Deputy Minister"),
        ),
    ],
)
def test_phrases_skip_volatile_words(old: str, new: str, absent: tuple[str, ...]) -> None:
    texts = " | ".join(_phrases(old, new))
    assert not any(word in texts for word in absent)


def test_reworded_modality_is_not_a_phrase_change() -> None:
    phrases = _phrases(
        "The ministers will mobilize climate finance for partner countries.",
        "The ministers intend to mobilize climate finance for partner countries.",
    )
    assert [s for s in phrases.values() if s in ("added", "dropped")] == []
    weakened = [t for t, s in phrases.items() if s == "weakened"]
    assert len(weakened) == 1 and weakened[0].startswith("mobilize climate finance")


def test_weakened_phrase_is_the_governed_verb_phrase() -> None:
    old = segment(
        "The ministers intend to mobilize climate finance of 20 billion euros a year by 2027 "
        "to support adaptation in vulnerable partner countries.",
        "en",
    )[0]
    new = segment(
        "The ministers discussed mobilizing climate finance to support adaptation in "
        "vulnerable partner countries.",
        "en",
    )[0]
    assert commitment_phrase(old, new, "en") == "mobilize climate finance"


def test_korean_phrase_keys_ignore_particles_and_keep_the_surface() -> None:
    phrases = _phrases(
        "미국은 전략자산의 정례적 가시성을 증진할 것이다.\n\n양측은 회의를 개최하였다.",
        "양측은 회의를 개최하였다.\n\n대한민국은 재래식 방위에서 주도적 역할을 맡는다.",
    )
    assert any(s == "dropped" and "전략자산의 정례적 가시성" in t for t, s in phrases.items())
    # Same words with different particles on both sides: no change is reported.
    same = _phrases(
        "양측은 공동기획 및 실행을 재확인하였다.\n\n양측은 회의를 개최하였다.",
        "양측은 공동기획 및 실행이 중요하다고 재확인하였다.\n\n양측은 회의를 개최하였다.",
    )
    assert not any("공동기획" in t for t, s in same.items() if s in ("added", "dropped"))


_REPORT = "The parties noted the report of the expert group on coastal erosion."


def test_english_phrase_runs_on_to_its_head_noun() -> None:
    # "... allied naval" would cut the name of the assets in two; the phrase may run one
    # word past the length limit to reach "assets".
    old = (
        "The ministers will maintain the enhanced, regular visibility of allied naval assets "
        f"near the coast.\n\n{_REPORT}"
    )
    texts = [t for t, s in _phrases(old, _REPORT).items() if s == "dropped"]
    assert not any(t.endswith("naval") for t in texts)
    assert any(t.endswith("naval assets") for t in texts)


def test_korean_phrase_runs_on_to_its_head_noun() -> None:
    # "실전적인 핵" (a bare noun) and "정례적" modify the next word: no phrase stops there.
    phrases = _phrases(
        "양측은 가을 해상 합동 연합연습에 실전적인 핵 시나리오를 포함하기로 합의했다.\n\n"
        "미국은 한반도와 그 주변에 대한 미국 전략자산의 정례적 가시성을 유지할 것이다.\n\n"
        "양측은 회의를 개최하였다.",
        "양측은 회의를 개최하였다.",
    )
    dropped = [t for t, s in phrases.items() if s == "dropped"]
    assert not any(t.endswith(("실전적", "핵", "정례적")) for t in dropped)
    assert any(t.endswith("핵 시나리오") for t in dropped)
    assert any(t.endswith("정례적 가시성") for t in dropped)


def test_one_word_swap_in_an_edited_clause_is_no_phrase_change() -> None:
    # "discussed ways to enhance" → "committed to the enhanced": the only new word of the
    # candidate "ways to enhance" is "ways"; the strength change is the news.
    phrases = _phrases(
        f"The two sides discussed ways to enhance the regular visibility of strategic assets.\n\n"
        f"{_REPORT}",
        f"The United States committed to the enhanced, regular visibility of strategic assets.\n\n"
        f"{_REPORT}",
    )
    assert [s for s in phrases.values() if s in ("added", "dropped")] == []
    assert list(phrases.values()) == ["strengthened"]


@pytest.mark.parametrize(
    ("old", "new", "lang"),
    [
        # "will serve" → "serves": the only modality word left ("discuss") describes the body.
        (
            "The council will serve as a standing body through which the partners discuss "
            "coastal planning.",
            "The council serves as a standing body through which the partners discuss "
            "coastal planning.",
            "en",
        ),
        (
            "위원회는 양국이 해안 계획을 논의하는 상설 협의체로 기능할 것이다.",
            "위원회는 양국이 해안 계획을 논의하는 상설 협의체로 기능하고 있다.",
            "ko",
        ),
    ],
)
def test_relative_clause_modality_is_no_strength_change(old: str, new: str, lang: str) -> None:
    pairs = [(segment(old, lang)[0], segment(new, lang)[0])]
    assert strength_phrase_changes(pairs, lang) == []


def test_relative_clause_modality_is_skipped_but_main_verb_kept() -> None:
    text = "The council, which discussed planning, will expand coastal cooperation."
    modality = clause_modality(text, "en")
    assert modality is not None and modality.word == "will"
    assert clause_modality("양측은 협력을 논의하는 협의체를 환영했다.", "ko") is not None


def test_korean_counting_words_end_a_phrase() -> None:
    # "처음" (first) counts meetings like "first" does in English: no phrase holds it.
    phrases = _phrases(
        "이번 회의는 해안 협력 문서에 서명한 이후 처음 열린 회의였다.\n\n양측은 회의를 개최하였다.",
        "양측은 회의를 개최하였다.",
    )
    assert phrases and not any("처음" in t for t in phrases)
