"""Commitments: lexicon loading, finding commitments in clauses, and comparing two sides."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz import fuzz

from clauses.modality import DEFAULT_TIER, TIER_RANK, modality_spans, stated_tiers
from clauses.normalize import alias_spans, match_key
from clauses.phrases import content_key
from clauses.segment import Clause
from core.errors import InputError
from core.language import LANGUAGES

# What a lexicon pattern does (ADR 0096): a defining pattern matches the clause that states
# the commitment; a mentioning pattern only its topic ("enhance extended deterrence" is not
# the full-range commitment), which is never evidence of presence or strength.
ROLES = ("defines", "mentions")


class LexiconError(InputError, ValueError):
    """Raised when a lexicon YAML file is malformed (missing key, bad regular expression)."""


@dataclass(frozen=True)
class CommitmentDef:
    """One tracked commitment: key, label, importance, its defining and mentioning patterns."""

    key: str
    label: str
    importance: str
    patterns: Mapping[str, Sequence[str]]
    track_strength: bool = True
    mentions: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def compiled(self, lang: str) -> tuple[re.Pattern[str], ...]:
        """Return the compiled defining patterns for ``lang``; raises re.error on a bad one."""
        return _compile(tuple(self.patterns.get(lang, ())))

    def defines(self, clause: Clause, lang: str) -> bool:
        """Whether ``clause`` states this commitment (a defining pattern matches its key)."""
        return any(p.search(clause.key) for p in self.compiled(lang))

    def mentioned(self, clause: Clause, lang: str) -> bool:
        """Whether ``clause`` only touches this commitment's topic (a mentioning pattern)."""
        return any(
            p.search(clause.key) for p in _compile(tuple(self.mentions.get(lang, ())))
        ) and not self.defines(clause, lang)


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


def _pattern_list(raw: Any, name: str, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise LexiconError(f"{name}: {key}: patterns must be a list of regular expressions")
    for pattern in raw:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise LexiconError(f"{name}: {key}: bad pattern {pattern!r}: {exc}") from exc
    return tuple(str(p) for p in raw)


def parse_lexicon(data: Any, *, name: str = "lexicon") -> list[CommitmentDef]:
    """Build commitment definitions from parsed YAML; raises LexiconError when malformed.

    A language's patterns are either a list (all of them define the commitment) or a
    mapping of roles, ``defines`` and ``mentions`` (topic only), each a list.
    """
    if not isinstance(data, dict):
        raise LexiconError(f"{name}: top level must be a mapping")
    entries = data.get("commitments") or []
    if not isinstance(entries, list):
        raise LexiconError(f"{name}: 'commitments' must be a list")
    definitions: list[CommitmentDef] = []
    for entry in entries:
        if not isinstance(entry, dict) or "key" not in entry or "patterns" not in entry:
            raise LexiconError(f"{name}: every commitment needs 'key' and 'patterns'")
        key = str(entry["key"])
        patterns: dict[str, tuple[str, ...]] = {}
        mentions: dict[str, tuple[str, ...]] = {}
        for lang in LANGUAGES:
            raw = (entry["patterns"] or {}).get(lang) or []
            if isinstance(raw, dict):
                unknown = set(raw) - set(ROLES)
                if unknown:
                    raise LexiconError(
                        f"{name}: {key}: unknown pattern role(s) {sorted(unknown)}; "
                        f"expected {ROLES}"
                    )
                patterns[lang] = _pattern_list(raw.get("defines") or [], name, key)
                mentions[lang] = _pattern_list(raw.get("mentions") or [], name, key)
            else:
                patterns[lang] = _pattern_list(raw, name, key)
                mentions[lang] = ()
        if not any(patterns.values()):
            raise LexiconError(f"{name}: {key}: no defining pattern in any language")
        definitions.append(
            CommitmentDef(
                key=key,
                label=str(entry.get("label", key)),
                importance=str(entry.get("importance", "medium")),
                patterns=patterns,
                track_strength=bool(entry.get("track_strength", True)),
                mentions=mentions,
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


def _tiers(clauses: Sequence[Clause], lang: str) -> list[str | None]:
    return stated_tiers([c.text for c in clauses], [c.paragraph for c in clauses], lang)


def find_commitments(
    clauses: Sequence[Clause], lang: str, lexicon: Sequence[CommitmentDef] | None = None
) -> list[CommitmentMention]:
    """Return one mention per commitment stated in ``clauses``: its first defining clause."""
    definitions = load_lexicons() if lexicon is None else lexicon
    if not clauses or not definitions:
        return []
    tiers = _tiers(clauses, lang)
    found: list[CommitmentMention] = []
    for definition in definitions:
        for clause, tier in zip(clauses, tiers, strict=True):
            if definition.defines(clause, lang):
                found.append(
                    CommitmentMention(
                        key=definition.key,
                        label=definition.label,
                        strength=tier or DEFAULT_TIER,
                        evidence=clause.text,
                        position=clause.position,
                    )
                )
                break
    order = {d.key: i for i, d in enumerate(definitions)}
    return sorted(found, key=lambda m: (m.position, order[m.key]))


def compare_commitments(
    old: Sequence[CommitmentMention],
    new: Sequence[CommitmentMention],
    lexicon: Sequence[CommitmentDef],
) -> list[CommitmentChange]:
    """Return the presence of every commitment stated on either side, in lexicon order.

    A commitment stated on both sides is ``retained`` here; ``judge_strength`` may then
    call it weakened or strengthened from the clauses that state it.
    """
    by_old = {m.key: m for m in old}
    by_new = {m.key: m for m in new}
    changes: list[CommitmentChange] = []
    for definition in lexicon:
        before = by_old.get(definition.key)
        after = by_new.get(definition.key)
        if before is None and after is None:
            continue
        status = "added" if before is None else "dropped" if after is None else "retained"
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


# A successor's evidence pair must be at least this alike (the alignment's [0, 1] score;
# pairs start at 0.55) for its verbs to be compared: reworded sentences that changed their
# verb score 0.68-0.89 on the labeled set, a role sentence against a list of the same
# workstreams 0.61 (ADR 0096).
STRENGTH_PAIR_SCORE = 0.65


def _statement_score(old: Clause, new: Clause, lang: str, other: str, score: float | None) -> float:
    """How alike two aligned clauses are apart from their modality words (same language).

    "agreed to deepen X" against "discussed X" is one statement said more or less strongly;
    in a short sentence the verb alone would pull the alignment score under the bar.
    Across languages only the alignment score is known.
    """
    if lang != other:
        return score or 0.0
    keys = [_statement_key(c.text, lang) for c in (old, new)]
    return max(score or 0.0, fuzz.token_sort_ratio(*keys) / 100.0)


# judge_strength scores every aligned pair against every commitment's evidence: the same
# clause text comes back dozens of times per comparison (and from one comparison to the
# next in a series), so its modality-free key is computed once.
@lru_cache(maxsize=8192)
def _statement_key(text: str, lang: str) -> str:
    return content_key(match_key(_without_modality(text, lang), lang), lang)


def _without_modality(text: str, lang: str) -> str:
    for start, end in sorted(modality_spans(text, lang), reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def _verdict(delta: int) -> str:
    return "retained" if delta == 0 else ("strengthened" if delta > 0 else "weakened")


def judge_strength(
    changes: Sequence[CommitmentChange],
    old: Sequence[Clause],
    new: Sequence[Clause],
    aligned: Sequence[tuple[Sequence[int], Sequence[int], float | None]],
    lang: str,
    lexicon: Sequence[CommitmentDef],
    *,
    any_pair: bool,
    new_lang: str | None = None,
) -> list[CommitmentChange]:
    """Judge the strength of commitments stated on both sides from their evidence pairs.

    An evidence pair is an aligned clause pair (old positions, new positions, score) whose clauses
    both define the commitment; each side is read in its own language (``lang``, and
    ``new_lang`` when the new statement is in the other one). A pair is decidable when both
    clauses state a tier of their own (``stated_tiers``): "will serve" against "serves"
    is not. With ``any_pair`` (revisions: a silent edit touches few clauses, each on
    purpose) the first decidable pair whose tiers differ decides; otherwise (successors,
    rewritten throughout) only one-to-one pairs scoring at least ``STRENGTH_PAIR_SCORE``
    count (clearly one sentence reworded, not two related ones) and every decidable one
    must move the same way. Anything else,
    including defining clauses that are not aligned with each other, is ``retained``
    with the first evidence pair (or the first defining clauses) shown. ADR 0096.
    """
    if not old or not new:
        return list(changes)
    other = new_lang or lang
    tiers_old = _tiers(old, lang)
    tiers_new = _tiers(new, other)
    definitions = {d.key: d for d in lexicon}
    judged: list[CommitmentChange] = []
    for change in changes:
        definition = definitions.get(change.key)
        if definition is None or change.status != "retained":
            judged.append(change)
            continue
        pairs: list[tuple[int, int]] = []
        for old_ids, new_ids, score in aligned:
            if not any_pair and (
                len(old_ids) != 1
                or len(new_ids) != 1
                or _statement_score(old[old_ids[0]], new[new_ids[0]], lang, other, score)
                < STRENGTH_PAIR_SCORE
            ):
                # A split or merged sentence of a successor is restructured, and a pair just
                # above the alignment threshold may be two related sentences (a role and a
                # progress report): which verb governs the commitment is a guess.
                continue
            o = [i for i in old_ids if definition.defines(old[i], lang)]
            n = [j for j in new_ids if definition.defines(new[j], other)]
            if o and n:
                pairs.append((o[0], n[0]))
        if not pairs:
            judged.append(change)
            continue
        status = "retained"
        evidence = pairs[0]
        if definition.track_strength:
            decidable = [
                (TIER_RANK[b] - TIER_RANK[a], i, j)
                for i, j in pairs
                if (a := tiers_old[i]) is not None and (b := tiers_new[j]) is not None
            ]
            moved = [d for d in decidable if d[0] != 0]
            if (any_pair and moved) or (
                moved and len(moved) == len(decidable) and len({d[0] > 0 for d in moved}) == 1
            ):
                status, evidence = _verdict(moved[0][0]), (moved[0][1], moved[0][2])
        i, j = evidence
        judged.append(
            replace(
                change,
                status=status,
                old_evidence=old[i].text,
                new_evidence=new[j].text,
                strength_old=tiers_old[i] or DEFAULT_TIER,
                strength_new=tiers_new[j] or DEFAULT_TIER,
            )
        )
    return judged


# An excerpt keeps this many characters of the evidence, about a third of them before the
# match: enough for the governing verb ("agreed to …", "…하기로 합의") and the object.
EXCERPT_WIDTH = 160
_WORD = re.compile(r"\w+")


def _span_in_text(text: str, matched_key: str) -> tuple[int, int] | None:
    """Where the words of a match-key span lie in the displayed text (aliases skipped)."""
    lowered = text.lower()
    aliases = alias_spans(lowered)
    found: list[tuple[int, int]] = []
    cursor = 0
    for token in _WORD.findall(matched_key):
        hit = re.compile(r"(?<!\w)" + re.escape(token)).search(lowered, cursor)
        where = (hit.start(), hit.end()) if hit else None
        # An alias token ("cni", "usa") stands for the words it replaced in the text.
        alias = next(((a, b) for a, b, c in aliases if c == token and a >= cursor), None)
        if alias is not None and (where is None or alias[0] < where[0]):
            where = alias
        if where is None:
            continue  # a particle or ending the key dropped
        found.append(where)
        cursor = where[1]
    if not found:
        return None
    return found[0][0], found[-1][1]


def evidence_excerpt(
    text: str,
    key: str,
    lang: str,
    lexicon: Sequence[CommitmentDef] | None = None,
    *,
    width: int = EXCERPT_WIDTH,
) -> str:
    """Return ``text`` shortened to about ``width`` characters around the commitment's match.

    A text at most a quarter longer than ``width`` is returned whole.

    The match is the first defining pattern of commitment ``key`` in the clause's match key;
    with none (an unknown key or lexicon), the start of the text is kept. Never raises.
    """
    # A clause only a little longer than the width reads better whole than cut by a word.
    if len(text) <= width + width // 4:
        return text
    definitions = load_lexicons() if lexicon is None else lexicon
    definition = next((d for d in definitions if d.key == key), None)
    span: tuple[int, int] | None = None
    if definition is not None:
        clause_key = match_key(text, lang)
        for pattern in definition.compiled(lang):
            hit = pattern.search(clause_key)
            if hit:
                span = _span_in_text(text, hit.group(0))
                break
    start = 0 if span is None else max(0, min(span[0] - width // 3, len(text) - width))
    end = max(min(len(text), start + width), span[1] if span else 0)
    # Cut at spaces so that no word is shown in half, never inside the match itself.
    if start > 0:
        space = text.find(" ", start)
        if 0 <= space < (span[0] if span else end):
            start = space + 1
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > (span[1] if span else start):
            end = space
    head = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return head + text[start:end].strip() + tail
