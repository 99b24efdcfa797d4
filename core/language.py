"""The languages clausewatch reads and the one rule that tells them apart (ADR 0043).

A scraped page, an imported file and a compared file all get their label here, so one
statement carries one language whichever way it came in.
"""

from __future__ import annotations

import enum
import re


class Language(enum.StrEnum):
    """A statement language."""

    en = "en"
    ko = "ko"


LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)

# Hangul syllables, jamo and compatibility jamo.
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
# At least a fifth of the letters: a Korean release quotes English names and acronyms
# (NCG, CNI, TTX) and stays above it; an English statement quoting a Korean term stays below.
KOREAN_MIN_SHARE = 0.2


def hangul_ratio(text: str) -> float:
    """The share of Hangul among the letters of ``text`` (0.0 when it has no letters)."""
    letters = sum(1 for c in text if c.isalpha())
    if not letters:
        return 0.0
    return len(_HANGUL.findall(text)) / letters


def detect_language(text: str) -> str:
    """``"ko"`` when at least a fifth of the letters are Hangul, else ``"en"`` (no letters: en)."""
    return Language.ko.value if hangul_ratio(text) >= KOREAN_MIN_SHARE else Language.en.value
