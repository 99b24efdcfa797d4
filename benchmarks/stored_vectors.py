"""Stored clause vectors (ADR 0107): comparing stored versions in a fresh process with and
without the vectors written at ingest, and what the vectors cost in the database.

    .venv/bin/python benchmarks/stored_vectors.py [--repeat 3]

Builds a SQLite history of the demo series (store_statement + compare_version, with the
encoder, as an ingest does), then for a few pairs runs, each time in a new process on a
fresh copy of that history:

- ``compare``: ``pipeline.stages.compare_version`` of the pair's newer version, with the
  pair's comparison removed from the copy beforehand (``store.retire_comparison``, as
  after a killed run), so that it reads, computes and saves exactly that one comparison:
  what a backfill worker, a Prefect task process or a reprocessing run pays for one.
  Process CPU seconds (user + sys), peak RSS and how many clause texts the encoder
  encoded;
- ``diff``: the whole ``clausewatch diff A B --format json`` command as a user runs it:
  wall seconds, CPU seconds and peak RSS of that process;

once with the vectors as ingest stored them and once with them removed (stamps and
vectors NULL: a history stored before vectors were, or by a lexical run). Prints the
medians and the load average beside them: wall figures taken beside other work are upper
bounds, CPU seconds and RSS much less so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import clausewatch, load, machine_line, run_command

#: (label, old corpus id, new corpus id, kind): an English and a Korean successor, and a
#: translation (the pairs benchmarks/speed.py and issue 16 time).
PAIRS = (
    ("en successor ncg 4->5", "ncg-4-en", "ncg-5-en", "successor"),
    ("ko successor scm 56->57", "scm-56-ko", "scm-57-ko", "successor"),
    ("translation ncg 5 en-ko", "ncg-5-en", "ncg-5-ko", "translation"),
)


def _url(corpus_id: str) -> str:
    return f"https://bench.example.test/{corpus_id}"


def build(folder: Path) -> tuple[Path, dict[str, int], dict[str, float]]:
    """The demo history with vectors stored at ingest; (file, version id per corpus id,
    ingest figures)."""
    from clausewatch.demo.corpus import load_all_series
    from core.series import builtin_series
    from models import open_history, store
    from models.db import make_engine, upgrade
    from pipeline.stages import StatementInput, compare_version, store_statement

    path = folder / "history.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    definitions = {d.slug: d for d in builtin_series()}
    statements = [s for s in load_all_series() if not s.edit_of]
    statements.sort(key=lambda s: (s.published, s.id))
    history = open_history(f"sqlite:///{path}")
    ids: dict[str, int] = {}
    start, cpu = time.perf_counter(), time.process_time()
    for s in statements:
        definition = definitions[s.series] if s.series else None
        outcome = store_statement(
            history,
            StatementInput(
                url=_url(s.id),
                source=s.publisher,
                text=s.text,
                language=s.language,
                title=s.title,
                published=s.published,
                series=s.series,
                series_title=definition.title if definition else None,
                series_rules=definition.to_dict() if definition else None,
            ),
        )
        compare_version(history, outcome.version_id)
        ids[s.id] = outcome.version_id
    figures = {
        "statements": len(statements),
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
    }
    with history.sessions() as session:
        figures["clauses"] = store.table_counts(session)["clause"]
    history.close()
    return path, ids, figures


def child_build(folder: str) -> None:
    """Run in a new process (the measuring one stays small and never loads the encoder):
    build the history; prints ids and figures as JSON."""
    _, ids, figures = build(Path(folder))
    print(json.dumps({"ids": ids, "figures": figures}))


def standalone_copies(built: Path, folder: Path) -> tuple[Path, Path]:
    """(with vectors, without): self-contained files (no WAL beside them), vacuumed."""
    stored, bare = folder / "stored.db", folder / "bare.db"
    db = sqlite3.connect(built)
    db.execute(f"VACUUM INTO '{stored}'")
    db.close()
    db = sqlite3.connect(stored)
    db.execute(f"VACUUM INTO '{bare}'")
    db.close()
    db = sqlite3.connect(bare, isolation_level=None)
    db.execute("UPDATE clause SET embedding = NULL")
    db.execute("UPDATE version SET embedding_stamp = NULL")
    db.execute("VACUUM")
    db.close()
    return stored, bare


def child_compare(url: str, new: int) -> None:
    """Run in the new process: ``compare_version`` of ``new``, the encoder configured from
    the settings as every edge does (threads, the table cache); prints its figures as
    JSON. Raises SystemExit unless it made exactly one comparison."""
    from clauses import default_encoder
    from clauses.encoder import configure_encoder
    from core.settings import get_settings
    from models import open_history
    from pipeline.stages import compare_version

    configure_encoder(get_settings())
    history = open_history(url)
    made = sum(1 for outcome in compare_version(history, new) if outcome.created)
    history.close()
    if made != 1:
        raise SystemExit(f"compare_version({new}) made {made} comparisons, not 1")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "cpu": usage.ru_utime + usage.ru_stime,
                "rss_mb": usage.ru_maxrss / 1024,
                "encoded": default_encoder().encoded,
            }
        )
    )


def without_comparison(url: str, old: int, new: int, kind: str) -> None:
    """Remove the (old, new, kind) comparison from the history at ``url``; raises
    SystemExit when there is none to remove."""
    from models import open_history, store

    history = open_history(url)
    try:
        with history.sessions.begin() as session:
            found = store.find_comparison(session, old, new, kind)
            if found is None or not store.retire_comparison(session, found.id, "benchmark"):
                raise SystemExit(f"no {kind} comparison {old} -> {new} to remove")
    finally:
        history.close()


def measure(history: Path, old: int, new: int, kind: str, repeat: int) -> dict[str, Any]:
    """Median figures of ``compare`` and ``diff`` in new processes, each on a fresh copy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    figures: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="vectors-run-") as folder:
        copy = Path(folder) / "copy.db"
        url = f"sqlite:///{copy}"
        for _ in range(repeat):
            shutil.copy(history, copy)
            without_comparison(url, old, new, kind)
            run = run_command([sys.executable, __file__, "--child", url, str(new)], env)
            inside = json.loads(run.stdout.strip().splitlines()[-1])
            figures.setdefault("compare_wall", []).append(run.wall)
            figures.setdefault("compare_cpu", []).append(run.cpu)
            figures.setdefault("compare_rss", []).append(run.peak_mb)
            figures.setdefault("encoded", []).append(inside["encoded"])
            shutil.copy(history, copy)
            run = run_command(
                clausewatch("diff", str(old), str(new), "--format", "json"),
                {**env, "CLAUSEWATCH_DATABASE_URL": url, "CLAUSEWATCH_DATA_DIR": folder},
            )
            figures.setdefault("diff_wall", []).append(run.wall)
            figures.setdefault("diff_cpu", []).append(run.cpu)
            figures.setdefault("diff_rss", []).append(run.peak_mb)
            figures.setdefault("load", []).append(os.getloadavg()[0])
    return {k: statistics.median(v) for k, v in figures.items()} | {
        "load_range": (min(figures["load"]), max(figures["load"]))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="new processes per figure")
    parser.add_argument("--child", nargs=2, metavar=("URL", "NEW"), help=argparse.SUPPRESS)
    parser.add_argument("--build", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, new = args.child
        child_compare(url, int(new))
        return
    if args.build:
        child_build(args.build)
        return
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="vectors-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
        out = run_command([sys.executable, __file__, "--build", folder], env).stdout
        built = json.loads(out.strip().splitlines()[-1])
        ids, ingest = built["ids"], built["figures"]
        stored, bare = standalone_copies(Path(folder) / "history.db", Path(folder))
        growth = stored.stat().st_size - bare.stat().st_size
        print(
            f"history: {ingest['statements']} statements, {ingest['clauses']} clauses,"
            f" ingest {ingest['seconds']:.1f} s wall / {ingest['cpu']:.1f} s CPU"
            f" (load {os.getloadavg()[0]:.2f})"
        )
        print(
            f"database: {bare.stat().st_size / 1e6:.2f} MB without vectors,"
            f" {stored.stat().st_size / 1e6:.2f} MB with:"
            f" {growth / max(1, ingest['clauses']):.0f} bytes per clause"
        )
        header = (
            f"{'pair':<26} {'vectors':<8} {'encoded':>7} {'compare cpu':>11} {'rss MB':>7}"
            f" {'diff wall':>9} {'diff cpu':>8} {'rss MB':>7} {'load':>9}"
        )
        print(header)
        print("-" * len(header))
        for label, old_id, new_id, kind in PAIRS:
            for name, path in (("stored", stored), ("none", bare)):
                f = measure(path, ids[old_id], ids[new_id], kind, args.repeat)
                low, high = f["load_range"]
                print(
                    f"{label:<26} {name:<8} {f['encoded']:>7.0f} {f['compare_cpu']:>10.2f}s"
                    f" {f['compare_rss']:>7.0f} {f['diff_wall']:>8.2f}s {f['diff_cpu']:>7.2f}s"
                    f" {f['diff_rss']:>7.0f} {low:>4.1f}-{high:<4.1f}"
                )
    print(f"load average (1 / 5 min) at the end: {load()}")


if __name__ == "__main__":
    main()
