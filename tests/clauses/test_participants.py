"""Participants: who led the meeting, per side, with title level, and how that changed."""

from __future__ import annotations

import pytest

from clauses.participants import compare_participants, find_participants
from clauses.segment import Clause


def _clauses(*texts: str) -> list[Clause]:
    return [Clause(i, 0, t, t.lower()) for i, t in enumerate(texts)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # title before the name, country in the title
        (
            "U.S. Deputy Under Secretary of Energy Dana Whitfield and ROK Vice Minister of Trade, "
            "Industry and Energy Park Min-seo co-chaired the meeting.",
            "en",
            [("US", "Dana Whitfield", 4), ("ROK", "Park Min-seo", 2)],
        ),
        # title after the name, set off by commas
        (
            "Maher Bitar, Coordinator for Intelligence and Defense Policy at the U.S. National "
            "Security Council, and ROK Principal Deputy National Security Advisor Kim Tae-hyo "
            "co-chaired the meeting.",
            "en",
            [("US", "Maher Bitar", 4), ("ROK", "Kim Tae-hyo", 3)],
        ),
        # "X of the U.S. Department …": the affiliation follows
        (
            "The working-level talks were led by Vipin Narang of the U.S. Department of Defense "
            "and Heo Tae-keun of the ROK Ministry of National Defense.",
            "en",
            [("US", "Vipin Narang", None), ("ROK", "Heo Tae-keun", None)],
        ),
        # a sentence that leads nothing names no participant
        ("The two sides condemned North Korea's launches.", "en", []),
        # Korean: name first, then institution and title; no country means the ROK
        (
            "회의는 로버트 소퍼 미국 핵억제·화생방어 부차관보 대행과 김홍철 국방부 "
            "국방정책실장이 공동으로 주재했다.",
            "ko",
            [("US", "로버트 소퍼", 6), ("ROK", "김홍철", 3)],
        ),
        # Korean: institution in the genitive before the name; a name ending like an office
        (
            "실무 협의는 미국 국방부의 비핀 나랑과 "
            "최지원 산업통상자원부 에너지정책국장이 이끌었다.",
            "ko",
            [("US", "비핀 나랑", None), ("ROK", "최지원", 5)],
        ),
    ],
)
def test_find_participants(
    text: str, lang: str, expected: list[tuple[str, str, int | None]]
) -> None:
    people = find_participants(_clauses(text), lang)
    assert [(p.side, p.name, p.level) for p in people] == expected


def test_a_lower_ranking_lead_is_one_change_for_that_side() -> None:
    old = _clauses(
        "Cara Abercrombie, performing the duties of the U.S. Deputy Under Secretary of Defense "
        "for Policy, and ROK Deputy Minister for National Defense Policy Cho Chang Lae "
        "co-chaired the meeting."
    )
    new = _clauses(
        "ROK Deputy Minister for National Defense Policy Cho Chang Lae and Robert Soofer, "
        "acting Deputy Assistant Secretary for Nuclear Deterrence, co-chaired the meeting."
    )
    changes = compare_participants(old, new, "en", "en")
    assert [(c.side, c.status, c.level) for c in changes] == [("US", "changed", "lower")]
    assert [p.name for p in changes[0].new] == ["Robert Soofer"]


def test_same_people_same_titles_is_no_change_and_languages_are_not_mixed() -> None:
    text = "U.S. Assistant Secretary of Energy Lee Harmon chaired the meeting."
    assert compare_participants(_clauses(text), _clauses(text), "en", "en") == []
    korean = _clauses("회의는 리 하먼 미국 에너지부 차관보가 주재했다.")
    assert compare_participants(_clauses(text), korean, "en", "ko") == []


def test_titles_stand_for_officials_the_statement_does_not_name() -> None:
    old = _clauses(
        "The meeting was co-chaired by the Deputy Under Secretary of Defense for Policy and "
        "the ROK Deputy Minister for National Defense Policy."
    )
    new = _clauses(
        "The meeting was led by an Acting Deputy Assistant Secretary of Defense and the ROK "
        "Deputy Minister for National Defense Policy."
    )
    changes = compare_participants(old, new, "en", "en")
    assert [(c.side, c.status, c.level) for c in changes] == [("US", "changed", "lower")]
    assert [p.title for p in changes[0].new] == ["Acting Deputy Assistant Secretary of Defense"]
    assert changes[0].new[0].acting
