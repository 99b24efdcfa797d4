"""Comparison of two statements: clause alignment, commitment changes and phrase changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from clauses.align import SAME_LANGUAGE_THRESHOLD, TRANSLATION_THRESHOLD, ClauseChange, align
from clauses.commitments import (
    CommitmentChange,
    CommitmentDef,
    compare_commitments,
    find_commitments,
    judge_strength,
    load_lexicons,
)
from clauses.derived import support_key
from clauses.encoder import Encoder, default_encoder
from clauses.participants import (
    Participant,
    ParticipantChange,
    compare_participants,
    leads_meeting,
)
from clauses.phrases import (
    DEFAULT_CAP,
    PHRASE_CAP,
    PhraseChange,
    cap_phrases,
    is_headline,
    salient_phrase_changes,
    strength_phrase_changes,
)
from clauses.quantities import QuantityChange, compare_quantities, gap_pairs
from clauses.segment import Clause, segment
from core.language import detect_language
from core.vocabulary import AUTO, CLAUSE_STATUSES, COMPARISON_KINDS

# Earlier statements of a series recur in every successor comparison's phrase support: up
# to 20 per comparison, so a backfill would segment each one 20 times without this cache.
HISTORY_CACHE_SIZE = 512


@lru_cache(maxsize=HISTORY_CACHE_SIZE)
def _history_key(text: str, language: str) -> str:
    """The phrase-support key string of one earlier statement (segmented once per text)."""
    return support_key(segment(text, language), language)


@dataclass
class ComparisonResult:
    """Everything a comparison found; ``to_dict()`` gives the documented JSON shape."""

    kind: str
    old_lang: str
    new_lang: str
    old_title: str | None
    new_title: str | None
    old_clauses: list[Clause]
    new_clauses: list[Clause]
    clause_changes: list[ClauseChange]
    commitments: list[CommitmentChange]
    phrases: list[PhraseChange]
    summary: dict[str, int] = field(default_factory=dict)
    semantic: bool = False
    quantities: list[QuantityChange] = field(default_factory=list)
    participants: list[ParticipantChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as plain JSON-ready data (docs/comparison-json.md)."""
        return {
            "kind": self.kind,
            "old": {
                "title": self.old_title,
                "language": self.old_lang,
                "clauses": len(self.old_clauses),
            },
            "new": {
                "title": self.new_title,
                "language": self.new_lang,
                "clauses": len(self.new_clauses),
            },
            "clauses": [
                {
                    "status": c.status,
                    "old": list(c.old),
                    "new": list(c.new),
                    "old_text": c.old_text,
                    "new_text": c.new_text,
                    "score": c.score,
                    "diff": None
                    if c.diff is None
                    else [[op, list(a), list(b)] for op, a, b in c.diff],
                    "items": None
                    if c.items is None
                    else [{"status": st, "old": a, "new": b} for st, a, b in c.items],
                }
                for c in self.clause_changes
            ],
            "commitments": [
                {
                    "key": c.key,
                    "label": c.label,
                    "status": c.status,
                    "old_evidence": c.old_evidence,
                    "new_evidence": c.new_evidence,
                    "strength_old": c.strength_old,
                    "strength_new": c.strength_new,
                }
                for c in self.commitments
            ],
            "phrases": [
                {"text": p.text, "status": p.status, "support": p.support} for p in self.phrases
            ],
            "quantities": [
                {
                    "kind": q.kind,
                    "status": q.status,
                    "old": q.old,
                    "new": q.new,
                    "old_clause": q.old_clause,
                    "new_clause": q.new_clause,
                }
                for q in self.quantities
            ],
            "participants": [
                {
                    "side": p.side,
                    "status": p.status,
                    "level": p.level,
                    "old": [_person(x) for x in p.old],
                    "new": [_person(x) for x in p.new],
                }
                for p in self.participants
            ],
            "summary": dict(self.summary),
        }


def _person(person: Participant) -> dict[str, Any]:
    return {
        "name": person.name,
        "title": person.title,
        "level": person.level,
        "acting": person.acting,
    }


def _unit_rows(matrix: Any) -> Any:
    rows = np.asarray(matrix, dtype=float)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def _summarise(changes: Sequence[ClauseChange]) -> dict[str, int]:
    # "matched" (translations) is counted beside the seven statuses so that the shape of
    # the summary is the same for every kind of comparison.
    summary = {status: 0 for status in (*CLAUSE_STATUSES, "matched")}
    for change in changes:
        summary[change.status] = summary.get(change.status, 0) + 1
    return summary


def _language_of(clauses: Sequence[Clause]) -> str:
    return detect_language(" ".join(c.text for c in clauses[:50]))


def auto_kind(old_lang: str, new_lang: str) -> str:
    """The kind ``auto`` picks from the languages alone: successor, or translation across them.

    With metadata (same document, publication dates) the pipeline decides instead
    (``core.vocabulary.comparison_kind``): a later meeting in the other language is a
    successor.
    """
    return "successor" if old_lang == new_lang else "translation"


def compare_clauses(
    old: Sequence[Clause],
    new: Sequence[Clause],
    *,
    kind: str | None = None,
    old_lang: str | None = None,
    new_lang: str | None = None,
    old_title: str | None = None,
    new_title: str | None = None,
    lexical: bool = False,
    encoder: Encoder | None = None,
    lexicon: Sequence[CommitmentDef] | None = None,
    history: Sequence[str] = (),
    support: Sequence[str] | None = None,
) -> ComparisonResult:
    """Compare two segmented statements; raises ValueError for an unknown or impossible ``kind``.

    ``kind`` is ``revision``, ``successor``, ``translation`` or ``auto`` (None): see
    ``auto_kind``. Phrase support counts the earlier statements of the series: their texts
    (``history``) or, already computed, their keys (``support``, which wins).
    """
    old_language = old_lang or _language_of(old)
    new_language = new_lang or _language_of(new)
    cross_language = old_language != new_language
    chosen_kind = auto_kind(old_language, new_language) if kind in (None, AUTO) else kind
    if chosen_kind not in COMPARISON_KINDS:
        raise ValueError(
            f"unknown comparison kind {chosen_kind!r}; expected {AUTO} or one of {COMPARISON_KINDS}"
        )
    if chosen_kind == "revision" and cross_language:
        raise ValueError(
            "a revision compares two versions of one statement, which share a language;"
            f" these are {old_language} and {new_language}"
        )
    # Revisions are small edits that lexical matching reads well; the encoder is for
    # reworded successors and for English–Korean pairs.
    use_encoder = not lexical and (
        cross_language or chosen_kind != "revision" or encoder is not None
    )
    active_encoder = (encoder or default_encoder()) if use_encoder and old and new else None

    changes = align(
        old,
        new,
        cross_language=cross_language,
        encoder=active_encoder,
        lang=old_language,
        successor=chosen_kind == "successor",
    )

    definitions = load_lexicons() if lexicon is None else list(lexicon)
    # Each side is read with its own language's patterns. A translation compares presence
    # only (ADR 0017): the same meeting's two texts mark strength differently, and a tier
    # difference between them is no change anyone made.
    commitments = compare_commitments(
        find_commitments(old, old_language, definitions),
        find_commitments(new, new_language, definitions),
        definitions,
    )
    if chosen_kind != "translation":
        commitments = judge_strength(
            commitments,
            old,
            new,
            [(c.old, c.new, c.score) for c in changes if c.old and c.new],
            old_language,
            definitions,
            any_pair=chosen_kind == "revision",
            new_lang=new_language,
        )

    phrases: list[PhraseChange] = []
    if not cross_language:
        history_strings = (
            list(support)
            if support is not None
            else [_history_key(text, old_language) for text in history]
        )
        # A phrase never repeats a flagged commitment's evidence nor names who led the
        # meeting: both are reported on their own (commitments, participants). ADR 0098.
        flagged = [c for c in commitments if c.status != "retained"]
        old_evidence = {c.old_evidence for c in flagged if c.old_evidence}
        new_evidence = {c.new_evidence for c in flagged if c.new_evidence}
        old_skip = {
            i
            for i, c in enumerate(old)
            if c.text in old_evidence or is_headline(c) or leads_meeting(c, old_language)
        }
        new_skip = {
            j
            for j, c in enumerate(new)
            if c.text in new_evidence or is_headline(c) or leads_meeting(c, new_language)
        }
        old_changed = {i for c in changes if c.status != "unchanged" for i in c.old} - old_skip
        new_changed = {j for c in changes if c.status != "unchanged" for j in c.new} - new_skip
        phrases = salient_phrase_changes(
            old,
            new,
            old_language,
            history=history_strings,
            cap=DEFAULT_CAP,
            old_changed=old_changed,
            new_changed=new_changed,
            aligned=[(c.old, c.new) for c in changes if c.status != "unchanged"],
        )
        pairs = [
            (old[c.old[0]], new[c.new[0]])
            for c in changes
            if c.status in ("modified", "moved")
            and len(c.old) == 1
            and len(c.new) == 1
            and c.old[0] not in old_skip
            and c.new[0] not in new_skip
        ]
        strength = strength_phrase_changes(pairs, old_language, history=history_strings)
        phrases = cap_phrases(strength + phrases, PHRASE_CAP)

    rewritten: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    if active_encoder is not None:
        # Figures of a clause rewritten past the alignment's bar: the pair must still pass
        # the bar a translation (across languages) or a same-language pair needs.
        vectors_old = _unit_rows(active_encoder.encode([c.text for c in old]))
        vectors_new = _unit_rows(active_encoder.encode([c.text for c in new]))
        rewritten = gap_pairs(
            [(c.old, c.new) for c in changes],
            len(old),
            len(new),
            lambda i, j: float(vectors_old[i] @ vectors_new[j]),
            TRANSLATION_THRESHOLD if cross_language else SAME_LANGUAGE_THRESHOLD,
        )
    quantities = compare_quantities(
        old,
        new,
        [*((c.old, c.new) for c in changes if c.status != "unchanged"), *rewritten],
        old_language,
        new_language,
    )
    participants = compare_participants(old, new, old_language, new_language)

    return ComparisonResult(
        kind=chosen_kind,
        old_lang=old_language,
        new_lang=new_language,
        old_title=old_title,
        new_title=new_title,
        old_clauses=list(old),
        new_clauses=list(new),
        clause_changes=changes,
        commitments=commitments,
        phrases=phrases,
        summary=_summarise(changes),
        semantic=active_encoder is not None,
        quantities=quantities,
        participants=participants,
    )


def compare_texts(
    old: str,
    new: str,
    *,
    kind: str | None = None,
    old_lang: str | None = None,
    new_lang: str | None = None,
    old_title: str | None = None,
    new_title: str | None = None,
    lexical: bool = False,
    encoder: Encoder | None = None,
    lexicon: Sequence[CommitmentDef] | None = None,
    history: Sequence[str] = (),
) -> ComparisonResult:
    """Segment and compare two statement texts; raises ValueError for an unknown ``kind``."""
    old_language = old_lang or detect_language(old)
    new_language = new_lang or detect_language(new)
    return compare_clauses(
        segment(old, old_language),
        segment(new, new_language),
        kind=kind,
        old_lang=old_language,
        new_lang=new_language,
        old_title=old_title,
        new_title=new_title,
        lexical=lexical,
        encoder=encoder,
        lexicon=lexicon,
        history=history,
    )
