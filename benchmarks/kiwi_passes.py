"""How often kiwipiepy runs over the same Korean text, and what one pass per paragraph would save.

Korean text goes through kiwipiepy twice: ``split_into_sents`` on each paragraph when a
statement is segmented, then ``tokenize`` on each clause whose morphemes the phrases,
strength or modality need (cached per text for the process). ``split_into_sents`` analyses
the whole paragraph anyway, and ``return_tokens=True`` hands its morphemes back, so one
pass could serve both. This prints, each in a fresh process:

- (a) ``clausewatch compare`` of the NCG 4→5 Korean pair: kiwipiepy calls, characters and
  CPU seconds per method, its load and its first analysis (kiwipiepy builds its model
  lazily there, whatever the method) apart, the whole process's CPU and peak RSS;
- (b) ingest (store and compare) of a synthetic Korean history on SQLite, as
  ``scale.py --languages ko`` builds it: the same per statement;
- (c) whether the morphemes from the paragraph's pass are the ones ``tokenize`` gives for
  each sentence alone and for each clause as ``segment`` makes it, on every Korean text of
  the corpus, the labeled set and the synthetic history (a clause that differs would
  change results).

The saving of one pass is at most the ``tokenize`` CPU. Not a pass/fail test:
``.venv/bin/python benchmarks/kiwi_passes.py [--series 4 --statements 20]``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

from common import in_fresh_process, load, machine_line, own_cpu, print_table

ROOT = Path(__file__).resolve().parent.parent
NCG = ROOT / "clausewatch" / "demo" / "corpus" / "ncg"
TEXTS = ["clausewatch/demo/corpus/**/*.txt", "tests/fixtures/labels/**/*.txt"]
TEXTS += ["tests/fixtures/series/**/*.txt"]
COUNTED = ("split_into_sents", "tokenize")


class _SegmentModule(Protocol):
    """The part of ``clauses.segment`` the counter uses: its lazy Kiwi, the builder it
    swaps, and the morpheme call that warms it up."""

    _kiwi: Any
    _kiwi_instance: Callable[[], Any]

    def korean_morphemes(self, text: str) -> list[tuple[str, str, int, int]]: ...


class KiwiCounter:
    """Wraps the process's kiwipiepy instance: calls, characters and CPU seconds per method,
    with its construction and its first analysis (the lazy model build) apart."""

    def __init__(self) -> None:
        self.calls = dict.fromkeys(COUNTED, 0)
        self.chars = dict.fromkeys(COUNTED, 0)
        self.cpu = dict.fromkeys(COUNTED, 0.0)
        self.load_cpu = 0.0
        self.first_cpu: float | None = None
        # The module's own name (``clauses.segment``): the package exports a function
        # ``segment`` that an attribute import would find instead.
        self.segment = cast(_SegmentModule, importlib.import_module("clauses.segment"))
        original = self.segment._kiwi_instance

        def instance() -> Any:
            if self.segment._kiwi is None:
                start = time.process_time()
                kiwi = original()
                self.load_cpu = time.process_time() - start
                self.segment._kiwi = _Counting(kiwi, self)
            return self.segment._kiwi

        self.segment._kiwi_instance = instance

    def record(self, method: str, text: str, seconds: float) -> None:
        """Count one call (the first one's CPU, mostly the lazy model build, apart)."""
        self.calls[method] += 1
        self.chars[method] += len(text)
        if self.first_cpu is None:
            self.first_cpu = seconds
        else:
            self.cpu[method] += seconds

    def reset(self) -> None:
        """Forget the calls so far (the first analysis stays known)."""
        for method in COUNTED:
            self.calls[method], self.chars[method], self.cpu[method] = 0, 0, 0.0


class _Counting:
    def __init__(self, kiwi: Any, counter: KiwiCounter) -> None:
        self._kiwi, self._counter = kiwi, counter

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._kiwi, name)
        if name not in COUNTED:
            return attribute

        def counted(text: str, *args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            result = list(attribute(text, *args, **kwargs))
            self._counter.record(name, text, time.process_time() - start)
            return result

        return counted


def _figures(counter: KiwiCounter, cpu: float, units: int) -> dict[str, Any]:
    return {
        "calls": dict(counter.calls),
        "chars": dict(counter.chars),
        "cpu": dict(counter.cpu),
        "load": counter.load_cpu,
        "first": counter.first_cpu or 0.0,
        "run_cpu": cpu,
        "units": units,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_average": load(),
    }


def compare_job() -> dict[str, Any]:
    """``clausewatch compare`` of the NCG 4→5 Korean pair in this (fresh) process."""
    counter = KiwiCounter()
    from clausewatch.cli import main

    sys.argv = ["clausewatch", "compare", str(NCG / "ncg-4.ko.txt"), str(NCG / "ncg-5.ko.txt")]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            main()
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    return _figures(counter, own_cpu(), 1)


def ingest_job(series: int, statements: int) -> dict[str, Any]:
    """Store and compare a synthetic Korean history on SQLite; the encoder and kiwipiepy
    are loaded (and kiwipiepy's first analysis made) before the ingest is counted."""
    import scale

    from clauses import default_encoder

    counter = KiwiCounter()
    history = scale.synthetic_history(series, statements, ["ko"], 9)
    default_encoder().encode(["warm-up"])
    counter.segment.korean_morphemes("준비")
    counter.reset()
    with tempfile.TemporaryDirectory(prefix="kiwi-passes-") as folder:
        stored = scale.fresh_history(f"sqlite:///{folder}/ingest.sqlite")
        try:
            start = time.process_time()
            figures = scale.ingest(stored, history, False, progress=False)["ko"]
            cpu = time.process_time() - start
        finally:
            stored.close()
    return _figures(counter, cpu, figures.statements)


def _split_both_ways(kiwi: Any, unit: str, tokens_first: bool, figures: dict[str, float]) -> Any:
    """``split_into_sents`` of ``unit`` with its tokens, timed against the same call without
    them (either one first, in turn: analysing a text again is a little faster)."""
    result: Any = None
    for with_tokens in (tokens_first, not tokens_first):
        start = time.process_time()
        pieces = kiwi.split_into_sents(unit, return_tokens=with_tokens)
        used = time.process_time() - start
        figures["split CPU with tokens" if with_tokens else "split CPU"] += used
        if with_tokens:
            result = pieces
    return result


def identity_job(series: int, statements: int) -> dict[str, float]:
    """Morphemes from the paragraph's pass (``split_into_sents(return_tokens=True)``) against
    ``tokenize`` of each sentence alone and of each clause as ``segment`` makes it (a list's
    lead-in ending in ":" joined to the sentence after it): how many differ, and the CPU
    seconds of ``split_into_sents`` on every paragraph without and with the tokens."""
    import scale

    from clauses.normalize import normalize_display
    from core.language import detect_language

    segment = importlib.import_module("clauses.segment")
    kiwi = segment._kiwi_instance()
    kiwi.tokenize("준비")
    texts = [p.read_text(encoding="utf-8") for g in TEXTS for p in sorted(ROOT.glob(g))]
    texts += [s.text for s in scale.synthetic_history(series, statements, ["ko"], 9)]
    figures = dict.fromkeys(["texts", "paragraphs", "sentences", "sentences differ"], 0.0)
    figures |= dict.fromkeys(["clauses"], 0.0)
    figures |= dict.fromkeys(["clauses differ", "split CPU", "split CPU with tokens"], 0.0)

    def morphemes(text: str) -> list[tuple[str, str, int, int]]:
        return [(t.form, t.tag, t.start, t.len) for t in kiwi.tokenize(text)]

    for text in texts:
        display = normalize_display(text)
        if detect_language(display) != "ko":
            continue
        figures["texts"] += 1
        for paragraph in display.split("\n\n"):
            for unit in segment._paragraph_units(paragraph):
                figures["paragraphs"] += 1
                pieces = _split_both_ways(kiwi, unit, figures["paragraphs"] % 2 == 0, figures)
                clauses: list[tuple[str, list[tuple[str, str, int, int]]]] = []
                for piece in pieces:
                    raw = unit[piece.start : piece.end]
                    sentence = raw.strip()
                    if not sentence:
                        continue
                    base = piece.start + len(raw) - len(raw.lstrip())
                    passed = [(t.form, t.tag, t.start - base, t.len) for t in piece.tokens]
                    figures["sentences"] += 1
                    figures["sentences differ"] += passed != morphemes(sentence)
                    if clauses and clauses[-1][0].endswith(":"):
                        lead, tokens = clauses[-1]
                        shift = len(lead) + 1
                        moved = [(f, tag, s + shift, n) for f, tag, s, n in passed]
                        clauses[-1] = (f"{lead} {sentence}", tokens + moved)
                    else:
                        clauses.append((sentence, passed))
                for clause, passed in clauses:
                    figures["clauses"] += 1
                    figures["clauses differ"] += passed != morphemes(clause)
    return figures


def _rows(label: str, figures: dict[str, Any], per: Callable[[float], float]) -> list[list[str]]:
    rows = []
    for method in COUNTED:
        rows.append(
            [
                f"{label} {method}",
                f"{per(figures['calls'][method]):.1f}",
                f"{per(figures['chars'][method]):.0f}",
                f"{per(figures['cpu'][method]) * 1000:.1f}",
                f"{figures['cpu'][method] / figures['run_cpu'] * 100:.1f} %",
            ]
        )
    return rows


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=4, help="synthetic Korean series")
    parser.add_argument("--statements", type=int, default=20, help="per series")
    parser.add_argument("--note", default="", help="what else ran on the machine")
    args = parser.parse_args()

    print(machine_line(args.note))
    compare = in_fresh_process(compare_job)
    ingest = in_fresh_process(ingest_job, args.series, args.statements)
    print(
        f"(a) compare ncg-4.ko.txt ncg-5.ko.txt: process CPU {compare['run_cpu']:.2f} s, "
        f"peak RSS {compare['peak_mb']:.0f} MB, kiwipiepy load {compare['load']:.2f} s + "
        f"first analysis {compare['first']:.2f} s (not counted below); "
        f"load {compare['load_average']}"
    )
    n = ingest["units"]
    print(
        f"(b) ingest of {args.series} x {args.statements} synthetic Korean statements on SQLite:"
        f" {ingest['run_cpu'] / n * 1000:.1f} ms CPU per statement (kiwipiepy and the "
        f"encoder loaded before); load {ingest['load_average']}"
    )
    print_table(
        ["kiwipiepy", "calls", "characters", "CPU ms", "of the run's CPU"],
        _rows("(a) compare", compare, lambda x: x)
        + _rows("(b) ingest, per statement:", ingest, lambda x: x / n),
    )
    same = in_fresh_process(identity_job, args.series, args.statements)
    print(
        f"(c) {same['texts']:.0f} Korean texts: morphemes from the paragraph's pass differ from "
        f"tokenize of the text alone for {same['sentences differ']:.0f} of "
        f"{same['sentences']:.0f} sentences and {same['clauses differ']:.0f} of "
        f"{same['clauses']:.0f} clauses as segment() makes them (a lead-in ending in "
        f'":" joined to the next sentence); split_into_sents of their paragraphs '
        f"{same['split CPU']:.2f} s CPU, {same['split CPU with tokens']:.2f} s with "
        f"return_tokens; load {load()}"
    )
    print("One pass per paragraph would save at most the tokenize rows (CPU ms) above.")


if __name__ == "__main__":
    main()
