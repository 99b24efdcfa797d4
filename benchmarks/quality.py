"""Quality benchmark of the clause engine against the labeled corpus (tests/fixtures/labels/).

Prints, per case and per group, alignment precision / recall / F1 over alignment links,
commitment-change, phrase-change, quantity-change and participant-change precision / recall,
then the targets of issues 3 and 14 with PASS or MISS. It is a measurement, not a test: it
exits 0 whatever the figures, and 2 when a case name is unknown or the clause engine is missing.

    .venv/bin/python benchmarks/quality.py [--lexical] [--case NAME]... [--json] [--explain]
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT / "tests" / "fixtures" / "labels" / "cases"

# A link is one (old clause, new clause) pair of an alignment; None on one side marks a clause
# that was dropped or added. Scoring links rather than entries makes a half-right split count
# half, and keeps the score independent of how the engine groups its output.
Link = tuple[int | None, int | None]

TARGETS = {
    "revision": 0.97,
    "successor": 0.90,
    "translation": 0.90,
}
COMMITMENT_RECALL_TARGET = 1.0
COMMITMENT_PRECISION_TARGET = 0.9
PHRASE_PRECISION_TARGET = 0.70
PHRASE_RECALL_TARGET = 0.80
QUANTITY_RECALL_TARGET = 1.0

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = {ord(c): "'" for c in "‘’‚‛′"} | {ord(c): '"' for c in "“”„‟″"}


def canonical(text: str) -> str:
    """Text reduced for locating one string in another: NFKC, plain dashes and quotes, no spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    return "".join(text.split()).lower()


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _loose(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    try:
        # The engine's own match keys resolve aliases (U.S. = United States, 북한 = DPRK), so a
        # phrase reported in either spelling still meets its label.
        match_key = importlib.import_module("clauses.normalize").match_key
        text = match_key(text, "ko" if _HANGUL.search(text) else "en")
    except (ImportError, AttributeError):
        pass
    return " ".join(re.sub(r"[^\w·]+", " ", text.lower()).split())


def phrases_match(predicted: str, expected: str) -> bool:
    """Whether a reported phrase loosely names the expected one (containment or fuzzy overlap)."""
    a, b = _loose(predicted), _loose(expected)
    if not a or not b:
        return False
    if a in b or b in a or fuzz.token_set_ratio(a, b) >= 85:
        return True
    # Korean phrases come back as stems without particles ("전략자산 정례적 가시성" for
    # "전략자산의 정례적 가시성"): compare without spaces, window against window.
    short, long_ = sorted((a.replace(" ", ""), b.replace(" ", "")), key=len)
    return len(short) >= 6 and fuzz.partial_ratio(short, long_) >= 85


def clause_spans(document: str, clause_texts: Sequence[str]) -> list[tuple[int, int] | None]:
    """Where each clause lies in the canonical document (in order); None for one not found."""
    doc = canonical(document)
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for text in clause_texts:
        key = canonical(text)
        start = doc.find(key, cursor) if key else -1
        if start < 0 and key:
            start = doc.find(key)
        if start < 0:
            spans.append(None)
            continue
        spans.append((start, start + len(key)))
        cursor = start + len(key)
    return spans


def snippet_clauses(
    document: str, snippet: str, spans: Sequence[tuple[int, int] | None]
) -> list[int]:
    """Indices of the clauses that overlap a labelled snippet; raises ValueError if it is absent."""
    doc, key = canonical(document), canonical(snippet)
    start = doc.find(key)
    if start < 0:
        raise ValueError(f"label text not in document: {snippet[:60]!r}")
    end = start + len(key)
    hits: list[int] = []
    for index, span in enumerate(spans):
        # Three characters of overlap: a clause that only shares a boundary punctuation mark
        # with the snippet is not part of it.
        if span is not None and min(end, span[1]) - max(start, span[0]) >= min(3, len(key)):
            hits.append(index)
    return hits


def expected_links(
    alignment: Iterable[dict[str, Any]],
    old_text: str,
    new_text: str,
    old_spans: Sequence[tuple[int, int] | None],
    new_spans: Sequence[tuple[int, int] | None],
) -> dict[Link, str]:
    """The labelled alignment as links to statuses, in the engine's clause indices."""
    links: dict[Link, str] = {}
    lone_old: dict[int, str] = {}
    lone_new: dict[int, str] = {}
    for entry in alignment:
        olds = sorted({i for s in entry["old"] for i in snippet_clauses(old_text, s, old_spans)})
        news = sorted({i for s in entry["new"] for i in snippet_clauses(new_text, s, new_spans)})
        if olds and news:
            for o in olds:
                for n in news:
                    links.setdefault((o, n), entry["status"])
        else:
            for o in olds:
                lone_old[o] = entry["status"]
            for n in news:
                lone_new[n] = entry["status"]
    linked_old = {o for o, _ in links}
    linked_new = {n for _, n in links}
    for o, status in lone_old.items():
        if o not in linked_old:
            links[(o, None)] = status
    for n, status in lone_new.items():
        if n not in linked_new:
            links[(None, n)] = status
    return links


def predicted_links(clauses: Iterable[dict[str, Any]]) -> dict[Link, str]:
    """The engine's alignment (the ``clauses`` list of a comparison) as links to statuses."""
    links: dict[Link, str] = {}
    for item in clauses:
        olds, news = list(item.get("old") or []), list(item.get("new") or [])
        if olds and news:
            for o in olds:
                for n in news:
                    links[(o, n)] = item["status"]
        for o in olds if not news else []:
            links[(o, None)] = item["status"]
        for n in news if not olds else []:
            links[(None, n)] = item["status"]
    return links


@dataclass
class Counts:
    """True positives, predictions and expectations of one measure, summed over cases."""

    hit_predicted: int = 0
    predicted: int = 0
    hit_expected: int = 0
    expected: int = 0

    def add(self, other: Counts) -> None:
        """Sum another count into this one."""
        self.hit_predicted += other.hit_predicted
        self.predicted += other.predicted
        self.hit_expected += other.hit_expected
        self.expected += other.expected

    @property
    def precision(self) -> float | None:
        """Share of predictions that are right; None when nothing was predicted."""
        return self.hit_predicted / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        """Share of expectations that were found; None when nothing was expected."""
        return self.hit_expected / self.expected if self.expected else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall (an empty side counts as perfect)."""
        p = 1.0 if self.precision is None else self.precision
        r = 1.0 if self.recall is None else self.recall
        if self.precision is None and self.recall is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


def score_alignment(expected: dict[Link, str], predicted: dict[Link, str]) -> tuple[Counts, int]:
    """Link counts and the number of correctly linked clauses that also carry the right status."""
    hits = set(expected) & set(predicted)
    same_status = sum(1 for link in hits if expected[link] == predicted[link])
    return Counts(len(hits), len(predicted), len(hits), len(expected)), same_status


def _commitment_identity(
    item: dict[str, Any], expected: Sequence[dict[str, Any]]
) -> Callable[[dict[str, Any]], bool]:
    keys = {e["key"] for e in expected}
    evidence = " ".join(str(item.get(k) or "") for k in ("old_evidence", "new_evidence")).lower()

    def same(entry: dict[str, Any]) -> bool:
        # Match on the lexicon key; fall back to evidence only when the engine uses keys this
        # label file does not know, so a renamed key is still scored.
        if item.get("key") in keys:
            return bool(item.get("key") == entry["key"])
        return any(str(ev).lower() in evidence for ev in entry["evidence"])

    return same


def score_commitments(
    expected: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]
) -> tuple[Counts, list[str]]:
    """Precision and recall of commitment changes (retained is not a change), with the misses."""
    counts = Counts()
    notes: list[str] = []
    changes = [p for p in predicted if p.get("status") != "retained"]
    for item in changes:
        same = _commitment_identity(item, expected)
        matching = [e for e in expected if same(e)]
        if any(e.get("optional") for e in matching):
            continue
        counts.predicted += 1
        if any(e["status"] == item["status"] for e in matching):
            counts.hit_predicted += 1
        else:
            notes.append(f"false alarm: {item.get('key')} {item['status']}")
    for entry in expected:
        if entry.get("optional") or entry["status"] == "retained":
            continue
        counts.expected += 1
        found = any(
            _commitment_identity(item, expected)(entry) and item["status"] == entry["status"]
            for item in changes
        )
        if found:
            counts.hit_expected += 1
        else:
            notes.append(f"missed: {entry['key']} {entry['status']}")
    return counts, notes


def score_phrases(
    expected: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]
) -> tuple[Counts, list[str]]:
    """Precision and recall of phrase changes, loosely matched; ``also`` phrases are neutral."""
    required = [e for e in expected if "text" in e]
    acceptable = [text for e in expected for text in e.get("also", [])]
    counts = Counts()
    notes: list[str] = []
    for item in predicted:
        text = str(item.get("text", ""))
        if any(phrases_match(text, e["text"]) and e["status"] == item["status"] for e in required):
            counts.predicted += 1
            counts.hit_predicted += 1
        elif any(phrases_match(text, a) for a in acceptable):
            continue
        else:
            counts.predicted += 1
            notes.append(f"unexpected phrase: {item['status']} {text!r}")
    for entry in required:
        counts.expected += 1
        if any(
            phrases_match(str(p.get("text", "")), entry["text"]) and p["status"] == entry["status"]
            for p in predicted
        ):
            counts.hit_expected += 1
        else:
            notes.append(f"missed phrase: {entry['status']} {entry['text']!r}")
    return counts, notes


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    return " ".join(re.sub(r"[^\w.%]+", " ", text).split())


def _same_value(expected: str | None, predicted: str | None) -> bool:
    """Whether a reported quantity names the labelled one: both absent, or one holds the other."""
    if not expected:
        return not predicted
    if not predicted:
        return False
    a, b = _plain(expected), _plain(predicted)
    return bool(a and b) and (a in b or b in a)


def _quantity_matches(entry: dict[str, Any], item: dict[str, Any]) -> bool:
    return (
        entry["status"] == item.get("status")
        and _same_value(entry.get("old"), item.get("old"))
        and _same_value(entry.get("new"), item.get("new"))
    )


def score_quantities(
    expected: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]
) -> tuple[Counts, list[str]]:
    """Precision and recall of quantity changes (old and new wording matched by containment)."""
    counts = Counts()
    notes: list[str] = []
    for item in predicted:
        matching = [e for e in expected if _quantity_matches(e, item)]
        if any(e.get("optional") for e in matching):
            continue
        counts.predicted += 1
        if matching:
            counts.hit_predicted += 1
        else:
            change = f"{item.get('old')!r} -> {item.get('new')!r}"
            notes.append(f"unexpected quantity: {item.get('status')} {change}")
    for entry in expected:
        if entry.get("optional"):
            continue
        counts.expected += 1
        if any(_quantity_matches(entry, item) for item in predicted):
            counts.hit_expected += 1
        else:
            notes.append(
                f"missed quantity: {entry['status']} {entry.get('old')!r} -> {entry.get('new')!r}"
            )
    return counts, notes


def _names(people: Any) -> list[str]:
    out: list[str] = []
    for person in people or []:
        name = person.get("name") if isinstance(person, dict) else person
        if name:
            out.append(_plain(str(name)))
    return out


def _participant_matches(entry: dict[str, Any], item: dict[str, Any]) -> bool:
    if entry["side"] != item.get("side") or entry["status"] != item.get("status"):
        return False
    for side in ("old", "new"):
        reported = _names(item.get(side))
        if not all(any(_plain(n) in r or r in _plain(n) for r in reported) for n in entry[side]):
            return False
    return True


def score_participants(
    expected: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]
) -> tuple[Counts, list[str]]:
    """Precision and recall of participant changes: one per side, names matched loosely."""
    counts = Counts()
    notes: list[str] = []
    for item in predicted:
        counts.predicted += 1
        if any(_participant_matches(e, item) for e in expected):
            counts.hit_predicted += 1
        else:
            notes.append(
                f"unexpected participants: {item.get('side')} {item.get('status')} "
                f"{_names(item.get('old'))} -> {_names(item.get('new'))}"
            )
    for entry in expected:
        counts.expected += 1
        if any(_participant_matches(entry, item) for item in predicted):
            counts.hit_expected += 1
        else:
            notes.append(
                f"missed participants: {entry['side']} {entry['status']} "
                f"{entry['old']} -> {entry['new']}"
            )
    return counts, notes


@dataclass
class CaseResult:
    """The measured figures of one labelled case."""

    name: str
    group: str
    alignment: Counts
    status_agree: int
    commitments: Counts
    phrases: Counts
    seconds: float
    notes: list[str] = field(default_factory=list)
    quantities: Counts = field(default_factory=Counts)
    participants: Counts = field(default_factory=Counts)


def _engine() -> tuple[Any, Any]:
    try:
        module = importlib.import_module("clauses")
        compare_texts = getattr(module, "compare_texts", None)
        segment = getattr(module, "segment", None)
        # Until the package re-exports them, the functions live in their own modules.
        if not callable(compare_texts):
            compare_texts = importlib.import_module("clauses.compare").compare_texts
        if not callable(segment):
            segment = importlib.import_module("clauses.segment").segment
        return compare_texts, segment
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"quality: the clause engine is not ready ({exc})") from exc


def run_case(path: Path, *, lexical: bool, explain: bool) -> CaseResult:
    """Compare one case's documents with the engine and score the result against its labels."""
    compare_texts, segment = _engine()
    case: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    old_text = (ROOT / case["old"]["file"]).read_text(encoding="utf-8")
    new_text = (ROOT / case["new"]["file"]).read_text(encoding="utf-8")
    history = tuple((ROOT / p).read_text(encoding="utf-8") for p in case.get("history", []))
    old_lang, new_lang = case["old"]["language"], case["new"]["language"]
    started = time.perf_counter()
    result = compare_texts(
        old_text,
        new_text,
        kind=case["kind"],
        old_lang=old_lang,
        new_lang=new_lang,
        lexical=lexical,
        history=history,
    ).to_dict()
    seconds = time.perf_counter() - started
    old_clauses = [c.text for c in segment(old_text, old_lang)]
    new_clauses = [c.text for c in segment(new_text, new_lang)]
    old_spans, new_spans = clause_spans(old_text, old_clauses), clause_spans(new_text, new_clauses)
    expected = expected_links(case["alignment"], old_text, new_text, old_spans, new_spans)
    predicted = predicted_links(result["clauses"])
    alignment, status_agree = score_alignment(expected, predicted)
    commitments, commitment_notes = score_commitments(case["commitments"], result["commitments"])
    phrases, phrase_notes = score_phrases(case["phrases"], result["phrases"])
    quantities, quantity_notes = score_quantities(
        case.get("quantities", []), result.get("quantities") or []
    )
    participants, participant_notes = score_participants(
        case.get("participants", []), result.get("participants") or []
    )
    notes = commitment_notes + phrase_notes + quantity_notes + participant_notes
    if explain:
        notes += _link_notes(expected, predicted, old_clauses, new_clauses)
    unplaced = [
        t
        for t, s in zip(old_clauses + new_clauses, old_spans + new_spans, strict=True)
        if s is None
    ]
    notes += [f"clause not found in its document: {t[:60]!r}" for t in unplaced]
    return CaseResult(
        case["name"],
        case["group"],
        alignment,
        status_agree,
        commitments,
        phrases,
        seconds,
        notes,
        quantities,
        participants,
    )


def _link_notes(
    expected: dict[Link, str],
    predicted: dict[Link, str],
    old_clauses: Sequence[str],
    new_clauses: Sequence[str],
) -> list[str]:
    def show(link: Link) -> str:
        o = old_clauses[link[0]][:50] if link[0] is not None else "-"
        n = new_clauses[link[1]][:50] if link[1] is not None else "-"
        return f"{link} {o!r} -> {n!r}"

    notes = [
        f"missing link ({expected[k]}): {show(k)}"
        for k in sorted(set(expected) - set(predicted), key=str)
    ]
    notes += [
        f"extra link ({predicted[k]}): {show(k)}"
        for k in sorted(set(predicted) - set(expected), key=str)
    ]
    notes += [
        f"status {predicted[k]} (label {expected[k]}): {show(k)}"
        for k in sorted(set(expected) & set(predicted), key=str)
        if expected[k] != predicted[k]
    ]
    return notes


def _fmt(value: float | None) -> str:
    return "   –" if value is None else f"{value:.2f}"


def machine() -> str:
    """The benchmarks' machine line (``common.machine_line``): machine, interpreter and the
    load average at start."""
    # Imported here, not at the top: tests/corpus/test_quality_scoring.py loads this file by
    # path, without benchmarks/ on the import path (run as a script, it is on it).
    from common import machine_line

    return machine_line()


def finished(started: float) -> str:
    """The benchmarks' closing line (``common.end_line``): duration and load at the end."""
    from common import end_line

    return end_line(started)


def summarize(results: Sequence[CaseResult]) -> dict[str, dict[str, Any]]:
    """Per-group and overall figures, micro-averaged over links and changes."""
    groups: dict[str, list[CaseResult]] = {}
    for result in results:
        groups.setdefault(result.group, []).append(result)
    groups["overall"] = list(results)
    summary: dict[str, dict[str, Any]] = {}
    for name, members in groups.items():
        alignment, commitments, phrases = Counts(), Counts(), Counts()
        quantities, participants = Counts(), Counts()
        for member in members:
            alignment.add(member.alignment)
            commitments.add(member.commitments)
            phrases.add(member.phrases)
            quantities.add(member.quantities)
            participants.add(member.participants)
        summary[name] = {
            "cases": len(members),
            "alignment": alignment,
            "status_agree": sum(m.status_agree for m in members),
            "commitments": commitments,
            "phrases": phrases,
            "quantities": quantities,
            "participants": participants,
        }
    return summary


def verdicts(summary: dict[str, dict[str, Any]]) -> list[tuple[str, bool]]:
    """The targets of issues 3 and 14 and whether each is met."""
    out: list[tuple[str, bool]] = []
    for group, target in TARGETS.items():
        if group in summary:
            f1 = summary[group]["alignment"].f1 or 0.0
            out.append((f"{group} alignment F1 {f1:.3f} ≥ {target}", f1 >= target))
    if "successor" in summary:
        c: Counts = summary["successor"]["commitments"]
        r = 1.0 if c.recall is None else c.recall
        p = 1.0 if c.precision is None else c.precision
        out.append((f"successor commitment recall {r:.3f} = 1.0", r >= COMMITMENT_RECALL_TARGET))
        out.append(
            (f"successor commitment precision {p:.3f} ≥ 0.9", p >= COMMITMENT_PRECISION_TARGET)
        )
    if "overall" in summary:
        ph: Counts = summary["overall"]["phrases"]
        pp = 1.0 if ph.precision is None else ph.precision
        pr = 1.0 if ph.recall is None else ph.recall
        out.append((f"phrase precision {pp:.3f} ≥ 0.7", pp >= PHRASE_PRECISION_TARGET))
        out.append((f"phrase recall {pr:.3f} ≥ 0.8", pr >= PHRASE_RECALL_TARGET))
        q: Counts = summary["overall"]["quantities"]
        qr = 1.0 if q.recall is None else q.recall
        out.append((f"quantity recall {qr:.3f} = 1.0", qr >= QUANTITY_RECALL_TARGET))
    return out


def print_table(results: Sequence[CaseResult], lexical: bool) -> None:
    """Print the per-case, per-group and target tables as plain text."""
    mode = "lexical" if lexical else "semantic"
    print(f"clausewatch quality benchmark — {mode} — {machine()}")
    header = (
        f"{'case':40} {'align P':>7} {'R':>5} {'F1':>5} {'stat':>5} "
        f"{'cmt P':>6} {'R':>5} {'phr P':>6} {'R':>5} {'qty P':>6} {'R':>5} "
        f"{'ppl P':>6} {'R':>5} {'ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        agree = r.status_agree / r.alignment.hit_expected if r.alignment.hit_expected else None
        print(
            f"{r.name:40} {_fmt(r.alignment.precision):>7} {_fmt(r.alignment.recall):>5} "
            f"{_fmt(r.alignment.f1):>5} {_fmt(agree):>5} {_fmt(r.commitments.precision):>6} "
            f"{_fmt(r.commitments.recall):>5} {_fmt(r.phrases.precision):>6} "
            f"{_fmt(r.phrases.recall):>5} {_fmt(r.quantities.precision):>6} "
            f"{_fmt(r.quantities.recall):>5} {_fmt(r.participants.precision):>6} "
            f"{_fmt(r.participants.recall):>5} {r.seconds * 1000:7.0f}"
        )
        for note in r.notes:
            print(f"    {note}")
    print("-" * len(header))
    for name, s in summarize(results).items():
        a, c, p = s["alignment"], s["commitments"], s["phrases"]
        q, w = s["quantities"], s["participants"]
        agree = s["status_agree"] / a.hit_expected if a.hit_expected else None
        label = f"[{name}] ({s['cases']} cases)"
        print(
            f"{label:40} {_fmt(a.precision):>7} {_fmt(a.recall):>5} {_fmt(a.f1):>5} "
            f"{_fmt(agree):>5} {_fmt(c.precision):>6} {_fmt(c.recall):>5} "
            f"{_fmt(p.precision):>6} {_fmt(p.recall):>5} {_fmt(q.precision):>6} "
            f"{_fmt(q.recall):>5} {_fmt(w.precision):>6} {_fmt(w.recall):>5}"
        )
    print()
    for text, ok in verdicts(summarize(results)):
        print(f"{'PASS' if ok else 'MISS'}  {text}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lexical", action="store_true", help="turn the sentence encoder off")
    parser.add_argument(
        "--case", action="append", default=[], help="run only this case (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--explain", action="store_true", help="list every wrong or missing link")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    paths = sorted(CASES_DIR.glob("*.yaml"))
    if args.case:
        known = {p.stem: p for p in paths}
        unknown = [name for name in args.case if name not in known]
        if unknown:
            print(f"quality: unknown case {', '.join(unknown)}", file=sys.stderr)
            return 2
        paths = [known[name] for name in args.case]
    results = [run_case(p, lexical=args.lexical, explain=args.explain) for p in paths]
    if args.json:
        summary = summarize(results)
        document = {
            "machine": machine(),
            "mode": "lexical" if args.lexical else "semantic",
            "cases": [
                asdict(r)
                | {
                    "alignment_f1": r.alignment.f1,
                    "commitment_precision": r.commitments.precision,
                    "commitment_recall": r.commitments.recall,
                    "phrase_precision": r.phrases.precision,
                    "phrase_recall": r.phrases.recall,
                    "quantity_precision": r.quantities.precision,
                    "quantity_recall": r.quantities.recall,
                    "participant_precision": r.participants.precision,
                    "participant_recall": r.participants.recall,
                }
                for r in results
            ],
            "groups": {
                name: {
                    "cases": s["cases"],
                    "alignment": {
                        "precision": s["alignment"].precision,
                        "recall": s["alignment"].recall,
                        "f1": s["alignment"].f1,
                    },
                    "commitments": {
                        "precision": s["commitments"].precision,
                        "recall": s["commitments"].recall,
                    },
                    "phrases": {"precision": s["phrases"].precision, "recall": s["phrases"].recall},
                    "quantities": {
                        "precision": s["quantities"].precision,
                        "recall": s["quantities"].recall,
                    },
                    "participants": {
                        "precision": s["participants"].precision,
                        "recall": s["participants"].recall,
                    },
                }
                for name, s in summary.items()
            },
            "targets": [{"target": text, "met": ok} for text, ok in verdicts(summary)],
            "finished": finished(started),
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print_table(results, args.lexical)
        print(finished(started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
