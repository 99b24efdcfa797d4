"""Phrases: salient multi-word phrases that appear or vanish, for series with no lexicon."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from itertools import pairwise

import yaml

from clauses.modality import TIER_RANK, clause_modality, find_modality, modality_spans
from clauses.normalize import alias_spans, apply_aliases
from clauses.quantities import find_quantities
from clauses.segment import Clause, korean_morphemes

MIN_TOKENS = 3
# Content words a phrase of an edited clause must have that its aligned clause lacks.
MIN_NEW_WORDS = 2
MAX_TOKENS = 6
DEFAULT_CAP = 8
# At most this many phrase changes per comparison: a reader keeps a short list (issue 14).
PHRASE_CAP = 6
# How many words a phrase may run past the length limit to reach the head of its noun.
HEAD_SLACK = 1


@lru_cache(maxsize=1)
def _word_lists() -> dict[str, tuple[str, ...]]:
    raw = resources.files("clauses").joinpath("lexicons/phrase-words.yaml").read_text("utf-8")
    data = yaml.safe_load(raw) or {}
    return {str(name): tuple(str(word) for word in words) for name, words in data.items()}


def _word_list(name: str) -> tuple[str, ...]:
    return _word_lists()[name]


# The word lists live in lexicons/phrase-words.yaml (what each is for is said there).
_ENGLISH_STOPWORDS = frozenset(_word_list("english_stopwords"))
_KOREAN_STOPWORDS = frozenset(_word_list("korean_stopwords"))
# Longest first, so the longest particle that ends a token is stripped.
_KOREAN_PARTICLES = tuple(sorted(_word_list("korean_particles"), key=len, reverse=True))
_NUMBER_WORDS = frozenset(_word_list("number_words"))
_MONTHS = frozenset(_word_list("months"))
_KOREAN_NUMBER_WORDS = frozenset(_word_list("korean_number_words"))
_CAPITALISED_MONTHS = frozenset(_word_list("capitalised_months"))
_KOREAN_STEM_STOPWORDS = frozenset(_word_list("korean_stem_stopwords"))
_EN_VERBS = frozenset(_word_list("english_verbs"))
_EN_VERB_OR_NOUN = frozenset(_word_list("english_verb_or_noun"))
_EN_OTHER_WORDS = frozenset(_word_list("english_other_words"))
_GENERIC_KEYS = frozenset(_word_list("generic_keys"))
_EN_PARTICLES = frozenset(_word_list("english_particles"))
_EN_DETERMINERS = frozenset(_word_list("english_determiners"))
_EN_CONJUNCTIONS = frozenset(_word_list("english_conjunctions"))
_EN_NP_PREPOSITIONS = frozenset(_word_list("english_np_prepositions"))
_KOREAN_FUNCTION_WORDS = frozenset(_word_list("korean_function_words"))
_KOREAN_TIME_HEADS = frozenset(_word_list("korean_time_heads"))
_ENGLISH_TIME_HEADS = frozenset(_word_list("english_time_heads"))
_HANGUL_END = re.compile(r"[\uac00-\ud7a3]$")


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


_KOREAN_DROPPED_TAGS = ("J", "E", "XSV", "XSA", "VCP", "VCN", "SF", "SP", "SS", "SE", "SO", "SW")
_WORD = re.compile(r"\w+")
_EOJEOL = re.compile(r"\S+")
_ENGLISH_SUFFIXES = ("ing", "ed", "es", "s", "e")
KOREAN_MIN_TOKENS = 2
KOREAN_MAX_TOKENS = 5
# A clause where this share of the content words are names, numbers or dates reports who
# met where and when; what it says changes every meeting, so it yields no phrase.
_PROTOCOL_SHARE = 0.4


@dataclass(frozen=True)
class PhraseChange:
    """A phrase one side has and the other lacks, or whose commitment strength changed."""

    text: str
    status: str
    support: int


@dataclass(frozen=True)
class PhraseToken:
    """One word of a clause for phrase matching: its key and its span in the displayed text."""

    key: str
    start: int
    end: int
    stop: bool
    kind: str  # "word", "name", "alias", "number" or "modality"
    barrier: bool = False
    topic: bool = False
    # The word follows a ";" or ":" (a new list item): a phrase may start here, not cross it.
    after_break: bool = False
    # The word modifies the one after it ("military reconnaissance" before "satellite",
    # "정례적" before "가시성"): a phrase that stops here cuts a name of a thing in two.
    bound: bool = False
    # The word's class for noun-phrase chunking (ADR 0098): "noun" (a content word that can
    # head or modify a noun phrase), "det", "conj", "prep" (one that may join a noun phrase,
    # "of"), and "other" (verbs, auxiliaries, pronouns, adverbs, subordinators, other
    # prepositions, Korean words carrying a case particle or a verb ending); "head" for a
    # Korean noun that closes its phrase (it carries a case particle or ends the clause).
    role: str = "noun"
    locative: bool = False


def _stem(word: str) -> str:
    # A light stem so that "mobilize" and "mobilizing", "commitment" and "commitments" meet.
    for suffix in _ENGLISH_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _is_number(word: str, surface: str) -> bool:
    if any(ch.isdigit() for ch in word) or word in _NUMBER_WORDS:
        return True
    return (word in _MONTHS and surface[0].isupper()) or surface in _CAPITALISED_MONTHS


class _Spans:
    """Character spans merged and sorted once, so each overlap test is a bisection.

    A linear scan per word made one 1 MB paragraph cost 141 million calls (issue 15.12).
    """

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [m[0] for m in merged]
        self._ends = [m[1] for m in merged]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps any span."""
        i = bisect.bisect_right(self._ends, start)
        return i < len(self._starts) and self._starts[i] < end and start < self._ends[i]


def _in_spans(start: int, end: int, spans: _Spans) -> bool:
    return spans.overlaps(start, end)


def _figure_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Where the figures of a clause are; of a count, only its number ("200 engineers")."""
    spans: list[tuple[int, int]] = []
    for q in find_quantities(text, lang):
        if q.kind == "count":
            number = re.match(r"[\w,.]+", q.text)
            spans.append((q.start, q.start + (number.end() if number else len(q.text))))
        else:
            spans.append((q.start, q.end))
    return spans


def _english_tokens(text: str) -> list[PhraseToken]:
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text
    aliases = alias_spans(lowered)
    modality = _Spans(modality_spans(text, "en"))
    # Figures ("twice a year", "5 billion dollars") are compared as quantities, never phrases.
    figures = _Spans(_figure_spans(text, "en"))
    tokens: list[PhraseToken] = []
    position = 0
    for alias_start, alias_end, canonical in [*aliases, (len(text), len(text), "")]:
        for match in _WORD.finditer(lowered, position, alias_start):
            word = match.group(0)
            if word == "s" and match.start() > 0 and lowered[match.start() - 1] == "'":
                continue
            surface = text[match.start() : match.end()]
            if _is_number(word, surface) or _in_spans(match.start(), match.end(), figures):
                kind = "number"
            elif _in_spans(match.start(), match.end(), modality):
                kind = "modality"
            elif surface[0].isupper() and tokens:
                kind = "name"
            else:
                kind = "word"
            tokens.append(
                PhraseToken(
                    _stem(word), match.start(), match.end(), word in _ENGLISH_STOPWORDS, kind
                )
            )
        if canonical:
            tokens.append(PhraseToken(canonical, alias_start, alias_end, False, "alias"))
        position = alias_end
    tokens = _with_english_bounds(_collapse_repeats(tokens), text)
    return _with_barriers(_with_english_roles(tokens, text))


def _verb_forms(word: str) -> list[str]:
    forms = [word]
    for suffix, add in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("d", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            forms.append(word[: -len(suffix)] + add)
    if word.endswith("ing") and len(word) > 5:
        forms += [word[:-3], word[:-3] + "e"]
    return forms


def _with_english_roles(tokens: list[PhraseToken], text: str) -> list[PhraseToken]:
    """Give each English token its word class: a small lexicon plus the word before it."""
    out: list[PhraseToken] = []
    for i, token in enumerate(tokens):
        word = text[token.start : token.end].lower()
        previous = out[-1] if out else None
        forms = _verb_forms(word)
        if word in _EN_DETERMINERS:
            role = "det"
        elif word in _EN_CONJUNCTIONS:
            role = "conj"
        elif word in _EN_NP_PREPOSITIONS:
            role = "prep"
        elif (
            token.kind == "modality"
            and not token.stop
            and len(forms) == 1
            and previous is not None
            and previous.bound
            and previous.role in ("det", "noun")
        ):
            # "a progress review": a modality word used as a noun is no modality.
            token = replace(token, kind="word")
            role = "noun"
        elif token.kind == "modality" or token.stop:
            role = "other"
        elif token.kind in ("alias", "name", "number"):
            role = "noun"
        elif word.endswith("ly") or word in _EN_OTHER_WORDS:
            role = "other"
        elif word in _EN_PARTICLES and previous is not None and previous.role == "verb":
            role = "part"
        elif (
            len(forms) == 1
            and any(f in _EN_VERBS | _EN_VERB_OR_NOUN for f in forms)
            and previous is not None
            and (previous.kind == "modality" or text[previous.start : previous.end] == "to")
        ):
            # An infinitive ("to phase out", "will mobilize") may open a verb phrase.
            role = "verb"
        elif any(f in _EN_VERBS for f in forms) and word == forms[0] and len(forms) == 1:
            role = "other"
        elif any(f in _EN_VERBS | _EN_VERB_OR_NOUN for f in forms):
            # A noun after a determiner or a modifier ("conventional support", "work plan",
            # "joint planning", "the enhanced"); a past tense after its subject is a verb
            # ("the NCG continued …").
            after = previous.role if previous is not None and previous.bound else None
            if word.endswith("ed") and len(forms) > 1:
                role = "noun" if after == "det" else "other"
            else:
                role = "noun" if after in ("det", "noun") else "other"
        elif word.endswith("ed") and i + 1 < len(tokens) and tokens[i + 1].stop:
            # "reviewed the …", "committed to …": a verb; "enhanced visibility" is a modifier.
            role = "other"
        else:
            role = "noun"
        out.append(replace(token, role=role))
    return out


# Only spaces or a hyphen between two words: they read as one unit ("mid-2024",
# "expanding military cooperation"); a comma, quote or bracket ends the unit.
_JOINED = re.compile(r"[\s-]+")
_LIST_BREAK = re.compile(r"[;:]")


def _with_english_bounds(tokens: list[PhraseToken], text: str) -> list[PhraseToken]:
    """Mark each English word that runs straight into the next one (no punctuation between).

    English puts the head of a noun phrase last, so a word followed directly by another
    word may be a modifier of it; whether that next word carries content is decided later.
    """
    out = [
        replace(token, bound=bool(_JOINED.fullmatch(text[token.end : following.start])))
        for token, following in pairwise(tokens)
    ]
    return [*out, *tokens[len(out) :]]


def _korean_tokens(text: str) -> list[PhraseToken]:
    morphemes = sorted(korean_morphemes(text), key=lambda m: m[2])
    starts = [m[2] for m in morphemes]
    modality = _Spans(modality_spans(text, "ko"))
    figures = _Spans(_figure_spans(text, "ko"))
    tokens: list[PhraseToken] = []
    for eojeol in _EOJEOL.finditer(text):
        # Bisection, not a scan of every morpheme per word (quadratic on a long clause).
        first = bisect.bisect_left(starts, eojeol.start())
        last = bisect.bisect_left(starts, eojeol.end())
        inside = morphemes[first:last]
        kept = [m for m in inside if not m[1].startswith(_KOREAN_DROPPED_TAGS)]
        if not kept:
            continue
        stem = "".join(form for form, _, _, _ in kept).lower()
        start = min(m[2] for m in kept)
        end = min(max(m[3] for m in kept), eojeol.end())
        resolved = " ".join(_collapse_words(apply_aliases(stem).split()))
        surface = text[eojeol.start() : eojeol.end()].strip(".,()\"'")
        if (
            _in_spans(start, end, figures)
            or any(tag == "SN" for _, tag, _, _ in kept)
            or any(ch.isdigit() for ch in stem)
            or stem in _KOREAN_NUMBER_WORDS
        ):
            kind = "number"
        elif resolved != stem:
            kind = "alias"
        elif any(tag == "NNP" for _, tag, _, _ in kept):
            kind = "name"
        elif _in_spans(start, end, modality) and _korean_role(
            [tag for _, tag, _, _ in inside], surface
        ) not in ("noun", "head"):
            # "평가" is a modality word as a verb ("평가했다"), a plain noun in "진전 평가 보고서".
            kind = "modality"
        else:
            kind = "word"
        stop = (
            stem in _KOREAN_STOPWORDS
            or surface in _KOREAN_STOPWORDS
            or stem in _KOREAN_STEM_STOPWORDS
            or stem in _ENGLISH_STOPWORDS
        )
        # The topic of a Korean sentence ("대표단은", "회의는") is its subject, never part of
        # what is committed to.
        topic = any(tag == "JX" for _, tag, _, _ in inside)
        bound = _korean_modifier([tag for _, tag, _, _ in inside])
        role = _korean_role([tag for _, tag, _, _ in inside], surface)
        locative = any(form in ("에서", "서") and tag == "JKB" for form, tag, _, _ in inside)
        for key in resolved.split() or [stem]:
            tokens.append(
                PhraseToken(
                    key,
                    start,
                    end,
                    stop,
                    kind,
                    topic=topic,
                    bound=bound,
                    role=role,
                    locative=locative,
                )
            )
    return _with_barriers(_collapse_repeats(tokens))


# Endings that make a Korean word modify the next one: the genitive "의" and the adnominal
# endings ("실전적인", "열린"). A bare noun ("핵" in "핵 시나리오") modifies the next noun.
_KOREAN_MODIFIER_TAGS = ("JKG", "ETM")
_KOREAN_BARE_TAGS = ("NN", "XSN", "XR", "SL", "SH", "SN")
_KOREAN_PUNCTUATION_TAGS = ("SF", "SP", "SS", "SE", "SO", "SW")


# What a Korean word may be inside a noun phrase (ADR 0098): a bare noun ("핵 시나리오"), a
# noun in the genitive ("전략자산의"), an adjective or a noun-adjective before its noun
# ("정례적", "실전적인", "필요한"), a coordinated noun ("공동기획 및", "러시아와"). A noun with
# any other particle closes the phrase (it is its head); a verb or a connective ending, or
# a case particle inside, means the words span a clause, not a constituent.
_KOREAN_NOMINAL = ("NN", "NR", "NP", "XSN", "XR", "SL", "SH", "SN", "XPN")
_KOREAN_ADJECTIVAL = ("VA", "XSA", "VCP")


def _korean_role(tags: Sequence[str], form: str) -> str:
    """The word class of one Korean word (eojeol) from its morpheme tags."""
    content = [t for t in tags if not t.startswith(_KOREAN_PUNCTUATION_TAGS)]
    if not content:
        return "other"
    if content in (["MAJ"], ["JC"]) or form == "및":
        return "conj"
    if content[0] in ("MAG", "MAJ", "IC"):
        return "other"
    last = content[-1]
    if any(t.startswith(("VV", "VX", "EC", "EF", "XSV")) for t in content):
        return "other"
    if form.rstrip(".,") in _KOREAN_FUNCTION_WORDS:
        return "other"
    if last == "ETM":
        # "실전적인", "필요한" modify a noun; "…이라는" quotes a clause.
        quoting = form.rstrip(".,").endswith(("라는", "다는"))
        adjectival = any(t.startswith(_KOREAN_ADJECTIVAL) for t in content)
        return "noun" if adjectival and not quoting else "other"
    if last in ("JKG", "JC"):
        return "noun"
    if last.startswith(("JKS", "JKO", "JKB", "JX", "JKC", "JKQ", "JKV")):
        return "head"
    if last.startswith(_KOREAN_NOMINAL) or last == "MM":
        return "noun"
    return "other"


def _korean_modifier(tags: Sequence[str]) -> bool:
    """Whether a Korean word (its morpheme tags) modifies the word after it."""
    if not tags or tags[-1].startswith(_KOREAN_PUNCTUATION_TAGS):
        return False
    return tags[-1] in _KOREAN_MODIFIER_TAGS or tags[-1].startswith(_KOREAN_BARE_TAGS)


def _collapse_words(words: list[str]) -> list[str]:
    return [w for i, w in enumerate(words) if i == 0 or words[i - 1] != w]


def _collapse_repeats(tokens: list[PhraseToken]) -> list[PhraseToken]:
    # "Nuclear Consultative Group (NCG)" names one thing once.
    out: list[PhraseToken] = []
    for token in tokens:
        if out and out[-1].key == token.key:
            last = out[-1]
            out[-1] = replace(last, end=token.end, topic=token.topic, bound=token.bound)
            continue
        out.append(token)
    return out


def _with_barriers(tokens: list[PhraseToken]) -> list[PhraseToken]:
    # Numbers, and runs of two or more names (a person with a title, "Cho Chang Lae"), are
    # what changes from one meeting to the next; a single name ("the Kim regime") may stay.
    names = [t.kind == "name" for t in tokens]
    out: list[PhraseToken] = []
    for i, token in enumerate(tokens):
        in_run = names[i] and ((i > 0 and names[i - 1]) or (i + 1 < len(tokens) and names[i + 1]))
        out.append(replace(token, barrier=token.kind == "number" or in_run or token.topic))
    return out


@lru_cache(maxsize=8192)
def _clause_tokens(text: str, lang: str) -> tuple[PhraseToken, ...]:
    tokens = _korean_tokens(text) if lang == "ko" else _english_tokens(text)
    return tuple(_with_list_breaks(tokens, text))


def _with_list_breaks(tokens: list[PhraseToken], text: str) -> list[PhraseToken]:
    """Mark the words that follow a ";" or ":": a list-sentence is one clause (ADR 0102),
    and no phrase runs from one of its items into the next."""
    return [
        replace(token, after_break=True)
        if k and _LIST_BREAK.search(text[tokens[k - 1].end : token.start])
        else token
        for k, token in enumerate(tokens)
    ]


def clause_phrase_tokens(clause: Clause, lang: str) -> list[PhraseToken]:
    """Return the phrase tokens of a clause, each pointing back into its displayed text."""
    return list(_clause_tokens(clause.text, lang))


def _padded(keys: Sequence[str]) -> str:
    return " " + " ".join(keys) + " "


def _is_content(token: PhraseToken, common: frozenset[str]) -> bool:
    return not token.stop and token.kind != "modality" and token.key not in common


def _common_keys(token_lists: Sequence[Sequence[PhraseToken]]) -> frozenset[str]:
    """Return keys found in at least half the clauses: the statement's own stock words."""
    if len(token_lists) < 3:
        return frozenset()
    counts: dict[str, int] = {}
    for tokens in token_lists:
        for key in {t.key for t in tokens}:
            counts[key] = counts.get(key, 0) + 1
    return frozenset(k for k, n in counts.items() if n * 2 >= len(token_lists))


def _is_protocol(tokens: Sequence[PhraseToken]) -> bool:
    content = [t for t in tokens if not t.stop and t.kind != "modality"]
    if not content:
        return True
    volatile = sum(1 for t in content if t.kind in ("name", "number"))
    return volatile / len(content) >= _PROTOCOL_SHARE


@dataclass
class _Side:
    """One statement prepared for phrase search: tokens per clause and lookup strings."""

    tokens: list[list[PhraseToken]]
    padded: str
    content_padded: str
    keys: frozenset[str]
    texts: list[str]

    @classmethod
    def of(cls, clauses: Sequence[Clause], lang: str) -> _Side:
        tokens = [clause_phrase_tokens(c, lang) for c in clauses]
        padded = "".join(_padded([t.key for t in ts]) for ts in tokens)
        content_padded = "".join(
            _padded([t.key for t in ts if not t.stop and t.kind != "modality"]) for ts in tokens
        )
        keys = frozenset(t.key for ts in tokens for t in ts)
        return cls(tokens, padded, content_padded, keys, [c.text for c in clauses])


@dataclass
class _Candidate:
    clause: int
    start: int
    end: int
    keys: tuple[str, ...]
    content: int
    novel: int
    names: int
    support: int = 0
    salience: float = 0.0


def history_keys(history_clauses: Sequence[Sequence[Clause]], lang: str) -> list[str]:
    """Return one padded key string per earlier statement, for support counting."""
    return [_Side.of(clauses, lang).padded for clauses in history_clauses]


def _support(keys: Sequence[str], history: Sequence[str]) -> int:
    needle = _padded(keys)
    return sum(1 for doc in history if needle in doc)


def _ends_mid_phrase(tokens: Sequence[PhraseToken], content: Sequence[bool], end: int) -> bool:
    """Whether a phrase ending before ``end`` stops on a modifier of the content word next.

    "military reconnaissance" leaves out the satellite, "실전적인 핵" the 시나리오: such a
    fragment names nothing; the phrase that runs on to the head word does.
    """
    return tokens[end - 1].bound and end < len(tokens) and content[end] and not tokens[end].barrier


def _completes_head(
    tokens: Sequence[PhraseToken], content: Sequence[bool], limit: int, end: int
) -> bool:
    """Whether the words from ``limit`` to ``end`` only finish the noun phrase before them.

    A phrase may run past the length limit by a word or two to reach its head:
    "enhanced, regular visibility of U.S. strategic assets", not "... strategic".
    """
    return all(content[i - 1] and _ends_mid_phrase(tokens, content, i) for i in range(limit, end))


def _is_word_swap(content_keys: Sequence[str], counterpart: frozenset[str] | None) -> bool:
    """Whether a phrase of an edited clause differs from its aligned clause by one word at most.

    "condemned North Korea's repeated ballistic missile launches" against "... continued
    ballistic missile launches", or "ways to enhance" against "committed to the enhanced":
    the clause diff shows such an edit; a changed phrase brings at least MIN_NEW_WORDS
    content words that the aligned clause lacks. A clause with no aligned clause (added
    or dropped whole) has no counterpart and is never a word swap.
    """
    if counterpart is None:
        return False
    return sum(1 for key in content_keys if key not in counterpart) < MIN_NEW_WORDS


def _counterpart_keys(
    groups: Sequence[tuple[Sequence[int], Sequence[int]]], other: _Side
) -> dict[int, frozenset[str]]:
    """Map each clause of an aligned group to the keys of the other side's clauses in it."""
    keys: dict[int, frozenset[str]] = {}
    for mine, theirs in groups:
        if not mine or not theirs:
            continue
        words = frozenset(t.key for j in theirs for t in other.tokens[j])
        for index in mine:
            keys[index] = keys.get(index, frozenset()) | words
    return keys


_OPENING = "([{「『"
_CLOSING = ")]}」』"


def _span_text(text: str, start: int, end: int) -> str | None:
    """The published span of a phrase, its brackets closed; None when it cuts a bracket.

    "conventional-nuclear integration (CNI" takes the ")" that follows it; a span that
    opens or closes a bracket it does not hold the other half of is no phrase.
    """
    span = text[start:end]
    depth = 0
    for char in span:
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth -= 1
            if depth < 0:
                return None
    if depth == 0:
        return span
    if depth == 1 and end < len(text) and text[end] in _CLOSING:
        return text[start : end + 1]
    return None


def _is_constituent(window: Sequence[PhraseToken]) -> bool:
    """Whether the words form one noun phrase: modifiers, "of"-phrases, "and", then a head.

    "joint planning and execution of ROK conventional support" is one; "set the goal",
    "stressed that the work" or "핵 역량이 서로를 보강하도록 핵·재래식 통합" are not: a verb,
    a pronoun, a subordinator or, in Korean, a case particle inside means the words run
    across a clause. ADR 0098.
    """
    if window[0].role not in ("noun", "verb") or window[-1].role not in ("noun", "head"):
        return False
    if window[-1].key in _KOREAN_TIME_HEADS or window[-1].key in _ENGLISH_TIME_HEADS:
        return False
    if window[0].key in _ENGLISH_TIME_HEADS:
        return False
    # A proper noun takes no prepositional phrase: "NCG between meetings" belongs to a verb.
    if window[0].kind in ("alias", "name") and any(t.role == "prep" for t in window):
        return False
    # A Korean phrase in the locative ("국방부 청사에서") says where, not what.
    if window[-1].locative:
        return False
    # Words of process ("work", "progress", "진전") name nothing without a thing beside them.
    named = [t for t in window if t.role in ("noun", "head", "verb") and not t.stop]
    if all(t.key in _GENERIC_KEYS or t.kind in ("alias", "name") for t in named):
        return False
    if window[0].role == "verb":
        # The verb must take its object directly: "phase out coal power", not "cooperate on".
        rest = window[2:] if window[1].role == "part" else window[1:]
        if not rest or rest[0].role not in ("noun", "det"):
            return False
    # A verb phrase: an infinitive and its object ("phase out unabated coal power").
    inner = window[2:-1] if window[0].role == "verb" and window[1].role == "part" else window[1:-1]
    if any(t.role not in ("noun", "det", "conj", "prep") for t in inner):
        return False
    # A preposition or "and" must be followed by more of the phrase, not by another one.
    roles = [t.role for t in window]
    return all(not (a in ("prep", "conj") and b in ("prep", "conj")) for a, b in pairwise(roles))


def _candidates(
    side: _Side,
    other: _Side,
    lang: str,
    only: set[int] | None,
    history: Sequence[str],
    counterparts: Mapping[int, frozenset[str]],
) -> list[_Candidate]:
    low, high = (KOREAN_MIN_TOKENS, KOREAN_MAX_TOKENS) if lang == "ko" else (MIN_TOKENS, MAX_TOKENS)
    common = _common_keys(side.tokens)
    found: list[_Candidate] = []
    for index, tokens in enumerate(side.tokens):
        if (only is not None and index not in only) or _is_protocol(tokens):
            continue
        content = [_is_content(t, common) for t in tokens]
        for start in range(len(tokens)):
            if not content[start] or tokens[start].barrier:
                continue
            for end in range(start + low, min(start + high + HEAD_SLACK, len(tokens)) + 1):
                if tokens[end - 1].barrier:
                    break
                if end - start > high and not _completes_head(tokens, content, start + high, end):
                    break
                if not content[end - 1] or _ends_mid_phrase(tokens, content, end):
                    continue
                window = tokens[start:end]
                if any(t.barrier for t in window) or any(t.after_break for t in window[1:]):
                    break
                # A phrase is what a verb governs, not the verb: "would result in the end of
                # the regime" is reported as "end of the Kim regime".
                if any(t.kind == "modality" for t in window):
                    break
                if not _is_constituent(window):
                    continue
                keys = tuple(t.key for t in window)
                if _padded(keys) in other.padded:
                    continue
                content_keys = [t.key for t, c in zip(window, content[start:end], strict=True) if c]
                if len(content_keys) < 2:
                    continue
                # A phrase that appears or vanishes brings a word the other side never uses;
                # one made only of the other side's words is a rewording of them.
                if all(key in other.keys for key in content_keys):
                    continue
                # Reworded around the same words ("will mobilize" → "intend to mobilize"):
                # the content words still stand together on the other side.
                if _padded(content_keys) in other.content_padded:
                    continue
                names = sum(1 for t in window if t.kind == "name")
                if names * 2 > len(content_keys):
                    continue
                if _is_word_swap(content_keys, counterparts.get(index)):
                    continue
                # Words that stand together here but not on the other side: a phrase padded
                # with one new word ("ways to enhance the regular visibility") is no change.
                pairs = list(pairwise(content_keys))
                novel = sum(1 for a, b in pairs if f" {a} {b} " not in other.content_padded)
                if novel * 2 <= len(pairs):
                    continue
                if _span_text(side.texts[index], tokens[start].start, tokens[end - 1].end) is None:
                    continue
                candidate = _Candidate(index, start, end, keys, len(content_keys), novel, names)
                candidate.support = _support(keys, history)
                found.append(candidate)
    return found


_TIER_BONUS = {"strong": 2.0, "medium": 1.0}
PER_CLAUSE = 2


def _salience(candidate: _Candidate, tier: str | None) -> float:
    # New word pairs count most, then content words; a clause that commits (a strong or
    # medium modality word) carries the phrases analysts look for; names count against.
    bonus = _TIER_BONUS.get(tier or "", 0.0)
    return candidate.novel + 0.5 * candidate.content - 0.5 * candidate.names + bonus


def _select(
    candidates: Sequence[_Candidate],
    side: _Side,
    clauses: Sequence[Clause],
    lang: str,
    cap: int,
    by_support: bool,
) -> list[tuple[str, int]]:
    tiers = {index: find_modality(clause.text, lang) for index, clause in enumerate(clauses)}
    for candidate in candidates:
        modality = tiers[candidate.clause]
        candidate.salience = _salience(candidate, modality.tier if modality else None)
    # Per clause, the best few phrases that do not overlap: one stretch of text is one change.
    picked: list[_Candidate] = []
    per_clause: dict[int, list[_Candidate]] = {}
    for candidate in sorted(candidates, key=lambda c: (*_rank(c, by_support), c.clause, c.start)):
        kept = per_clause.setdefault(candidate.clause, [])
        if len(kept) >= PER_CLAUSE:
            continue
        if any(candidate.start < k.end and k.start < candidate.end for k in kept):
            continue
        kept.append(candidate)
        picked.append(candidate)
    chosen: list[tuple[str, int]] = []
    seen: set[tuple[str, ...]] = set()
    for candidate in picked:
        if len(chosen) >= cap:
            break
        if candidate.keys in seen:
            continue
        seen.add(candidate.keys)
        tokens = side.tokens[candidate.clause]
        text = _span_text(
            clauses[candidate.clause].text,
            tokens[candidate.start].start,
            tokens[candidate.end - 1].end,
        )
        if text is not None:
            chosen.append((text, candidate.support))
    return chosen


def _rank(candidate: _Candidate, by_support: bool) -> tuple[float, ...]:
    # A dropped phrase that earlier statements carried too is a recurring one going away;
    # an added phrase is new by nature (support 0), so its own salience ranks it.
    if by_support:
        return (-min(candidate.support, 1), -candidate.salience, -candidate.content)
    return (-candidate.salience, -candidate.support, -candidate.content)


def salient_phrase_changes(
    old: Sequence[Clause],
    new: Sequence[Clause],
    lang: str,
    *,
    history: Sequence[str] = (),
    cap: int = DEFAULT_CAP,
    old_changed: set[int] | None = None,
    new_changed: set[int] | None = None,
    aligned: Sequence[tuple[Sequence[int], Sequence[int]]] = (),
) -> list[PhraseChange]:
    """Return the salient phrases dropped from ``old`` and added in ``new`` (both same language).

    ``old_changed``/``new_changed`` restrict the search to clauses the alignment did not
    find unchanged (an unchanged clause cannot hold a phrase the other side lacks).
    ``aligned`` lists the alignment's changed groups as (old indices, new indices): a
    phrase of an edited clause must differ from its aligned clause by more than one word.
    Phrases are shown as published (a span of the clause's displayed text).
    """
    old_side, new_side = _Side.of(old, lang), _Side.of(new, lang)
    old_counterparts = _counterpart_keys(aligned, new_side)
    new_counterparts = _counterpart_keys([(b, a) for a, b in aligned], old_side)
    dropped = _select(
        _candidates(old_side, new_side, lang, old_changed, history, old_counterparts),
        old_side,
        old,
        lang,
        cap,
        True,
    )
    added = _select(
        _candidates(new_side, old_side, lang, new_changed, history, new_counterparts),
        new_side,
        new,
        lang,
        cap,
        False,
    )
    return [PhraseChange(t, "dropped", s) for t, s in dropped] + [
        PhraseChange(t, "added", s) for t, s in added
    ]


def _shared_runs(
    tokens: Sequence[PhraseToken], other: Sequence[PhraseToken]
) -> list[tuple[int, int]]:
    """Return the maximal runs of ``tokens`` that also stand together in ``other``."""
    other_padded = _padded([t.key for t in other])
    runs: list[tuple[int, int]] = []
    start = 0
    while start < len(tokens):
        end = start
        while end < len(tokens) and not tokens[end].barrier and tokens[end].kind != "modality":
            if _padded([t.key for t in tokens[start : end + 1]]) not in other_padded:
                break
            end += 1
        if end > start:
            runs.append((start, end))
            start = end
        else:
            start += 1
    return runs


def commitment_phrase(old: Clause, new: Clause, lang: str) -> str:
    """Return the verb phrase the modality word of ``old`` governs, as published (≤ 6 words)."""
    tokens = clause_phrase_tokens(old, lang)
    if not tokens:
        return old.text
    modality = find_modality(old.text, lang)
    # English governs to the right of the modality word, Korean to the left of it.
    if modality is None:
        governed = list(range(len(tokens)))
    elif lang == "ko":
        governed = [i for i, t in enumerate(tokens) if t.end <= modality.start]
    else:
        governed = [i for i, t in enumerate(tokens) if t.start >= modality.end]
    governed = [i for i in governed if tokens[i].kind != "modality"] or list(range(len(tokens)))
    first, last = governed[0], governed[-1] + 1
    # Prefer words both clauses share, next to the verb (the first such run in English, the
    # last in Korean): that is what the changed verb still governs.
    runs = [
        (first + a, first + b)
        for a, b in _shared_runs(tokens[first:last], clause_phrase_tokens(new, lang))
        if sum(1 for t in tokens[first + a : first + b] if not t.stop) >= 2
    ]
    if runs:
        first, last = runs[-1] if lang == "ko" else runs[0]
    span = list(range(first, last))
    # The head of a governed phrase sits next to its verb: first words in English, last in
    # Korean; a number ends the phrase ("climate finance of 20 billion euros").
    if lang == "ko":
        span = span[-KOREAN_MAX_TOKENS:]
        while span and tokens[span[0]].barrier:
            span = span[1:]
        cut = [i for i in span if tokens[i].barrier]
        if cut:
            span = [i for i in span if i > cut[-1]]
    else:
        cut = [i for i in span if tokens[i].barrier]
        if cut:
            span = [i for i in span if i < cut[0]] or span
        span = span[:MAX_TOKENS]
    while span and tokens[span[0]].stop:
        span = span[1:]
    while span and tokens[span[-1]].stop:
        span = span[:-1]
    if not span:
        return old.text
    return old.text[tokens[span[0]].start : tokens[span[-1]].end]


def strength_phrase_changes(
    pairs: Sequence[tuple[Clause, Clause]], lang: str, *, history: Sequence[str] = ()
) -> list[PhraseChange]:
    """Return weakened/strengthened phrases for aligned pairs whose modality tier changed."""
    changes: list[PhraseChange] = []
    seen: set[str] = set()
    for old, new in pairs:
        before = clause_modality(old.text, lang)
        after = clause_modality(new.text, lang)
        if before is None or after is None or before.tier == after.tier:
            continue
        text = commitment_phrase(old, new, lang)
        if text in seen or len(text.split()) < 2:
            continue
        seen.add(text)
        status = "strengthened" if TIER_RANK[after.tier] > TIER_RANK[before.tier] else "weakened"
        keys = [t.key for t in clause_phrase_tokens(Clause(0, 0, text, text), lang)]
        changes.append(PhraseChange(text, status, _support(keys, history)))
    return changes


def cap_phrases(changes: Sequence[PhraseChange], cap: int = PHRASE_CAP) -> list[PhraseChange]:
    """Keep at most ``cap`` phrases: tier changes first, then dropped and added in turn.

    Each status's list is already ranked by salience, so taking them in turn keeps the
    best of each rather than filling the list with one direction.
    """
    by_status: dict[str, list[PhraseChange]] = {}
    for change in changes:
        by_status.setdefault(change.status, []).append(change)
    order = [s for s in ("weakened", "strengthened") if s in by_status]
    chosen: list[PhraseChange] = [c for s in order for c in by_status[s]][:cap]
    queues = [by_status.get("dropped", []), by_status.get("added", [])]
    while len(chosen) < cap and any(queues):
        for queue in queues:
            if queue and len(chosen) < cap:
                chosen.append(queue.pop(0))
    return chosen


def is_headline(clause: Clause) -> bool:
    """Whether a clause is a title or headline (no sentence or list punctuation at its end).

    A headline restates the statement's news in a few words; its phrases would repeat what
    the clauses below it report.
    """
    return not clause.text.rstrip().endswith((".", "!", "?", ";", ":", "。", '"', "'", ")"))
