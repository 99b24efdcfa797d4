"""Phrases: salient multi-word phrases that appear or vanish, for series with no lexicon."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from clauses.modality import TIER_RANK, find_modality
from clauses.segment import Clause

MIN_TOKENS = 3
MAX_TOKENS = 6
DEFAULT_CAP = 8

_ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "into",
        "onto",
        "upon",
        "about",
        "over",
        "under",
        "between",
        "among",
        "through",
        "during",
        "within",
        "without",
        "against",
        "toward",
        "towards",
        "than",
        "then",
        "that",
        "this",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "whether",
        "if",
        "so",
        "such",
        "it",
        "its",
        "it's",
        "they",
        "them",
        "their",
        "theirs",
        "we",
        "our",
        "ours",
        "us",
        "he",
        "she",
        "his",
        "her",
        "i",
        "you",
        "your",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "has",
        "have",
        "had",
        "having",
        "do",
        "does",
        "did",
        "doing",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "also",
        "both",
        "each",
        "either",
        "neither",
        "all",
        "any",
        "some",
        "other",
        "another",
        "not",
        "no",
        "only",
        "very",
        "more",
        "most",
        "same",
        "further",
        "again",
        "there",
        "here",
        "two",
        "sides",
        "side",
    ]
)
_KOREAN_STOPWORDS = frozenset(
    [
        "및",
        "등",
        "그리고",
        "또한",
        "또",
        "이",
        "그",
        "저",
        "것",
        "수",
        "위한",
        "위해",
        "위하여",
        "통해",
        "통하여",
        "대한",
        "대해",
        "대하여",
        "관련",
        "있는",
        "있다",
        "하는",
        "한다",
        "했다",
        "하였다",
        "하며",
        "하고",
        "바",
        "측",
        "양측",
        "양국",
        "이번",
        "이를",
        "이에",
        "더욱",
        "계속",
    ]
)
# Particles that attach to Korean nouns; stripping them lets "공동기획을" and "공동기획이"
# count as the same token. Longest first.
_KOREAN_PARTICLES = tuple(
    sorted(
        [
            "은",
            "는",
            "이",
            "가",
            "을",
            "를",
            "의",
            "에",
            "에서",
            "에게",
            "으로",
            "로",
            "과",
            "와",
            "도",
            "만",
            "까지",
            "부터",
            "이며",
            "이고",
            "에서의",
            "으로의",
            "로의",
            "과의",
            "와의",
            "에의",
        ],
        key=len,
        reverse=True,
    )
)
_HANGUL_END = re.compile(r"[\uac00-\ud7a3]$")


@dataclass(frozen=True)
class PhraseChange:
    """A phrase one side has and the other lacks, or whose commitment strength changed."""

    text: str
    status: str
    support: int


def phrase_tokens(key: str, lang: str) -> list[str]:
    """Return the tokens of a match key used for phrases (Korean particles stripped)."""
    tokens = key.split()
    if lang != "ko":
        return tokens
    out: list[str] = []
    for token in tokens:
        if _HANGUL_END.search(token):
            for particle in _KOREAN_PARTICLES:
                if len(token) > len(particle) + 1 and token.endswith(particle):
                    token = token[: -len(particle)]
                    break
        out.append(token)
    return out


def _is_stopword(token: str, lang: str) -> bool:
    if token.isdigit():
        return True
    return token in (_KOREAN_STOPWORDS if lang == "ko" else _ENGLISH_STOPWORDS) or (
        lang == "ko" and token in _ENGLISH_STOPWORDS
    )


def content_key(key: str, lang: str) -> str:
    """Return ``key`` without stopwords (and Korean particles): the words that carry meaning."""
    tokens = phrase_tokens(key, lang)
    kept = [t for t in tokens if not _is_stopword(t, lang) or t.isdigit()]
    return " ".join(kept) or " ".join(tokens)


def _padded(tokens: Sequence[str]) -> str:
    return " " + " ".join(tokens) + " "


@dataclass
class _Candidate:
    text: str
    clause: int
    start: int
    end: int
    count: int
    content: int


def _common_tokens(clauses: Sequence[Clause], lang: str) -> frozenset[str]:
    """Return tokens found in at least half the clauses: the statement's own stock words."""
    if len(clauses) < 3:
        return frozenset()
    counts: dict[str, int] = {}
    for clause in clauses:
        for token in set(phrase_tokens(clause.key, lang)):
            counts[token] = counts.get(token, 0) + 1
    return frozenset(t for t, n in counts.items() if n * 2 >= len(clauses))


def _candidates(
    clauses: Sequence[Clause], lang: str, absent_in: str, only: set[int] | None
) -> dict[str, _Candidate]:
    found: dict[str, _Candidate] = {}
    # A phrase does not start or end with the statement's subject ("parties", "양측").
    common = _common_tokens(clauses, lang)
    for index, clause in enumerate(clauses):
        if only is not None and index not in only:
            continue
        tokens = phrase_tokens(clause.key, lang)
        stop = [_is_stopword(t, lang) or t in common for t in tokens]
        for start in range(len(tokens)):
            if stop[start]:
                continue
            for size in range(MIN_TOKENS, MAX_TOKENS + 1):
                end = start + size
                if end > len(tokens):
                    break
                if stop[end - 1]:
                    continue
                text = " ".join(tokens[start:end])
                existing = found.get(text)
                if existing is not None:
                    existing.count += 1
                    continue
                if f" {text} " in absent_in:
                    continue
                content = sum(1 for s in stop[start:end] if not s)
                if content < 2:
                    continue
                found[text] = _Candidate(text, index, start, end, 1, content)
    return found


def _support(text: str, history: Sequence[str]) -> int:
    needle = f" {text} "
    return sum(1 for doc in history if needle in doc)


def _select(
    candidates: dict[str, _Candidate], history: Sequence[str], cap: int
) -> list[tuple[str, int]]:
    ranked = sorted(
        candidates.values(),
        key=lambda c: (-_support(c.text, history), -c.count, -c.content, c.clause, c.start),
    )
    chosen: list[tuple[str, int]] = []
    spans: list[tuple[int, int, int]] = []
    for candidate in ranked:
        if len(chosen) >= cap:
            break
        # One phrase per stretch of text: overlapping n-grams of the same clause say the same thing.
        if any(
            c == candidate.clause and candidate.start < e and s < candidate.end for c, s, e in spans
        ):
            continue
        if any(candidate.text in text or text in candidate.text for text, _ in chosen):
            continue
        chosen.append((candidate.text, _support(candidate.text, history)))
        spans.append((candidate.clause, candidate.start, candidate.end))
    return chosen


def history_keys(history_clauses: Sequence[Sequence[Clause]], lang: str) -> list[str]:
    """Return one padded token string per earlier statement, for support counting."""
    return [
        " ".join(_padded(phrase_tokens(c.key, lang)) for c in clauses)
        for clauses in history_clauses
    ]


def salient_phrase_changes(
    old: Sequence[Clause],
    new: Sequence[Clause],
    lang: str,
    *,
    history: Sequence[str] = (),
    cap: int = DEFAULT_CAP,
    old_changed: set[int] | None = None,
    new_changed: set[int] | None = None,
) -> list[PhraseChange]:
    """Return the salient phrases dropped from ``old`` and added in ``new`` (both same language).

    ``old_changed``/``new_changed`` restrict the search to clauses the alignment did not
    find unchanged (an unchanged clause cannot hold a phrase the other side lacks).
    """
    old_all = "".join(_padded(phrase_tokens(c.key, lang)) for c in old)
    new_all = "".join(_padded(phrase_tokens(c.key, lang)) for c in new)
    dropped = _select(_candidates(old, lang, new_all, old_changed), history, cap)
    added = _select(_candidates(new, lang, old_all, new_changed), history, cap)
    return [PhraseChange(t, "dropped", s) for t, s in dropped] + [
        PhraseChange(t, "added", s) for t, s in added
    ]


def commitment_phrase(old: Clause, new: Clause, lang: str) -> str:
    """Return the words two aligned clauses share after their modality words (at most six)."""
    old_tokens = phrase_tokens(old.key, lang)
    new_tokens = phrase_tokens(new.key, lang)
    modality_words = set()
    for clause in (old, new):
        modality = find_modality(clause.key, lang)
        if modality:
            modality_words.update(modality.word.split())
    best: tuple[int, int] = (0, 0)
    new_padded = _padded(new_tokens)
    for start in range(len(old_tokens)):
        for end in range(len(old_tokens), start + best[1] - best[0], -1):
            if f" {' '.join(old_tokens[start:end])} " in new_padded:
                if end - start > best[1] - best[0]:
                    best = (start, end)
                break
    tokens = old_tokens[best[0] : best[1]]
    if len(tokens) < 2:
        tokens = old_tokens
    tokens = [t for t in tokens if t not in modality_words] or tokens
    while tokens and _is_stopword(tokens[0], lang):
        tokens = tokens[1:]
    tokens = tokens[:MAX_TOKENS]
    while tokens and _is_stopword(tokens[-1], lang):
        tokens = tokens[:-1]
    return " ".join(tokens) or old.key


def strength_phrase_changes(
    pairs: Sequence[tuple[Clause, Clause]], lang: str, *, history: Sequence[str] = ()
) -> list[PhraseChange]:
    """Return weakened/strengthened phrases for aligned pairs whose modality tier changed."""
    changes: list[PhraseChange] = []
    seen: set[str] = set()
    for old, new in pairs:
        before = find_modality(old.text, lang)
        after = find_modality(new.text, lang)
        if before is None or after is None or before.tier == after.tier:
            continue
        text = commitment_phrase(old, new, lang)
        if text in seen:
            continue
        seen.add(text)
        status = "strengthened" if TIER_RANK[after.tier] > TIER_RANK[before.tier] else "weakened"
        changes.append(PhraseChange(text, status, _support(text, history)))
    return changes
