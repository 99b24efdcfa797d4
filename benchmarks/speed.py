"""Speed of ``compare`` on generated statement pairs, beside two greedy baseline aligners.

Prints two tables. The first: median wall time of clausewatch's lexical and semantic
comparison, warm and in-process, on generated English, Korean and list-shaped pairs of 60
and 300 clauses, beside two aligners that score every pair and pair greedily, best first:
pure-Python difflib and rapidfuzz (``process.cdist``), with each aligner's pairing F1
against the generator's truth. The second: what a user pays, ``clausewatch compare`` run as
a fresh process on the same pairs written to files, on the NCG 4->5 and SCM 56->57 corpus
pairs, and ``clausewatch --help`` (wall time and peak RSS, median of runs).
Not a pass/fail test; run with ``.venv/bin/python benchmarks/speed.py``.
"""

from __future__ import annotations

import argparse
import difflib
import random
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from common import clausewatch, end_line, machine_line, median_seconds, repeated_command
from rapidfuzz import fuzz, process

from clauses import compare_texts

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

# Korean sentences of the same shape: subject + topic + qualifier + verb, in the formal
# past tense of the statements (…했다).
KO_SUBJECTS = ["양측은", "미국은", "한국은", "양국 대표단은", "동맹은", "양국 정부는", "NCG는"]
KO_OBJECTS = [
    "공동기획 및 실행을",
    "정보공유 절차를",
    "전략자산의 가시성을",
    "핵·재래식 통합을",
    "위기 시 협의 채널을",
    "도상연습을",
    "위험 감소 조치를",
    "확장억제를",
    "민감 정보의 보안을",
    "교육훈련과 투자를",
    "연합연습의 핵 시나리오를",
    "전략적 소통을",
]
KO_QUALIFIERS = [
    "한반도에서",
    "내년에",
    "모든 수준에서",
    "역내 협력국과 함께",
    "다음 회의 전까지",
    "정례 대화를 통해",
    "지침에 따라",
    "모든 작업 분야에서",
]
KO_VERBS = ["재확인했다", "강화하기로 합의했다", "논의했다", "주목했다", "환영했다", "검토했다"]
KO_EXTRA = ["긴밀히", "더욱", "지속적으로", "함께", "적극적으로", "우선적으로"]


def sentence(rng: random.Random, serial: int, shape: str = "en") -> str:
    """Return one generated statement sentence; ``serial`` keeps sentences distinct.

    ``shape`` is ``en``, ``ko`` or ``list`` (an English clause that introduces a
    semicolon list of three topics, as the statements' workstream paragraphs do).
    """
    if shape == "ko":
        return (
            f"{rng.choice(KO_SUBJECTS)} 제{serial}항에 따라 {rng.choice(KO_QUALIFIERS)} "
            f"{rng.choice(KO_OBJECTS)} {rng.choice(KO_VERBS)}."
        )
    if shape == "list":
        items = "; ".join(rng.sample(OBJECTS, 3))
        return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} item {serial}: {items}."
    return (
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
        f"{rng.choice(QUALIFIERS)} under item {serial}."
    )


def reword(rng: random.Random, text: str, shape: str = "en") -> str:
    """Return ``text`` with one or two words added, as an edited clause."""
    words = text.split()
    extra = KO_EXTRA if shape == "ko" else EXTRA
    for _ in range(rng.choice([1, 2])):
        position = rng.randrange(1, len(words) - 1)
        words.insert(position, rng.choice(extra))
    return " ".join(words)


def make_pair(
    n: int, seed: int, shape: str = "en"
) -> tuple[list[str], list[str], set[tuple[int, int]]]:
    """Return old and new clause lists of about ``n`` clauses and the true 1-1 pairs."""
    rng = random.Random(seed)
    old = [sentence(rng, i, shape) for i in range(n)]
    new: list[tuple[str, int | None]] = []
    serial = n
    for i, text in enumerate(old):
        roll = rng.random()
        if roll < 0.08:
            continue  # dropped
        if roll < 0.23:
            new.append((reword(rng, text, shape), i))
        else:
            new.append((text, i))
        if rng.random() < 0.08:
            new.append((sentence(rng, serial, shape), None))  # added
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


def greedy_pairs(scored: list[tuple[float, int, int]]) -> set[tuple[int, int]]:
    """Pair (score, old, new) candidates best first, each clause at most once."""
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: set[tuple[int, int]] = set()
    for _, i, j in sorted(scored, reverse=True):
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.add((i, j))
    return pairs


def difflib_align(old: list[str], new: list[str], threshold: float = 0.6) -> set[tuple[int, int]]:
    """Score every pair with difflib and pair greedily, best first (the baseline)."""
    scored = []
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            ratio = difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()
            if ratio >= threshold:
                scored.append((ratio, i, j))
    return greedy_pairs(scored)


def rapidfuzz_align(
    old: list[str], new: list[str], threshold: float = 60.0
) -> set[tuple[int, int]]:
    """The same greedy pairing as ``difflib_align``, scored with rapidfuzz's ``cdist``."""
    scores = process.cdist(
        [a.lower() for a in old], [b.lower() for b in new], scorer=fuzz.ratio, workers=1
    )
    scored = [
        (float(scores[i, j]), i, j)
        for i in range(len(old))
        for j in range(len(new))
        if scores[i, j] >= threshold
    ]
    return greedy_pairs(scored)


def clausewatch_align(
    old: list[str], new: list[str], lexical: bool, language: str = "en"
) -> set[tuple[int, int]]:
    """Run the full comparison (segment, align, commitments, phrases) and return its 1-1 pairs."""
    result = compare_texts(
        "\n\n".join(old),
        "\n\n".join(new),
        lexical=lexical,
        old_lang=language,
        new_lang=language,
    )
    # Each generated sentence is a paragraph of its own; a list sentence is segmented into
    # several clauses, so pairs are scored per paragraph (= per generated sentence).
    old_paragraph = {c.position: c.paragraph for c in result.old_clauses}
    new_paragraph = {c.position: c.paragraph for c in result.new_clauses}
    pairs: set[tuple[int, int]] = set()
    for change in result.clause_changes:
        if change.old and change.new:
            for i in change.old:
                for j in change.new:
                    pairs.add((old_paragraph[i], new_paragraph[j]))
    return pairs


def fresh_process(old: Path, new: Path, runs: int) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MB) of ``clausewatch compare`` in a fresh process."""
    return repeated_command(clausewatch("compare", str(old), str(new)), runs)


CASES = [("en", 60), ("ko", 60), ("list", 60), ("en", 300), ("ko", 300)]


def main() -> None:
    """Print the speed tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--process-runs", type=int, default=5, help="fresh-process runs per row")
    parser.add_argument("--no-semantic", action="store_true", help="skip the encoder rows")
    parser.add_argument("--note", default="", help="what else ran on the machine")
    args = parser.parse_args()

    started = time.perf_counter()
    print(machine_line(args.note))
    print("\nwarm, in-process (encoder loaded, caches of earlier runs kept):")
    header = f"{'pair':<13} {'aligner':<22} {'median ms':>10} {'F1':>6} {'vs rapidfuzz':>13}"
    print(header)
    print("-" * len(header))
    pairs: list[tuple[str, list[str], list[str]]] = []
    for shape, size in CASES:
        repeat = args.repeat if size <= 60 else max(3, args.repeat // 2)
        old, new, truth = make_pair(size, seed=size, shape=shape)
        label = f"{shape} {len(old)}x{len(new)}"
        pairs.append((label, old, new))
        language = "ko" if shape == "ko" else "en"
        rows: list[tuple[str, Callable[[], set[tuple[int, int]]], int]] = [
            ("difflib greedy", partial(difflib_align, old, new), max(1, repeat // 3)),
            ("rapidfuzz greedy", partial(rapidfuzz_align, old, new), repeat),
            ("clausewatch lexical", partial(clausewatch_align, old, new, True, language), repeat),
        ]
        if not args.no_semantic:
            rows.append(
                (
                    "clausewatch semantic",
                    partial(clausewatch_align, old, new, False, language),
                    repeat,
                )
            )
        reference = 0.0
        for name, run, times in rows:
            elapsed = median_seconds(run, times)
            if name == "rapidfuzz greedy":
                reference = elapsed
            score = f1(run(), truth)
            ratio = f"{elapsed / reference:.1f}x" if reference else "-"
            print(f"{label:<13} {name:<22} {elapsed * 1000:>10.1f} {score:>6.3f} {ratio:>13}")

    print("\nwhat a user pays: `clausewatch compare OLD NEW` in a fresh process:")
    header = f"{'pair':<13} {'median s':>9} {'peak RSS MB':>12}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        for label, old, new in pairs:
            old_file = Path(folder) / "old.txt"
            new_file = Path(folder) / "new.txt"
            old_file.write_text("\n\n".join(old), encoding="utf-8")
            new_file.write_text("\n\n".join(new), encoding="utf-8")
            seconds, peak = fresh_process(old_file, new_file, args.process_runs)
            print(f"{label:<13} {seconds:>9.2f} {peak:>12.0f}")
        corpus = Path(__file__).resolve().parent.parent / "clausewatch" / "demo" / "corpus" / "ncg"
        for language in ("en", "ko"):
            seconds, peak = fresh_process(
                corpus / f"ncg-4.{language}.txt",
                corpus / f"ncg-5.{language}.txt",
                args.process_runs,
            )
            print(f"{'ncg 4->5 ' + language:<13} {seconds:>9.2f} {peak:>12.0f}")
        scm = corpus.parent / "scm"
        seconds, peak = fresh_process(
            scm / "scm-56.ko.txt", scm / "scm-57.ko.txt", args.process_runs
        )
        print(f"{'scm 56->57 ko':<13} {seconds:>9.2f} {peak:>12.0f}")
        seconds, peak = repeated_command(clausewatch("--help"), args.process_runs)
        print(f"{'--help':<13} {seconds:>9.2f} {peak:>12.0f}")
    print(f"\n{end_line(started)}")


if __name__ == "__main__":
    main()
