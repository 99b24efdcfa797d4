"""How much a comparison matters to a subscriber: high, medium, low, or no alert at all.

Pure: a function of the comparison JSON (docs/comparison-json.md), no I/O.

    high    a lexicon commitment was dropped, weakened or added; or a silent edit (a
            revision of a statement already published) touched a clause that carries a
            commitment
    medium  clauses were added or dropped, a commitment was strengthened, or a salient
            phrase was dropped
    low     rewording only: modified, moved, split or merged clauses
    None    nothing a reader would notice: identical clauses, or edits that only change
            typography (quotes, dashes, case, spacing, punctuation)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from core.vocabulary import PRESENCE_STATUSES, REWORDED_STATUSES

# The commitment statuses that make a comparison high severity on their own.
_ALARMING = frozenset({"dropped", "weakened", "added"})
# Everything that is not a letter or a digit is typography for this purpose: quotes,
# dashes, apostrophes, punctuation and whitespace of any script.
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def typographic_key(text: str | None) -> str:
    """The text reduced to its letters and digits, case-folded (typography-blind equality)."""
    if not text:
        return ""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def _substantive(clause: Mapping[str, Any]) -> bool:
    """Whether a clause change alters any word (a moved clause counts: the order changed)."""
    status = clause.get("status")
    if status in ("unchanged", "matched"):
        return False
    if status in PRESENCE_STATUSES or status == "moved":
        return True
    return typographic_key(clause.get("old_text")) != typographic_key(clause.get("new_text"))


def _evidence_changed(commitment: Mapping[str, Any]) -> bool:
    if commitment.get("status") != "retained":
        return True
    return typographic_key(commitment.get("old_evidence")) != typographic_key(
        commitment.get("new_evidence")
    )


def comparison_severity(result: Mapping[str, Any]) -> str | None:
    """The severity of a comparison (see the module docstring); None means send no alert."""
    kind = result.get("kind")
    commitments: Sequence[Mapping[str, Any]] = result.get("commitments") or []
    clauses = [c for c in result.get("clauses") or [] if _substantive(c)]
    phrases: Sequence[Mapping[str, Any]] = result.get("phrases") or []

    if any(c.get("status") in _ALARMING for c in commitments):
        return "high"
    if kind == "revision" and any(_evidence_changed(c) for c in commitments):
        # A published statement edited in place is news in itself when the edit reaches a
        # commitment, even one that survives with its strength intact.
        return "high"
    if kind == "translation":
        # Two languages never match word for word; only missing content is worth a mail.
        missing = any(c.get("status") in PRESENCE_STATUSES for c in clauses)
        return "medium" if missing else None
    if any(c.get("status") in PRESENCE_STATUSES for c in clauses):
        return "medium"
    if any(c.get("status") == "strengthened" for c in commitments):
        return "medium"
    if any(p.get("status") == "dropped" for p in phrases):
        return "medium"
    if any(c.get("status") in REWORDED_STATUSES for c in clauses):
        return "low"
    return None
