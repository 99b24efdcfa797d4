"""Phrases: salient n-grams for series with no lexicon, and strength-changed phrases."""

from __future__ import annotations

from pathlib import Path

import pytest

from clauses import compare_texts, segment
from clauses.modality import clause_modality
from clauses.phrases import (
    PHRASE_CAP,
    PhraseToken,
    _clause_tokens,
    _is_constituent,
    _span_text,
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


def test_phrases_are_capped_per_comparison() -> None:
    old = "\n\n".join(
        f"Ministers studied {_WORDS[i % 10]} {_WORDS[(i * 3 + 1) % 10]} restoration plans "
        f"{'abcdefghijklmnopqrst'[i]}x."
        for i in range(20)
    )
    result = compare_texts(old, "Nothing in common here at all.", lexical=True, lexicon=[])
    # Ten distinct dropped phrases, one added: the short list keeps both directions.
    assert len(result.phrases) == PHRASE_CAP
    assert {p.status for p in result.phrases} == {"dropped", "added"}


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


def _window(text: str, lang: str, phrase: str) -> list[PhraseToken] | None:
    tokens = list(_clause_tokens(text, lang))
    for i, first in enumerate(tokens):
        for j in range(i, len(tokens)):
            if text[first.start : tokens[j].end] == phrase:
                return tokens[i : j + 1]
    return None


@pytest.mark.parametrize(
    ("text", "lang", "phrase", "whole"),
    [
        # noun phrases: modifiers, "and", "of", then a head
        (
            "They reaffirmed joint planning and execution of ROK conventional support.",
            "en",
            "joint planning and execution of ROK conventional support",
            True,
        ),
        ("It would result in the end of the Kim regime.", "en", "end of the Kim regime", True),
        # an infinitive with its object is a whole verb phrase
        (
            "They committed to phase out unabated coal power.",
            "en",
            "phase out unabated coal power",
            True,
        ),
        # a verb, a subordinator or a preposition that leaves the noun phrase cuts it
        ("The two sides set the goal of completing it.", "en", "set the goal", False),
        ("They stressed that the work must go on.", "en", "stressed that the work", False),
        (
            "They agreed to cooperate on the safe deployment of reactors.",
            "en",
            "cooperate on the safe deployment",
            False,
        ),
        # a proper noun with a prepositional phrase belongs to a verb
        (
            "They keep working through the NCG between meetings.",
            "en",
            "NCG between meetings",
            False,
        ),
        # words of time or of process alone say when or that, not what
        ("It was cited on the day of the meeting.", "en", "day of the meeting", False),
        ("The work of the NCG must continue.", "en", "work of the NCG", False),
        # Korean: bare nouns, genitives, coordination and a head
        ("양측은 공동기획 및 실행을 진전시킬 것을 공약했다.", "ko", "공동기획 및 실행", True),
        (
            "양측은 러시아와 북한 간 군사협력에 대해 우려를 표명했다.",
            "ko",
            "러시아와 북한 간 군사협력",
            True,
        ),
        ("2년마다 진전 평가 보고서를 발간할 것이다.", "ko", "진전 평가 보고서", True),
        # a case particle or a verb ending inside spans a clause
        (
            "핵 역량이 서로를 보강하도록 핵·재래식 통합을 강화하기로 했다.",
            "ko",
            "핵 역량이 서로를 보강하도록 핵·재래식 통합",
            False,
        ),
        # a place, a time, a process
        ("양측은 미국 국방부 청사에서 서명했다.", "ko", "국방부 청사", False),
        ("양측은 상호 편리한 시기에 회의를 열기로 했다.", "ko", "상호 편리한 시기", False),
        ("양측은 다음 작업 분야의 진전을 점검했다.", "ko", "작업 분야의 진전", False),
    ],
)
def test_a_phrase_is_one_constituent(text: str, lang: str, phrase: str, whole: bool) -> None:
    window = _window(text, lang, phrase)
    assert window is not None, phrase
    assert _is_constituent(window) is whole


CORPUS = Path(__file__).resolve().parents[2] / "clausewatch" / "demo" / "corpus" / "ncg"
LABELS = Path(__file__).resolve().parents[1] / "fixtures" / "labels"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_statement_that_only_reaffirms_gets_no_phrase(lang: str) -> None:
    old = (CORPUS / f"ncg-3.{lang}.txt").read_text(encoding="utf-8")
    new = (LABELS / "revisions" / f"ncg-3.{lang}.reaffirm.txt").read_text(encoding="utf-8")
    result = compare_texts(old, new, kind="successor", lexical=True)
    assert result.phrases == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_phrases_leave_out_leads_and_flagged_commitments(lang: str) -> None:
    old = (CORPUS / f"ncg-4.{lang}.txt").read_text(encoding="utf-8")
    new = (CORPUS / f"ncg-5.{lang}.txt").read_text(encoding="utf-8")
    result = compare_texts(old, new, kind="successor", lexical=True)
    assert 0 < len(result.phrases) <= PHRASE_CAP
    evidence = {
        text
        for c in result.commitments
        if c.status != "retained"
        for text in (c.old_evidence, c.new_evidence)
        if text
    }
    people = [p.name for change in result.participants for p in change.old + change.new]
    for phrase in result.phrases:
        assert not any(phrase.text in text for text in evidence), phrase.text
        assert not any(name in phrase.text for name in people), phrase.text


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        # a bracket the span opens is closed by the character after it
        ("integration (CNI) and", 0, 16, "integration (CNI)"),
        # a span that cuts a bracket open with no closing next is no phrase
        ("integration (CNI and more)", 0, 16, None),
        # a span that closes a bracket it did not open is no phrase
        ("(CNI) exercises", 1, 15, None),
        ("핵·재래식 통합(CNI)을", 0, 12, "핵·재래식 통합(CNI)"),
        ("plain words", 0, 11, "plain words"),
    ],
)
def test_a_phrase_never_cuts_a_bracket(
    text: str, start: int, end: int, expected: str | None
) -> None:
    assert _span_text(text, start, end) == expected


@pytest.mark.parametrize(
    ("spans", "query", "overlaps"),
    [
        ([], (0, 5), False),
        ([(3, 6)], (0, 3), False),
        ([(3, 6)], (0, 4), True),
        ([(3, 6)], (5, 9), True),
        ([(3, 6)], (6, 9), False),
        ([(10, 12), (1, 2), (4, 8)], (8, 10), False),
        ([(10, 12), (1, 2), (4, 8)], (7, 11), True),
        ([(1, 5), (2, 9)], (8, 9), True),
        ([(4, 4)], (3, 5), True),
    ],
)
def test_span_index_answers_like_a_scan(
    spans: list[tuple[int, int]], query: tuple[int, int], overlaps: bool
) -> None:
    from clauses.phrases import _Spans

    start, end = query
    assert _Spans(spans).overlaps(start, end) is overlaps
    assert any(start < e and s < end for s, e in spans) is overlaps
