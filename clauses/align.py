"""Clause alignment: pair scores, an in-order alignment with splits and merges, then moves.

The in-order pass is a dynamic programme over (old prefix, new prefix) that maximises the
sum of (score - threshold) over the pairs it keeps; leaving a clause unpaired costs
nothing, so a pair is only kept when it is more similar than the threshold. Steps are
1-1, 1-0, 0-1, 1-2 (split) and 2-1 (merge). A global pass then pairs leftover dropped and
added clauses that are similar enough, out of order, as moves.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from clauses.encoder import Encoder
from clauses.normalize import match_key
from clauses.phrases import content_key
from clauses.segment import Clause

Scores = npt.NDArray[np.float64]
WordDiff = tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]

# Thresholds on the [0, 1] pair score (see docs/adr/0011-alignment-scores-and-thresholds.md).
SAME_LANGUAGE_THRESHOLD = 0.55
TRANSLATION_THRESHOLD = 0.4
STRUCTURAL_THRESHOLD = 0.5
MOVE_THRESHOLD = 0.65
# A split or merge must beat the better of its two parts by this much, so that a clause
# followed by an unrelated new one is not read as a split.
SPLIT_MARGIN = 0.05
SPLIT_PART_FLOOR = 0.2
# Cosine similarities of the multilingual encoder are rescaled from [low, high] to [0, 1]:
# unrelated clauses about the same subject sit near `low`, paraphrases near `high`.
COSINE_LOW = 0.35
COSINE_HIGH = 0.8
# Across languages the same sentence scores lower (0.4-0.8) and unrelated ones near 0.15.
CROSS_COSINE_LOW = 0.15
CROSS_COSINE_HIGH = 0.7
# A successor in the other language is rewritten as well as translated: its pairs must be
# clearly the same clause (ADR 0099), or they are reported dropped and added.
CROSS_SUCCESSOR_THRESHOLD = 0.65
# Same-language alignment keeps to the 1-2 and 2-1 steps; a Korean translation often writes
# an English list-sentence of several items as one sentence, so translations allow 1-4.
MAX_GROUP = 2
MAX_TRANSLATION_GROUP = 4
# Between two aligned anchors, an equal number of unpaired clauses on each side of a
# translation are read as each other's translations if they are at least this similar.
GAP_FILL_FLOOR = 0.1
SUCCESSOR_GAP_FILL_FLOOR = 0.3

_ANCHOR = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class ClauseChange:
    """One step of an alignment: status, old and new positions, texts, score and word diff."""

    status: str
    old: tuple[int, ...]
    new: tuple[int, ...]
    old_text: str | None
    new_text: str | None
    score: float | None
    diff: WordDiff | None
    items: ItemChanges | None = None


# One list item of a list clause: (status, old item, new item), statuses as for clauses.
ItemChanges = tuple[tuple[str, str | None, str | None], ...]
# An item of a list that became a sentence counts as kept when the sentence holds its words.
ITEM_IN_SENTENCE = 85


def align_items(old: Clause, new: Clause, lang: str) -> ItemChanges | None:
    """Align the items of two aligned clauses, one of them at least a list (same language).

    Two lists are aligned item by item like clauses (lexically); an item of a list whose
    other side is one sentence is ``unchanged`` when the sentence holds its words, else
    ``dropped`` (or ``added``). None when neither clause is a list. Never raises.
    """
    old_items, new_items = old.items, new.items
    if not old_items and not new_items:
        return None
    if old_items and new_items:
        return tuple(
            (c.status, c.old_text, c.new_text)
            for c in align(
                _item_clauses(old_items, lang), _item_clauses(new_items, lang), lang=lang
            )
        )
    sentence_key = content_key((new if old_items else old).key, lang)
    changes: list[tuple[str, str | None, str | None]] = []
    for item in old_items or new_items:
        key = content_key(match_key(item, lang), lang)
        if key and fuzz.partial_ratio(key, sentence_key) >= ITEM_IN_SENTENCE:
            changes.append(("unchanged", item, item))
        elif old_items:
            changes.append(("dropped", item, None))
        else:
            changes.append(("added", None, item))
    return tuple(changes)


def _item_clauses(items: Sequence[str], lang: str) -> list[Clause]:
    return [Clause(i, 0, item, match_key(item, lang)) for i, item in enumerate(items)]


class PairScorer:
    """Scores any group of old clauses against any group of new clauses on a [0, 1] scale."""

    def __init__(
        self,
        old: Sequence[Clause],
        new: Sequence[Clause],
        *,
        cross_language: bool,
        encoder: Encoder | None,
        lang: str = "en",
        successor: bool = False,
    ) -> None:
        self.old = old
        self.new = new
        self.successor = successor
        # Stock words ("the two sides ... that") make unrelated sentences of one statement
        # look alike, so lexical scores compare the content words only.
        self._old_content = [content_key(c.key, lang) for c in old]
        self._new_content = [content_key(c.key, lang) for c in new]
        self.cross_language = cross_language
        self.semantic = encoder is not None
        self._old_vectors: npt.NDArray[np.float32] | None = None
        self._new_vectors: npt.NDArray[np.float32] | None = None
        if encoder is not None and old and new:
            vectors = encoder.encode([c.text for c in old] + [c.text for c in new])
            self._old_vectors = vectors[: len(old)]
            self._new_vectors = vectors[len(old) :]
        if cross_language and encoder is None:
            self._old_share = _length_shares(old)
            self._new_share = _length_shares(new)
            # Anchors are the ASCII tokens (numbers, acronyms, alias tokens such as "dprk")
            # that occur in both documents; every other English word is noise here.
            old_tokens = [frozenset(_ANCHOR.findall(c.key)) for c in old]
            new_tokens = [frozenset(_ANCHOR.findall(c.key)) for c in new]
            shared = frozenset().union(*old_tokens) & frozenset().union(*new_tokens)
            self._old_anchors = [t & shared for t in old_tokens]
            self._new_anchors = [t & shared for t in new_tokens]

    @property
    def threshold(self) -> float:
        """Return the score a pair must exceed to be aligned in order."""
        if not self.cross_language:
            return SAME_LANGUAGE_THRESHOLD
        if self.successor:
            return CROSS_SUCCESSOR_THRESHOLD
        return TRANSLATION_THRESHOLD if self.semantic else STRUCTURAL_THRESHOLD

    def matrix(self) -> Scores:
        """Return the (len(old), len(new)) matrix of 1-1 pair scores."""
        n, m = len(self.old), len(self.new)
        if n == 0 or m == 0:
            return np.zeros((n, m), dtype=np.float64)
        if self.cross_language:
            if self._old_vectors is not None and self._new_vectors is not None:
                cross = np.asarray(self._old_vectors @ self._new_vectors.T, dtype=np.float64)
                return _rescale(cross, CROSS_COSINE_LOW, CROSS_COSINE_HIGH)
            return self._structural_matrix()
        lexical = (
            process.cdist(
                self._old_content,
                self._new_content,
                scorer=fuzz.token_sort_ratio,
                dtype=np.float64,
                workers=1,
            )
            / 100.0
        )
        lexical = np.asarray(lexical, dtype=np.float64)
        if self._old_vectors is None or self._new_vectors is None:
            return lexical
        cosine = np.asarray(self._old_vectors @ self._new_vectors.T, dtype=np.float64)
        return _blend(lexical, _rescale(cosine, COSINE_LOW, COSINE_HIGH))

    def group(self, old_ids: Sequence[int], new_ids: Sequence[int]) -> float:
        """Return the score of a group pair (a split or a merge), on the same scale as matrix()."""
        if self.cross_language:
            if self._old_vectors is not None and self._new_vectors is not None:
                cosine = np.float64(self._group_cosine(old_ids, new_ids))
                return float(_rescale(cosine, CROSS_COSINE_LOW, CROSS_COSINE_HIGH))
            return self._structural(old_ids, new_ids)
        old_key = " ".join(self._old_content[i] for i in old_ids)
        new_key = " ".join(self._new_content[j] for j in new_ids)
        lexical = fuzz.token_sort_ratio(old_key, new_key) / 100.0
        if self._old_vectors is None:
            return float(lexical)
        cosine = np.float64(self._group_cosine(old_ids, new_ids))
        semantic = _rescale(cosine, COSINE_LOW, COSINE_HIGH)
        return float(_blend(np.float64(lexical), semantic))

    def group_matrix(self, size: int, *, split: bool, mask: npt.NDArray[np.bool_]) -> Scores:
        """Return scores of every window of ``size`` consecutive new (split) or old (merge) clauses.

        Row i, column j of a split matrix scores old i against new j..j+size-1; of a merge
        matrix, old i..i+size-1 against new j. Cells outside ``mask`` may be left at 0.
        """
        n, m = len(self.old), len(self.new)
        rows, cols = (n, m - size + 1) if split else (n - size + 1, m)
        out = np.zeros((rows, cols), dtype=np.float64)
        if self.cross_language and self._old_vectors is None:
            for i, j in zip(*np.nonzero(mask), strict=True):
                old_ids = (int(i),) if split else tuple(range(int(i), int(i) + size))
                new_ids = tuple(range(int(j), int(j) + size)) if split else (int(j),)
                out[i, j] = self._structural(old_ids, new_ids)
            return out
        if self._old_vectors is not None and self._new_vectors is not None:
            old_v, new_v = self._old_vectors, self._new_vectors
            if split:
                new_v = sum(new_v[k : cols + k] for k in range(size))  # type: ignore[assignment]
            else:
                old_v = sum(old_v[k : rows + k] for k in range(size))  # type: ignore[assignment]
            old_v = old_v / np.maximum(np.linalg.norm(old_v, axis=1, keepdims=True), 1e-9)
            new_v = new_v / np.maximum(np.linalg.norm(new_v, axis=1, keepdims=True), 1e-9)
            cosine = np.asarray(old_v @ new_v.T, dtype=np.float64)
            if self.cross_language:
                return _rescale(cosine, CROSS_COSINE_LOW, CROSS_COSINE_HIGH)
            semantic = _rescale(cosine, COSINE_LOW, COSINE_HIGH)
        old_keys, new_keys = self._old_content, self._new_content
        if split:
            new_keys = [" ".join(new_keys[j : j + size]) for j in range(cols)]
        else:
            old_keys = [" ".join(old_keys[i : i + size]) for i in range(rows)]
        lexical = np.asarray(
            process.cdist(old_keys, new_keys, scorer=fuzz.token_sort_ratio, dtype=np.float64)
            / 100.0,
            dtype=np.float64,
        )
        if self._old_vectors is None:
            return lexical
        return _blend(lexical, semantic)

    def _group_cosine(self, old_ids: Sequence[int], new_ids: Sequence[int]) -> float:
        assert self._old_vectors is not None and self._new_vectors is not None
        # The mean of unit vectors stands in for encoding the joined text: no extra encoding.
        a = self._old_vectors[list(old_ids)].sum(axis=0)
        b = self._new_vectors[list(new_ids)].sum(axis=0)
        denominator = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
        return float(a @ b) / denominator

    def _structural_matrix(self) -> Scores:
        n, m = len(self.old), len(self.new)
        out = np.zeros((n, m), dtype=np.float64)
        for i in range(n):
            for j in range(m):
                out[i, j] = self._structural((i,), (j,))
        return out

    def _structural(self, old_ids: Sequence[int], new_ids: Sequence[int]) -> float:
        # Without an encoder an English and a Korean clause share no words, so pair them the
        # way sentence aligners for parallel text do: relative position, share of the
        # document's length, and shared ASCII anchors (numbers, acronyms, alias tokens).
        n, m = len(self.old), len(self.new)
        p_old = (sum(old_ids) / len(old_ids) + 0.5) / n
        p_new = (sum(new_ids) / len(new_ids) + 0.5) / m
        position = 1.0 - min(1.0, abs(p_old - p_new) * 4)
        s_old = sum(self._old_share[i] for i in old_ids)
        s_new = sum(self._new_share[j] for j in new_ids)
        length = min(s_old, s_new) / max(s_old, s_new) if max(s_old, s_new) > 0 else 1.0
        a_old = frozenset().union(*(self._old_anchors[i] for i in old_ids))
        a_new = frozenset().union(*(self._new_anchors[j] for j in new_ids))
        anchors = len(a_old & a_new) / len(a_old | a_new) if (a_old or a_new) else 0.5
        return 0.4 * position + 0.3 * length + 0.3 * anchors


def _length_shares(clauses: Sequence[Clause]) -> list[float]:
    lengths = [max(1, len(c.text)) for c in clauses]
    total = float(sum(lengths)) or 1.0
    return [x / total for x in lengths]


def _rescale(
    cosine: npt.NDArray[np.float64] | np.float64, low: float, high: float
) -> npt.NDArray[np.float64]:
    return np.asarray(np.clip((cosine - low) / (high - low), 0.0, 1.0), dtype=np.float64)


def _blend(
    lexical: npt.NDArray[np.float64] | np.float64, semantic: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    # The encoder can only lift a pair: sentences of one statement about one subject all sit
    # at cosine 0.5-0.65, so it tells a strong paraphrase apart but not a weak one, and
    # letting it pull pairs down would undo lexical matches of edited sentences.
    return np.asarray(np.maximum(lexical, 0.5 * lexical + 0.5 * semantic), dtype=np.float64)


def word_diff(old_text: str, new_text: str) -> WordDiff:
    """Return word-level opcodes [(op, old_words, new_words), ...] between two texts."""
    old_words = old_text.split()
    new_words = new_text.split()
    ops: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    for op in Levenshtein.opcodes(old_words, new_words):
        removed = tuple(old_words[op.src_start : op.src_end])
        added = tuple(new_words[op.dest_start : op.dest_end])
        if op.tag == "equal":
            ops.append(("equal", removed, added))
            continue
        if ops and ops[-1][0] != "equal":
            # Adjacent edits read as one ("agreed" -> "discussed ways"), not as an
            # insertion, a replacement and another insertion interleaved.
            _, before, after = ops.pop()
            removed, added = before + removed, after + added
        ops.append(
            ("replace" if removed and added else "delete" if removed else "insert", removed, added)
        )
    return tuple(ops)


Step = tuple[str, tuple[int, ...], tuple[int, ...], float]


def _group_candidates(
    scorer: PairScorer, scores: Scores, max_group: int
) -> tuple[dict[tuple[int, int, int], float], dict[tuple[int, int, int], float]]:
    """Return split (i, first j, size) and merge (first i, j, size) candidates worth a step."""
    n, m = scores.shape
    threshold = scorer.threshold
    split: dict[tuple[int, int, int], float] = {}
    merge: dict[tuple[int, int, int], float] = {}
    related = scores >= SPLIT_PART_FLOOR
    for size in range(2, max_group + 1):
        if m >= size:
            width = m - size + 1
            both = np.ones((n, width), dtype=bool)
            parts = np.zeros((n, width), dtype=np.float64)
            for k in range(size):
                both &= related[:, k : width + k]
                parts = np.maximum(parts, scores[:, k : width + k])
            if both.any():
                values = scorer.group_matrix(size, split=True, mask=both)
                keep = both & (values > parts + SPLIT_MARGIN) & (values > threshold)
                for i, j in zip(*np.nonzero(keep), strict=True):
                    split[(int(i), int(j), size)] = float(values[i, j])
        if n >= size:
            height = n - size + 1
            both = np.ones((height, m), dtype=bool)
            parts = np.zeros((height, m), dtype=np.float64)
            for k in range(size):
                both &= related[k : height + k, :]
                parts = np.maximum(parts, scores[k : height + k, :])
            if both.any():
                values = scorer.group_matrix(size, split=False, mask=both)
                keep = both & (values > parts + SPLIT_MARGIN) & (values > threshold)
                for i, j in zip(*np.nonzero(keep), strict=True):
                    merge[(int(i), int(j), size)] = float(values[i, j])
    return split, merge


def _in_order(scorer: PairScorer, scores: Scores, max_group: int) -> list[Step]:
    n, m = scores.shape
    threshold = scorer.threshold
    gain = (scores - threshold).tolist()
    split, merge = _group_candidates(scorer, scores, max_group)
    # Group steps by the cell they end in, so the inner loop only looks them up.
    ends: dict[tuple[int, int], list[tuple[int, int, int, float]]] = {}
    for (i, j, size), value in split.items():
        ends.setdefault((i + 1, j + size), []).append((1, size, 4, value - threshold))
    for (i, j, size), value in merge.items():
        ends.setdefault((i + size, j + 1), []).append((size, 1, 5, value - threshold))

    # best[i][j]: best total for old[:i] and new[:j]; step[i][j] says how it was reached.
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    step = [[(0, 0, 0)] * (m + 1) for _ in range(n + 1)]
    for j in range(1, m + 1):
        step[0][j] = (0, 1, 2)
    for i in range(1, n + 1):
        step[i][0] = (1, 0, 1)
        row, prev = best[i], best[i - 1]
        steps = step[i]
        gain_row = gain[i - 1]
        for j in range(1, m + 1):
            value = prev[j]  # drop old i-1
            how = (1, 0, 1)
            if row[j - 1] > value:  # add new j-1
                value = row[j - 1]
                how = (0, 1, 2)
            g = gain_row[j - 1]
            if g > 0 and prev[j - 1] + g > value:
                value = prev[j - 1] + g
                how = (1, 1, 3)
            if ends:
                for di, dj, kind, extra in ends.get((i, j), ()):
                    candidate = best[i - di][j - dj] + extra
                    if candidate > value:
                        value = candidate
                        how = (di, dj, kind)
            row[j] = value
            steps[j] = how

    path: list[Step] = []
    i, j = n, m
    names = {1: "drop", 2: "add", 3: "pair", 4: "split", 5: "merge"}
    while i > 0 or j > 0:
        di, dj, kind = step[i][j]
        old_ids = tuple(range(i - di, i))
        new_ids = tuple(range(j - dj, j))
        if kind == 3:
            score = float(scores[i - 1, j - 1])
        elif kind == 4:
            score = split[(i - 1, j - dj, dj)]
        elif kind == 5:
            score = merge[(i - di, j - 1, di)]
        else:
            score = 0.0
        path.append((names[kind], old_ids, new_ids, score))
        i, j = i - di, j - dj
    path.reverse()
    return path


def _fill_gaps(path: list[Step], scores: Scores, floor: float = GAP_FILL_FLOOR) -> list[Step]:
    """Pair, in order, the unpaired clauses of a translation's gaps that are equally long."""
    result: list[Step] = []
    run: list[Step] = []

    def flush() -> None:
        drops = [p for p in run if p[0] == "drop"]
        adds = [p for p in run if p[0] == "add"]
        if (
            drops
            and len(drops) == len(adds)
            and all(scores[d[1][0], a[2][0]] >= floor for d, a in zip(drops, adds, strict=True))
        ):
            for d, a in zip(drops, adds, strict=True):
                result.append(("pair", d[1], a[2], float(scores[d[1][0], a[2][0]])))
        else:
            result.extend(run)
        run.clear()

    for entry in path:
        if entry[0] in ("drop", "add"):
            run.append(entry)
        else:
            flush()
            result.append(entry)
    flush()
    return result


def _moves(path: list[Step], scores: Scores, threshold: float) -> list[Step]:
    drops = {p[1][0]: k for k, p in enumerate(path) if p[0] == "drop"}
    adds = {p[2][0]: k for k, p in enumerate(path) if p[0] == "add"}
    if not drops or not adds:
        return path
    old_ids = sorted(drops)
    new_ids = sorted(adds)
    sub = scores[np.ix_(old_ids, new_ids)]
    candidates = [
        (float(sub[a, b]), old_ids[a], new_ids[b])
        for a, b in zip(*np.nonzero(sub >= threshold), strict=True)
    ]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_old: set[int] = set()
    used_new: set[int] = set()
    result = list(path)
    removed: set[int] = set()
    for score, i, j in candidates:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        # The move is reported where the clause now stands; its old slot disappears.
        result[adds[j]] = ("move", (i,), (j,), score)
        removed.add(drops[i])
    return [p for k, p in enumerate(result) if k not in removed]


#: Largest score matrix aligned in one piece (old clauses x new clauses). The in-order pass
#: keeps two Python tables of this many cells: 5,000 x 5,000 clauses took 94 s and 2.85 GB
#: (issue 15.12). Longer statements are aligned block by block (:func:`_align_in_blocks`).
MAX_ALIGNED_CELLS = 250_000
#: Clauses per side in one block of a blocked alignment.
BLOCK_CLAUSES = 300
#: Scoring a pair costs more as clauses grow: a cell counts as (mean clause length /
#: TYPICAL_CLAUSE_CHARS)^2 cells, and a block holds about BLOCK_CLAUSES typical clauses.
TYPICAL_CLAUSE_CHARS = 200


def _mean_chars(old: Sequence[Clause], new: Sequence[Clause]) -> float:
    total = sum(len(c.text) for c in old) + sum(len(c.text) for c in new)
    return max(1.0, total / max(1, len(old) + len(new)))


def _weighted_cells(old: Sequence[Clause], new: Sequence[Clause]) -> float:
    """The work of aligning in one piece, in cells of typical clauses."""
    weight = max(1.0, _mean_chars(old, new) / TYPICAL_CLAUSE_CHARS) ** 2
    return len(old) * len(new) * weight


def _anchors(old: Sequence[Clause], new: Sequence[Clause]) -> list[tuple[int, int]]:
    """Clauses whose match key occurs exactly once on each side, longest in-order chain."""

    def once(clauses: Sequence[Clause]) -> dict[str, int]:
        seen: dict[str, int] = {}
        repeated: set[str] = set()
        for position, clause in enumerate(clauses):
            if clause.key in seen:
                repeated.add(clause.key)
            seen[clause.key] = position
        return {k: v for k, v in seen.items() if k not in repeated and k}

    in_old, in_new = once(old), once(new)
    pairs = sorted((in_old[k], in_new[k]) for k in in_old.keys() & in_new.keys())
    # Longest increasing run of new positions (patience sorting), n log n.
    tails: list[int] = []
    tail_index: list[int] = []
    parent = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[k] = j
            tail_index[k] = index
        parent[index] = tail_index[k - 1] if k else -1
    chain: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        chain.append(pairs[index])
        index = parent[index]
    return chain[::-1]


def _blocks(
    n: int, m: int, anchors: list[tuple[int, int]], size: int = BLOCK_CLAUSES
) -> list[tuple[int, int, int, int]]:
    """(old start, old end, new start, new end) blocks covering both sides in order: cut
    before anchors so that blocks stay near :data:`BLOCK_CLAUSES`; a stretch without
    anchors is cut proportionally."""
    cuts = [(0, 0)]
    for i, j in anchors:
        last_i, last_j = cuts[-1]
        if i - last_i >= size or j - last_j >= size:
            cuts.append((i, j))
    cuts.append((n, m))
    blocks: list[tuple[int, int, int, int]] = []
    for (a, c), (b, d) in itertools.pairwise(cuts):
        parts = max(1, -(-max(b - a, d - c) // size))
        for k in range(parts):
            blocks.append(
                (
                    a + (b - a) * k // parts,
                    a + (b - a) * (k + 1) // parts,
                    c + (d - c) * k // parts,
                    c + (d - c) * (k + 1) // parts,
                )
            )
    return [blk for blk in blocks if blk[0] < blk[1] or blk[2] < blk[3]]


def _align_in_blocks(
    old: Sequence[Clause], new: Sequence[Clause], **options: Any
) -> list[ClauseChange]:
    """Align very long statements block by block, cut at clauses both sides share once.

    Each block is aligned in full; a clause moved from one block to another reads as
    dropped there and added here, the price of a bounded cost.
    """
    changes: list[ClauseChange] = []
    mean = _mean_chars(old, new)
    size = max(20, min(BLOCK_CLAUSES, int(BLOCK_CLAUSES * TYPICAL_CLAUSE_CHARS / mean)))
    for a, b, c, d in _blocks(len(old), len(new), _anchors(old, new), size):
        for change in align(old[a:b], new[c:d], **options):
            changes.append(
                replace(
                    change,
                    old=tuple(i + a for i in change.old),
                    new=tuple(j + c for j in change.new),
                )
            )
    return changes


def align(
    old: Sequence[Clause],
    new: Sequence[Clause],
    *,
    cross_language: bool = False,
    encoder: Encoder | None = None,
    lang: str = "en",
    successor: bool = False,
) -> list[ClauseChange]:
    """Align two clause lists; every clause is in exactly one change. Never raises on clauses.

    ``successor`` with ``cross_language``: the new statement is a later one in the other
    language. Its pairs take the same-language statuses (modified, moved, split, merged;
    no word diff), only above ``CROSS_SUCCESSOR_THRESHOLD`` and only with an encoder:
    without one, position and length say nothing about a rewritten statement, so every
    clause is dropped or added.
    """
    if cross_language and successor and encoder is None:
        return [
            *(
                ClauseChange("dropped", (i,), (), c.text, None, None, None)
                for i, c in enumerate(old)
            ),
            *(ClauseChange("added", (), (j,), None, c.text, None, None) for j, c in enumerate(new)),
        ]
    if _weighted_cells(old, new) > MAX_ALIGNED_CELLS:
        return _align_in_blocks(
            old,
            new,
            cross_language=cross_language,
            encoder=encoder,
            lang=lang,
            successor=successor,
        )
    scorer = PairScorer(
        old, new, cross_language=cross_language, encoder=encoder, lang=lang, successor=successor
    )
    scores = scorer.matrix()
    # A translation may write an English list-sentence as one Korean sentence; a successor
    # is grouped like a same-language one, so unrelated neighbours are not merged in.
    translation = cross_language and not successor
    path = _in_order(
        scorer,
        scores,
        MAX_TRANSLATION_GROUP if translation else (1 if cross_language else MAX_GROUP),
    )
    if translation:
        path = _fill_gaps(path, scores)
    elif cross_language:
        path = _fill_gaps(path, scores, SUCCESSOR_GAP_FILL_FLOOR)
    path = _moves(path, scores, max(MOVE_THRESHOLD, scorer.threshold))
    changes: list[ClauseChange] = []
    for how, old_ids, new_ids, score in path:
        old_text = " ".join(old[i].text for i in old_ids) if old_ids else None
        new_text = " ".join(new[j].text for j in new_ids) if new_ids else None
        if how == "drop":
            changes.append(ClauseChange("dropped", old_ids, (), old_text, None, None, None))
            continue
        if how == "add":
            changes.append(ClauseChange("added", (), new_ids, None, new_text, None, None))
            continue
        assert old_text is not None and new_text is not None
        if cross_language and not successor:
            status = "matched"
        elif how == "split":
            status = "split"
        elif how == "merge":
            status = "merged"
        elif how == "move":
            status = "moved"
        elif old_text == new_text:
            status = "unchanged"
        else:
            status = "modified"
        identical = old_text == new_text and not cross_language
        one_to_one = len(old_ids) == 1 and len(new_ids) == 1
        changes.append(
            ClauseChange(
                status,
                old_ids,
                new_ids,
                old_text,
                new_text,
                1.0 if identical else round(min(1.0, score), 4),
                None if cross_language or identical else word_diff(old_text, new_text),
                None
                if cross_language or identical or not one_to_one
                else align_items(old[old_ids[0]], new[new_ids[0]], lang),
            )
        )
    return changes
