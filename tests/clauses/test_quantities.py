"""Quantities: which figures are found, their shared values, and how aligned clauses compare."""

from __future__ import annotations

import pytest

from clauses.quantities import compare_quantities, find_quantities, gap_pairs
from clauses.segment import Clause


def _clause(text: str, position: int = 0) -> Clause:
    return Clause(position, 0, text, text.lower())


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # amounts: a number, its scale and a currency, in either language
        ("mobilize 5 billion dollars in climate finance", "en", [("amount", "5e+09", "USD")]),
        ("pledged $300 million to the fund", "en", [("amount", "3e+08", "USD")]),
        ("기후재원 50억 달러를 조성", "ko", [("amount", "5e+09", "USD")]),
        ("10억 원을 지원", "ko", [("amount", "1e+09", "KRW")]),
        # percentages
        ("cut emissions by 40 percent", "en", [("percent", "40", "percent")]),
        ("40퍼센트 감축", "ko", [("percent", "40", "percent")]),
        # deadlines: a deadline word and a year, with its part of the year
        ("complete the guidelines by mid-2024", "en", [("deadline", "2024-mid", "deadline")]),
        ("by the end of 2023", "en", [("deadline", "2023-end", "deadline")]),
        ("2024년 중반까지 완성", "ko", [("deadline", "2024-mid", "deadline")]),
        ("2027년까지 조성", "ko", [("deadline", "2027-year", "deadline")]),
        # frequencies, in months
        ("report every six months", "en", [("frequency", "6", "months")]),
        ("report twice a year", "en", [("frequency", "6", "months")]),
        ("report annually", "en", [("frequency", "12", "months")]),
        ("매년 보고", "ko", [("frequency", "12", "months")]),
        ("6개월마다 보고", "ko", [("frequency", "6", "months")]),
        # counts: a number and the noun it counts
        ("train 200 engineers", "en", [("count", "200", "engineers")]),
        ("four priority areas for joint work", "en", [("count", "4", "priority")]),
        ("기술자 200명을 교육", "ko", [("count", "200", "명")]),
        # not figures: meeting dates, ordinals, paragraph numbers, bare years, "two sides"
        ("On March 5, 2024, the two sides held the fifth meeting", "en", []),
        ("2. The two sides met in August 2024 in Seoul", "en", []),
        ("from 2018 levels, in 2025", "en", []),
        ("2024년 3월 5일 제5차 회의를 개최했다", "ko", []),
        ("트럼프 2기 행정부", "ko", []),
    ],
)
def test_find_quantities(text: str, lang: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(q.kind, q.value, q.unit) for q in find_quantities(text, lang)] == expected


@pytest.mark.parametrize(
    ("old", "new", "old_lang", "new_lang", "expected"),
    [
        # an amount and a deadline dropped from an edited clause
        (
            "They will mobilize 5 billion dollars for partners by 2027.",
            "They discussed ways to mobilize finance for partners.",
            "en",
            "en",
            [("amount", "dropped"), ("deadline", "dropped")],
        ),
        # a frequency changed
        ("report every six months", "report annually", "en", "en", [("frequency", "changed")]),
        # the same value in other words is no change
        ("report every six months", "report twice a year", "en", "en", []),
        # a count changed, matched by its noun
        (
            "train 200 engineers over three years",
            "train 300 engineers over three years",
            "en",
            "en",
            [("count", "changed")],
        ),
        # across languages, values compare: 5 billion dollars = 50억 달러
        ("mobilize 5 billion dollars by 2027", "2027년까지 50억 달러를 조성", "en", "ko", []),
        ("report every six months", "매년 보고할 것이다", "en", "ko", [("frequency", "changed")]),
        # a figure added
        (
            "They will mobilize finance.",
            "They will mobilize 3 billion dollars by 2028.",
            "en",
            "en",
            [("amount", "added"), ("deadline", "added")],
        ),
    ],
)
def test_compare_aligned_clauses(
    old: str, new: str, old_lang: str, new_lang: str, expected: list[tuple[str, str]]
) -> None:
    changes = compare_quantities([_clause(old)], [_clause(new)], [((0,), (0,))], old_lang, new_lang)
    assert sorted((c.kind, c.status) for c in changes) == sorted(expected)


def test_clauses_dropped_or_added_whole_are_not_repeated_as_figures() -> None:
    old = [_clause("They will mobilize 5 billion dollars by 2027.")]
    new = [_clause("They met in Seoul.")]
    assert compare_quantities(old, new, [((0,), ()), ((), (0,))], "en", "en") == []


# The alignment as groups of (old indices, new indices): 0↔0 paired, old 1 dropped, new 1
# and 2 added, 2↔3 paired, old 3 dropped and nothing added after it.
GROUPS = [((0,), (0,)), ((1,), ()), ((), (1,)), ((), (2,)), ((2,), (3,)), ((3,), ())]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # the most similar added clause of the same gap, above the bar
        ({(1, 1): 0.3, (1, 2): 0.7}, [((1,), (2,))]),
        # below the bar nothing is paired
        ({(1, 1): 0.3, (1, 2): 0.5}, []),
        # a clause dropped after the last anchor has no added clause in its gap
        ({(3, 1): 0.9, (1, 1): 0.6}, [((1,), (1,))]),
    ],
)
def test_gap_pairs(
    scores: dict[tuple[int, int], float], expected: list[tuple[tuple[int], tuple[int]]]
) -> None:
    pairs = gap_pairs(GROUPS, 4, 4, lambda i, j: scores.get((i, j), 0.0), 0.55)
    assert pairs == expected
