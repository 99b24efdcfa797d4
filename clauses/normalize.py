"""Text normalisation: the displayed form of a statement and the match keys used to align it."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import yaml

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u0060": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u300c": '"',
        "\u300d": '"',
        "\u300e": '"',
        "\u300f": '"',
        # Hyphens and dashes of every width become one ASCII hyphen so that
        # "conventional–nuclear" and "conventional-nuclear" compare equal.
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\ufe58": "-",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)

_BULLET_LINE = re.compile(
    r"^[ \t]*(?:[\u2022\u2023\u2043\u2219\u25aa\u25ab\u25cb\u25cf\u25e6\u25a0\u25a1\u2027\u00b7*-]"
    r"|\(?\d{1,2}[.)]|\(?[a-z][.)])[ \t]+",
    re.M,
)
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_KEY_PUNCT = re.compile(r"[^\w\s]+")
# "Nuclear Consultative Group (NCG)" resolves to "ncg ncg"; one token is enough to match.
_REPEATED = re.compile(r"\b(\w+)(?: \1\b)+")


def normalize_display(text: str) -> str:
    """Return the stored/shown form: NFKC, plain quotes and dashes, tidy spaces and bullets."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_QUOTES)
    text = text.replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    # A list marker ("•", "-", "1.", "a)") at the start of a line becomes one "- " marker,
    # which segment() treats as the start of a list item.
    text = _BULLET_LINE.sub("- ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


@lru_cache(maxsize=1)
def _alias_table() -> tuple[re.Pattern[str], dict[str, str]]:
    raw = resources.files("clauses").joinpath("lexicons/aliases.yaml").read_text("utf-8")
    data = yaml.safe_load(raw) or {}
    canonical_of: dict[str, str] = {}
    for canonical, variants in (data.get("aliases") or {}).items():
        for variant in variants:
            canonical_of[normalize_display(str(variant)).lower()] = str(canonical)
    # One alternation, longest variant first, so a statement is scanned once.
    ordered = sorted(canonical_of, key=len, reverse=True)
    latin = [re.escape(v) for v in ordered if not _HANGUL.search(v)]
    # Korean particles attach to the noun ("북한의"), so no word boundary after a Korean name.
    korean = [re.escape(v) for v in ordered if _HANGUL.search(v)]
    parts = []
    if latin:
        parts.append(r"(?<![\w.])(?:" + "|".join(latin) + r")(?!\w)")
    if korean:
        parts.append("(?:" + "|".join(korean) + ")")
    pattern = re.compile("|".join(parts) if parts else r"(?!x)x")
    return pattern, canonical_of


def apply_aliases(text: str) -> str:
    """Replace every alias in lower-cased ``text`` with its canonical token (DPRK = 북한 = dprk)."""
    pattern, canonical_of = _alias_table()
    return pattern.sub(lambda m: f" {canonical_of[m.group(0)]} ", text)


def alias_spans(lowered: str) -> list[tuple[int, int, str]]:
    """Return (start, end, canonical token) for every alias in lower-cased ``lowered``."""
    pattern, canonical_of = _alias_table()
    return [(m.start(), m.end(), canonical_of[m.group(0)]) for m in pattern.finditer(lowered)]


def match_key(text: str, lang: str) -> str:
    """Return the lower-cased, alias-resolved, punctuation-light key used only for matching."""
    key = normalize_display(text).lower()
    key = apply_aliases(key)
    if lang == "en":
        key = key.replace("'s ", " ")
    key = _KEY_PUNCT.sub(" ", key)
    key = key.replace("_", " ")
    return _REPEATED.sub(r"\1", " ".join(key.split()))
