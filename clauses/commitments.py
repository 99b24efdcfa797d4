"""Commitments: lexicon loading, finding commitments in clauses, and comparing two sides."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from clauses.modality import TIER_RANK, strengths_in_context
from clauses.segment import Clause

LANGUAGES = ("en", "ko")


class LexiconError(ValueError):
    """Raised when a lexicon YAML file is malformed (missing key, bad regular expression)."""


@dataclass(frozen=True)
class CommitmentDef:
    """One tracked commitment: key, label, importance and its English and Korean patterns."""

    key: str
    label: str
    importance: str
    patterns: Mapping[str, Sequence[str]]
    track_strength: bool = True

    def compiled(self, lang: str) -> tuple[re.Pattern[str], ...]:
        """Return the compiled patterns for ``lang``; raises re.error on a bad pattern."""
        return _compile(tuple(self.patterns.get(lang, ())))


@lru_cache(maxsize=4096)
def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    if not patterns:
        return ()
    # One alternation per commitment and language: a clause is scanned once per commitment.
    return (re.compile("|".join(f"(?:{p})" for p in patterns)),)


@dataclass(frozen=True)
class CommitmentMention:
    """A commitment found in a statement: which, how strongly, the evidence clause and where."""

    key: str
    label: str
    strength: str
    evidence: str
    position: int


@dataclass(frozen=True)
class CommitmentChange:
    """How one commitment differs between two statements (added, dropped, retained, ...)."""

    key: str
    label: str
    status: str
    old_evidence: str | None
    new_evidence: str | None
    strength_old: str | None
    strength_new: str | None
    importance: str = "medium"


def parse_lexicon(data: Any, *, name: str = "lexicon") -> list[CommitmentDef]:
    """Build commitment definitions from parsed YAML; raises LexiconError when malformed."""
    if not isinstance(data, dict):
        raise LexiconError(f"{name}: top level must be a mapping")
    entries = data.get("commitments") or []
    if not isinstance(entries, list):
        raise LexiconError(f"{name}: 'commitments' must be a list")
    definitions: list[CommitmentDef] = []
    for entry in entries:
        if not isinstance(entry, dict) or "key" not in entry or "patterns" not in entry:
            raise LexiconError(f"{name}: every commitment needs 'key' and 'patterns'")
        patterns: dict[str, tuple[str, ...]] = {}
        for lang in LANGUAGES:
            raw = (entry["patterns"] or {}).get(lang) or []
            for pattern in raw:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise LexiconError(
                        f"{name}: {entry['key']}: bad pattern {pattern!r}: {exc}"
                    ) from exc
            patterns[lang] = tuple(str(p) for p in raw)
        definitions.append(
            CommitmentDef(
                key=str(entry["key"]),
                label=str(entry.get("label", entry["key"])),
                importance=str(entry.get("importance", "medium")),
                patterns=patterns,
                track_strength=bool(entry.get("track_strength", True)),
            )
        )
    return definitions


@lru_cache(maxsize=1)
def _bundled_lexicons() -> tuple[CommitmentDef, ...]:
    folder = resources.files("clauses").joinpath("lexicons")
    definitions: list[CommitmentDef] = []
    seen: set[str] = set()
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith((".yaml", ".yml")):
            continue
        data = yaml.safe_load(item.read_text("utf-8")) or {}
        if "commitments" not in data:
            continue  # aliases.yaml and other tables share the folder
        for definition in parse_lexicon(data, name=item.name):
            if definition.key in seen:
                raise LexiconError(f"{item.name}: duplicate commitment key {definition.key!r}")
            seen.add(definition.key)
            definitions.append(definition)
    return tuple(definitions)


def load_lexicons() -> list[CommitmentDef]:
    """Return every commitment in clauses/lexicons/*.yaml; raises LexiconError if malformed."""
    return list(_bundled_lexicons())


def find_commitments(
    clauses: Sequence[Clause], lang: str, lexicon: Sequence[CommitmentDef] | None = None
) -> list[CommitmentMention]:
    """Return one mention per commitment found in ``clauses``: its first, which states it."""
    definitions = load_lexicons() if lexicon is None else lexicon
    if not clauses or not definitions:
        return []
    tiers = strengths_in_context([c.text for c in clauses], [c.paragraph for c in clauses], lang)
    best: dict[str, CommitmentMention] = {}
    for definition in definitions:
        patterns = definition.compiled(lang)
        if not patterns:
            continue
        for clause, tier in zip(clauses, tiers, strict=True):
            if not any(p.search(clause.key) for p in patterns):
                continue
            mention = CommitmentMention(
                key=definition.key,
                label=definition.label,
                strength=tier,
                evidence=clause.text,
                position=clause.position,
            )
            current = best.get(definition.key)
            if current is None:
                best[definition.key] = mention
    order = {d.key: i for i, d in enumerate(definitions)}
    return sorted(best.values(), key=lambda m: (m.position, order[m.key]))


def compare_commitments(
    old: Sequence[CommitmentMention],
    new: Sequence[CommitmentMention],
    lexicon: Sequence[CommitmentDef],
    *,
    compare_strength: bool = True,
) -> list[CommitmentChange]:
    """Return the status of every commitment mentioned on either side, in lexicon order.

    With ``compare_strength=False`` (an English–Korean pair) a commitment found on both
    sides is retained whatever its tiers: the two languages mark strength differently.
    """
    by_old = {m.key: m for m in old}
    by_new = {m.key: m for m in new}
    changes: list[CommitmentChange] = []
    for definition in lexicon:
        before = by_old.get(definition.key)
        after = by_new.get(definition.key)
        if before is None and after is None:
            continue
        if before is None:
            status = "added"
        elif after is None:
            status = "dropped"
        elif not definition.track_strength or not compare_strength:
            status = "retained"
        else:
            delta = TIER_RANK[after.strength] - TIER_RANK[before.strength]
            status = "retained" if delta == 0 else ("strengthened" if delta > 0 else "weakened")
        changes.append(
            CommitmentChange(
                key=definition.key,
                label=definition.label,
                status=status,
                old_evidence=before.evidence if before else None,
                new_evidence=after.evidence if after else None,
                strength_old=before.strength if before else None,
                strength_new=after.strength if after else None,
                importance=definition.importance,
            )
        )
    return changes


def judge_strength_by_alignment(
    changes: Sequence[CommitmentChange],
    old: Sequence[Clause],
    new: Sequence[Clause],
    aligned: Sequence[tuple[Sequence[int], Sequence[int]]],
    lang: str,
    lexicon: Sequence[CommitmentDef],
) -> list[CommitmentChange]:
    """Re-judge the strength of commitments found on both sides from their aligned clauses.

    ``compare_commitments`` compares each side's first mention, which misses a "will"
    softened to "discussed" in a later clause that carries the same commitment, and can
    compare two unrelated clauses. When some aligned clause pair (old positions, new
    positions; same language) carries the commitment on both sides, the first such pair
    whose tiers differ decides weakened or strengthened, with its clauses as evidence; if
    every such pair keeps its tier, the commitment is retained. A commitment carried by no
    aligned pair keeps its first-mention verdict.
    """
    if not old or not new:
        return list(changes)
    tiers_old = strengths_in_context([c.text for c in old], [c.paragraph for c in old], lang)
    tiers_new = strengths_in_context([c.text for c in new], [c.paragraph for c in new], lang)
    definitions = {d.key: d for d in lexicon}
    judged: list[CommitmentChange] = []
    for change in changes:
        definition = definitions.get(change.key)
        if (
            definition is None
            or not definition.track_strength
            or change.status not in ("retained", "weakened", "strengthened")
        ):
            judged.append(change)
            continue
        patterns = definition.compiled(lang)
        carried: list[tuple[int, int, int]] = []  # (tier delta, old index, new index)
        for old_indexes, new_indexes in aligned:
            o = [i for i in old_indexes if any(p.search(old[i].key) for p in patterns)]
            n = [j for j in new_indexes if any(p.search(new[j].key) for p in patterns)]
            if o and n:
                i = max(o, key=lambda k: TIER_RANK[tiers_old[k]])
                j = max(n, key=lambda k: TIER_RANK[tiers_new[k]])
                carried.append((TIER_RANK[tiers_new[j]] - TIER_RANK[tiers_old[i]], i, j))
        if not carried:
            judged.append(change)
            continue
        differing = [c for c in carried if c[0] != 0]
        if not differing and change.status == "retained":
            judged.append(change)
            continue
        delta, i, j = differing[0] if differing else carried[0]
        status = "retained" if delta == 0 else ("strengthened" if delta > 0 else "weakened")
        judged.append(
            replace(
                change,
                status=status,
                old_evidence=old[i].text,
                new_evidence=new[j].text,
                strength_old=tiers_old[i],
                strength_new=tiers_new[j],
            )
        )
    return judged
