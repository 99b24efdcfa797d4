"""Scale of the history: ingest throughput, database size and analyst-read latency, by backend.

Builds a synthetic history (series x statements x languages) whose statements recombine
and perturb the sentences of the embedded NCG corpus: every successor drops, adds and
rewords a few clauses, so each comparison has work. Prints four tables: ingest-and-align
throughput per language, database size, median latency of the analyst views, ``search``
and ``timeline``, and a backfill reprocessing with Prefect's default task runner against
prefect-dask's DaskTaskRunner. Not a pass/fail test; run with
``.venv/bin/python benchmarks/scale.py --quick`` (a minute), without options (24 x 50 x 2)
or ``--full`` (200 x 50 x 2, the size where a cliff would show). Every ingest row states
the load average seen while it ran: figures taken beside other work are upper bounds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from common import in_fresh_process, load, machine_line, median_seconds, print_table
from sqlalchemy import text

from models import History, open_history
from models.db import make_engine, upgrade
from pipeline.stages import StatementInput, compare_version, store_statement

# Words spliced into a clause to reword it; English and Korean adverbs of the domain.
REWORD_WORDS = {
    "en": ["closely", "further", "steadily", "jointly", "in earnest", "as a priority"],
    "ko": ["긴밀히", "지속적으로", "더욱", "적극적으로", "함께", "우선적으로"],
}
# One clause that only one statement carries, so ``search`` has a rare phrase to find.
RARE_CLAUSE = {
    "en": "The delegations also reviewed a pilot on Arctic weather stations.",
    "ko": "양측은 북극 기상관측소 시범사업도 검토했다.",
}
RARE_PHRASE = {"en": "Arctic weather stations", "ko": "북극 기상관측소"}
COMMON_PHRASE = {"en": "extended deterrence", "ko": "확장억제"}
CLAUSES_PER_STATEMENT = 18
PARAGRAPH_CLAUSES = 3
SOURCE = "synthetic"
PRESETS = {"full": (200, 50), "default": (24, 50), "quick": (10, 10)}


@dataclass
class IngestFigures:
    """Wall time and work done while ingesting one language into one database."""

    seconds: float = 0.0
    statements: int = 0
    clauses: int = 0
    comparisons: int = 0
    # 1-minute load averages sampled while this language was ingested.
    load: list[float] = field(default_factory=list)


@dataclass
class DatabaseFigures:
    """Everything measured on one backend."""

    backend: str
    ingest: dict[str, IngestFigures] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    size_bytes: int = 0
    empty_bytes: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)


# -- the synthetic history ------------------------------------------------------------------


def sentence_pool(language: str) -> list[str]:
    """Distinct clauses of the embedded NCG statements in ``language``; raises InputError."""
    from clauses import segment
    from clausewatch.demo.corpus import load_statements

    seen: dict[str, None] = {}
    for statement in load_statements():
        if statement.language != language:
            continue
        for clause in segment(statement.text, language):
            if len(clause.text) > 25:
                seen.setdefault(clause.text, None)
    return list(seen)


def reword(rng: random.Random, clause: str, language: str) -> str:
    """``clause`` with one domain adverb spliced in, as an edited clause."""
    words = clause.split()
    words.insert(rng.randrange(1, max(2, len(words) - 1)), rng.choice(REWORD_WORDS[language]))
    return " ".join(words)


def opening(series: int, meeting: int, day: dt.date, language: str) -> str:
    """The first clause of a statement: which group met, and when (differs every meeting)."""
    if language == "ko":
        return (
            f"양국은 {day.year}년 {day.month}월 {day.day}일 제{series + 1}실무그룹 "
            f"제{meeting + 1}차 회의를 개최했다."
        )
    return (
        f"The allies held meeting {meeting + 1} of working group {series + 1} "
        f"on {day:%B} {day.day}, {day.year}."
    )


def series_statements(
    seed: int, series: int, count: int, language: str, pool: list[str]
) -> Iterator[tuple[dt.date, list[str]]]:
    """The clauses of ``count`` successive statements of one series in one language."""
    rng = random.Random(f"{seed}/{series}/{language}")
    clauses = rng.sample(pool, min(CLAUSES_PER_STATEMENT, len(pool)))
    start = dt.date(2000, 1, 3) + dt.timedelta(days=series)
    for meeting in range(count):
        if meeting:
            for _ in range(rng.randint(1, 2)):
                clauses.pop(rng.randrange(len(clauses)))
            for _ in range(rng.randint(1, 2)):
                fresh = [c for c in pool if c not in clauses]
                clauses.insert(rng.randrange(len(clauses) + 1), rng.choice(fresh or pool))
            for _ in range(rng.randint(1, 2)):
                k = rng.randrange(len(clauses))
                clauses[k] = reword(rng, clauses[k], language)
        day = start + dt.timedelta(days=91 * meeting)
        body = list(clauses)
        if series == 0 and meeting == min(1, count - 1):
            body.append(RARE_CLAUSE[language])
        yield day, [opening(series, meeting, day, language), *body]


def synthetic_history(
    series: int, statements: int, languages: list[str], seed: int
) -> list[StatementInput]:
    """The whole synthetic history in arrival order (meeting by meeting, English first)."""
    pools = {language: sentence_pool(language) for language in languages}
    streams = {
        (s, language): series_statements(seed, s, statements, language, pools[language])
        for s in range(series)
        for language in languages
    }
    ordered: list[StatementInput] = []
    for meeting in range(statements):
        for s in range(series):
            for language in languages:
                day, clauses = next(streams[(s, language)])
                paragraphs = [
                    " ".join(clauses[i : i + PARAGRAPH_CLAUSES])
                    for i in range(0, len(clauses), PARAGRAPH_CLAUSES)
                ]
                ordered.append(
                    StatementInput(
                        url=f"https://synthetic.invalid/wg{s + 1}/{meeting + 1}/{language}",
                        source=SOURCE,
                        text="\n\n".join(paragraphs),
                        language=language,
                        title=f"Working group {s + 1}, meeting {meeting + 1} ({language})",
                        published=day,
                        series=series_slug(s),
                        series_title=f"Synthetic working group {s + 1}",
                    )
                )
    return ordered


def series_slug(series: int) -> str:
    """The slug of synthetic series number ``series``."""
    return f"wg-{series + 1:03d}"


# -- measurements ---------------------------------------------------------------------------


def ingest(
    history: History, statements: list[StatementInput], lexical: bool, progress: bool
) -> dict[str, IngestFigures]:
    """Store then compare every statement, timing each language separately."""
    figures: dict[str, IngestFigures] = {}
    last_report = last_sample = time.perf_counter()
    for n, statement in enumerate(statements, 1):
        assert statement.language is not None
        into = figures.setdefault(statement.language, IngestFigures())
        if not into.load or time.perf_counter() - last_sample > 10:
            last_sample = time.perf_counter()
            into.load.append(os.getloadavg()[0])
        start = time.perf_counter()
        outcome = store_statement(history, statement, lexical=lexical)
        made = compare_version(history, outcome.version_id, lexical=lexical)
        into.seconds += time.perf_counter() - start
        into.statements += 1
        into.comparisons += sum(1 for o in made if o.created)
        if progress and time.perf_counter() - last_report > 60:
            last_report = time.perf_counter()
            print(
                f"  ... {n}/{len(statements)} statements, load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    with history.engine.connect() as conn:
        for language, into in figures.items():
            into.clauses = conn.execute(
                text(
                    "SELECT count(*) FROM clause c JOIN version v ON v.id = c.version_id "
                    "JOIN document d ON d.id = v.document_id WHERE d.language = :l"
                ),
                {"l": language},
            ).scalar_one()
    return figures


def database_size(history: History, url: str) -> int:
    """Bytes the history takes: the SQLite file after a checkpoint, or pg_database_size."""
    with history.engine.connect() as conn:
        if history.engine.dialect.name == "postgresql":
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    database = history.engine.url.database
    assert database is not None
    return sum(p.stat().st_size for p in Path(database).parent.glob(Path(database).name + "*"))


def read_latencies(history: History, languages: list[str], repeat: int) -> dict[str, float]:
    """Median latency of the analyst views, search and timeline (label → ms)."""
    from models.analysis import commitment_timeline, search_clauses

    def view_query(sql: str) -> Callable[[], object]:
        def run() -> object:
            with history.engine.connect() as conn:
                return conn.execute(text(sql)).all()

        return run

    def search(phrase: str, expect_some: bool) -> Callable[[], object]:
        def run() -> object:
            with history.sessions() as session:
                result = search_clauses(session, phrase)
            if expect_some and not result.statements:
                raise RuntimeError(f"search for {phrase!r} found nothing")
            return result

        return run

    def timeline(language: str) -> Callable[[], object]:
        def run() -> object:
            with history.sessions() as session:
                return commitment_timeline(session, series_slug(0), language)

        return run

    queries: dict[str, Callable[[], object]] = {}
    for view in ("version_history", "statement_changes", "commitment_timeline"):
        queries[f"view {view}: count"] = view_query(f"SELECT count(*) FROM {view}")
        queries[f"view {view}: first 50 rows"] = view_query(f"SELECT * FROM {view} LIMIT 50")
    for language in languages:
        queries[f"search common '{COMMON_PHRASE[language]}'"] = search(
            COMMON_PHRASE[language], False
        )
        queries[f"search rare '{RARE_PHRASE[language]}'"] = search(RARE_PHRASE[language], True)
        queries[f"timeline {series_slug(0)} ({language})"] = timeline(language)
    return {label: median_seconds(run, repeat) * 1000 for label, run in queries.items()}


def table_counts(history: History) -> dict[str, int]:
    """Row counts of the history tables."""
    from models.store import table_counts as counts

    with history.sessions() as session:
        return counts(session)


@contextmanager
def backends(chosen: str, workdir: Path) -> Iterator[list[tuple[str, Callable[[str], str]]]]:
    """Yield (backend, make database URL by name) for each chosen backend."""
    made: list[tuple[str, Callable[[str], str]]] = []
    server = None
    try:
        if chosen in ("sqlite", "both"):
            made.append(("sqlite", lambda name: f"sqlite:///{workdir / name}.sqlite"))
        if chosen in ("postgresql", "both"):
            from tests.support.postgres import ThrowawayPostgres

            server = ThrowawayPostgres().start()
            made.append(("postgresql", server.create_database))
        yield made
    finally:
        if server is not None:
            server.stop()


def fresh_history(url: str) -> History:
    """Create the schema at ``url`` and open it."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return open_history(url)


def measure_backend(
    backend: str,
    url: str,
    statements: list[StatementInput],
    languages: list[str],
    lexical: bool,
    repeat: int,
) -> DatabaseFigures:
    """Ingest the synthetic history into ``url`` and measure it."""
    figures = DatabaseFigures(backend)
    if not lexical:
        from clauses import default_encoder

        start = time.perf_counter()
        default_encoder().encode(["warm-up"])
        print(f"{backend}: encoder load {time.perf_counter() - start:.1f} s (not counted)")
    history = fresh_history(url)
    try:
        figures.empty_bytes = database_size(history, url)
        print(f"{backend}: ingesting {len(statements)} statements", flush=True)
        figures.ingest = ingest(history, statements, lexical, progress=True)
        figures.counts = table_counts(history)
        figures.size_bytes = database_size(history, url)
        if history.engine.dialect.name == "postgresql":
            with history.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        figures.latency_ms = read_latencies(history, languages, repeat)
    finally:
        history.close()
    return figures


def backfill(
    make_url: Callable[[str], str],
    args: argparse.Namespace,
    languages: list[str],
) -> dict[str, tuple[float, int]]:
    """Store a small history without comparing it, then re-compare it under both runners."""
    from tests.support.prefect_server import PrefectServer

    # A real API server that the Dask workers share: without one, the flow process and
    # every worker process would each start a temporary server of their own.
    server = PrefectServer(
        Path(tempfile.mkdtemp(prefix="clausewatch-prefect-")),
        extra_env={
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "warning",
        },
    )
    start = time.perf_counter()
    server.start()
    started = time.perf_counter() - start
    os.environ.update(server.env)
    try:
        figures = {"prefect server start (until /api/health answers)": (started, 0)}
        figures.update(_backfill_runs(make_url, args, languages))
        return figures
    finally:
        server.stop()


def _backfill_runs(
    make_url: Callable[[str], str], args: argparse.Namespace, languages: list[str]
) -> dict[str, tuple[float, int]]:
    statements = synthetic_history(
        args.backfill_series, args.backfill_statements, languages, args.seed
    )
    urls = [make_url("backfill_default"), make_url("backfill_dask")]
    version_ids: list[int] = []
    for url in urls:
        history = fresh_history(url)
        try:
            ids = [store_statement(history, s, lexical=args.lexical).version_id for s in statements]
        finally:
            history.close()
        version_ids = ids
    from scale_dask import run_backfill

    return run_backfill(urls[0], urls[1], version_ids, args.lexical, args.workers)


# -- report ---------------------------------------------------------------------------------


def report(results: list[DatabaseFigures], languages: list[str]) -> None:
    """Print the ingest, size and latency tables."""
    rows = []
    for figures in results:
        for language in languages:
            f = figures.ingest[language]
            rows.append(
                [
                    f"{figures.backend} {language}",
                    str(f.statements),
                    str(f.clauses),
                    str(f.comparisons),
                    f"{f.seconds:.1f}",
                    f"{f.statements / f.seconds:.2f}",
                    f"{f.clauses / f.seconds:.0f}",
                    f"{f.seconds / f.statements * 1000:.0f}",
                    f"{min(f.load):.1f}-{max(f.load):.1f}" if f.load else "?",
                ]
            )
    print("Ingest and align (store_statement + compare_version, one process)")
    print_table(
        [
            "backend lang",
            "stmts",
            "clauses",
            "compars",
            "s",
            "stmts/s",
            "clauses/s",
            "ms/stmt",
            "load",
        ],
        rows,
    )
    rows = []
    for figures in results:
        c = figures.counts
        grown = figures.size_bytes - figures.empty_bytes
        rows.append(
            [
                figures.backend,
                str(c.get("version", 0)),
                str(c.get("clause", 0)),
                str(c.get("comparison", 0)),
                str(c.get("clause_change", 0)),
                f"{figures.empty_bytes / 1e6:.1f}",
                f"{figures.size_bytes / 1e6:.1f}",
                f"{grown / max(1, c.get('version', 0)) / 1e3:.1f}",
            ]
        )
    print("Database size")
    print_table(
        [
            "backend",
            "versions",
            "clauses",
            "compars",
            "clause chg",
            "empty MB",
            "MB",
            "kB/version",
        ],
        rows,
    )
    labels = list(results[0].latency_ms)
    print("Read latency, median ms")
    print_table(
        ["query", *(f.backend for f in results)],
        [[label, *(f"{f.latency_ms[label]:.1f}" for f in results)] for label in labels],
    )


def main() -> None:
    """Parse the options, run the measurements and print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--series", type=int, default=None, help="series (default 24)")
    parser.add_argument("--statements", type=int, default=None, help="per series (default 50)")
    parser.add_argument("--languages", default="en,ko", help="comma list of en, ko")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--lexical", action="store_true", help="align without the encoder")
    parser.add_argument("--quick", action="store_true", help="10 series x 10 statements")
    parser.add_argument("--full", action="store_true", help="200 series x 50 statements")
    parser.add_argument("--repeat", type=int, default=5, help="runs per latency figure")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--no-backfill", action="store_true", help="skip the runner comparison")
    parser.add_argument("--backfill-series", type=int, default=4)
    parser.add_argument("--backfill-statements", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    args = parser.parse_args()
    preset = "quick" if args.quick else "full" if args.full else "default"
    preset_series, preset_statements = PRESETS[preset]
    n_series = args.series or preset_series
    n_statements = args.statements or preset_statements
    languages = [x.strip() for x in args.languages.split(",") if x.strip()]
    unknown = set(languages) - set(REWORD_WORDS)
    if unknown:
        parser.error(f"unknown languages: {', '.join(sorted(unknown))} (use en, ko)")

    print(machine_line())
    print(
        f"history: {n_series} series x {n_statements} statements x {len(languages)} languages "
        f"({','.join(languages)}), {'lexical' if args.lexical else 'semantic'} alignment, "
        f"seed {args.seed}"
    )
    statements = synthetic_history(n_series, n_statements, languages, args.seed)
    with (
        tempfile.TemporaryDirectory(prefix="clausewatch-scale-") as workdir,
        backends(args.db, Path(workdir)) as chosen,
    ):
        # Each backend is measured in a fresh process: the encoder's per-process cache and
        # the lexicon caches would otherwise make the second backend look faster.
        results = [
            in_fresh_process(
                measure_backend,
                name,
                make_url("scale"),
                statements,
                languages,
                args.lexical,
                args.repeat,
            )
            for name, make_url in chosen
        ]
        print()
        print(f"load average (1 / 5 min) at the end: {load()}")
        report(results, languages)
        if not args.no_backfill:
            name, make_url = chosen[-1]
            versions = args.backfill_series * args.backfill_statements * len(languages)
            print(
                f"Backfill reprocessing: compare_version over {versions} stored versions "
                f"on {name} ({args.backfill_series} series x {args.backfill_statements} "
                f"statements x {len(languages)} languages)"
            )
            figures = backfill(make_url, args, languages)
            print_table(
                ["run", "wall s", "comparisons made"],
                [[label, f"{s:.1f}", str(n)] for label, (s, n) in figures.items()],
            )


if __name__ == "__main__":
    main()
