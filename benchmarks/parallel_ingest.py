"""Parallel ingest on PostgreSQL: one worker against two, processes against threads.

The backfill's history stage (store then compare every statement, each series in order)
over a synthetic history (``scale.synthetic_history``: series x statements x languages),
into a fresh PostgreSQL database per run:

- ``1 worker``: the series one after another in one process (what a run with
  ``workers=1`` does);
- ``2 processes``: the series in a pool of two spawned worker processes, handed out by
  the product's own ``pipeline.tracking.ingest_in_processes`` (longest series first
  through ``pipeline.parallel.gather``: what ``workers=2`` does);
- ``2 threads``: two series at a time on two threads of one process, sharing the
  history's engine, handed out by the same ``gather`` (``pipeline.parallel.ingest_series``;
  ADR 0108's alternative).

Every run starts in fresh processes; its wall time includes their start-up and the
sentence encoder's and kiwipiepy's loading (each process loads its own). The row counts
after each run must be equal (no duplicate, nothing lost).

Wall clock on a shared 2-core machine measures the neighbours as much as the code, so
each run also prints what does not depend on them: the CPU seconds of the parent
process, of the worker processes (each one, and all together) and of the PostgreSQL
server (postmaster and every backend), the CPU seconds every *other* process on the
machine used meanwhile (from /proc/stat), the explicit transactions the clients opened
(``BEGIN``s, counted by the server's ``pg_stat_statements``), the server's transactions
(``pg_stat_database``: commits + rollbacks, where every statement of an autocommit
session counts as one), deadlocks and lock waits longer than 10 ms (``log_lock_waits``).
Since dcb3b62 the product's read sessions run in autocommit on PostgreSQL, so the
server's transactions per statement rose while the ``BEGIN``s fell: that column cannot be
compared across dcb3b62 (rows measured before it counted the read sessions' transactions
once each, not each of their statements); ``BEGIN/stmt`` can. From the CPU seconds it
computes the **ceiling**: the speed-up over ``1 worker`` this run would show if nothing else ran
(``benchmarks/common.py`` defines it, for ``reprocess.py`` too: the 1 worker's CPU over
the larger of this run's CPU per core and its longest chain, the parent's CPU plus the
busiest worker's plus its share of the server's, or plus a threaded run's one process).
``1 worker``'s wall time is its CPU seconds within a few percent on an idle machine:
every query waits for the server, so the two never overlap.

Not a pass/fail test. One command prints the 1-vs-2 table (8 x 40 x 2 = 640 statements,
about 2 minutes on an idle machine, longer when it is shared):

    .venv/bin/python benchmarks/parallel_ingest.py

Options: ``--series --statements --languages --workers --lexical --seed``; ``--modes
serial,processes,threads``; ``--rounds N`` (the modes N times over, each run compared
with its own round's 1-worker run: the spread shows how much the neighbours moved);
``--uneven`` (series of different lengths, the longest last in publication order: what
handing series out longest first is for); ``--publication-order`` (the processes take
the series in publication order instead).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from common import (
    CEILING_NOTE,
    WorkerCPU,
    ceiling,
    children_cpu,
    end_line,
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

from clauses.encoder import configure_encoder
from core.settings import get_settings
from pipeline.parallel import (
    StatementResult,
    dead_worker_results,
    gather,
    ingest_series,
    series_groups,
    series_pool,
)
from pipeline.stages import StatementInput
from pipeline.tracking import ingest_in_processes

if TYPE_CHECKING:
    from models import History
    from pipeline.tracking import TrackingRun
    from tests.support.postgres import ThrowawayPostgres

#: The tables whose counts must come out equal in every run.
COUNTED = ("document", "version", "clause", "comparison", "commitment_change", "alert")


# -- the runs -----------------------------------------------------------------------------


def serial(url: str, groups: Sequence[Sequence[StatementInput]], lexical: bool) -> int:
    """Every group in turn on one thread (inside a fresh process, its encoder configured
    as a run's); returns the errors."""
    from pipeline.parallel import history_at

    configure_encoder(get_settings())
    history = history_at(url)
    return sum(1 for g in groups for r in ingest_series(history, g, lexical) if r.error)


def threads(
    url: str, groups: Sequence[Sequence[StatementInput]], lexical: bool, workers: int
) -> int:
    """The groups on ``workers`` threads sharing one history (inside a fresh process),
    handed out by the product's ``gather`` (longest first) as the process pool's are."""
    from pipeline.parallel import history_at

    configure_encoder(get_settings())
    history = history_at(url)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done: list[list[StatementResult]] = gather(
            [len(g) for g in groups],
            lambda i: pool.submit(ingest_series, history, groups[i], lexical),
            lambda i, exc: dead_worker_results(groups[i], exc),
        )
    return sum(1 for results in done for r in results if r.error)


@dataclass
class _RunStandIn:
    """What ``tracking.ingest_in_processes`` reads of a TrackingRun: the history (for its
    URL) and the operator's lexicon folder (None: the bundled lexicons). A whole
    TrackingRun would also open an HTTP client and a capture archive the stage never uses."""

    history: History
    lexicon_dir: Path | None = None


def processes(
    url: str,
    groups: Sequence[Sequence[StatementInput]],
    lexical: bool,
    workers: int,
    in_publication_order: bool = False,
) -> tuple[int, list[float]]:
    """The groups in a pool of ``workers`` spawned processes, handed out by the product
    (``tracking.ingest_in_processes``: longest first), or with ``in_publication_order`` by
    this benchmark in publication order (the hand-out before longest first); returns the
    errors and each worker's CPU seconds (sampled from /proc while the pool runs)."""
    from models import open_history

    with WorkerCPU() as sampled:
        if in_publication_order:
            with series_pool(workers) as pool:
                futures = [pool.submit(url, g, lexical) for g in groups]
                done = [f.result() for f in futures]
        else:
            history = open_history(url)
            try:
                done = ingest_in_processes(
                    cast("TrackingRun", _RunStandIn(history)), groups, lexical, workers
                )
            finally:
                history.close()
    return sum(1 for results in done for r in results if r.error), sampled.per_worker


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


# -- the server's own figures -------------------------------------------------------------


class Server:
    """The throwaway PostgreSQL server's pid, statistics and lock-wait log."""

    def __init__(self, server: ThrowawayPostgres) -> None:
        import psycopg

        self._server = server
        self._log = server.root / "server.log"
        self._dsn = f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres"
        with psycopg.connect(self._dsn, autocommit=True) as conn:
            # Log every lock wait longer than 10 ms (the check runs after deadlock_timeout);
            # count every statement the clients send, BEGIN included (pg_stat_statements,
            # loaded at start only: hence the restart). Benchmark-only settings: they
            # change no result, and pg_stat_statements adds a little to the server's CPU.
            conn.execute("ALTER SYSTEM SET log_lock_waits = on")
            conn.execute("ALTER SYSTEM SET deadlock_timeout = '10ms'")
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        server.restart()
        with psycopg.connect(self._dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        self.postmaster = postmaster_pid(server.datadir)

    def stats(self, database: str) -> tuple[int, int, int]:
        """(explicit transactions begun, transactions committed + rolled back, deadlocks)
        of ``database`` so far."""
        import psycopg

        with psycopg.connect(self._dsn, autocommit=True) as conn:
            # The statistics collector publishes every 0.5 s at most; ask for fresh figures.
            conn.execute("SELECT pg_stat_clear_snapshot()")
            row = conn.execute(
                "SELECT xact_commit + xact_rollback, deadlocks FROM pg_stat_database"
                " WHERE datname = %s",
                (database,),
            ).fetchone()
            # psycopg opens every transaction of a non-autocommit connection with BEGIN
            # (SQLAlchemy's begin() on an autocommit connection sends nothing).
            begun = conn.execute(
                "SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s"
                " JOIN pg_database d ON d.oid = s.dbid"
                " WHERE d.datname = %s AND s.query ~* '^\\s*(begin|start transaction)\\y'",
                (database,),
            ).fetchone()
        xacts, deadlocks = (int(row[0]), int(row[1])) if row else (0, 0)
        return int(begun[0]) if begun else 0, xacts, deadlocks

    def log_size(self) -> int:
        """Bytes in the server log so far."""
        return self._log.stat().st_size

    def lock_waits_since(self, offset: int) -> int:
        """Lock waits logged since ``offset`` (each wait is logged once, after 10 ms)."""
        with self._log.open("rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        return len(re.findall(r"still waiting for", text))


# -- one run ------------------------------------------------------------------------------


@dataclass
class Run:
    """One mode's figures."""

    label: str
    workers: int
    wall: float = 0.0
    errors: int = 0
    parent: float = 0.0
    worker_total: float = 0.0
    per_worker: list[float] = field(default_factory=list)
    server: float = 0.0
    others: float = 0.0
    begins: int = 0
    transactions: int = 0
    deadlocks: int = 0
    lock_waits: int = 0
    load_before: str = ""
    load_after: str = ""
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def cpu(self) -> float:
        """CPU seconds of everything the run used: parent, workers, server."""
        return self.parent + self.worker_total + self.server

    def chain(self, mode: str) -> float:
        """The longest run of CPU that cannot be spread over the cores."""
        return longest_chain(self.parent, self.per_worker, self.server, threads=mode == "threads")


def measure(
    mode: str,
    label: str,
    workers: int,
    server: Server,
    url: str,
    database: str,
    groups: Sequence[Sequence[StatementInput]],
    lexical: bool,
    in_publication_order: bool = False,
) -> Run:
    """Run one mode on a fresh database and take its figures."""
    run = Run(label, workers)
    run.load_before = load()
    begins0, transactions0, deadlocks0 = server.stats(database)
    log0 = server.log_size()
    parent0, children0, server0, busy0 = (
        own_cpu(),
        children_cpu(),
        server_cpu(server.postmaster),
        machine_busy(),
    )
    start = time.perf_counter()
    if mode == "serial":
        run.errors = in_fresh_process(serial, url, groups, lexical)
    elif mode == "threads":
        run.errors = in_fresh_process(threads, url, groups, lexical, workers)
    else:
        run.errors, run.per_worker = processes(url, groups, lexical, workers, in_publication_order)
    run.wall = time.perf_counter() - start
    busy1, server1, children1, parent1 = (
        machine_busy(),
        server_cpu(server.postmaster),
        children_cpu(),
        own_cpu(),
    )
    run.parent = parent1 - parent0
    run.worker_total = children1 - children0
    run.server = server1 - server0
    run.others = max(0.0, (busy1 - busy0) - run.cpu)
    if mode != "processes":
        run.per_worker = [run.worker_total]
    begins1, transactions1, deadlocks1 = server.stats(database)
    run.begins = begins1 - begins0
    run.transactions = transactions1 - transactions0
    run.deadlocks = deadlocks1 - deadlocks0
    run.lock_waits = server.lock_waits_since(log0)
    run.load_after = load()
    return run


def uneven_history(
    series: int, statements: int, languages: list[str], seed: int
) -> list[StatementInput]:
    """A synthetic history whose series ``k`` (1-based) has about ``statements * k / series``
    meetings: the longest series is the last in publication order."""
    full = synthetic_history(series, statements, languages, seed)
    keep = []
    for statement in full:
        # URLs end in /wg{k}/{meeting}/{language}.
        _, group, meeting, _ = statement.url.rsplit("/", 3)
        k = int(group.removeprefix("wg"))
        if int(meeting) <= max(2, statements * k // series):
            keep.append(statement)
    return keep


def main() -> None:
    """Parse the options, run the modes and print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--series", type=int, default=8)
    parser.add_argument("--statements", type=int, default=40, help="per series")
    parser.add_argument("--languages", default="en,ko", help="comma list of en, ko")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lexical", action="store_true", help="align without the encoder")
    parser.add_argument("--uneven", action="store_true", help="series of different lengths")
    parser.add_argument(
        "--publication-order",
        action="store_true",
        help="processes take the series in publication order, not longest first",
    )
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--modes", default="serial,processes,threads", help="comma list of the runs to make"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="make the runs this many times (each compared with its own round's 1 worker)",
    )
    args = parser.parse_args()
    languages = [x.strip() for x in args.languages.split(",") if x.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for mode in modes:
        if mode not in ("serial", "processes", "threads"):
            parser.error(f"unknown mode {mode!r}")
    from scrapers.sources import default_sources  # noqa: F401  (imports as a worker would)
    from tests.support.postgres import ThrowawayPostgres

    begun = time.perf_counter()
    # The encoder as a tracking run configures it (TrackingRun); the pools pass it on.
    settings = get_settings()
    configure_encoder(settings)
    print(machine_line())
    make = uneven_history if args.uneven else synthetic_history
    statements = make(args.series, args.statements, languages, args.seed)
    # Arrival order is meeting by meeting; a run stores in publication order, then by series.
    ordered = sorted(statements, key=lambda s: (s.published, s.language or "", s.url))
    groups = series_groups(ordered)
    print(
        f"history: {args.series} series x {args.statements} statements x {len(languages)} "
        f"languages{' (uneven lengths)' if args.uneven else ''} = {len(statements)} statements "
        f"in {len(groups)} series groups of {min(map(len, groups))}-{max(map(len, groups))}, "
        f"{'lexical' if args.lexical else 'semantic'} alignment, seed {args.seed}; encoder "
        f"threads {settings.encoder_thread_count}, table cache {settings.cache_dir}"
    )
    runs: list[tuple[str, Run]] = []
    rounds = [(r, mode) for r in range(1, args.rounds + 1) for mode in modes]
    with ThrowawayPostgres() as pg:
        server = Server(pg)
        for n, (round_, mode) in enumerate(rounds):
            database = f"parallel_{n}_{mode}"
            url = pg.create_database(database)
            prepare(url)
            workers = 1 if mode == "serial" else args.workers
            label = {
                "serial": "1 worker",
                "threads": f"{workers} threads",
                "processes": f"{workers} processes",
            }[mode]
            if mode == "processes" and args.publication_order:
                label += ", publication order"
            if args.rounds > 1:
                label += f" #{round_}"
            run = measure(
                mode,
                label,
                workers,
                server,
                url,
                database,
                groups,
                args.lexical,
                args.publication_order,
            )
            run.rows = counts(url)
            runs.append((mode, run))
            print(
                f"  {label}: {run.wall:.1f} s wall, CPU s: parent {run.parent:.1f}, workers "
                f"{' + '.join(f'{c:.1f}' for c in run.per_worker)}, server {run.server:.1f}, "
                f"other processes {run.others:.1f}; {run.rows}",
                flush=True,
            )
    report(runs, len(statements), len(modes))
    print(end_line(begun))


def report(runs: list[tuple[str, Run]], statements: int, per_round: int) -> None:
    """Print the wall-clock table and the CPU-seconds table; each run is compared with the
    1-worker run of its round (``per_round`` runs a round)."""
    bases = {
        n: next(
            (
                r
                for m, r in runs[n - n % per_round : n - n % per_round + per_round]
                if m == "serial"
            ),
            None,
        )
        for n in range(len(runs))
    }
    agreed = runs[0][1].rows
    print()
    print("Backfill history stage on PostgreSQL (store + compare, each series in order)")
    wall_rows = []
    for n, (_, run) in enumerate(runs):
        base = bases[n]
        rate = statements / run.wall
        wall_rows.append(
            [
                run.label,
                str(statements),
                f"{run.wall:.1f}",
                f"{rate:.2f}",
                f"{base.wall / run.wall:.2f}x" if base else "-",
                str(run.errors),
                "yes" if run.rows == agreed else f"NO {run.rows}",
                run.load_before,
                run.load_after,
                f"{run.others:.1f}",
            ]
        )
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
            "others' CPU s",
        ],
        wall_rows,
    )
    print("CPU seconds (user + system) by process group")
    cpu_rows = []
    for n, (mode, run) in enumerate(runs):
        base = bases[n]
        cpu_rows.append(
            [
                run.label,
                f"{run.parent:.1f}",
                f"{run.worker_total:.1f}",
                " / ".join(f"{c:.1f}" for c in run.per_worker),
                f"{run.server:.1f}",
                f"{run.cpu:.1f}",
                f"{100 * run.server / run.cpu:.0f} %" if run.cpu else "-",
                f"{1000 * run.server / statements:.1f}",
                f"{run.begins / statements:.1f}",
                f"{run.transactions / statements:.1f}",
                str(run.deadlocks),
                str(run.lock_waits),
                ceiling(base.cpu if base else None, run.cpu, run.chain(mode)),
            ]
        )
    print_table(
        [
            "run",
            "parent",
            "workers",
            "each worker",
            "server",
            "total",
            "server share",
            "server ms/stmt",
            "BEGIN/stmt",
            "server xacts/stmt",
            "deadlocks",
            "lock waits >10ms",
            "ceiling",
        ],
        cpu_rows,
    )
    print(CEILING_NOTE)
    print(
        "BEGIN/stmt = explicit transactions the clients opened (pg_stat_statements); server "
        "xacts/stmt = pg_stat_database commits + rollbacks, where each statement of an "
        "autocommit read session (since dcb3b62) is one: not comparable with rows before it"
    )


if __name__ == "__main__":
    main()
