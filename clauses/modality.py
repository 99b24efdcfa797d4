"""Modality: how strongly a clause commits (strong, medium, weak), in English and Korean."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from clauses.segment import korean_morphemes

STRONG = "strong"
MEDIUM = "medium"
WEAK = "weak"
TIER_RANK = {WEAK: 1, MEDIUM: 2, STRONG: 3}
# A clause that carries no modality word states a fact; it ranks between weak and strong.
DEFAULT_TIER = MEDIUM

_ENGLISH: tuple[tuple[str, str], ...] = (
    (
        MEDIUM,
        r"(?:continu(?:e|es|ed|ing) to|intend(?:s|ed)? to|seek(?:s|ing)? to|sought to"
        r"|aim(?:s|ed)? to|plan(?:s|ned)? to|strive(?:s)? to|endeavou?r(?:s|ed)? to"
        r"|work(?:s|ed)? (?:toward|towards|to)|look(?:s|ed)? forward to)",
    ),
    (
        STRONG,
        r"(?:(?:re)?affirm(?:s|ed|ing)?|commit(?:s|ted|ment|ments)?|will|would|shall|must|agree(?:s|d)?"
        r"|pledge(?:s|d)?|resolve(?:s|d)?|decide(?:s|d)?|vow(?:s|ed)?)",
    ),
    (
        WEAK,
        r"(?:discuss(?:es|ed)?|note(?:s|d)?|welcome(?:s|d)?|explor(?:e|es|ed|ing)|may|might"
        r"|could|consider(?:s|ed)?|review(?:s|ed)?|exchang(?:e|es|ed) views|acknowledge(?:s|d)?"
        r"|recogni[sz](?:e|es|ed)|highlight(?:s|ed)?|assess(?:es|ed)?)",
    ),
)
# Every Hangul syllable ending in ㄹ: the future "~ㄹ 것이다" (할 것, 맡을 것, 갈 것).
_RIEUL_FINAL = "".join(chr(code) for code in range(0xAC00, 0xD7A4) if (code - 0xAC00) % 28 == 8)
_KOREAN: tuple[tuple[str, str], ...] = (
    (STRONG, rf"(?:재확인|확인|공약|[{_RIEUL_FINAL}]\s?것|합의|약속|결의|다짐|확약)"),
    (MEDIUM, r"(?:나가기로|나갈|지속하기로|계속|추진하기로|노력하기로|노력해)"),
    (WEAK, r"(?:논의|평가|환영|검토|모색|주목|점검|의견을 교환)"),
)

_COMPILED = {
    "en": [(tier, re.compile(r"(?<![\w])" + pattern + r"(?![\w])")) for tier, pattern in _ENGLISH],
    "ko": [(tier, re.compile(pattern)) for tier, pattern in _KOREAN],
}


@dataclass(frozen=True)
class Modality:
    """The modality word that governs a clause, its tier and where it sits in the text."""

    tier: str
    word: str
    start: int
    end: int


def find_modalities(text: str, lang: str) -> list[Modality]:
    """Return every modality word or phrase of ``text`` with its tier, in pattern order."""
    lowered = text.lower()
    return [
        Modality(tier, match.group(0), match.start(), match.end())
        for tier, pattern in _COMPILED.get(lang, _COMPILED["en"])
        for match in pattern.finditer(lowered)
    ]


def governing(found: Sequence[Modality], lang: str) -> Modality | None:
    """Return the word that governs a clause among ``found``: first in English, last in Korean."""
    if not found:
        return None
    # English puts the governing verb first ("agreed to continue to ..."); Korean puts it
    # last ("... 강화해 나가기로 합의하였다").
    if lang == "ko":
        return max(found, key=lambda m: (m.start, -m.end))
    return min(found, key=lambda m: (m.start, -m.end))


def find_modality(text: str, lang: str) -> Modality | None:
    """Return the governing modality word (first in English, last in Korean), or None."""
    return governing(find_modalities(text, lang), lang)


def modality_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of every modality word or phrase in ``text``."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text
    return [
        (match.start(), match.end())
        for _, pattern in _COMPILED.get(lang, _COMPILED["en"])
        for match in pattern.finditer(lowered)
    ]


def clause_strength(text: str, lang: str) -> str | None:
    """Return the tier ("strong", "medium", "weak") of the clause's own modality word, or None."""
    modality = find_modality(text, lang)
    return modality.tier if modality else None


def is_list_continuation(previous_text: str) -> bool:
    """Return True when the next clause continues this one's list (it ends in ":" or ";")."""
    return previous_text.rstrip().endswith((":", ";"))


def strengths_in_context(texts: Sequence[str], paragraphs: Sequence[int], lang: str) -> list[str]:
    """Return each clause's tier, list items inheriting the tier of their lead-in clause."""
    tiers: list[str] = []
    for index, text in enumerate(texts):
        own = clause_strength(text, lang)
        if own is None and index > 0:
            back = index
            while (
                back > 0
                and paragraphs[back - 1] == paragraphs[index]
                and is_list_continuation(texts[back - 1])
            ):
                inherited = clause_strength(texts[back - 1], lang)
                if inherited is not None:
                    own = inherited
                    break
                back -= 1
        tiers.append(own or DEFAULT_TIER)
    return tiers


_RELATIVE_PRONOUN = re.compile(r"\b(?:which|who|whom|whose)\b")
# Morphemes between a Korean verb noun and its ending ("논의" + "하" + "는").
_KOREAN_VERB_SUFFIX_TAGS = ("XSV", "XSA", "EP")


def _in_relative_clause(modality: Modality, text: str, lang: str) -> bool:
    """Whether a modality word sits in a relative clause that describes a noun.

    In "a body through which the two countries ... discuss planning" or "논의하는 협의체"
    the word describes the body; it says nothing of how strongly the clause commits.
    English: a relative pronoun before the word, with no comma closing its clause between.
    Korean: the word ends in an adnominal ending (ETM).
    """
    if lang == "ko":
        after = [tag for _, tag, start, _ in korean_morphemes(text) if start >= modality.end]
        after = [tag for tag in after if tag not in _KOREAN_VERB_SUFFIX_TAGS]
        return bool(after) and after[0] == "ETM"
    before = text[: modality.start].lower()
    pronouns = list(_RELATIVE_PRONOUN.finditer(before))
    return bool(pronouns) and "," not in before[pronouns[-1].end() :]


_NOUNS = frozenset({"commitment", "commitments"})
_TO_BEFORE = re.compile(r"(\w+)\s+to\s+$")


def _is_purpose_infinitive(modality: Modality, text: str, found: Sequence[Modality]) -> bool:
    """Whether an English modality word is an infinitive that describes a noun or a purpose.

    In "a body to discuss planning" or "met to review progress" the word says what the body
    or the meeting is for, not how strongly the clause commits; after a modality verb
    ("agreed to discuss", "committed to review") it is that verb's complement and stays.
    """
    before = text[: modality.start].lower()
    match = _TO_BEFORE.search(before)
    if match is None:
        return False
    word_start = match.start(1)
    return not any(m.start <= word_start < m.end for m in found)


def clause_modality(text: str, lang: str) -> Modality | None:
    """Return the modality word that governs the clause itself, none of a relative clause."""
    every = find_modalities(text, lang)
    found = [m for m in every if not _in_relative_clause(m, text, lang)]
    if lang != "ko":
        # "an example of this commitment" names a commitment; only a verb says how strongly
        # the clause itself commits.
        found = [
            m for m in found if not _is_purpose_infinitive(m, text, every) and m.word not in _NOUNS
        ]
    return governing(found, lang)


def stated_tiers(texts: Sequence[str], paragraphs: Sequence[int], lang: str) -> list[str | None]:
    """Return each clause's own tier (``clause_modality``) or its list lead-in's; None if neither.

    None means the clause states a fact ("the NCG serves as ...") rather than a degree of
    commitment, so comparing it with a tier says nothing (ADR 0096).
    """
    tiers: list[str | None] = []
    for index, text in enumerate(texts):
        own = clause_modality(text, lang)
        tier = own.tier if own else None
        back = index
        while (
            tier is None
            and back > 0
            and paragraphs[back - 1] == paragraphs[index]
            and is_list_continuation(texts[back - 1])
        ):
            lead = clause_modality(texts[back - 1], lang)
            tier = lead.tier if lead else None
            back -= 1
        tiers.append(tier)
    return tiers
