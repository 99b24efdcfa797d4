"""Compare time and alignment on the long SCM joint communiqués (40+ paragraphs each).

For each pair of the embedded SCM corpus — successors in English and in Korean, and the
English–Korean translation of one meeting — prints the size of the two sides, the median
wall time of ``clausewatch compare`` run as a fresh process (what a user pays, encoder load
included) and of the comparison in-process once warm, and what the alignment found: the
clause statuses, the commitment changes and phrase changes. For a translation pair the
two texts were written paragraph for paragraph, so the paragraph of each matched clause is
a truth to score against (share of matched pairs whose paragraphs agree).
Not a pass/fail test; run with ``.venv/bin/python benchmarks/long_statement.py``.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from functools import partial
from pathlib import Path

from common import clausewatch, end_line, machine_line, median_seconds, repeated_command

from clauses import Clause, compare_clauses, segment
from clauses.compare import ComparisonResult
from clausewatch.demo.corpus import get_statement
from pipeline.stages import normalized_text

PAIRS = [
    ("scm-55-en", "scm-56-en", "successor"),
    ("scm-56-en", "scm-57-en", "successor"),
    ("scm-56-ko", "scm-57-ko", "successor"),
    ("scm-56-en", "scm-56-ko", "translation"),
]


def fresh_process(old: Path, new: Path, runs: int, lexical: bool) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MB) of ``clausewatch compare`` in a fresh process."""
    command = clausewatch("compare", str(old), str(new), "--format", "json")
    return repeated_command(command + (["--lexical"] if lexical else []), runs)


def paragraph_agreement(
    result: ComparisonResult, old: list[Clause], new: list[Clause]
) -> float | None:
    """Share of matched clause pairs whose paragraphs agree (translations written in step)."""
    pairs = [
        (i, j)
        for change in result.clause_changes
        if change.old and change.new
        for i in change.old
        for j in change.new
    ]
    if not pairs:
        return None
    return sum(old[i].paragraph == new[j].paragraph for i, j in pairs) / len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh-process runs per pair")
    parser.add_argument("--repeat", type=int, default=5, help="warm in-process repeats")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"# {machine_line()}")
    print()
    print(
        "| pair | kind | clauses old×new | fresh process s (lexical) | fresh process s "
        "(encoder) | peak RSS MB | warm ms (encoder) | statuses | commitments flagged "
        "| phrase changes | paragraph agreement |"
    )
    print("|---|---|---|---:|---:|---:|---:|---|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for old_id, new_id, kind in PAIRS:
            old_st, new_st = get_statement(old_id), get_statement(new_id)
            old_path, new_path = Path(tmp) / f"{old_id}.txt", Path(tmp) / f"{new_id}.txt"
            old_path.write_text(old_st.text, encoding="utf-8")
            new_path.write_text(new_st.text, encoding="utf-8")
            lexical_s, _ = fresh_process(old_path, new_path, args.runs, lexical=True)
            encoder_s, peak = fresh_process(old_path, new_path, args.runs, lexical=False)
            old = segment(normalized_text(old_st.text), old_st.language)
            new = segment(normalized_text(new_st.text), new_st.language)

            run = partial(
                compare_clauses,
                old,
                new,
                kind=kind,
                old_lang=old_st.language,
                new_lang=new_st.language,
                old_title=old_st.title,
                new_title=new_st.title,
            )

            warm = median_seconds(run, args.repeat)
            result = run()
            statuses = collections.Counter(c.status for c in result.clause_changes)
            flagged = collections.Counter(
                c.status for c in result.commitments if c.status != "retained"
            )
            agreement = paragraph_agreement(result, old, new) if kind == "translation" else None
            print(
                f"| {old_id} → {new_id} | {kind} | {len(old)}×{len(new)} | {lexical_s:.2f} | "
                f"{encoder_s:.2f} | {peak:.0f} | {warm * 1000:.0f} | "
                + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
                + " | "
                + (", ".join(f"{k} {v}" for k, v in sorted(flagged.items())) or "none")
                + f" | {len(result.phrases)} | "
                + (f"{agreement:.3f}" if agreement is not None else "-")
                + " |"
            )
    print()
    print(f"# {end_line(started)}")


if __name__ == "__main__":
    main()
