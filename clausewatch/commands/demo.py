"""``clausewatch demo``: the whole pipeline, offline, on the embedded NCG statements."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer


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
    """Replay two and a half years of NCG statements through tracking, comparison and email."""
    from rich.console import Console
    from rich.table import Table

    from clausewatch.demo.runner import StepResult, default_directory, run_demo

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

    table = Table(title="clausewatch demo: what each simulated day added")
    for column in ("date", "step", "statements", "versions", "comparisons", "flagged"):
        table.add_column(column, justify="left" if column in ("date", "step") else "right")
    for r in result.steps:
        table.add_row(
            str(r.step.day),
            r.step.label,
            str(r.statements),
            str(r.versions),
            str(r.comparisons),
            str(r.flagged),
        )
    table.add_row(
        "total",
        "",
        str(sum(r.statements for r in result.steps)),
        str(sum(r.versions for r in result.steps)),
        str(sum(r.comparisons for r in result.steps)),
        str(sum(r.flagged for r in result.steps)),
        style="bold",
    )
    console.print(table)
    where = f" into {result.mail_dir}" if result.mail_dir else " (to CLAUSEWATCH_SMTP_HOST)"
    console.print(f"alert emails sent: {result.mail_sent}{where}")
    console.print(f"report:   {result.report}")
    console.print(f"timeline: {result.timeline}")
    console.print(
        f"history:  CLAUSEWATCH_DATA_DIR={result.directory} clausewatch history "
        f"(finished in {time.monotonic() - started:.0f} s)"
    )


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the CLI."""
    app.command("demo")(demo)
