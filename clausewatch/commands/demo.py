"""``clausewatch demo``: the whole pipeline, offline, on the embedded NCG and SCM statements."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from clausewatch.demo.runner import StepResult


def demo(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="New folder for the run; it becomes the data directory "
            "(default: a fresh folder under the data directory).",
        ),
    ] = None,
    lexical: Annotated[
        bool, typer.Option("--lexical", help="Align by wording only (no sentence encoder).")
    ] = False,
) -> None:
    """Replay two and a half years of NCG and SCM statements through tracking, comparison and
    email."""
    from rich.console import Console
    from rich.table import Table

    from clausewatch.demo.runner import default_directory, run_demo

    console = Console()
    target = directory or default_directory()
    started = time.monotonic()

    def on_step(result: StepResult) -> None:
        step = result.step
        found = (
            f"{result.statements} new statements, {result.versions} new versions, "
            f"{result.comparisons} comparisons, {result.flagged} flagged changes"
            if result.versions
            else f"nothing new ({result.not_modified} pages unchanged)"
        )
        errors = f", [red]{result.errors} errors[/red]" if result.errors else ""
        console.print(f"[bold]{step.day}[/bold]  {step.label:<28} {found}{errors}")
        for line in result.flagged_lines:
            console.print(f"             [yellow]{line}[/yellow]")

    def on_status(message: str) -> None:
        console.print(f"[dim]· {message}[/dim]")

    result = run_demo(target, lexical=lexical, on_step=on_step, on_status=on_status)

    table = Table(title="clausewatch demo: what each simulated day added, per series")
    for column in SUMMARY_COLUMNS:
        table.add_column(column, justify="left" if column in SUMMARY_COLUMNS[:3] else "right")
    rows = summary_rows(result.steps)
    for row in rows[:-1]:
        table.add_row(*row)
    table.add_row(*rows[-1], style="bold")
    console.print(table)
    where = f" into {result.mail_dir}" if result.mail_dir else " (to CLAUSEWATCH_SMTP_HOST)"
    console.print(f"alert emails sent: {result.mail_sent}{where}")
    for slug in result.reports:
        console.print(f"report:   {result.reports[slug]}")
        console.print(f"timeline: {result.timelines[slug]}")
    console.print(f"finished in {time.monotonic() - started:.0f} s; read the history with:")
    # Plain print: rich would wrap or restyle a command meant to be copied whole.
    print(history_command(result.directory))


def history_command(directory: Path) -> str:
    """A command that reads the demo's history as typed, from any folder.

    The console script next to this Python (``.venv/bin/clausewatch``) is named by its full
    path: after ``make demo`` nothing put ``clausewatch`` on PATH.
    """
    import shlex
    import shutil
    import sys

    script = Path(sys.executable).parent / "clausewatch"
    if not script.exists():
        found = shutil.which("clausewatch")
        script = Path(found) if found else script
    command = (
        f"{shlex.quote(str(script))} history"
        if script.exists()
        else (f"{shlex.quote(sys.executable)} -m clausewatch history")
    )
    return f"CLAUSEWATCH_DATA_DIR={shlex.quote(str(directory))} {command}"


SUMMARY_COLUMNS = ("date", "series", "step", "statements", "versions", "comparisons", "flagged")


def summary_rows(steps: list[StepResult]) -> list[tuple[str, ...]]:
    """The summary table: one row per simulated day and series that changed (a quiet day is
    one row of zeros under series "-"), then the totals."""
    figures = SUMMARY_COLUMNS[3:]
    rows: list[tuple[str, ...]] = []
    for r in steps:
        by_series = r.by_series or {"-": dict.fromkeys(figures, 0)}
        for slug, counts in by_series.items():
            rows.append((str(r.step.day), slug, r.step.label, *(str(counts[f]) for f in figures)))
    totals = (sum(getattr(r, f) for r in steps) for f in figures)
    rows.append(("total", "", "", *(str(t) for t in totals)))
    return rows


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the CLI."""
    app.command("demo")(demo)
