"""Quantities: amounts, counts, percentages, deadlines and frequencies compared clause by clause.

A figure is found with its unit and turned into a value that both languages share (50억 달러 and
"5 billion dollars" are both 5e9 USD; "by mid-2024" and "2024년 중반까지" are both a deadline of
mid-2024; "annually" and "매년" are both every 12 months), so that a successor in the other
language is compared on the same footing. What is compared: an amount with a currency, a
percentage, a count of something ("200 engineers", "4개 우선 분야"), a deadline (by, until,
before, no later than; 까지, 이내) and a frequency (every six months, annually; 매년, 6개월마다).
What is not: the date a meeting was held, ordinals ("fifth meeting", "제5차"), paragraph
numbers ("2. …"), a bare year, and "one"/"two" spelled out (almost always "the two sides").
See docs/adr/0097-quantities-compared-in-aligned-clauses.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from clauses.segment import Clause

_NUMBER_WORDS = {
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
# "every two years" and "twice a year" need the small words the counts leave out.
_FREQUENCY_NUMBERS = {"one": 1, "two": 2, **_NUMBER_WORDS}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_KOREAN_SCALES = {"천": 1e3, "만": 1e4, "억": 1e8, "조": 1e12}
_CURRENCIES = {
    "dollar": "USD",
    "dollars": "USD",
    "usd": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "won": "KRW",
    "yen": "JPY",
    "달러": "USD",
    "불": "USD",
    "유로": "EUR",
    "원": "KRW",
    "엔": "JPY",
}
_SYMBOLS = {"$": "USD", "€": "EUR", "₩": "KRW", "¥": "JPY"}
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}
_PERIOD_MONTHS = {"day": 1 / 30, "week": 0.25, "month": 1.0, "quarter": 3.0, "year": 12.0}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_FREQWORD = "|".join(sorted(_FREQUENCY_NUMBERS, key=len, reverse=True))
_MONTH = "|".join(m.capitalize() for m in _MONTHS)

# English -----------------------------------------------------------------------------------
_EN_AMOUNT = re.compile(
    rf"(?P<sym>[$€₩¥])\s?(?P<n>{_NUM})(?:\s(?P<scale>thousand|million|billion|trillion))?"
    rf"|(?P<n2>{_NUM}|{_WORDNUM})(?:\s(?P<scale2>thousand|million|billion|trillion))?"
    r"\s(?:(?:U\.S\.|US)\s)?(?P<cur>dollars?|euros?|won|yen|USD|EUR)\b"
    r"(?:\s(?:a|per)\s(?:year|annum))?",
    re.IGNORECASE,
)
_EN_PERCENT = re.compile(rf"(?P<n>{_NUM}|{_WORDNUM})\s?(?:percent\b|per cent\b|%)", re.IGNORECASE)
_EN_DEADLINE = re.compile(
    r"\b(?:by|until|before|no later than|not later than)\s"
    r"(?:(?P<q>the end of|the middle of|the first half of|the second half of|early|late|mid-)\s?)?"
    rf"(?:(?P<month>{_MONTH})\s(?:\d{{1,2}},\s)?)?(?P<year>(?:19|20)\d\d)\b"
)
_EN_FREQUENCY = re.compile(
    rf"\bevery\s(?:(?P<n>{_FREQWORD}|\d+)\s)?(?P<unit>day|week|month|quarter|year)s?\b"
    r"|\b(?P<adverb>annually|yearly|monthly|quarterly|weekly|biannually|semiannually)\b"
    rf"|\b(?P<times>once|twice|{_FREQWORD}|\d+)(?:\stimes)?\s(?:a|per)\s(?P<per>year|month|week)\b",
    re.IGNORECASE,
)
_EN_COUNT = re.compile(
    rf"\b(?P<n>{_NUM}|{_WORDNUM})\s(?P<unit>(?:[A-Za-z][\w-]*\s){{0,2}}[a-z][\w-]*)",
    re.IGNORECASE,
)
# A count's unit is the noun after it ("four priority areas"), never a following preposition.
_UNIT_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "in",
        "on",
        "at",
        "to",
        "by",
        "with",
        "from",
        "over",
        "and",
        "or",
        "as",
        "than",
        "that",
        "which",
        "who",
        "per",
    ]
)
_ADVERB_MONTHS = {
    "annually": 12.0,
    "yearly": 12.0,
    "monthly": 1.0,
    "quarterly": 3.0,
    "weekly": 0.25,
    "biannually": 6.0,
    "semiannually": 6.0,
}
_QUALIFIERS = {
    "the end of": "end",
    "late": "end",
    "the middle of": "mid",
    "mid-": "mid",
    "the first half of": "h1",
    "the second half of": "h2",
    "early": "early",
}

# Korean ------------------------------------------------------------------------------------
_KO_AMOUNT = re.compile(
    rf"(?P<n>{_NUM})\s?(?P<scale>[천만억조])?\s?(?:미국\s)?"
    # "원" and "엔" start many words; as a currency they stand alone or take a particle.
    r"(?P<cur>달러|유로|(?:원|엔|불)(?=[을를이가은는의과와도에]?(?:\s|$|[.,;])))"
)
_KO_PERCENT = re.compile(rf"(?P<n>{_NUM})\s?(?:퍼센트|%|프로)")
_KO_DEADLINE = re.compile(
    r"(?P<year>(?:19|20)\d\d)년\s?(?:(?P<month>\d{1,2})월\s?)?(?:(?P<q>말|중반|상반기|하반기|초)\s?)?"
    r"(?:까지|이내)"
)
_KO_FREQUENCY = re.compile(
    r"(?P<adverb>매년|매월|매주|매일|매분기|격년)"
    r"|(?P<n>\d+)\s?(?P<unit>년|개월|주|일|분기)\s?마다"
    r"|(?P<half>반기|분기)\s?마다"
    r"|연\s?(?P<times>\d+)\s?회"
)
_KO_COUNT = re.compile(rf"(?P<n>{_NUM})\s?(?P<unit>명|개|곳|건|척|대|년간|개월간|주간)")
_KO_QUALIFIERS = {"말": "end", "중반": "mid", "상반기": "h1", "하반기": "h2", "초": "early"}
_KO_ADVERB_MONTHS = {
    "매년": 12.0,
    "매월": 1.0,
    "매주": 0.25,
    "매일": 1 / 30,
    "매분기": 3.0,
    "격년": 24.0,
}
_KO_UNIT_MONTHS = {"년": 12.0, "개월": 1.0, "주": 0.25, "일": 1 / 30, "분기": 3.0}
# A paragraph number at the start of a clause ("2. The two sides ...") is no count.
_PARAGRAPH_NUMBER = re.compile(r"^\s*\d{1,2}\.\s")
_DATE_DAY = re.compile(rf"(?:{_MONTH})\s\d{{1,2}}(?:,\s(?:19|20)\d\d)?|\d{{1,2}}\s(?:{_MONTH})")


@dataclass(frozen=True)
class Quantity:
    """One figure of a clause: its kind, the published wording and a language-free value."""

    kind: str  # amount | percent | count | deadline | frequency
    text: str
    value: str
    unit: str
    start: int
    end: int


@dataclass(frozen=True)
class QuantityChange:
    """A figure of aligned clauses that was dropped, added or changed (old → new)."""

    kind: str
    status: str  # dropped | added | changed
    old: str | None
    new: str | None
    old_clause: int | None
    new_clause: int | None


def _number(text: str) -> float:
    word = text.lower()
    if word in _FREQUENCY_NUMBERS:
        return float(_FREQUENCY_NUMBERS[word])
    return float(text.replace(",", ""))


def _fmt(value: float) -> str:
    return f"{value:g}"


def _overlaps(start: int, end: int, taken: Sequence[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def _english(text: str) -> list[Quantity]:
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    paragraph = _PARAGRAPH_NUMBER.match(text)
    if paragraph:
        taken.append((paragraph.start(), paragraph.end()))
    taken += [(m.start(), m.end()) for m in _DATE_DAY.finditer(text)]

    def add(kind: str, match: re.Match[str], value: str, unit: str) -> None:
        if _overlaps(match.start(), match.end(), taken):
            return
        taken.append((match.start(), match.end()))
        found.append(Quantity(kind, match.group(0), value, unit, match.start(), match.end()))

    for m in _EN_DEADLINE.finditer(text):
        month = _MONTHS[m.group("month").lower()] if m.group("month") else 0
        qualifier = _QUALIFIERS.get(m.group("q") or "", "")
        add("deadline", m, f"{m.group('year')}-{month or qualifier or 'year'}", "deadline")
    for m in _EN_FREQUENCY.finditer(text):
        if m.group("adverb"):
            months = _ADVERB_MONTHS[m.group("adverb").lower()]
        elif m.group("unit"):
            count = _number(m.group("n")) if m.group("n") else 1.0
            months = count * _PERIOD_MONTHS[m.group("unit").lower()]
        else:
            times = {"once": 1.0, "twice": 2.0}.get(m.group("times").lower())
            per = _PERIOD_MONTHS[m.group("per").lower()]
            months = per / (times if times is not None else _number(m.group("times")))
        add("frequency", m, _fmt(months), "months")
    for m in _EN_AMOUNT.finditer(text):
        if m.group("sym"):
            number, scale, currency = m.group("n"), m.group("scale"), _SYMBOLS[m.group("sym")]
        else:
            number, scale = m.group("n2"), m.group("scale2")
            currency = _CURRENCIES[m.group("cur").lower()]
        value = _number(number) * _SCALES.get((scale or "").lower(), 1.0)
        add("amount", m, _fmt(value), currency)
    for m in _EN_PERCENT.finditer(text):
        add("percent", m, _fmt(_number(m.group("n"))), "percent")
    for m in _EN_COUNT.finditer(text):
        number = m.group("n")
        # A bare year ("from 2018 levels", "in 2025") is a date, not a count.
        if re.fullmatch(r"(?:19|20)\d\d", number):
            continue
        words = m.group("unit").split()
        kept = words[: next((i for i, w in enumerate(words) if w.lower() in _UNIT_STOP), 3)]
        if not kept:
            continue
        end = m.start("unit") + len(" ".join(kept))
        if _overlaps(m.start(), end, taken):
            continue
        taken.append((m.start(), end))
        found.append(
            Quantity(
                "count",
                text[m.start() : end],
                _fmt(_number(number)),
                kept[0].lower(),
                m.start(),
                end,
            )
        )
    return found


def _korean(text: str) -> list[Quantity]:
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    paragraph = _PARAGRAPH_NUMBER.match(text)
    if paragraph:
        taken.append((paragraph.start(), paragraph.end()))

    def add(kind: str, match: re.Match[str], value: str, unit: str) -> None:
        if _overlaps(match.start(), match.end(), taken):
            return
        taken.append((match.start(), match.end()))
        found.append(Quantity(kind, match.group(0), value, unit, match.start(), match.end()))

    for m in _KO_DEADLINE.finditer(text):
        month = int(m.group("month")) if m.group("month") else 0
        qualifier = _KO_QUALIFIERS.get(m.group("q") or "", "")
        add("deadline", m, f"{m.group('year')}-{month or qualifier or 'year'}", "deadline")
    for m in _KO_FREQUENCY.finditer(text):
        if m.group("adverb"):
            months = _KO_ADVERB_MONTHS[m.group("adverb")]
        elif m.group("unit"):
            months = _number(m.group("n")) * _KO_UNIT_MONTHS[m.group("unit")]
        elif m.group("half"):
            months = 6.0 if m.group("half") == "반기" else 3.0
        else:
            months = 12.0 / _number(m.group("times"))
        add("frequency", m, _fmt(months), "months")
    for m in _KO_AMOUNT.finditer(text):
        value = _number(m.group("n")) * _KOREAN_SCALES.get(m.group("scale") or "", 1.0)
        add("amount", m, _fmt(value), _CURRENCIES[m.group("cur")])
    for m in _KO_PERCENT.finditer(text):
        add("percent", m, _fmt(_number(m.group("n"))), "percent")
    for m in _KO_COUNT.finditer(text):
        add("count", m, _fmt(_number(m.group("n"))), m.group("unit"))
    return found


def find_quantities(text: str, lang: str) -> list[Quantity]:
    """Return the figures of one clause in text order (see the module docstring for what counts)."""
    found = _korean(text) if lang == "ko" else _english(text)
    return sorted(found, key=lambda q: q.start)


def _pair(
    old: list[Quantity], new: list[Quantity], same_language: bool
) -> tuple[list[tuple[Quantity, Quantity]], list[Quantity], list[Quantity]]:
    """Pair figures of one kind: equal values first, then the same unit, then a lone pair."""
    old, new = list(old), list(new)
    pairs: list[tuple[Quantity, Quantity]] = []
    matchers: tuple[Callable[[Quantity, Quantity], bool], ...] = (
        lambda a, b: a.value == b.value and a.unit == b.unit,
        lambda a, b: a.value == b.value and a.kind == "count",
        lambda a, b: a.unit == b.unit and (same_language or a.kind != "count"),
    )
    for match in matchers:
        for a in list(old):
            partner = next((b for b in new if match(a, b)), None)
            if partner is not None:
                pairs.append((a, partner))
                old.remove(a)
                new.remove(partner)
    if len(old) == 1 and len(new) == 1:
        pairs.append((old[0], new[0]))
        old, new = [], []
    return pairs, old, new


def gap_pairs(
    groups: Sequence[tuple[Sequence[int], Sequence[int]]],
    old_count: int,
    new_count: int,
    similarity: Callable[[int, int], float],
    threshold: float,
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Pair dropped and added clauses of one gap that ``similarity`` scores above ``threshold``.

    Between two clauses the alignment paired, a dropped and an added clause are often one
    clause rewritten past the alignment's bar ("will mobilize 5 billion dollars by 2027" →
    "discussed ways to mobilize climate finance"); its figures are compared as if aligned.
    Best pairs first, each clause once. The clause list is unchanged: this serves figures only.
    """
    anchors = sorted((min(o), min(n)) for o, n in groups if o and n)
    dropped = sorted(i for o, n in groups if o and not n for i in o)
    added = sorted(j for o, n in groups if n and not o for j in n)
    bounds = [(-1, -1), *anchors, (old_count, new_count)]
    pairs: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    for (o_low, n_low), (o_high, n_high) in pairwise(bounds):
        scored = sorted(
            (
                (similarity(i, j), i, j)
                for i in dropped
                if o_low < i < o_high
                for j in added
                if n_low < j < n_high
            ),
            reverse=True,
        )
        used_old: set[int] = set()
        used_new: set[int] = set()
        for score, i, j in scored:
            if score < threshold or i in used_old or j in used_new:
                continue
            used_old.add(i)
            used_new.add(j)
            pairs.append(((i,), (j,)))
    return pairs


_KINDS = ("amount", "percent", "count", "deadline", "frequency")


def compare_quantities(
    old: Sequence[Clause],
    new: Sequence[Clause],
    groups: Sequence[tuple[Sequence[int], Sequence[int]]],
    old_lang: str,
    new_lang: str,
) -> list[QuantityChange]:
    """Compare the figures of each aligned group (old indices, new indices) of two statements.

    Only groups with clauses on both sides are compared: a clause dropped or added whole
    already carries its figures in the clause list.
    """
    changes: list[QuantityChange] = []
    for old_indices, new_indices in groups:
        if not old_indices or not new_indices:
            continue
        before = [(i, q) for i in old_indices for q in find_quantities(old[i].text, old_lang)]
        after = [(j, q) for j in new_indices for q in find_quantities(new[j].text, new_lang)]
        if not before and not after:
            continue
        where_old = {id(q): i for i, q in before}
        where_new = {id(q): j for j, q in after}
        for kind in _KINDS:
            pairs, dropped, added = _pair(
                [q for _, q in before if q.kind == kind],
                [q for _, q in after if q.kind == kind],
                old_lang == new_lang,
            )
            for a, b in pairs:
                # Count units are words of each language; a count compares by number alone.
                if a.value != b.value or (kind != "count" and a.unit != b.unit):
                    changes.append(
                        QuantityChange(
                            kind, "changed", a.text, b.text, where_old[id(a)], where_new[id(b)]
                        )
                    )
            for a in dropped:
                changes.append(
                    QuantityChange(kind, "dropped", a.text, None, where_old[id(a)], None)
                )
            for b in added:
                changes.append(QuantityChange(kind, "added", None, b.text, None, where_new[id(b)]))
    return changes
