"""Reprocessing on PostgreSQL after the engine stamps went stale: one worker against two.

A synthetic history (``scale.synthetic_history``: series x statements x languages) is
stored and compared once into a template database; then every version's support and
embedding stamps are set to another engine's (what a change to ``clauses/`` and an encoder
upgrade do; a ``--lexical`` reprocess refreshes only the keys), with ``--drop`` the last
successor comparison of each series is removed (what a killed run leaves), and the
database is analyzed (``VACUUM (ANALYZE)``; ``--no-analyze`` skips it). Each row
reprocesses a fresh copy of that template (``pipeline.reprocess.reprocess``, what
``clausewatch reprocess`` does):

- ``1 worker``: every series in turn, in one fresh process;
- ``N workers``: the series side by side in N spawned worker processes
  (``pipeline.parallel.SeriesPool``, what ``--workers N`` does);
- ``again``: a second reprocess of the last copy, nothing stale left (the cost of the walk).

Wall time includes the processes' start-up (imports, kiwipiepy, the encoder unless
``--lexical``). Beside it, what the load of other work does not inflate (the /proc readers
of ``benchmarks/common.py``): CPU seconds of the reprocess processes (this script and its
finished children, the workers) and of each worker (sampled from /proc while it runs), of
the PostgreSQL server, SQL statements per version (one worker only), and the CPU seconds
every other process used meanwhile. The **ceiling** is the speed-up over ``1 worker`` the
run's CPU seconds allow on idle cores, defined in ``benchmarks/common.py`` as for
``parallel_ingest.py``: the 1 worker's CPU over the larger of this run's CPU per core and
its longest chain (this script's CPU plus the busiest worker's plus its share of the
server's). The rows must agree (keys, comparisons, alerts). Not a pass/fail test; run
with ``.venv/bin/python benchmarks/reprocess.py --drop`` (8 x 20 x 2, about a minute).
"""

from __future__ import annotations

import argparse
import hashlib
import time

from common import (
    CEILING_NOTE,
    WorkerCPU,
    ceiling,
    children_cpu,
    in_fresh_process,
    load,
    longest_chain,
    machine_busy,
    machine_line,
    own_cpu,
    postmaster_pid,
    print_table,
    server_cpu,
)
from scale import fresh_history, synthetic_history

from pipeline.parallel import ingest_series, series_groups

#: The tables whose counts must come out equal in every run.
COUNTED = ("version", "comparison", "commitment_change", "alert")


def build(
    url: str, series: int, statements: int, languages: list[str], seed: int, lexical: bool
) -> int:
    """Store and compare the synthetic history at ``url`` with an analyst subscribed;
    returns the number of statements."""
    from models.outbox import subscribe

    history = fresh_history(url)
    try:
        with history.sessions.begin() as session:
            subscribe(session, "analyst@example.org", min_severity="low")
        made = synthetic_history(series, statements, languages, seed)
        ordered = sorted(made, key=lambda s: (s.published, s.language or "", s.url))
        for group in series_groups(ordered):
            for result in ingest_series(history, group, lexical):
                assert result.error is None, result
        return len(made)
    finally:
        history.close()


def analyze(url: str) -> None:
    """``VACUUM (ANALYZE)`` the database at ``url`` (what docs/operators.md asks after a
    large backfill): the planner then knows the tables' sizes."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    finally:
        engine.dispose()


def age(url: str, drop: bool) -> tuple[int, int]:
    """Every support and embedding stamp another engine's; with ``drop`` each series' last successor
    comparison removed. Returns (stale versions, comparisons removed)."""
    from sqlalchemy import func, select, update

    from models import open_history, store
    from models.schema import Version

    history = open_history(url)
    try:
        with history.sessions.begin() as session:
            session.execute(
                update(Version).values(
                    support_stamp="an older engine", embedding_stamp="an older encoder"
                )
            )
            stale = session.scalar(select(func.count()).select_from(Version)) or 0
            removed = 0
            if drop:
                for slug in store.stored_series_slugs(session):
                    series = store.get_series(session, slug)
                    assert series is not None
                    found = store.successor_comparisons(session, series.id)
                    if found and store.retire_comparison(session, max(found)[0], "benchmark"):
                        removed += 1
        return stale, removed
    finally:
        history.close()


def run_reprocess(url: str, workers: int, lexical: bool) -> dict[str, int]:
    """One reprocess of the history at ``url``; returns its totals and, with one worker,
    the SQL statements it sent (``sql``; -1 when the workers sent them)."""
    from sqlalchemy import event

    from clauses.encoder import configure_encoder
    from core.settings import get_settings
    from models import open_history
    from pipeline.reprocess import reprocess

    # The encoder as `clausewatch reprocess` configures it (threads, table cache); the
    # pool's workers are handed the same.
    configure_encoder(get_settings())
    history = open_history(url)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    # Only this process's statements: with workers, the worker processes' go uncounted.
    event.listen(history.engine, "before_cursor_execute", count)
    try:
        totals = reprocess(history, workers=workers, lexical=lexical).totals()
    finally:
        history.close()
    return {**totals, "sql": statements[0] if workers == 1 else -1}


def state(url: str) -> tuple[dict[str, int], str]:
    """Row counts of the compared tables and a digest of every (version, key, stamp)."""
    from sqlalchemy import select

    from models import open_history
    from models.schema import Version
    from models.store import table_counts

    history = open_history(url)
    try:
        with history.sessions() as session:
            counts = table_counts(session)
            digest = hashlib.sha256()
            for row in session.execute(
                select(
                    Version.seq, Version.sha256, Version.support_key, Version.support_stamp
                ).order_by(Version.sha256, Version.seq)
            ):
                digest.update(repr(tuple(row)).encode())
    finally:
        history.close()
    return {t: counts.get(t, 0) for t in COUNTED}, digest.hexdigest()[:12]


def main() -> None:
    """Parse the options, build the history once, reprocess copies and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--series", type=int, default=8)
    parser.add_argument("--statements", type=int, default=20, help="per series")
    parser.add_argument("--languages", default="en,ko", help="comma list of en, ko")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lexical", action="store_true", help="compare without the encoder")
    parser.add_argument(
        "--drop", action="store_true", help="also remove each series' last successor comparison"
    )
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="skip VACUUM (ANALYZE) after the build (the planner then guesses table sizes)",
    )
    args = parser.parse_args()
    languages = [x.strip() for x in args.languages.split(",") if x.strip()]
    from tests.support.postgres import ThrowawayPostgres

    print(machine_line())
    rows: list[list[str]] = []
    warnings: list[str] = []
    with ThrowawayPostgres() as server:
        template = "reprocess_template"
        started = time.perf_counter()
        statements = build(
            server.create_database(template),
            args.series,
            args.statements,
            languages,
            args.seed,
            args.lexical,
        )
        stale, removed = age(server.url(template), args.drop)
        if not args.no_analyze:
            analyze(server.url(template))
        print(
            f"history: {args.series} series x {args.statements} statements x "
            f"{len(languages)} languages = {statements} statements, {stale} versions made "
            f"stale, {removed} comparisons removed; built in "
            f"{time.perf_counter() - started:.0f} s; "
            f"{'lexical' if args.lexical else 'semantic'} alignment, seed {args.seed}"
        )
        postmaster = postmaster_pid(server.datadir)
        serial_cpu: float | None = None
        agreed: tuple[dict[str, int], str] | None = None
        baseline: float | None = None
        url = ""
        for label, workers in (
            ("1 worker", 1),
            (f"{args.workers} workers", args.workers),
            ("again", 0),
        ):
            if workers:
                url = server.create_database(f"reprocess_{workers}", template=template)
            before = load()
            parent0, children0, server0, busy0 = (
                own_cpu(),
                children_cpu(),
                server_cpu(postmaster),
                machine_busy(),
            )
            start = time.perf_counter()
            single = workers == 1 or not workers
            if single:
                totals = in_fresh_process(run_reprocess, url, 1, args.lexical)
                per_worker: list[float] = []
            else:
                with WorkerCPU() as sampled:
                    totals = run_reprocess(url, workers, args.lexical)
                per_worker = sampled.per_worker
            seconds = time.perf_counter() - start
            parent = own_cpu() - parent0
            mine = parent + children_cpu() - children0
            on_server = server_cpu(postmaster) - server0
            cpu = mine + on_server
            others = max(0.0, machine_busy() - busy0 - cpu)
            if single:
                # A run in one fresh process: that process is the one worker.
                per_worker = [mine - parent]
            elif not per_worker:
                # Without its workers the chain would be the parent's alone and the ceiling
                # a made-up figure: say so instead of printing one.
                warnings.append(
                    f"WARNING {label}: no worker sampled (WorkerCPU found no spawned worker "
                    "process), so no ceiling"
                )
            if workers == 1:
                serial_cpu = cpu
            found = state(url)
            agreed = agreed or found
            rate = totals["versions"] / seconds
            if workers:
                baseline = baseline or rate
            rows.append(
                [
                    label,
                    str(totals["versions"]),
                    str(totals["refreshed"]),
                    str(totals["comparisons"]),
                    str(totals["errors"]),
                    f"{seconds:.1f}",
                    f"{rate:.1f}",
                    f"{rate / baseline:.2f}x" if workers and baseline else "-",
                    f"{mine:.1f}",
                    " / ".join(f"{c:.1f}" for c in per_worker) or "none sampled",
                    f"{on_server:.1f}",
                    f"{others:.1f}",
                    ceiling(
                        serial_cpu if workers and per_worker else None,
                        cpu,
                        longest_chain(parent, per_worker, on_server),
                    ),
                    f"{totals['sql'] / totals['versions']:.1f}" if totals["sql"] >= 0 else "-",
                    "yes" if found == agreed else f"NO {found}",
                    before,
                    load(),
                ]
            )
            print(f"  {label}: {seconds:.1f} s, {totals}", flush=True)
    print()
    print("Reprocess on PostgreSQL after every stamp went stale (pipeline.reprocess)")
    print_table(
        [
            "run",
            "versions",
            "refreshed",
            "made",
            "errors",
            "wall s",
            "versions/s",
            "speed-up",
            "CPU s",
            "each worker",
            "server CPU s",
            "others CPU s",
            "ceiling",
            "SQL/version",
            "same rows",
            "load before",
            "load after",
        ],
        rows,
    )
    print(CEILING_NOTE)
    for warning in warnings:
        print(warning)


if __name__ == "__main__":
    main()
