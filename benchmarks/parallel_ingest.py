"""Parallel ingest on PostgreSQL: one worker against two, threads against processes.

The backfill's history stage (store then compare every statement, each series in order)
over a synthetic history (``scale.synthetic_history``: series x statements x languages),
into a fresh PostgreSQL database per run:

- ``1 worker``: the series one after another in one process (what a run with
  ``workers=1`` does);
- ``2 threads``: two series at a time on two threads of one process, sharing the
  history's engine (``pipeline.parallel.ingest_series``);
- ``2 processes``: two series at a time in two spawned worker processes
  (``pipeline.parallel.SeriesPool``, what ``workers=2`` does).

Every run starts in fresh processes and its wall time includes their start-up and the
sentence encoder's loading (each process loads its own). The row counts after each run
must be equal (no duplicate, nothing lost). Not a pass/fail test; run with
``.venv/bin/python benchmarks/parallel_ingest.py`` (8 x 20 x 2, a few minutes).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from scale import fresh_history, print_table, synthetic_history

from pipeline.parallel import StatementResult, ingest_series, series_groups, series_pool
from pipeline.stages import StatementInput

#: The tables whose counts must come out equal in every run.
COUNTED = ("document", "version", "clause", "comparison", "commitment_change", "alert")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"


def _warm(lexical: bool) -> None:
    if not lexical:
        from clauses import default_encoder

        default_encoder().encode(["warm-up"])


def startup(lexical: bool) -> float:
    """Seconds a fresh process takes to import the pipeline and load the encoder (what each
    extra worker pays before its first statement)."""
    return 0.0 if lexical else _timed_in_fresh_process(_warm, lexical)


def _timed_in_fresh_process(job: Callable[..., object], *args: object) -> float:
    spawn = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        pool.submit(job, *args).result()
    return time.perf_counter() - start


def serial(url: str, groups: Sequence[Sequence[StatementInput]], lexical: bool) -> int:
    """Every group in turn on one thread (inside a fresh process); returns the errors."""
    from pipeline.parallel import history_at

    history = history_at(url)
    return sum(1 for g in groups for r in ingest_series(history, g, lexical) if r.error)


def threads(
    url: str, groups: Sequence[Sequence[StatementInput]], lexical: bool, workers: int
) -> int:
    """The groups on ``workers`` threads sharing one history (inside a fresh process)."""
    from pipeline.parallel import history_at

    history = history_at(url)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done: list[list[StatementResult]] = list(
            pool.map(lambda g: ingest_series(history, g, lexical), groups)
        )
    return sum(1 for results in done for r in results if r.error)


def processes(
    url: str, groups: Sequence[Sequence[StatementInput]], lexical: bool, workers: int
) -> int:
    """The groups in a pool of ``workers`` spawned processes."""
    with series_pool(workers) as pool:
        futures = [pool.submit(url, g, lexical) for g in groups]
        return sum(1 for f in futures for r in f.result() if r.error)


def counts(url: str) -> dict[str, int]:
    """Row counts of the tables that must agree between runs."""
    from models import open_history
    from models.store import table_counts

    history = open_history(url)
    try:
        with history.sessions() as session:
            found = table_counts(session)
    finally:
        history.close()
    return {t: found.get(t, 0) for t in COUNTED}


def prepare(url: str) -> None:
    """Migrate a fresh database and subscribe one analyst (so flagged changes queue alerts)."""
    from models.outbox import subscribe

    history = fresh_history(url)
    try:
        with history.sessions.begin() as session:
            subscribe(session, "analyst@example.org", min_severity="low")
    finally:
        history.close()


def main() -> None:
    """Parse the options, run the three modes and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--series", type=int, default=8)
    parser.add_argument("--statements", type=int, default=20, help="per series")
    parser.add_argument("--languages", default="en,ko", help="comma list of en, ko")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lexical", action="store_true", help="align without the encoder")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--modes", default="serial,threads,processes", help="comma list of the runs to make"
    )
    args = parser.parse_args()
    languages = [x.strip() for x in args.languages.split(",") if x.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    from scrapers.sources import default_sources  # noqa: F401  (imports as a worker would)
    from tests.support.postgres import ThrowawayPostgres

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; load average (1 / 5 min) at start {_load()}"
    )
    statements = synthetic_history(args.series, args.statements, languages, args.seed)
    # Arrival order is meeting by meeting; a run stores in publication order, then by series.
    ordered = sorted(statements, key=lambda s: (s.published, s.language or "", s.url))
    groups = series_groups(ordered)
    print(
        f"history: {args.series} series x {args.statements} statements x {len(languages)} "
        f"languages = {len(statements)} statements in {len(groups)} series groups, "
        f"{'lexical' if args.lexical else 'semantic'} alignment, seed {args.seed}"
    )
    print(f"one fresh process, imports and encoder load: {startup(args.lexical):.1f} s")
    rows: list[list[str]] = []
    agreed: dict[str, int] | None = None
    baseline: float | None = None
    with ThrowawayPostgres() as server:
        for n, mode in enumerate(modes):
            url = server.create_database(f"parallel_{n}_{mode}")
            prepare(url)
            before = _load()
            start = time.perf_counter()
            if mode == "serial":
                errors = _run_in_fresh_process(serial, url, groups, args.lexical)
                label = "1 worker"
            elif mode == "threads":
                errors = _run_in_fresh_process(threads, url, groups, args.lexical, args.workers)
                label = f"{args.workers} threads"
            elif mode == "processes":
                errors = processes(url, groups, args.lexical, args.workers)
                label = f"{args.workers} processes"
            else:
                parser.error(f"unknown mode {mode!r}")
            seconds = time.perf_counter() - start
            found = counts(url)
            agreed = agreed or found
            rate = len(statements) / seconds
            baseline = baseline or rate
            rows.append(
                [
                    label,
                    str(len(statements)),
                    f"{seconds:.1f}",
                    f"{rate:.2f}",
                    f"{rate / baseline:.2f}x",
                    str(errors),
                    "yes" if found == agreed else f"NO {found}",
                    before,
                    _load(),
                ]
            )
            print(f"  {label}: {seconds:.1f} s, {found}", flush=True)
    print()
    print("Backfill history stage on PostgreSQL, store + compare, series in order")
    print_table(
        [
            "run",
            "stmts",
            "wall s",
            "stmts/s",
            "speed-up",
            "errors",
            "same rows",
            "load before",
            "load after",
        ],
        rows,
    )


def _run_in_fresh_process(job: Callable[..., int], *args: object) -> int:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(job, *args).result()


if __name__ == "__main__":
    main()
