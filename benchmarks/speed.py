"""Speed of ``compare`` on generated statement pairs, beside an all-pairs difflib aligner.

Prints one table: median wall time of clausewatch's lexical and semantic comparison on
generated 60x60 and 300x300-clause pairs, and of a naive aligner that scores every pair
with difflib.SequenceMatcher and pairs greedily, with each aligner's pairing F1 against
the generator's truth. Not a pass/fail test; run with ``.venv/bin/python benchmarks/speed.py``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import platform
import random
import time
from functools import partial

from timing import median_seconds

from clauses import compare_texts, default_encoder

SUBJECTS = [
    "The two sides",
    "The United States",
    "The ROK",
    "The delegations",
    "The allies",
    "Both governments",
    "The NCG",
    "The ministers",
]
VERBS = [
    "reaffirmed",
    "agreed to strengthen",
    "discussed",
    "noted",
    "will continue to expand",
    "welcomed",
    "committed to",
    "reviewed",
    "intend to deepen",
    "explored",
]
OBJECTS = [
    "joint planning and execution",
    "information sharing procedures",
    "the visibility of strategic assets",
    "conventional-nuclear integration",
    "crisis consultation channels",
    "tabletop exercises",
    "risk reduction measures",
    "extended deterrence",
    "the security of sensitive data",
    "training and investment",
    "the nuclear scenario of the summer exercise",
    "strategic communications",
]
QUALIFIERS = [
    "on the Korean Peninsula",
    "in the coming year",
    "at every level",
    "with regional partners",
    "before the next meeting",
    "through regular dialogue",
    "in line with the guidelines",
    "across all workstreams",
]
EXTRA = ["closely", "further", "steadily", "jointly", "in earnest", "as a priority"]


def sentence(rng: random.Random, serial: int) -> str:
    """Return one generated statement sentence; ``serial`` keeps sentences distinct."""
    return (
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
        f"{rng.choice(QUALIFIERS)} under item {serial}."
    )


def reword(rng: random.Random, text: str) -> str:
    """Return ``text`` with one or two words changed, as an edited clause."""
    words = text.split()
    for _ in range(rng.choice([1, 2])):
        position = rng.randrange(1, len(words) - 1)
        words.insert(position, rng.choice(EXTRA))
    return " ".join(words)


def make_pair(n: int, seed: int) -> tuple[list[str], list[str], set[tuple[int, int]]]:
    """Return old and new clause lists of about ``n`` clauses and the true 1-1 pairs."""
    rng = random.Random(seed)
    old = [sentence(rng, i) for i in range(n)]
    new: list[tuple[str, int | None]] = []
    serial = n
    for i, text in enumerate(old):
        roll = rng.random()
        if roll < 0.08:
            continue  # dropped
        if roll < 0.23:
            new.append((reword(rng, text), i))
        else:
            new.append((text, i))
        if rng.random() < 0.08:
            new.append((sentence(rng, serial), None))  # added
            serial += 1
    # A few clauses move far away.
    for _ in range(max(1, n // 30)):
        k = rng.randrange(len(new))
        item = new.pop(k)
        new.insert(rng.randrange(len(new) + 1), item)
    while len(new) > n:
        new.pop(rng.randrange(len(new)))
    truth = {(source, j) for j, (_, source) in enumerate(new) if source is not None}
    return old, [t for t, _ in new], truth


def f1(predicted: set[tuple[int, int]], truth: set[tuple[int, int]]) -> float:
    """Return the F1 of predicted (old, new) pairs against the true pairs."""
    if not predicted and not truth:
        return 1.0
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    return 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)


def difflib_align(old: list[str], new: list[str], threshold: float = 0.6) -> set[tuple[int, int]]:
    """Score every pair with difflib and pair greedily, best first (the baseline)."""
    scored = []
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            ratio = difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()
            if ratio >= threshold:
                scored.append((ratio, i, j))
    scored.sort(reverse=True)
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: set[tuple[int, int]] = set()
    for _, i, j in scored:
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.add((i, j))
    return pairs


def clausewatch_align(old: list[str], new: list[str], lexical: bool) -> set[tuple[int, int]]:
    """Run the full comparison (segment, align, commitments, phrases) and return its 1-1 pairs."""
    result = compare_texts(
        "\n\n".join(old), "\n\n".join(new), lexical=lexical, old_lang="en", new_lang="en"
    )
    pairs: set[tuple[int, int]] = set()
    for change in result.clause_changes:
        if change.old and change.new:
            for i in change.old:
                for j in change.new:
                    pairs.add((i, j))
    return pairs


def main() -> None:
    """Print the speed table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-semantic", action="store_true", help="skip the encoder rows")
    args = parser.parse_args()

    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    header = f"{'pair':<9} {'aligner':<22} {'median ms':>10} {'F1':>6} {'speed-up':>9}"
    print(header)
    print("-" * len(header))
    for size, repeat in ((60, args.repeat), (300, max(3, args.repeat // 2))):
        old, new, truth = make_pair(size, seed=size)
        base_time = median_seconds(partial(difflib_align, old, new), max(1, repeat // 3))
        base_f1 = f1(difflib_align(old, new), truth)
        label = f"{len(old)}x{len(new)}"
        print(
            f"{label:<9} {'difflib all-pairs':<22} {base_time * 1000:>10.1f} {base_f1:>6.3f} "
            f"{'1x':>9}"
        )
        modes = [("clausewatch lexical", True)]
        if not args.no_semantic:
            modes.append(("clausewatch semantic", False))
        for name, lexical in modes:
            if not lexical:
                encoder = default_encoder()
                start = time.perf_counter()
                encoder.encode(old + new)
                cold = time.perf_counter() - start
            elapsed = median_seconds(partial(clausewatch_align, old, new, lexical), repeat)
            score = f1(clausewatch_align(old, new, lexical), truth)
            note = "" if lexical else f"  (first encoding {cold:.1f} s, then cached)"
            print(
                f"{label:<9} {name:<22} {elapsed * 1000:>10.1f} {score:>6.3f} "
                f"{base_time / elapsed:>8.0f}x{note}"
            )


if __name__ == "__main__":
    main()
