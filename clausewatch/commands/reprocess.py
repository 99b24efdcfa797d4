"""``clausewatch reprocess``: bring the stored history up to the running engine (ADR 0109).

Runs ``pipeline.reprocess`` here, without Prefect (it reads and writes only the history):
series side by side in worker processes on PostgreSQL with ``--workers`` above one,
serially on SQLite. The ``reprocess`` deployment runs the same stages as Prefect tasks.
"""

from __future__ import annotations

import enum
import json
from typing import Annotated

import typer

from core.settings import MAX_WORKERS


class Format(enum.StrEnum):
    """Output formats of ``reprocess``."""

    text = "text"
    json = "json"


def reprocess(
    series: Annotated[
        str | None,
        typer.Option("--series", help="Reprocess only this series (default: every series)."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            help="Processes reprocessing series side by side (PostgreSQL only; SQLite stays "
            "serial).",
        ),
    ] = 1,
    lexical: Annotated[
        bool,
        typer.Option(
            "--lexical",
            help="No encoder: missing comparisons by wording only, clause vectors left alone.",
        ),
    ] = False,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Refresh derived data stored by an older engine and make missing comparisons.

    Walks the stored versions of each series in publication order.

    Recomputes values under a stale engine stamp: support keys; clause vectors unless --lexical.

    Makes the comparisons the history lacks, with their alerts, as ingest would have.

    Never re-decides a comparison that exists, even one an older engine made.

    Safe to repeat. Exits 1 if a version failed, 2 on bad input.
    """
    from core.settings import get_settings
    from pipeline.reprocess import ReprocessFailed, reprocess_history

    report = reprocess_history(get_settings(), series, workers=workers, lexical=lexical)
    if output is Format.json:
        print(
            json.dumps(
                {"workers": report.workers, "series": report.rows, "totals": report.totals()},
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        _print_table(report.rows, report.totals(), report.workers)
    if report.failed:
        raise ReprocessFailed(report)


def _print_table(rows: list[dict[str, object]], totals: dict[str, int], workers: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Reprocessed ({workers} worker{'' if workers == 1 else 's'})")
    columns = ("series", "versions", "refreshed", "comparisons", "alerts queued", "errors")
    for column in columns:
        table.add_column(column, justify="left" if column == "series" else "right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    table.add_row("total", *(str(totals[c]) for c in columns[1:]), style="bold")
    console = Console()
    console.print(table)
    for row in rows:
        if row["error"]:
            console.print(f"{row['series']}: {row['errors']} error(s); first: {row['error']}")


def register(app: typer.Typer) -> None:
    """Add ``reprocess`` to the CLI."""
    app.command("reprocess")(reprocess)
