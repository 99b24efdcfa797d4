"""Participants: the officials who chaired or led a meeting, per side, and how they changed.

A statement names who led the meeting in one or two sentences ("X and Y co-chaired the
meeting", "talks were led by …"; "회의는 …이 공동으로 주재했다", "…이 이끌었다"). Each person
is read as a name, a title and a level (the rank of the title, 1 = minister or secretary), and
given a side (US or ROK). Two statements of one language are compared side by side: one
change per side whose people or titles differ, so "co-chaired by the Deputy Under Secretary" →
"led by an Acting Deputy Assistant Secretary" is one participants change, and the level says
whether the delegation went up or down. Names cannot be matched across scripts, so only
statements of the same language are compared.
See docs/adr/0097-quantities-compared-in-aligned-clauses.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from clauses.segment import Clause

_EN_LEAD = re.compile(r"\b(?:co-)?chaired\b|\bled\b|\bheaded\b|\bled by\b", re.IGNORECASE)
_KO_LEAD = re.compile(r"주재|이끌|대표로")

# Capitalised words that belong to titles and institutions, never to a person's name.
_TITLE_WORDS = frozenset(
    [
        "acting",
        "affairs",
        "assistant",
        "biological",
        "chemical",
        "chief",
        "council",
        "coordinator",
        "countering",
        "cyber",
        "defense",
        "department",
        "deputy",
        "destruction",
        "deterrence",
        "director",
        "director-general",
        "energy",
        "environment",
        "finance",
        "foreign",
        "general",
        "industry",
        "intelligence",
        "international",
        "mass",
        "minister",
        "ministry",
        "national",
        "nuclear",
        "office",
        "policy",
        "president",
        "presidential",
        "principal",
        "republic",
        "secretary",
        "security",
        "space",
        "state",
        "strategic",
        "trade",
        "under",
        "vice",
        "weapons",
        "advisor",
        "adviser",
        "ambassador",
        "commander",
        "command",
        "staff",
        "joint",
        "forces",
        "korea",
        "korean",
        "united",
        "states",
        "america",
        "american",
        "rok",
        "u.s",
        "us",
        "usa",
        "nsc",
        "dod",
        "mnd",
        "the",
        "a",
        "an",
        "of",
        "for",
        "and",
        "at",
        "on",
        "in",
        "to",
        "with",
        "by",
        "from",
        "meeting",
        "talks",
        "delegation",
        "delegations",
        "session",
        "group",
        "dialogue",
        "performing",
        "duties",
    ]
)
_US_MARKERS = re.compile(r"\bU\.S\.|\bUnited States\b|\bUS\b|\bAmerican\b")
_ROK_MARKERS = re.compile(r"\bROK\b|\bRepublic of Korea\b|\bKorean\b|\bSouth Korea")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:-[a-z]+)?(?:\s[A-Z][a-z]+(?:-[a-z]+)?){1,2}\b")

# Title ranks, most specific first: a lower number is a more senior official.
_EN_LEVELS = (
    ("deputy assistant secretary", 6),
    ("assistant secretary", 5),
    ("deputy under secretary", 4),
    ("under secretary", 3),
    ("deputy secretary", 2),
    ("secretary", 1),
    ("director-general", 5),
    ("deputy minister", 3),
    ("vice minister", 2),
    ("minister", 1),
    ("principal deputy national security advisor", 3),
    ("deputy national security advisor", 3),
    ("national security advisor", 1),
    ("coordinator", 4),
)
_KO_LEVELS = (
    ("부차관보", 6),
    ("차관보", 5),
    ("부차관", 4),
    ("차관", 2),
    ("장관", 1),
    ("차장", 3),
    ("실장", 3),
    ("국장", 5),
    ("조정관", 4),
)
_ACTING = re.compile(r"\bacting\b|performing the duties|대행|직무대행", re.IGNORECASE)
# Korean words that end an official's title or name an institution.
_KO_TITLE_END = re.compile(
    r"(?:부|실|청|처|원|회의|위원회|차장|조정관|차관|차관보|실장|국장|장관|대행|직무대행|대사|"
    r"보좌관|비서관|수석|의장|위원장|단장|대표|본부장|과장|부장|정책관)$"
)
_KO_STRONG_TITLE_END = re.compile(
    r"(?:회의|위원회|차장|조정관|차관|차관보|실장|국장|장관|대행|대사|보좌관|비서관|정책관)$"
)
_KO_COUNTRIES = frozenset(["미국", "한국", "미", "한", "미국의", "한국의"])
_KO_PARTICLE = re.compile(r"(?:이|가|은|는|과|와|의)$")


@dataclass(frozen=True)
class Participant:
    """One official who led a meeting: name, title as published, level (1 = top) and side."""

    name: str
    title: str
    level: int | None
    acting: bool
    side: str | None


@dataclass(frozen=True)
class ParticipantChange:
    """A side whose leading officials differ: who before, who after, and the level's direction."""

    side: str
    status: str  # changed | added | dropped
    old: tuple[Participant, ...]
    new: tuple[Participant, ...]
    level: str | None  # higher | lower | same | None when a side has no known level


def _level(title: str, lang: str) -> int | None:
    lowered = title.lower()
    for words, rank in _KO_LEVELS if lang == "ko" else _EN_LEVELS:
        if words in lowered:
            return rank
    return None


def _side_of(title: str) -> str | None:
    us, rok = _US_MARKERS.search(title), _ROK_MARKERS.search(title)
    if us and not rok:
        return "US"
    if rok and not us:
        return "ROK"
    if us and rok:
        return "US" if us.start() < rok.start() else "ROK"
    # Titles without a country: a Secretary is American, a Minister Korean.
    if re.search(r"\bSecretary\b", title):
        return "US"
    if re.search(r"\bMinister\b", title):
        return "ROK"
    return None


_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:-[a-z]+)?\b")


def _english_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names: runs of 2–3 capitalised words that are no title words."""
    tokens = [m for m in _CAPITALISED.finditer(text) if m.group(0).lower() not in _TITLE_WORDS]
    runs: list[list[re.Match[str]]] = []
    for token in tokens:
        if runs and text[runs[-1][-1].end() : token.start()] == " ":
            runs[-1].append(token)
        else:
            runs.append([token])
    return [(run[0].start(), run[-1].end()) for run in runs if 2 <= len(run) <= 3]


# A title standing for its holder when the statement names nobody: "co-chaired by the Deputy
# Under Secretary of Defense", "led by an Acting Deputy Assistant Secretary".
_EN_TITLE = re.compile(
    r"(?:(?:U\.S\.|ROK|[Aa]cting|Principal)\s)*"
    r"(?:(?:Deputy|Under|Assistant|Vice|Principal)\s)*"
    r"(?:Secretary|Minister|National Security Advisor|Coordinator|Director-General)"
    r"(?:\s(?:of|for)\s[A-Z][\w-]*(?:\s(?:and\s)?[A-Z][\w-]*)*)?"
)


def _english_titles(text: str) -> list[Participant]:
    people: list[Participant] = []
    for match in _EN_TITLE.finditer(text):
        title = match.group(0)
        people.append(
            Participant("", title, _level(title, "en"), bool(_ACTING.search(title)), None)
        )
    return people


def _english_people(text: str) -> list[Participant]:
    names = _english_names(text)
    if not names:
        people_by_title = _english_titles(text)
        sides = [_side_of(p.title) for p in people_by_title]
        return [
            Participant(p.name, p.title, p.level, p.acting, side)
            for p, side in zip(people_by_title, sides, strict=True)
        ]
    people: list[Participant] = []
    cursor = 0
    for index, (start, end) in enumerate(names):
        following_end = names[index + 1][0] if index + 1 < len(names) else len(text)
        following = text[end:following_end]
        if re.match(r", (?:[A-Z]|acting\b|performing\b)", following):
            # "Maher Bitar, Coordinator for …, and …": the title follows, up to the next comma.
            title = following[2:].split(",")[0]
            cursor = end + 2 + len(title)
        elif re.match(r"\s(?:of|from|at)\s", following):
            # "Vipin Narang of the U.S. Department of Defense and …"
            title = re.split(r",|\s+and\s|\s(?:co-chaired|chaired|led)\b", following)[0]
            cursor = end + len(title)
        else:
            preceding = text[cursor:start]
            title = re.split(r"\b(?:by|with)\s|^\W*and\s|,\s+and\s|^\s*,\s*", preceding)[-1]
            cursor = end
        title = title.strip(" ,.")
        people.append(
            Participant(
                text[start:end], title, _level(title, "en"), bool(_ACTING.search(title)), None
            )
        )
    # A person with no country in the title shares the side of the one joined by "and".
    sides = [_side_of(p.title) for p in people]
    for i in range(len(sides)):
        if sides[i] is None:
            later = next((s for s in sides[i + 1 :] if s), None)
            sides[i] = later or next((s for s in reversed(sides[:i]) if s), None)
    return [
        Participant(p.name, p.title, p.level, p.acting, side)
        for p, side in zip(people, sides, strict=True)
    ]


def _korean_people(text: str) -> list[Participant]:
    lead = _KO_LEAD.search(text)
    if lead is None:
        return []
    body = text[: lead.start()]
    # "회의는 A와 B가 …": drop the topic, then cut the list at "과 / 와 / 및".
    body = re.sub(r"^.*?(?:회의는|협의는|회담은)\s*", "", body)
    body = re.sub(r"\s*(?:공동으로|함께)\s*$", "", body.strip())
    people: list[Participant] = []
    for group in re.split(r"(?<=[과와])\s+", body):
        # "미국 NSC의 A 조정관 및 B 조정관": people listed with 및 share one institution.
        group_side: str | None = None
        for item in [i for i in re.split(r"\s+및\s+", group) if i.strip()]:
            person = _korean_person(item, group_side)
            if person is not None:
                group_side = group_side or person.side
                people.append(person)
    return people


def _korean_person(item: str, group_side: str | None) -> Participant | None:
    """One official of a Korean list item ("비핀 나랑 미국 국방부 우주정책차관보 대행과")."""
    words = [
        _KO_PARTICLE.sub("", w) if i == len(item.split()) - 1 else w
        for i, w in enumerate(item.split())
    ]
    words = [w for w in words if w]
    start = 0
    # "미국 국방부의 비핀 나랑": institutions in the genitive come before the name.
    while start < len(words) and (
        words[start] in _KO_COUNTRIES or item.split()[start].endswith("의")
    ):
        start += 1
    name_words: list[str] = []
    for word in words[start:]:
        # A name may end like an institution ("최지원"); only the words after it are tested so.
        title_end = _KO_STRONG_TITLE_END if not name_words else _KO_TITLE_END
        if word in _KO_COUNTRIES or title_end.search(word) or "(" in word:
            break
        if any(ch.isdigit() for ch in word) or "·" in word:
            break
        name_words.append(word)
    if not name_words or len(name_words) > 3:
        return None
    name = " ".join(name_words)
    title = " ".join(w for w in words if w not in name_words).strip()
    if "미국" in item:
        side = "US"
    elif "한국" in item:
        side = "ROK"
    else:
        # A Korean statement names its own officials without a country.
        side = group_side or "ROK"
    return Participant(name, title, _level(title, "ko"), bool(_ACTING.search(title)), side)


def leads_meeting(clause: Clause, lang: str) -> bool:
    """Whether a clause says who chaired or led the meeting (it names at least one official)."""
    return bool(find_participants([clause], lang))


def find_participants(clauses: Sequence[Clause], lang: str) -> list[Participant]:
    """Return the officials named as chairing or leading the meeting, in text order."""
    people: list[Participant] = []
    for clause in clauses:
        text = clause.text
        if lang == "ko":
            if _KO_LEAD.search(text):
                people += _korean_people(text)
        elif _EN_LEAD.search(text) and re.search(r"\bmeeting|talks|session|dialogue", text):
            people += _english_people(text)
    seen: set[tuple[str, str | None]] = set()
    unique: list[Participant] = []
    for person in people:
        if (person.name, person.side) not in seen:
            seen.add((person.name, person.side))
            unique.append(person)
    return unique


def _top(people: Sequence[Participant]) -> int | None:
    levels = [p.level for p in people if p.level is not None]
    return min(levels) if levels else None


def compare_participants(
    old: Sequence[Clause], new: Sequence[Clause], old_lang: str, new_lang: str
) -> list[ParticipantChange]:
    """One change per side whose leading officials (names or titles) differ; same language only."""
    if old_lang != new_lang:
        return []
    before, after = find_participants(old, old_lang), find_participants(new, new_lang)
    changes: list[ParticipantChange] = []
    for side in ("US", "ROK"):
        a = tuple(p for p in before if p.side == side)
        b = tuple(p for p in after if p.side == side)
        if {(p.name, p.title) for p in a} == {(p.name, p.title) for p in b}:
            continue
        status = "changed" if a and b else ("added" if b else "dropped")
        top_a, top_b = _top(a), _top(b)
        level = None
        if top_a is not None and top_b is not None:
            level = "same" if top_a == top_b else ("higher" if top_b < top_a else "lower")
        changes.append(ParticipantChange(side, status, a, b, level))
    return changes
